"""Training and held-out data for the small CLAP: labelled clips, the split, decoded-audio cache.

Sources: the dev corpus (``index.csv`` under a data root, e.g. ``../shared/data/dev``) and any
sound bank in Scaper layout (``<bank>/{foreground,background}/<label>/*.wav``, e.g. the project's
starter bank). Benchmarks, annotated mixtures and all of Scaper's audio (the clips of the annotated
Scaper soundscapes that evaluate grounding) are never used.

Split (deterministic, written to the data card): per class, the *source recordings* (UrbanSound8K
``fsID``, ESC-50 clip id, speaker, or file) are sorted by SHA-1 of their id and the first 20 % are
held out with every file they own. A bank file cut from a dev-corpus file (per the bank's
``CREDITS.md``) belongs to that file's recording. A class with fewer than 3 recordings instead holds out the
last 20 % (in time) of each file of at least ``min_time_split_s``; shorter single files of such
classes are train-only and never evaluated.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

HELD_OUT_FRACTION = 0.2
MIN_TIME_SPLIT_S = 8.0


@dataclass(frozen=True)
class ClipRecord:
    """A region ``[start_s, end_s)`` (``end_s`` None = to the end) of a file, with its class and split."""

    path: str  # absolute
    class_key: str
    group: str
    source: str
    split: str  # "train" | "heldout"
    split_kind: str  # "file" | "time" | "train_only"
    start_s: float = 0.0
    end_s: float | None = None


def _dev_label(source: str, label: str, path: str) -> tuple[str, str] | None:
    """(class key, recording group) for a dev-corpus row, or None to skip it."""
    name = Path(path).name
    if source == "urbansound8k_subset":
        return label, "us8k:" + name.split("-")[0]
    if source == "esc50_crying_baby":
        return "crying_baby", "esc50:" + "-".join(name.split("_", 1)[-1].split("-")[:2])
    if source == "librosa_data":
        for prefix, key in (("speech", "speech"), ("bird_chirp", "bird"), ("dog_howling", "dog_howling"),
                            ("humpback", "whale"), ("music", "music")):
            if label.startswith(prefix):
                return key, "librosa:" + name
        return None
    if source == "misc_small_real":
        if label.startswith("cmu_arctic"):
            return "speech", "cmu:" + label.split("_")[3]
        table = {"speech_p286_011": "speech", "acoustic_guitar_0": "music", "hens": "chickens",
                 "sheep": "sheep", "cafe_short": "cafe"}
        return (table[label], "misc:" + name) if label in table else None
    if source == "scaper":
        return None  # its clips make up the annotated Scaper soundscapes that evaluate grounding
    if source == "speechcommands_bg":
        table = {"doing_the_dishes": "dishes", "dude_miaowing": "cat", "exercise_bike": "exercise_bike",
                 "running_tap": "running_water"}
        return (table[label], "sc:" + name) if label in table else None
    return None  # benchmarks, music stems, the stereo scene: kept for evaluation, never trained on


@dataclass(frozen=True)
class Row:
    """One usable file before the split. ``cut_s``: for a bank file cut from a dev file, the cut."""

    path: str
    class_key: str
    group: str
    source: str
    duration_s: float
    derived_from: str | None = None
    cut_s: tuple[float, float] | None = None
    time_split_fraction: float | None = None  # always split in time, holding out this tail (long beds)


def scan_dev_corpus(data_root: str | Path) -> list[Row]:
    """The usable dev-corpus files (see ``_dev_label``)."""
    root = Path(data_root)
    index = root / "index.csv"
    if not index.is_file():
        raise FileNotFoundError(f"dev corpus index not found: {str(index)!r} (pass the folder holding index.csv)")
    rows = []
    with open(index, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            mapped = _dev_label(row["source"], row["label"], row["path"])
            if mapped is not None:
                rows.append(Row(str(root / row["path"]), mapped[0], mapped[1], row["source"],
                                float(row["duration_s"]), derived_from=row["path"]))
    return rows


_CREDIT_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \|.*?\(`(?P<src>[^`]+)`\).*?cut (?P<a>[\d.]+)-(?P<b>[\d.]+) s")


def scan_bank(bank_dir: str | Path) -> list[Row]:
    """Rows for a Scaper-layout bank. A file its ``CREDITS.md`` says was cut from a dev-corpus
    file keeps that file (and the cut), so the split can keep it with its source recording."""
    import soundfile as sf

    from audioedit.clap.captions import ALIASES

    bank = Path(bank_dir)
    derived: dict[str, tuple[str, tuple[float, float]]] = {}
    credits = bank / "CREDITS.md"
    if credits.is_file():
        for line in credits.read_text(encoding="utf-8").splitlines():
            m = _CREDIT_ROW.match(line)
            if m:
                derived[m["file"]] = (m["src"], (float(m["a"]), float(m["b"])))
    rows = []
    for role in ("foreground", "background"):
        for path in sorted((bank / role).glob("*/*")):
            if path.suffix.lower() not in {".wav", ".flac", ".ogg", ".mp3"}:
                continue
            rel = f"{role}/{path.parent.name}/{path.name}"
            src, cut = derived.get(rel, (None, None))
            label = ALIASES.get(path.parent.name, path.parent.name)
            rows.append(Row(str(path), label, "bank:" + path.name, "bank", float(sf.info(str(path)).duration),
                            derived_from=src, cut_s=cut))
    return rows


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def split_records(rows: list[Row], held_out_fraction: float = HELD_OUT_FRACTION) -> list[ClipRecord]:
    """Apply the documented split to scanned rows (see module docstring).

    A bank file cut from a dev file joins that file's recording group; if that group is split in
    time and the cut reaches into the held-out part, the bank file is dropped (used nowhere).
    """
    dev_group = {r.derived_from: r.group for r in rows if r.source != "bank"}
    dev_duration = {r.derived_from: r.duration_s for r in rows if r.source != "bank"}
    by_class: dict[str, list[Row]] = {}
    for row in rows:
        if row.source == "bank" and row.derived_from in dev_group:
            row = replace(row, group=dev_group[row.derived_from])
        by_class.setdefault(row.class_key, []).append(row)
    records: list[ClipRecord] = []
    for key, class_rows in sorted(by_class.items()):
        groups = sorted({r.group for r in class_rows if r.time_split_fraction is None}, key=_hash)
        n_hold = int(round(held_out_fraction * len(groups))) if len(groups) >= 3 else 0
        held = set(groups[:n_hold])
        for r in sorted(class_rows, key=lambda r: r.path):
            base = (r.path, key, r.group, r.source)
            if r.time_split_fraction is not None:
                cut_s = round((1 - r.time_split_fraction) * r.duration_s, 3)
                records.append(ClipRecord(*base, "train", "time", 0.0, cut_s))
                records.append(ClipRecord(*base, "heldout", "time", cut_s, None))
            elif n_hold:
                records.append(ClipRecord(*base, "heldout" if r.group in held else "train", "file"))
            elif r.cut_s is not None and r.derived_from in dev_duration:
                source_cut_s = (1 - held_out_fraction) * dev_duration[r.derived_from]
                if r.cut_s[1] <= source_cut_s:
                    records.append(ClipRecord(*base, "train", "time"))
            elif r.duration_s >= MIN_TIME_SPLIT_S:
                cut_s = round((1 - held_out_fraction) * r.duration_s, 3)
                records.append(ClipRecord(*base, "train", "time", 0.0, cut_s))
                records.append(ClipRecord(*base, "heldout", "time", cut_s, None))
            else:
                records.append(ClipRecord(*base, "train", "train_only"))
    return records


BED_TIME_SPLIT_FRACTION = 0.25  # Moodist beds (40 s): the last 10 s held out, for grounding scenes


def build_records(data_root: str | Path | None, bank_dirs: list[str | Path] = (), corpus: str = "legacy") -> list[ClipRecord]:
    """Scan the dev corpus (if given and present) and the banks that exist, then split.

    ``corpus``: "legacy" (the shipped recipe's folders), "broad" (also every folder with a
    ``metadata.csv``, ``audioedit.clap.broad_data``; never ESC-50 fold 5) or "permissive" (broad,
    only CC0 / CC-BY / CC BY-SA / GPL / public-domain files)."""
    if corpus not in {"legacy", "broad", "permissive"}:
        raise ValueError(f"corpus must be legacy, broad or permissive, got {corpus!r}")
    rows: list[Row] = []
    if data_root is not None and Path(data_root, "index.csv").is_file():
        rows += scan_dev_corpus(data_root)
        if corpus != "legacy":
            from audioedit.clap.broad_data import filter_legacy, scan_broad

            rows = filter_legacy(rows, data_root, corpus == "permissive")
            rows += [replace(r, time_split_fraction=BED_TIME_SPLIT_FRACTION) if r.source == "moodist_ambience" else r
                     for r, _ in scan_broad(data_root, corpus == "permissive")]
    elif data_root is not None:
        logger.warning("dev corpus not found at %s; training on the banks only", data_root)
    for bank in bank_dirs:
        if Path(bank).is_dir():
            rows += scan_bank(bank)
    if not rows:
        raise FileNotFoundError(f"no training audio found (data_root={data_root!r}, banks={list(bank_dirs)!r})")
    return split_records(rows)


class AudioCache:
    """Decoded mono audio at one sample rate, kept in memory and in ``cache_dir`` (one .npy per file)."""

    def __init__(self, sample_rate_hz: int, cache_dir: str | Path | None = None):
        self.sample_rate_hz = sample_rate_hz
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._mem: dict[str, np.ndarray] = {}

    def get(self, path: str) -> np.ndarray:
        """``(frames,)`` float32 mono at ``sample_rate_hz``."""
        if path in self._mem:
            return self._mem[path]
        cached = self.cache_dir / f"{_hash(path)}_{self.sample_rate_hz}.npy" if self.cache_dir else None
        if cached is not None and cached.is_file():
            samples = np.load(cached)
        else:
            from audioedit.audio import load_audio

            samples = load_audio(path).to_mono().resample(self.sample_rate_hz).samples[0]
            samples = np.ascontiguousarray(samples, dtype=np.float32)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(f".{os.getpid()}.tmp.npy")  # processes may share the cache
                np.save(tmp, samples)
                tmp.replace(cached)
        self._mem[path] = samples
        return samples

    def region(self, record: ClipRecord) -> np.ndarray:
        """The record's region of its file, ``(frames,)``."""
        samples = self.get(record.path)
        start = int(record.start_s * self.sample_rate_hz)
        end = len(samples) if record.end_s is None else int(record.end_s * self.sample_rate_hz)
        return samples[start:end]


