"""Zero-shot top-1 of every CNN-seed x aiSFX-seed pair (similarity = mean of the two cosines) on the
held-out clips, writing ``reports/clap-ensemble/seed-pairs.json``. Each tower's similarities are
computed once and combined per pair, which is what ``SmallClap`` with two members computes.

Needs the dev corpus and the local run folders of session 4-6 (runs/clap-s1, runs/clap-s2,
runs/clap-aisfx2s-s0..s3; the commands in reports/clap-seeds and reports/clap-aisfx regenerate them):

    python scripts/clap_seed_pairs.py [--cnn SEED=CHECKPOINT ...] [--aisfx SEED=CHECKPOINT ...]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from audioedit.audio import Audio
from audioedit.clap.captions import class_prompts
from audioedit.clap.data import AudioCache
from audioedit.clap.evaluate import eval_items, load_heldout
from audioedit.clap.small import SHIPPED_DIR, SmallClap
from audioedit.paths import data_root

CNN = {"0": "audioedit/assets/clap_small/cnn", "1": "runs/clap-s1", "2": "runs/clap-s2"}
AISFX = {str(s): f"runs/clap-aisfx2s-s{s}" for s in range(4)}
SETS = {"dev": lambda r: r.source != "bank" and r.split_kind == "file", "time": lambda r: r.split_kind == "time",
        "bank": lambda r: r.source == "bank" and r.split_kind == "file"}


def split_key(held):
    return sorted((r.path, r.start_s, r.end_s, r.split_kind) for r in held)


def similarities(checkpoint: str, trained: list[str], held, cache_dir: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per held-out set: (clip x class cosine similarities, true class index per clip)."""
    model = SmallClap.from_config({"checkpoint": checkpoint})
    cache = AudioCache(model.sample_rate_hz, cache_dir)
    text = model.embed_text(class_prompts(trained))
    out = {}
    for name, keep in SETS.items():
        items = [(x, k) for x, k in eval_items([r for r in held if keep(r)], cache) if k in trained]
        audio = model.embed_audio([Audio(x[None], model.sample_rate_hz) for x, _ in items])
        out[name] = (audio @ text.T, np.array([trained.index(k) for _, k in items]))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cnn", nargs="+", default=None, help="SEED=CHECKPOINT of each CNN tower (default: CNN)")
    parser.add_argument("--aisfx", nargs="+", default=None, help="SEED=CHECKPOINT of each aiSFX tower (default: AISFX)")
    parser.add_argument("--data-root", default=None, help="default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--json", default="reports/clap-ensemble/seed-pairs.json")
    args = parser.parse_args(argv)
    cnn = dict(a.split("=", 1) for a in args.cnn) if args.cnn else CNN
    aisfx = dict(a.split("=", 1) for a in args.aisfx) if args.aisfx else AISFX
    torch.set_num_threads(1)
    root, bank = data_root(args.data_root), [SHIPPED_DIR.parent / "bank"]
    trained, held = load_heldout(next(iter(cnn.values())), root, bank)
    sims = {}
    for family, runs in (("cnn", cnn), ("aisfx", aisfx)):
        for seed, checkpoint in runs.items():
            their_trained, their_held = load_heldout(checkpoint, root, bank)
            assert their_trained == trained and split_key(their_held) == split_key(held), checkpoint
            sims[family, seed] = similarities(checkpoint, trained, held, args.cache_dir)
    result = {}
    for c in cnn:
        for a in aisfx:
            row = {}
            for name in SETS:
                (sc, truth), (sa, _) = sims["cnn", c][name], sims["aisfx", a][name]
                row[name] = float(np.mean(np.argmax((sc + sa) / 2, axis=1) == truth))
            result[f"cnn{c}+aisfx{a}"] = row
            print(f"CNN seed {c} + aiSFX seed {a}: {row}")  # noqa: T201
    print("mean over the pairs, dev file split:", np.mean([r["dev"] for r in result.values()]))  # noqa: T201
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
