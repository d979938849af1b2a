"""ESC-50 fold 5 (400 clips, 50 classes; never trained on or calibrated on): 50-way zero-shot top-1
by name, its 95 % interval, per-class errors, and the time to embed a 10 s clip.

    python -m audioedit.clap.esc50_eval --checkpoint runs/export-broad [more towers ...] [--json OUT]

Each ESC-50 class is prompted with the name of the vocabulary entry it trains
(``audioedit/clap/vocabulary.json``: "dog" -> "dog bark", "church_bells" -> "bell", ...).
``--unheard-only`` scores only the clips no shipped tower heard: the shipped towers trained on the
``esc50_crying_baby`` folder (ESC-50 crying-baby clips of every fold) and on UrbanSound8K clips,
three of whose Freesound recordings are fold-5 clips.

``--prompts ensemble`` queries each class by its entry's name, synonyms and captions at once
(``audioedit.clap.prompts``). ``--selection RUN`` scores, instead of fold 5, the ESC-50 clips of
folds 1-4 that RUN's ``split.json`` held out of training: the set recipe choices are made on
(reports/clap-broad, amendment 5), fold 5 staying the test.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel
from audioedit.clap.broad_data import HELD_OUT_FOLD, freesound_id, read_metadata
from audioedit.clap.captions import sound_class
from audioedit.clap.data import AudioCache, ClipRecord
from audioedit.clap.evaluate import embed_time_ms, wilson_interval
from audioedit.clap.prompts import PromptMode, class_embeddings
from audioedit.clap.vocabulary import source_key


class Esc50Result(BaseModel):
    checkpoint: str
    n_clips: int
    top1: float
    top1_ci95: tuple[float, float]
    top5: float
    per_class: dict[str, float]  # ESC-50 label -> top-1
    confusions: dict[str, dict[str, int]]  # ESC-50 label -> {predicted prompt: count}, errors only
    prompts: dict[str, str]  # ESC-50 label -> the prompt used (its name: the ensemble's first text)
    prompt_mode: str = "name"
    clip_set: str = "fold 5"
    embed_10s_ms: float
    embed_10s_ms_all_cores: float
    n_cores: int


def heard_by_shipped(data_root: str | Path) -> set[str]:
    """Freesound ids of fold-5 clips the shipped towers heard (see module docstring)."""
    ids = {freesound_id("esc50_16k", r["path"]) for r in read_metadata(data_root, "esc50_16k")
           if r["label"] == "crying_baby"}
    index = Path(data_root) / "index.csv"
    if index.is_file():
        import csv

        with open(index, newline="", encoding="utf-8") as fh:
            ids |= {freesound_id("urbansound8k_subset", r["path"]) for r in csv.DictReader(fh)
                    if r["source"] == "urbansound8k_subset"}
    return ids


def fold5_records(data_root: str | Path, unheard_only: bool = False) -> list[tuple[ClipRecord, str]]:
    """``(record, ESC-50 label)`` of every fold-5 clip (optionally only those no shipped tower heard)."""
    heard = heard_by_shipped(data_root) if unheard_only else set()
    out = []
    for r in read_metadata(data_root, "esc50_16k"):
        if r["split"] != HELD_OUT_FOLD:
            continue
        if freesound_id("esc50_16k", r["path"]) in heard:
            continue
        key = source_key("esc50_16k", r["label"])
        out.append((ClipRecord(str(Path(data_root) / r["path"]), key, "esc50", "esc50_16k", "heldout", "file"),
                    r["label"]))
    if not out:
        raise FileNotFoundError(f"no ESC-50 fold-{HELD_OUT_FOLD} clips under {data_root}/esc50_16k")
    return out


def selection_records(data_root: str | Path, split_json: str | Path) -> list[tuple[ClipRecord, str]]:
    """``(record, ESC-50 label)`` of the folds 1-4 clips a run's ``split.json`` held out of training."""
    held = {Path(r["path"]).resolve() for r in json.loads(Path(split_json).read_text(encoding="utf-8"))
            if r["source"] == "esc50_16k" and r["split"] == "heldout"}
    out = []
    for r in read_metadata(data_root, "esc50_16k"):
        path = Path(data_root) / r["path"]
        if r["split"] != HELD_OUT_FOLD and path.resolve() in held:
            key = source_key("esc50_16k", r["label"])
            out.append((ClipRecord(str(path), key, "esc50", "esc50_16k", "heldout", "file"), r["label"]))
    if not out:
        raise FileNotFoundError(f"no held-out ESC-50 clip of {split_json} under {data_root}/esc50_16k")
    return out