def split_to_json(records: list[ClipRecord], data_root: str | Path | None, bank_dirs: list[str | Path] = ()) -> dict:
    """The split as JSON: trained classes and held-out records, with portable paths
    (``dev/<path under data_root>``, ``bank/<path under the bank>``, else absolute)."""
    roots = ([("dev", Path(data_root).resolve())] if data_root else []) + [("bank", Path(b).resolve()) for b in bank_dirs]

    def portable(path: str) -> str:
        p = Path(path).resolve()
        for name, root in roots:
            if p.is_relative_to(root):
                return f"{name}/{p.relative_to(root).as_posix()}"
        return str(p)

    held = [{"path": portable(r.path), "class": r.class_key, "group": r.group, "source": r.source,
             "split_kind": r.split_kind, "start_s": r.start_s, "end_s": r.end_s} for r in records if r.split == "heldout"]
    return {"trained_classes": sorted({r.class_key for r in records if r.split == "train"}), "heldout": held}


def split_from_json(data: dict, data_root: str | Path | None, bank_dir: str | Path | None) -> tuple[list[str], list[ClipRecord]]:
    """``(trained classes, held-out records)`` from ``split_to_json`` output, paths resolved."""
    def resolve(path: str) -> str:
        if path.startswith("dev/") and data_root:
            return str(Path(data_root) / path[4:])
        if path.startswith("bank/") and bank_dir:
            return str(Path(bank_dir) / path[5:])
        return path

    records = [ClipRecord(resolve(r["path"]), r["class"], r["group"], r["source"], "heldout", r["split_kind"],
                          r["start_s"], r["end_s"]) for r in data["heldout"]]
    return list(data["trained_classes"]), records
