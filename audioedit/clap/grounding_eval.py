"""Calibrating and evaluating CLAP grounding.

- ``synthetic_scenes``: 10 s scenes mixed like Scaper soundscapes from *held-out* clips only (an
  ambience bed, 0-3 whole foreground clips of distinct classes at 5-20 dB loudness SNR), with exact
  reference events;
- ``calibrate``: the window length, z-score threshold and post-processing maximising event F1 on
  those scenes;
- ``evaluate_grounding``: event-based F1 (onset tolerance 0.5 s) on the annotated real Scaper
  soundscapes (``<data_root>/scaper/regression/*.wav`` + ``.txt``), querying "siren", "car horn" and
  "human voice" in every one (the background-only ones have no events, so any detection counts
  as a false positive).

    python -m audioedit.clap.grounding_eval --checkpoint audioedit/assets/clap_small [--write]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel
from audioedit.clap.captions import sound_class
from audioedit.clap.data import AudioCache, ClipRecord
from audioedit.clap.grounding import (
    GroundingConfig,
    curve_to_events,
    event_f1,
    f1_from_counts,
    score_curve,
    window_embeddings,
)
from audioedit.scene import Event

SCAPER_QUERIES = {"siren": "siren", "car_horn": "car horn", "human_voice": "human voice"}
BACKGROUND_CLASSES = {"air_conditioner", "engine_idling", "street_traffic", "rain", "wind", "running_water",
                      "dishes", "cafe", "music", "street_music", "children_playing"}


class GroundingResult(BaseModel):
    config: GroundingConfig  # calibrated on the synthetic scenes
    synthetic_f1: float
    synthetic_n_scenes: int
    scaper_f1: float | None
    scaper_precision: float | None
    scaper_recall: float | None
    scaper_n_reference: int


class SceneStyle(BaseModel):
    """How the calibration scenes are mixed: like a Scaper soundscape (one ambience bed at a fixed
    loudness, whole foreground clips at a loudness-SNR drawn per event, some scenes with no event)."""
    bed_lufs: float = -30.0
    snr_db_range: tuple[float, float] = (5.0, 20.0)  # event loudness over the bed's, as Scaper's snr
    max_events: int = 3
    background_only_prob: float = 0.25  # scenes with no event: every query is absent
    max_event_s: float = 5.0
    n_absent_queries: int = 1


def loudness_lufs(x: np.ndarray, sample_rate_hz: int) -> float:
    """Integrated loudness (ITU-R BS.1770, as Scaper measures it); clips shorter than one 0.4 s
    block, or silent ones, fall back to RMS in dBFS."""
    import pyloudnorm

    if len(x) >= int(0.4 * sample_rate_hz):
        value = pyloudnorm.Meter(sample_rate_hz).integrated_loudness(x.astype(np.float64))
        if np.isfinite(value):
            return float(value)
    return float(Audio(np.asarray(x, np.float32)[None], sample_rate_hz).rms_db())


def synthetic_scenes(records: list[ClipRecord], cache: AudioCache, n: int, seed: int = 0,
                     duration_s: float = 10.0, style: SceneStyle | None = None) -> list[tuple[Audio, list[Event], list[str]]]:
    """``(audio, reference events, queries)`` from *held-out* clips only, mixed per ``style``;
    queries = the present classes' names + ``n_absent_queries`` absent ones; at ``cache``'s rate."""
    style = style or SceneStyle()
    sr = cache.sample_rate_hz
    rng = np.random.default_rng(seed)
    held = [r for r in records if r.split == "heldout"]
    fg: dict[str, list[ClipRecord]] = {}
    bg = [r for r in held if r.class_key in BACKGROUND_CLASSES]
    for r in held:
        if r.class_key not in BACKGROUND_CLASSES:
            fg.setdefault(r.class_key, []).append(r)
    keys = sorted(fg)
    n_frames = int(duration_s * sr)
    scenes = []
    for _ in range(n):
        mix = np.zeros(n_frames, np.float32)
        if bg:
            x = cache.region(bg[rng.integers(len(bg))])
            x = np.tile(x, int(np.ceil(n_frames / max(len(x), 1))))[:n_frames]
            mix += x * 10 ** ((style.bed_lufs - loudness_lufs(x, sr)) / 20)
        n_events = 0 if rng.random() < style.background_only_prob else int(rng.integers(1, style.max_events + 1))
        chosen = rng.choice(len(keys), size=min(len(keys), n_events), replace=False)
        events = []
        for i, c in enumerate(chosen):
            key = keys[c]
            x = cache.region(fg[key][rng.integers(len(fg[key]))])[: int(style.max_event_s * sr)]
            start = int(rng.integers(0, n_frames - len(x) + 1))
            target_lufs = style.bed_lufs + rng.uniform(*style.snr_db_range)
            mix[start : start + len(x)] += x * 10 ** ((target_lufs - loudness_lufs(x, sr)) / 20)
            events.append(Event(id=f"ref{i}", label=sound_class(key).name, onset_s=start / sr,
                                offset_s=(start + len(x)) / sr))
        peak = float(np.max(np.abs(mix)))
        if peak > 0.99:
            mix *= 0.99 / peak
        absent = [k for k in keys if k not in {keys[c] for c in chosen}]
        picked = rng.choice(len(absent), size=min(len(absent), style.n_absent_queries), replace=False)
        queries = [sound_class(keys[c]).name for c in chosen] + [sound_class(absent[j]).name for j in picked]
        scenes.append((Audio(mix[None], sr), events, queries))
    return scenes


def _scored(model: ClapModel, scenes, cfg: GroundingConfig) -> list[tuple]:
    """Per scene: ``(centres_s, scores (n_windows, n_queries), duration_s, reference, queries)``."""
    out = []
    for audio, events, queries in scenes:
        centres, emb = window_embeddings(model, audio, cfg.window_s, cfg.hop_s)
        out.append((centres, score_curve(model, emb, queries, cfg.reference_prompts), audio.duration_s,
                    events, queries))
    return out


def _counts(scored: list[tuple], cfg: GroundingConfig) -> tuple[int, int, int]:
    tp = n_ref = n_est = 0
    for centres, scores, duration_s, events, queries in scored:
        detected = [e for j, q in enumerate(queries)
                    for e in curve_to_events(scores[:, j], centres, q, cfg, duration_s, id_prefix=f"detected{j}_")]
        a, b, c = event_f1(events, detected)
        tp, n_ref, n_est = tp + a, n_ref + b, n_est + c
    return tp, n_ref, n_est


CALIBRATION_GRID = {"window_s": (0.5, 1.0, 1.5, 2.0), "threshold": (0.5, 1.0, 1.5, 2.0, 2.5, 3.0),
                    "smooth_windows": (1, 3, 5), "min_duration_s": (0.25, 0.5), "merge_gap_s": (0.25, 0.5, 1.0)}


def calibrate(model: ClapModel, scenes, cfg: GroundingConfig | None = None,
              grid: dict[str, tuple] | None = None) -> tuple[GroundingConfig, float]:
    """``(best config, its F1)`` over every combination of ``grid`` (default ``CALIBRATION_GRID``)
    on ``scenes``; windows are embedded once per scene and window length, so only the
    post-processing is searched. Ties keep the earlier combination (shorter window, lower
    threshold, less smoothing)."""
    import itertools

    cfg = cfg or GroundingConfig()
    grid = dict(CALIBRATION_GRID if grid is None else grid)
    best = (cfg, -1.0)
    for window_s in grid.pop("window_s", (cfg.window_s,)):
        base = cfg.model_copy(update={"window_s": window_s})
        scored = _scored(model, scenes, base)
        for values in itertools.product(*grid.values()):
            candidate = base.model_copy(update=dict(zip(grid, values)))
            f1 = f1_from_counts(*_counts(scored, candidate))
            if f1 > best[1]:
                best = (candidate, f1)
    return best


def scaper_scenes(data_root: str | Path) -> list[tuple[Audio, list[Event], list[str]]]:
    """The annotated Scaper soundscapes with their events renamed to the query texts."""
    from audioedit.audio import load_audio
    from audioedit.scene import read_annotation

    out = []
    for wav in sorted(Path(data_root, "scaper", "regression").glob("*.wav")):
        txt = wav.with_suffix(".txt")
        events = read_annotation(txt) if txt.is_file() and txt.stat().st_size else []
        events = [e.model_copy(update={"label": SCAPER_QUERIES.get(e.label, e.label)}) for e in events]
        out.append((load_audio(wav), events, list(SCAPER_QUERIES.values())))
    return out


def evaluate_grounding(model: ClapModel, records: list[ClipRecord], data_root: str | Path,
                       cache_dir: str | Path | None = None, n_synthetic: int = 120,
                       max_real: int | None = None) -> GroundingResult:
    """Calibrate on synthetic scenes of held-out clips (at the model's rate), then measure F1 on the
    Scaper soundscapes (the first ``max_real`` of them: a smoke run)."""
    cache = AudioCache(model.sample_rate_hz, cache_dir)
    synth = synthetic_scenes(records, cache, n_synthetic)
    cfg, synth_f1 = calibrate(model, synth)
    real = scaper_scenes(data_root)[:max_real]
    if not real:
        return GroundingResult(config=cfg, synthetic_f1=synth_f1, synthetic_n_scenes=len(synth),
                               scaper_f1=None, scaper_precision=None, scaper_recall=None, scaper_n_reference=0)
    tp, n_ref, n_est = _counts(_scored(model, real, cfg), cfg)
    return GroundingResult(config=cfg, synthetic_f1=synth_f1, synthetic_n_scenes=len(synth),
                           scaper_f1=f1_from_counts(tp, n_ref, n_est), scaper_precision=tp / max(n_est, 1),
                           scaper_recall=tp / max(n_ref, 1), scaper_n_reference=n_ref)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Calibrate and evaluate CLAP grounding.")
    parser.add_argument("--checkpoint", default="audioedit/assets/clap_small")
    parser.add_argument("--data-root", default=None, help="default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev")
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N held-out clips of each kind and N Scaper scenes (smoke run)")
    parser.add_argument("--n-synthetic", type=int, default=120, help="synthetic calibration scenes")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--write", action="store_true",
                        help="save the calibrated settings as grounding.json in the checkpoint folder (what ground() uses)")
    args = parser.parse_args(argv)
    import torch

    from audioedit.clap.evaluate import first_of_each_kind, load_heldout
    from audioedit.clap.small import SHIPPED_DIR, SmallClap
    from audioedit.paths import data_root

    torch.set_num_threads(1)
    root = data_root(args.data_root)
    model = SmallClap.from_config({"checkpoint": args.checkpoint})
    _, records = load_heldout(args.checkpoint, root, [SHIPPED_DIR.parent / "bank"])
    if args.limit is not None:
        records = first_of_each_kind(records, args.limit)
    result = evaluate_grounding(model, records, root, args.cache_dir, n_synthetic=args.n_synthetic,
                                max_real=args.limit)
    print(result.model_dump_json(indent=2))  # noqa: T201 - command-line entry point
    if args.write:
        from audioedit.audio import write_text_atomic
        from audioedit.clap.small import GROUNDING_FILE, resolve_path

        path = write_text_atomic(resolve_path(args.checkpoint) / GROUNDING_FILE, result.model_dump_json(indent=2))
        path.chmod(0o644)


if __name__ == "__main__":
    main()
