"""The broad dev corpus for the small CLAP: every folder with a ``metadata.csv`` (ESC-50, GCompris,
UFO:AI foley, Moodist ambiences, Kitchen20, Sonic Pi, OVOS animals, KTuberling speech), each label
mapped to a vocabulary entry (``audioedit.clap.vocabulary``), each file with its licence.

ESC-50 fold 5 is the held-out test of everything and never enters training or calibration: its
rows are skipped here, and so is every other file of the same Freesound recording (an ESC-50 clip
of folds 1-4, or an UrbanSound8K clip, whose Freesound id is a fold-5 clip's). The
``esc50_crying_baby`` folder (40 ESC-50 clips again, folds 1-5) is left out; ESC-50's own copies
are used. Recording groups: ESC-50 and Kitchen20 by Freesound id, KTuberling by language (one
speaker each), everything else by file.

``permissive`` keeps only files whose licence is CC0, CC-BY, CC BY-SA, GPL or public domain
(no NC, no Free Art, no Pixabay, no "unclear"); legacy folders without per-file licences count as
permissive only when the data README gives the whole folder such a licence (Speech Commands
backgrounds, CC BY 4.0).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from audioedit.clap.data import Row
from audioedit.clap.vocabulary import source_key

BROAD_SOURCES = ("esc50_16k", "gcompris", "ufoai_foley", "moodist_ambience", "kitchen20", "sonicpi",
                 "ovos_animals_cc0", "ktuberling_speech")
HELD_OUT_FOLD = "5"
PERMISSIVE_FOLDERS = {"speechcommands_bg": "CC BY 4.0 (folder licence, dev-data README)"}
_PERMISSIVE = re.compile(r"^(cc0|cc[- ]by(?![- ]nc)(?:[- ]sa)?\b|gpl|public[- ]domain|pd\b)", re.IGNORECASE)


def is_permissive(licence: str) -> bool:
    """CC0 / CC-BY / CC BY-SA / GPL / public domain (every part of an "X and Y" licence)."""
    parts = [p.strip() for p in re.split(r"\band\b", licence)]
    return all(_PERMISSIVE.match(p) and "nc" not in re.split(r"[- ]", p.lower()) for p in parts)


def freesound_id(source: str, path: str) -> str | None:
    name = Path(path).name
    if source in {"esc50_16k", "kitchen20"}:
        return name.split("-")[1]
    if source == "urbansound8k_subset":
        return name.split("-")[0]
    return None


def _group(source: str, path: str) -> str:
    fsid = freesound_id(source, path)
    if fsid is not None:
        return f"fs:{fsid}"
    if source == "ktuberling_speech":
        return "ktuberling:" + Path(path).parts[1]
    return f"{source}:{Path(path).name}"


def read_metadata(data_root: str | Path, source: str) -> list[dict]:
    path = Path(data_root) / source / "metadata.csv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def fold5_freesound_ids(data_root: str | Path) -> set[str]:
    return {freesound_id("esc50_16k", r["path"]) for r in read_metadata(data_root, "esc50_16k")
            if r["split"] == HELD_OUT_FOLD}


def scan_broad(data_root: str | Path, permissive: bool = False) -> list[tuple[Row, str]]:
    """``(row, licence)`` for every trainable file of the broad folders (see module docstring)."""
    banned = fold5_freesound_ids(data_root)
    out = []
    for source in BROAD_SOURCES:
        for r in read_metadata(data_root, source):
            key = source_key(source, r["label"])
            if key is None or (source == "esc50_16k" and r["split"] == HELD_OUT_FOLD):
                continue
            if freesound_id(source, r["path"]) in banned or (permissive and not is_permissive(r["licence"])):
                continue
            row = Row(str(Path(data_root) / r["path"]), key, _group(source, r["path"]), source,
                      float(r["duration_s"]), derived_from=r["path"])
            out.append((row, r["licence"]))
    return out


def filter_legacy(rows: list[Row], data_root: str | Path, permissive: bool) -> list[Row]:
    """The legacy (index.csv) rows the broad recipe keeps: no ESC-50 duplicates, no file of a
    fold-5 recording; with ``permissive`` only folders of a permissive folder licence."""
    banned = fold5_freesound_ids(data_root)
    keep = []
    for r in rows:
        if r.source == "esc50_crying_baby" or freesound_id(r.source, r.path) in banned:
            continue
        if permissive and r.source not in PERMISSIVE_FOLDERS:
            continue
        keep.append(r)
    return keep
