"""A Scaper-layout sound bank of the broad classes, for benchmarks that must not use training audio.

    python -m audioedit.evals.broad_bank --out runs/bank-broad
    audioedit bench verifier --bank runs/bank-broad --n 120 --seed 11
    python -m audioedit.evals.broad_bank --folds 1 2 3 4 --out runs/bank-broad-cal   # to calibrate on, never fold 5

Foreground: every ESC-50 fold-5 clip (the held-out fold: no model here trains or calibrates on it),
in ``foreground/<vocabulary key>/`` (``audioedit/clap/vocabulary.json``'s key for the ESC-50 label, so the
CLAP is asked with the same words as everywhere else). Background: the Moodist ambiences (the
editor and the CLAP train on their first part only; a benchmark scene crops them anywhere).
Files are symbolic links into the dev corpus: nothing is copied, and the folder lives under ``runs/``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

HELD_OUT_FOLD = "5"


def _rows(root: Path, folder: str) -> list[dict]:
    with (root / folder / "metadata.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build_broad_bank(data_root: Path, out: Path, folds: tuple[str, ...] = (HELD_OUT_FOLD,)) -> dict[str, int]:
    """Link the broad sounds of ESC-50 ``folds`` (default the held-out one) into ``out`` (Scaper layout);
    returns ``{role: files}``. A bank to calibrate on takes folds 1-4: fold 5 is only ever tested on."""
    from audioedit.clap.vocabulary import source_key

    counts = {"foreground": 0, "background": 0}
    layout = [("foreground", "esc50_16k", lambda r: r["split"] in folds),
              ("background", "moodist_ambience", lambda r: True)]
    for role, folder, keep in layout:
        for row in _rows(data_root, folder):
            if not keep(row):
                continue
            label = source_key(folder, row["label"]) or row["label"]
            link = out / role / label / Path(row["path"]).name
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.is_symlink():
                link.symlink_to((data_root / row["path"]).resolve())
            counts[role] += 1
    if not counts["foreground"]:
        raise FileNotFoundError(f"no ESC-50 clips of folds {', '.join(folds)} under {data_root}/esc50_16k")
    return counts


def main(argv: list[str] | None = None) -> None:
    from audioedit.paths import data_root, runs_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--out", default=str(runs_dir() / "bank-broad"))
    parser.add_argument("--folds", nargs="+", default=[HELD_OUT_FOLD], help="ESC-50 folds (default: 5, the held-out one)")
    args = parser.parse_args(argv)
    counts = build_broad_bank(data_root(args.data_root), Path(args.out), tuple(args.folds))
    print(f"{args.out}: {counts['foreground']} foreground and {counts['background']} background files (links)")


if __name__ == "__main__":
    main()
