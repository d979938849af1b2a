"""Open-set grounding of a CLAP: calibrate "not present", then measure on ESC-50 fold-5 scenes.

    python -m audioedit.clap.open_set_eval --checkpoint runs/export-broad [--write]

- calibration: ``--n-calibration`` scenes (``audioedit.clap.open_set.open_set_scenes``) from the
  checkpoint's held-out clips (file split; never ESC-50 fold 5, which no split holds) over Moodist
  beds (their held-out last 10 s); the grounding settings with the best event F1 whose false-alarm
  rate on absent queries is <= ``--max-false-alarm`` (8 %), and the presence (confidence) model;
- test: ``--n-test`` scenes of ESC-50 fold-5 clips over the same beds, one query each, absent in a
  quarter: event F1 (onset tolerance 0.5 s), false-alarm rate on absent queries, how the confidence
  separates present from absent queries, and the false-alarm rate of queries for sounds the model
  never heard of (``UNKNOWN_QUERIES``, asked in every test scene).

``--write`` stores the settings, the presence model and the figures as ``grounding.json`` in the
(one) checkpoint folder, which ``ground`` and ``detect`` then use.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from audioedit.clap.base import ClapModel
from audioedit.clap.captions import CORE_KEYS, sound_class
from audioedit.clap.data import AudioCache, ClipRecord
from audioedit.clap.grounding import GroundingConfig
from audioedit.clap.open_set import MAX_FALSE_ALARM, Presence, calibrate_open_set, count, open_set_scenes, peak_scores, score_scenes

UNKNOWN_QUERIES = ["a lawn mower", "bagpipes", "a lion roaring", "a basketball bouncing", "a dial-up modem",
                   "a didgeridoo", "a skateboard rolling", "a goat bleating"]
BED_SOURCE = "moodist_ambience"


class OpenSetResult(BaseModel):
    config: GroundingConfig
    presence: Presence
    calibration_f1: float
    calibration_false_alarm: float
    n_calibration: int
    test_f1: float
    test_precision: float
    test_recall: float
    test_false_alarm: float  # absent queries with any detected event
    test_n_scenes: int
    test_n_absent: int
    confidence_present_mean: float
    confidence_absent_mean: float
    presence_auc: float  # P(peak score of a present query > that of an absent one)
    unknown_false_alarm: dict[str, float]
    scaper_f1: float | None = None  # the 12 real Scaper soundscapes, with these settings
    scaper_precision: float | None = None
    scaper_recall: float | None = None


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    if not len(pos) or not len(neg):
        return float("nan")
    return float(np.mean([(p > neg).mean() + 0.5 * (p == neg).mean() for p in pos]))


def moodist_tails(data_root: str | Path) -> list[ClipRecord]:
    """The last 25 % of every Moodist bed (for a model whose corpus left Moodist out altogether)."""
    from audioedit.clap.broad_data import read_metadata
    from audioedit.clap.data import BED_TIME_SPLIT_FRACTION

    from audioedit.clap.vocabulary import source_key

    return [ClipRecord(str(Path(data_root) / r["path"]), source_key(BED_SOURCE, r["label"]) or r["label"], r["path"],
                       BED_SOURCE, "heldout", "time",
                       round((1 - BED_TIME_SPLIT_FRACTION) * float(r["duration_s"]), 3), None)
            for r in read_metadata(data_root, BED_SOURCE)]


def split_records(records: list[ClipRecord], data_root: str | Path) -> tuple[list[ClipRecord], list[ClipRecord]]:
    """(calibration foreground, beds) from held-out records."""
    beds = [r for r in records if r.split == "heldout" and r.source == BED_SOURCE and r.split_kind == "time"]
    if not any(r.source == BED_SOURCE for r in records):
        beds = moodist_tails(data_root)
    fg = [r for r in records if r.split == "heldout" and r.split_kind == "file" and r.source not in {BED_SOURCE, "bank"}]
    if not beds:
        raise FileNotFoundError("no held-out Moodist beds in this checkpoint's split (train with corpus: broad)")
    return fg, beds


def evaluate_open_set(model: ClapModel, records: list[ClipRecord], references: list[str] | None, data_root: str | Path,
                      cache_dir: str | Path | None = None, n_calibration: int = 160, n_test: int = 200,
                      seed: int = 0, windows_s: tuple[float, ...] | None = None,
                      max_false_alarm: float = MAX_FALSE_ALARM) -> OpenSetResult:
    from audioedit.clap.esc50_eval import fold5_records

    cache = AudioCache(model.sample_rate_hz, cache_dir)
    fg, beds = split_records(records, data_root)
    calib = open_set_scenes(fg, beds, cache, n_calibration, seed=seed + 1000)
    from audioedit.clap.open_set import OPEN_SET_GRID

    grid = {**OPEN_SET_GRID, "window_s": tuple(windows_s)} if windows_s else None
    cfg, presence, calib_counts = calibrate_open_set(model, calib, references, grid, max_false_alarm)
    test = open_set_scenes([r for r, _ in fold5_records(data_root)], beds, cache, n_test, seed=seed)
    scored = score_scenes(model, test, cfg.window_s, cfg.hop_s, references, UNKNOWN_QUERIES)
    counts = count(test, scored, cfg)
    unknown = {q: float(np.mean([_any_event(s, sc, cfg, j + 1) for s, sc in zip(test, scored)]))
               for j, q in enumerate(UNKNOWN_QUERIES)}
    peaks = peak_scores(scored, cfg.smooth_windows)
    present = np.array([s.present for s in test])
    conf = np.array([presence.probability(p) for p in peaks])
    scaper = _scaper(model, cfg, data_root)
    return OpenSetResult(**scaper, config=cfg, presence=presence, calibration_f1=calib_counts.f1,
                         calibration_false_alarm=calib_counts.false_alarm_rate, n_calibration=len(calib),
                         test_f1=counts.f1, test_precision=counts.tp / max(counts.n_estimated, 1),
                         test_recall=counts.tp / max(counts.n_reference, 1), test_false_alarm=counts.false_alarm_rate,
                         test_n_scenes=len(test), test_n_absent=counts.n_absent,
                         confidence_present_mean=float(conf[present].mean()),
                         confidence_absent_mean=float(conf[~present].mean()),
                         presence_auc=auc(peaks[present], peaks[~present]), unknown_false_alarm=unknown)


def _scaper(model: ClapModel, cfg: GroundingConfig, data_root: str | Path) -> dict:
    """Event F1 on the real Scaper soundscapes with ``cfg`` (as ``audioedit.clap.grounding_eval``)."""
    from audioedit.clap.grounding_eval import _counts, _scored, scaper_scenes

    real = scaper_scenes(data_root)
    if not real:
        return {}
    tp, n_ref, n_est = _counts(_scored(model, real, cfg), cfg)
    return {"scaper_f1": 2 * tp / max(n_ref + n_est, 1), "scaper_precision": tp / max(n_est, 1),
            "scaper_recall": tp / max(n_ref, 1)}


def _any_event(scene, scored_scene, cfg: GroundingConfig, column: int) -> bool:
    from audioedit.clap.grounding import curve_to_events

    centres, scores = scored_scene
    return bool(curve_to_events(scores[:, column], centres, "unknown", cfg, scene.audio.duration_s))


def reference_names(trained: list[str], which: str) -> list[str] | None:
    """Reference prompts: the trained classes' vocabulary names ("trained") or the core set ("core": None)."""
    if which == "core":
        return None
    return sorted({sound_class(k).name for k in trained} | {sound_class(k).name for k in CORE_KEYS})


