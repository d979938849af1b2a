"""Paired-data synthesis throughput: pairs/s for 10 s, 16 kHz mono examples over all six ops,
serial, with a local process pool and on a local Ray instance (when ray is installed).

    .venv/bin/python benchmarks/synth_throughput.py [--n 60] [--workers 2] [--bank starter]

The figures include pool / Ray start-up (each worker imports Scaper once, ~1-3 s), so they
rise with ``--n``. Output goes to a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from synth.run import measure_throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="pairs per backend")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bank", default="starter", help="'starter', a Scaper-layout folder or the dev corpus")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    runs = [("serial", 1, None), ("process pool", args.workers, None)]
    if not args.no_ray:
        try:
            import ray  # noqa: F401

            runs.append(("ray (local)", args.workers, "local"))
        except ImportError:
            print("ray not installed (pip install 'audioedit[scale]'): skipping the Ray figure")
    print(f"{'backend':<14} {'workers':>7} {'pairs':>6} {'seconds':>8} {'pairs/s':>8}")
    with tempfile.TemporaryDirectory(prefix="synth-throughput-") as tmp:
        for k, (name, workers, address) in enumerate(runs):
            t = measure_throughput(args.bank, Path(tmp) / str(k), n=args.n, workers=workers, ray_address=address)
            print(f"{name:<14} {t.workers:>7} {t.n:>6} {t.seconds:>8.2f} {t.pairs_per_s:>8.2f}"
                  + (f"  ({t.failed} failed)" if t.failed else ""))


if __name__ == "__main__":
    main()
