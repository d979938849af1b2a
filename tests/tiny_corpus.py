"""A tiny stand-in for the development corpus, built from the starter bank in a temporary folder, so
the smoke runs of the evaluation commands run on a clean clone (CI has no ``../shared/data``).

Only the folders and files the commands read, in the corpus' own layout, a few short clips each:

- ``esc50_16k/``: ``metadata.csv`` and fold-5 clips of four ESC-50 classes (two each);
- ``lcr_remix_benchmark/``: ``triplets.json`` with two Listen-Chat-Remix-style items (mixture,
  sources, target of the code, a "model output");
- ``smartdj_demo/``: ``requests.json`` with one goal-only request and its recording;
- the ``speech`` suite's files: one speech clip and one background for each of its two splits;
- the long benchmark's: an ambience, a speech file and one clip of each of its foreground classes;
- for the CLAP evaluations: a bank clip (of the class, where the bank has it) at the path of every
  held-out dev clip of the shipped CLAP (``heldout_split.json``), the beds' ``moodist_ambience/metadata.csv``
  and one annotated soundscape in ``scaper/regression/``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, load_audio, save_audio

BANK = Path(__file__).resolve().parents[1] / "audioedit" / "assets" / "bank"
RATE_HZ = 16000
ESC50_CLASSES = {"dog": "foreground/dog_bark", "cat": "foreground/cat", "car_horn": "foreground/car_horn",
                 "siren": "foreground/siren"}
SPEECH_FILES = {  # the speech suite's split specs (evals/speech_data.SPLITS) that name one file
    "misc_small_real/pyroomacoustics_cmu_arctic/arctic_a0001.wav": ("foreground/speech", 0),
    "moodist_ambience/light_rain/light_rain.wav": ("background/rain", 0),
    "misc_small_real/audiomentations/speech_p286_011.wav": ("foreground/speech", 1),
    "speechcommands_bg/running_tap.wav": ("background/running_water", 0),
    "librosa_data/198-209-0000.hq.ogg": ("foreground/speech", 2),  # also the long benchmark's
}
LONG_FILES = {  # audioedit.evals.long_bench: an ambience and its foreground classes
    "moodist_ambience/rain/rain.ogg": ("background/rain", 1),
    **{f"urbansound8k_subset/foreground/{label}/{label}.wav": (f"foreground/{folder}", 0)
       for label, folder in (("car_horn", "car_horn"), ("dog_bark", "dog_bark"), ("siren", "siren"),
                             ("children_playing", "bird"))},
}


def bank_clip(folder: str, k: int = 0, seconds: float = 3.0) -> np.ndarray:
    """Mono 16 kHz samples of the ``k``-th file of a bank folder, cut or zero-padded to ``seconds``."""
    path = sorted((BANK / folder).glob("*.flac"))[k]
    x = load_audio(path).to_mono().resample(RATE_HZ).samples[0]
    n = int(seconds * RATE_HZ)
    return np.pad(x, (0, max(0, n - x.size)))[:n].astype(np.float32)


def _save(root: Path, rel: str, x: np.ndarray) -> str:
    if rel.endswith(".mp3"):  # a format the corpus has and save_audio does not write
        import soundfile as sf

        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(root / rel), x.astype(np.float32), RATE_HZ)
    else:
        save_audio(Audio(x.astype(np.float32), RATE_HZ), root / rel)
    return rel


def _esc50(root: Path) -> None:
    rows = []
    for label, folder in ESC50_CLASSES.items():
        for k in range(2):
            rel = _save(root, f"esc50_16k/{label}/5-{len(rows) + 100}-A-0.wav", 0.5 * bank_clip(folder, k, 5.0))
            rows.append({"path": rel, "label": label, "source": "starter bank", "licence": "CC0", "credit": "",
                         "duration_s": 5.0, "samplerate": RATE_HZ, "split": "5"})
    with open(root / "esc50_16k" / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _lcr(root: Path) -> None:
    gains = {"1": 1.0, "0": 0.0, "U": 2.0, "D": 0.5}
    sources = [0.3 * bank_clip("foreground/speech", 0), 0.3 * bank_clip("foreground/dog_bark", 0)]
    labels = ["female speaker with high pitch, normal tempo, high energy, and neutral emotion", "dog barking"]
    triplets = []
    for k, (code, instruction) in enumerate((("10", "Remove the dog."), ("1D", "Make the dog quieter."))):
        ex = f"1Speech1Audio/ex{k}"
        target = sum(gains[c] * s for c, s in zip(code, sources))
        triplets.append({"composition": "1 Speech + 1 Audio", "mixture": _save(root / "lcr_remix_benchmark", f"{ex}/mix.wav", sum(sources)),
                         "sources": [_save(root / "lcr_remix_benchmark", f"{ex}/s{i}.wav", s) for i, s in enumerate(sources)],
                         "source_labels": labels, "instruction": instruction, "code": code,
                         "target": _save(root / "lcr_remix_benchmark", f"{ex}/tar_{code}.wav", target),
                         "model_output": _save(root / "lcr_remix_benchmark", f"{ex}/edit_{code}.wav", 0.9 * target)})
    (root / "lcr_remix_benchmark" / "triplets.json").write_text(json.dumps(triplets), encoding="utf-8")


def _smartdj(root: Path) -> None:
    street = 0.3 * bank_clip("background/traffic", 0, 4.0) + 0.3 * bank_clip("foreground/car_horn", 0, 4.0)
    _save(root, "smartdj_demo/street.wav", street)
    requests = {"declarative": [{"audio": "street.wav", "request": "Make this sound like a sunny day"}]}
    (root / "smartdj_demo" / "requests.json").write_text(json.dumps(requests), encoding="utf-8")


def _clap_heldout(root: Path) -> None:
    split = json.loads((BANK.parent / "clap_small" / "heldout_split.json").read_text(encoding="utf-8"))
    for r in split["heldout"]:
        if r["path"].startswith("dev/"):
            folder = next((f"{role}/{r['class']}" for role in ("foreground", "background")
                           if (BANK / role / r["class"]).is_dir()), "foreground/cat")
            seconds = float(r["start_s"] or 0.0) + 2.0
            _save(root, r["path"][4:], np.resize(0.5 * bank_clip(folder, 0, 2.0), int(seconds * RATE_HZ)))
    beds = [{"path": "moodist_ambience/rain/rain.ogg", "label": "rain", "source": "bank", "licence": "CC0", "credit": "",
             "duration_s": 4.0, "samplerate": RATE_HZ, "split": "dev"}]
    with open(root / "moodist_ambience" / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(beds[0]))
        writer.writeheader()
        writer.writerows(beds)
    scene = 0.2 * bank_clip("background/traffic", 0, 10.0)
    scene[2 * RATE_HZ : 7 * RATE_HZ] += 0.4 * bank_clip("foreground/siren", 0, 5.0)
    _save(root, "scaper/regression/soundscape.wav", scene)
    (root / "scaper" / "regression" / "soundscape.txt").write_text("2.0\t7.0\tsiren\n", encoding="utf-8")


def build_tiny_corpus(root: Path) -> Path:
    """Write the tiny corpus under ``root`` and return it."""
    _esc50(root)
    _lcr(root)
    _smartdj(root)
    for rel, (folder, k) in SPEECH_FILES.items():
        _save(root, rel, 0.5 * bank_clip(folder, k, 2.5))
    for rel, (folder, k) in LONG_FILES.items():
        _save(root, rel, 0.5 * bank_clip(folder, k, 4.0))
    _clap_heldout(root)
    return root


def events_over_beds(root: Path) -> Path:
    """The stand-in for ``denoise_eval`` / ``suppress_eval``: two fold-5 "ESC-50" tones (a dog, a rooster,
    1 s each) and a 12 s white-noise "river" Moodist bed, each folder with its ``metadata.csv``."""
    import soundfile as sf

    rng = np.random.default_rng(0)
    t = np.arange(RATE_HZ * 2) / RATE_HZ
    (root / "esc50_16k").mkdir(parents=True, exist_ok=True)
    (root / "moodist_ambience").mkdir(exist_ok=True)
    rows = ["path,label,split"]
    for k, (label, hz) in enumerate((("dog", 500.0), ("rooster", 900.0))):
        sf.write(root / "esc50_16k" / f"{k}.wav", (0.3 * np.sin(2 * np.pi * hz * t) * (t < 1)).astype(np.float32), RATE_HZ)
        rows.append(f"esc50_16k/{k}.wav,{label},5")
    (root / "esc50_16k" / "metadata.csv").write_text("\n".join(rows) + "\n")
    sf.write(root / "moodist_ambience" / "r.wav", (0.05 * rng.standard_normal(RATE_HZ * 12)).astype(np.float32), RATE_HZ)
    (root / "moodist_ambience" / "metadata.csv").write_text("path,label\nmoodist_ambience/r.wav,river\n")
    return root
