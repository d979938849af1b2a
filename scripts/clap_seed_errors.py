"""Each held-out dev clip that any of the given CLAP checkpoints misses, with every checkpoint's answer
(reports/clap-seeds/errors.txt).

    python scripts/clap_seed_errors.py > reports/clap-seeds/errors.txt   # needs runs/clap-s1, runs/clap-s2
    python scripts/clap_seed_errors.py m1=runs/clap-mod-s1 m2=runs/clap-mod-s2   # other weights: NAME=CHECKPOINT
"""

from __future__ import annotations

import argparse

import numpy as np

from audioedit.audio import Audio
from audioedit.clap.captions import class_prompts
from audioedit.clap.data import AudioCache
from audioedit.clap.evaluate import eval_items, load_heldout
from audioedit.clap.small import SHIPPED_DIR, SmallClap
from audioedit.paths import data_root

SEEDS = {"s0": "audioedit/assets/clap_small", "s1": "runs/clap-s1", "s2": "runs/clap-s2"}


def errors(seeds: dict[str, str], root, cache_dir: str) -> list[str]:
    """One line per (clip, window) that any model of ``seeds`` (name -> checkpoint) gets wrong."""
    trained, held = load_heldout(SHIPPED_DIR, root, [SHIPPED_DIR.parent / "bank"])
    models = {name: SmallClap.from_config({"checkpoint": path}) for name, path in seeds.items()}
    caches = {m.sample_rate_hz: AudioCache(m.sample_rate_hz, cache_dir) for m in models.values()}  # each model's rate
    prompts = {name: m.embed_text(class_prompts(trained)) for name, m in models.items()}
    lines = []
    for r in (r for r in held if r.source != "bank" and r.split_kind == "file"):
        windows = {rate: eval_items([r], cache) for rate, cache in caches.items()}
        for i, (_, key) in enumerate(next(iter(windows.values()))):
            answers = {n: trained[int(np.argmax(m.embed_audio([Audio(windows[m.sample_rate_hz][i][0][None], m.sample_rate_hz)])
                                                @ prompts[n].T))] for n, m in models.items()}
            if any(a != key for a in answers.values()):
                salience = "bg" if "background_salience" in r.path else "fg"
                lines.append(f"{key:18s} {salience} {r.path.split('/')[-1][:28]:28s} "
                             + " ".join(f"{n}:{'ok' if a == key else a}" for n, a in answers.items()))
    return sorted(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="*", help="NAME=CHECKPOINT (default: the shipped CLAP and runs/clap-s1, -s2)")
    parser.add_argument("--data-root", default=None, help="default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    args = parser.parse_args(argv)
    seeds = dict(arg.split("=", 1) for arg in args.seeds) or SEEDS
    lines = errors(seeds, data_root(args.data_root), args.cache_dir)
    print("# held-out dev clips any seed misses: class, salience (fg/bg folder), file, each seed's answer (ok or the class it chose)")
    print("# from the evaluation's class-name prompts; " + ", ".join(f"{n} = {path}" for n, path in seeds.items()))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
