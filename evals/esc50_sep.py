"""The ``esc50-sep`` suite: two-source mixtures of ESC-50 fold-5 clips (the held-out fold: never
trained on), "remove the X" and "extract the X" queried by class name.

Each mixture is two 5 s clips of different classes at equal RMS (0 dB), 16 kHz mono, written once
into the cache folder (``runs/esc50-sep`` by default; the audio is CC BY-NC and is never
committed). Both events span the whole clip and are annotated, as in the LCR suite: the suite
measures the editor on overlapping sounds, not the grounding. Targets: "remove the X" -> the other
clip, "extract the X" -> X alone. The report's median SI-SDRi is the issue's figure.

``UNSEEN_CLASSES``: five fold-5 classes a training recipe can hold out of all training (audio and
text) to measure classes the editor has never heard named; their items have ``subtype`` "unseen".

    suite = esc50_sep_suite(data_root(), runs_dir() / "esc50-sep", n_pairs=100)
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, load_audio, save_audio

HELDOUT_FOLD = "5"
RATE_HZ = 16000
CLIP_S = 5.0
UNSEEN_CLASSES = ("can_opening", "hand_saw", "sneezing", "mouse_click", "brushing_teeth")


def fold5_clips(root: Path) -> list[tuple[str, str]]:
    """(path, label) of every ESC-50 fold-5 clip, sorted by path."""
    meta = root / "esc50_16k" / "metadata.csv"
    with meta.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == HELDOUT_FOLD]
    return sorted((str(root / r["path"]), r["label"]) for r in rows)


def pairs(clips: list[tuple[str, str]], n_pairs: int, seed: int) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """``n_pairs`` (X, other) clip pairs of different classes, each clip used at most once as X."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(clips))
    out = []
    for i in order[:n_pairs]:
        others = [j for j in rng.permutation(len(clips)) if clips[j][1] != clips[i][1]]
        out.append((clips[i], clips[others[0]]))
    return out


def _fit(x: np.ndarray) -> np.ndarray:
    n = int(CLIP_S * RATE_HZ)
    return np.pad(x, (0, max(0, n - x.size)))[:n].astype(np.float64)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2))) + 1e-12


def build_pair(a_path: str, b_path: str, folder: Path) -> dict[str, str]:
    """Write ``mix.wav``, ``a.wav`` (X) and ``b.wav`` (the other) at equal RMS into ``folder`` (once)."""
    paths = {k: folder / f"{k}.wav" for k in ("mix", "a", "b")}
    if all(p.is_file() for p in paths.values()):
        return {k: str(p) for k, p in paths.items()}
    a = _fit(load_audio(a_path).to_mono().resample(RATE_HZ).samples[0])
    b = _fit(load_audio(b_path).to_mono().resample(RATE_HZ).samples[0])
    a, b = a / _rms(a) * 0.05, b / _rms(b) * 0.05
    peak = max(np.max(np.abs(a + b)), 1e-9)
    scale = min(1.0, 0.9 / peak)
    folder.mkdir(parents=True, exist_ok=True)
    for k, x in (("a", a), ("b", b), ("mix", a + b)):
        save_audio(Audio((x * scale)[None].astype(np.float32), RATE_HZ), paths[k])
    return {k: str(p) for k, p in paths.items()}


def esc50_sep_suite(root: Path, cache: Path, limit: int | None = None, n_pairs: int = 100, seed: int = 0):
    from audioedit.evals.suites import EvalItem, Suite, caption
    from audioedit.scene import Event
    from audioedit.steps import EventRef, RemoveStep

    desc = "ESC-50 fold 5 (never trained on): two clips at 0 dB, 'remove the X' / 'extract the X' by class name"
    if not (root / "esc50_16k" / "metadata.csv").is_file():
        return Suite(name="esc50-sep", redistributable=False, description=desc,
                     skipped=f"ESC-50 not found under {root} (set AUDIOEDIT_DATA_ROOT or --data)")
    clips = fold5_clips(root)
    items, labels = [], set()
    for k, ((a_path, x), (b_path, y)) in enumerate(pairs(clips, n_pairs, seed)):
        files = build_pair(a_path, b_path, cache / f"{k:03d}")
        labels.update((x, y))
        ids = {"a": f"foreground0_{x}", "b": f"foreground1_{y}"}
        events = [Event(id=ids["a"], label=x, onset_s=0.0, offset_s=CLIP_S).model_dump(mode="json"),
                  Event(id=ids["b"], label=y, onset_s=0.0, offset_s=CLIP_S).model_dump(mode="json")]
        name = x.replace("_", " ")
        for op, removed, target, kept in (("remove", "a", "b", y), ("extract", "b", "a", x)):
            label = x if removed == "a" else y
            step = RemoveStep(id="s1", instruction=f"Remove the {label.replace('_', ' ')}.",
                              target=EventRef(label=label, event_ids=[ids[removed]]))
            items.append(EvalItem(
                suite="esc50-sep", id=f"{k:03d}-{op}-{x}", op=op, subtype="unseen" if x in UNSEEN_CLASSES else "seen",
                overlap=True, request=f"{op} the {name}", steps=[json.loads(step.model_dump_json())],
                source=files["mix"], events=events, stem_paths={ids["a"]: files["a"], ids["b"]: files["b"]},
                target=files[target], edit_spans_s=[[0.0, CLIP_S]], target_caption=caption([kept])))
    items = items[: limit or None]
    return Suite(name="esc50-sep", redistributable=False, description=desc, items=items, labels=sorted(labels))