def evaluate_esc50(model: ClapModel, data_root: str | Path, cache_dir: str | Path | None = None,
                   unheard_only: bool = False, checkpoint: str = "", prompt_mode: PromptMode = "name",
                   selection_split: str | Path | None = None) -> Esc50Result:
    if selection_split is not None:
        records, clip_set = selection_records(data_root, selection_split), f"held out by {selection_split}"
    else:
        records, clip_set = fold5_records(data_root, unheard_only), "fold 5"
    labels = sorted({label for _, label in records})
    keys = {label: source_key("esc50_16k", label) for label in labels}
    prompts = {label: sound_class(keys[label]).name for label in labels}
    cache = AudioCache(model.sample_rate_hz, cache_dir)
    audio_emb = model.embed_audio([Audio(cache.region(r)[None], model.sample_rate_hz) for r, _ in records])
    sim = audio_emb @ class_embeddings(model, [keys[label] for label in labels], prompt_mode).T
    truth = np.array([labels.index(label) for _, label in records])
    order = np.argsort(-sim, axis=1)
    pred = order[:, 0]
    per_class, confusions = {}, {}
    for c, label in enumerate(labels):
        mask = truth == c
        per_class[label] = float(np.mean(pred[mask] == c))
        wrong = [prompts[labels[p]] for p in pred[mask] if p != c]
        if wrong:
            confusions[label] = {w: wrong.count(w) for w in sorted(set(wrong), key=lambda w: -wrong.count(w))}
    hits = int(np.sum(pred == truth))
    cores = os.cpu_count() or 1
    return Esc50Result(checkpoint=checkpoint, n_clips=len(records), top1=hits / len(records),
                       top1_ci95=wilson_interval(hits, len(records)),
                       top5=float(np.mean([t in o[:5] for t, o in zip(truth, order)])),
                       per_class=per_class, confusions=confusions, prompts=prompts, prompt_mode=prompt_mode,
                       clip_set=clip_set,
                       embed_10s_ms=embed_time_ms(model), embed_10s_ms_all_cores=embed_time_ms(model, threads=cores),
                       n_cores=cores)


def format_result(result: Esc50Result) -> str:
    low, high = result.top1_ci95
    lines = [f"ESC-50 {result.clip_set}, {len(result.per_class)}-way zero-shot by name "
             f"(prompts: {result.prompt_mode}): {result.checkpoint}",
             f"top-1 {result.top1:.1%} of {result.n_clips} clips (95 % interval {low:.1%}-{high:.1%}), "
             f"top-5 {result.top5:.1%}",
             "per-class errors (class: top-1, predicted instead):"]
    for label, acc in sorted(result.per_class.items(), key=lambda kv: kv[1]):
        if acc < 1.0:
            wrong = ", ".join(f"{k} x{v}" for k, v in result.confusions.get(label, {}).items())
            lines.append(f"  {label} ('{result.prompts[label]}'): {acc:.0%}; {wrong}")
    perfect = [label for label, acc in result.per_class.items() if acc == 1.0]
    lines.append(f"all right ({len(perfect)}): {', '.join(perfect)}")
    lines.append(f"embedding a 10 s clip: {result.embed_10s_ms:.1f} ms on 1 thread, "
                 f"{result.embed_10s_ms_all_cores:.1f} ms on {result.n_cores} cores")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", nargs="+", default=["audioedit/assets/clap_small"],
                        help="an export or run folder; several: one model of their towers")
    parser.add_argument("--data-root", default=None, help="default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--unheard-only", action="store_true", help="skip the fold-5 clips the shipped towers heard")
    parser.add_argument("--json", default=None, help="also write the result as JSON here")
    parser.add_argument("--prompts", choices=["name", "ensemble"], default="name",
                        help="each class's name, or its name, synonyms and captions averaged")
    parser.add_argument("--selection", default=None, metavar="SPLIT_JSON",
                        help="score the folds 1-4 clips this split.json held out, not fold 5")
    args = parser.parse_args(argv)
    import torch

    from audioedit.clap.small import SmallClap

    torch.set_num_threads(1)
    given = args.checkpoint if len(args.checkpoint) > 1 else args.checkpoint[0]
    model = SmallClap.from_config({"checkpoint": given})
    from audioedit.paths import data_root

    result = evaluate_esc50(model, data_root(args.data_root), args.cache_dir, args.unheard_only,
                            checkpoint=" + ".join(args.checkpoint), prompt_mode=args.prompts,
                            selection_split=args.selection)
    print(format_result(result))  # noqa: T201 - command-line entry point
    if args.json:
        Path(args.json).write_text(json.dumps(result.model_dump(), indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