def format_result(result: OpenSetResult, label: str) -> str:
    c = result.config
    unknown = ", ".join(f"{q} {v:.0%}" for q, v in result.unknown_false_alarm.items())
    return "\n".join([
        f"open-set grounding of {label}",
        f"calibrated on {result.n_calibration} scenes of held-out clips (never ESC-50 fold 5): window {c.window_s} s, "
        f"threshold {c.threshold}, smoothing {c.smooth_windows}, min {c.min_duration_s} s, gap {c.merge_gap_s} s; "
        f"calibration F1 {result.calibration_f1:.3f}, false alarms {result.calibration_false_alarm:.1%}",
        f"ESC-50 fold-5 scenes over Moodist beds ({result.test_n_scenes}, {result.test_n_absent} with the query absent): "
        f"event F1 {result.test_f1:.3f} (P {result.test_precision:.2f}, R {result.test_recall:.2f}), "
        f"false alarms on absent queries {result.test_false_alarm:.1%}",
        f"confidence P(present): mean {result.confidence_present_mean:.2f} on present queries, "
        f"{result.confidence_absent_mean:.2f} on absent ones; AUC {result.presence_auc:.3f}",
        f"queries the model never heard of, scenes with a false event: {unknown}",
        f"real Scaper soundscapes with these settings: F1 {result.scaper_f1 if result.scaper_f1 is None else round(result.scaper_f1, 3)} "
        f"(P {result.scaper_precision}, R {result.scaper_recall})"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", nargs="+", default=["audioedit/assets/clap_small"])
    parser.add_argument("--data-root", default=None, help="default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--split-from", default=None, help="folder whose held-out split to use (default: the first checkpoint)")
    parser.add_argument("--references", choices=("trained", "core"), default="trained")
    parser.add_argument("--n-calibration", type=int, default=160)
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--windows", type=float, nargs="+", default=None,
                        help="window lengths (s) the calibration searches (default: 0.5 1 2)")
    parser.add_argument("--max-false-alarm", type=float, default=MAX_FALSE_ALARM,
                        help="the calibration's bound on false alarms of absent queries (default %(default)s)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--write", action="store_true", help="write grounding.json into the (one) checkpoint folder")
    args = parser.parse_args(argv)
    import torch

    from audioedit.clap.evaluate import load_heldout
    from audioedit.clap.small import SHIPPED_DIR, SmallClap, resolve_path
    from audioedit.paths import data_root

    torch.set_num_threads(1)
    root = data_root(args.data_root)
    model = SmallClap.from_config({"checkpoint": args.checkpoint if len(args.checkpoint) > 1 else args.checkpoint[0]})
    trained, held = load_heldout(args.split_from or args.checkpoint[0], root, [SHIPPED_DIR.parent / "bank"])
    result = evaluate_open_set(model, held, reference_names(trained, args.references), root, args.cache_dir,
                               args.n_calibration, args.n_test, args.seed, args.windows, args.max_false_alarm)
    print(format_result(result, " + ".join(args.checkpoint)))  # noqa: T201 - command-line entry point
    if args.json:
        Path(args.json).write_text(result.model_dump_json(indent=2), encoding="utf-8")
    if args.write:
        if len(args.checkpoint) > 1:
            raise SystemExit("--write needs one checkpoint folder (join the towers with audioedit.clap.export --members first)")
        from audioedit.audio import write_text_atomic
        from audioedit.clap.small import GROUNDING_FILE

        path = resolve_path(args.checkpoint[0]) / GROUNDING_FILE
        old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        data = {"config": {**result.config.model_dump(), "presence": result.presence.model_dump()},
                "open_set": result.model_dump(exclude={"config", "presence"}),
                "calibrated_by": "python -m audioedit.clap.open_set_eval --write",
                "replaced": old}  # the settings audioedit.clap.grounding_eval had written, kept for comparison
        write_text_atomic(path, json.dumps(data, indent=2))


if __name__ == "__main__":
    main()
