"""Sound banks for synthesis: one interface over any folder in Scaper layout.

A bank is a folder ``<root>/foreground/<label>/*.<audio>`` and ``<root>/background/<label>/*``
(Scaper's ``fg_path`` / ``bg_path``), optionally with a ``labels.json`` giving display names and
synonyms per label. Three ways in, all ending in a :class:`SynthBank`:

- ``open_bank("starter")``: the starter bank shipped in ``audioedit/assets/bank``;
- ``open_bank("/some/folder")``: any Scaper-layout folder;
- ``open_bank(audioedit.paths.data_root())`` or :func:`dev_corpus_bank`: the development corpus,
  mapped to labels and roles by building a Scaper-layout folder of *symlinks* in a cache
  directory (the data itself is never copied).

    >>> bank = open_bank("starter")                                   # doctest: +SKIP
    >>> bank.labels("foreground")[:3], bank.clips("foreground", "dog_bark")[0].duration_s  # doctest: +SKIP

Scanning reads every file's header once; an unreadable file, an empty bank or a label without
clips raise ``UserInputError`` naming the file, the bank or the label.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from audioedit.audio import Audio
from audioedit.errors import UserInputError

log = logging.getLogger(__name__)

Role = Literal["foreground", "background"]
ROLES: tuple[Role, ...] = ("foreground", "background")
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif"}
MIN_CLIP_S = 0.25  # clips shorter than this are left out of a bank (with a log line)


class BankClip(BaseModel):
    """One audio file of a bank (path as seen inside the bank folder; may be a symlink)."""

    path: str
    label: str
    role: Role
    duration_s: float
    sample_rate_hz: int


class LabelInfo(BaseModel):
    """A bank label with its human-readable name and synonyms (used by instruction templates)."""

    label: str
    role: Role
    display: str
    synonyms: list[str] = Field(default_factory=list)
    num_clips: int = 0


class SynthBank:
    """A scanned Scaper-layout folder: labels per role, clips per label, and a ``clip`` source.

    ``clip(label, rng, like=None, role=None, min_duration_s=None) -> Audio`` follows the
    executor's ``SoundSource`` protocol, so a SynthBank can be passed as ``bank=`` to
    ``execute_dsp``.
    """

    def __init__(self, root: str | os.PathLike, name: str | None = None, min_clip_s: float = MIN_CLIP_S):
        self.root = Path(root)
        self.name = name or self.root.name
        if not self.root.is_dir():
            raise UserInputError(f"sound bank folder not found: {str(self.root)!r}")
        self._clips = _scan(self.root, min_clip_s)
        if not any(self._clips.get(("foreground", lb)) for _, lb in self._clips):
            raise UserInputError(
                f"sound bank {str(self.root)!r} is empty: no readable clips under foreground/<label>/ "
                f"(accepted audio: {sorted(AUDIO_SUFFIXES)})"
            )
        self._info = _read_label_info(self.root, self._clips)
        self._sound_bank = None

    # --- Scaper paths ---------------------------------------------------------------------
    @property
    def fg_path(self) -> Path:
        return self.root / "foreground"

    @property
    def bg_path(self) -> Path:
        return self.root / "background"

    # --- vocabulary -----------------------------------------------------------------------
    def labels(self, role: Role = "foreground") -> list[str]:
        """Labels of ``role`` that have at least one usable clip, sorted."""
        return sorted(lb for (r, lb), clips in self._clips.items() if r == role and clips)

    def role_of(self, label: str) -> Role:
        for role in ROLES:
            if self._clips.get((role, label)):
                return role
        raise self._no_label(label, None)

    def info(self, label: str) -> LabelInfo:
        if label not in self._info:
            raise self._no_label(label, None)
        return self._info[label]

    def display(self, label: str) -> str:
        return self._info[label].display if label in self._info else label.replace("_", " ")

    def clips(self, role: Role, label: str, min_duration_s: float | None = None) -> list[BankClip]:
        """The clips of ``label`` (at least ``min_duration_s`` long when given), sorted by path."""
        clips = self._clips.get((role, label))
        if not clips:
            raise self._no_label(label, role)
        if min_duration_s is None:
            return list(clips)
        long_enough = [c for c in clips if c.duration_s >= min_duration_s - 1e-6]
        if not long_enough:
            longest = max(clips, key=lambda c: c.duration_s)
            raise UserInputError(
                f"no clip of {role} label {label!r} in bank {self.name!r} lasts {min_duration_s:.2f} s; "
                f"the longest is {str(longest.path)!r} ({longest.duration_s:.2f} s). "
                f"Ask for a span of at most {longest.duration_s:.2f} s or add longer clips"
            )
        return long_enough

    def _no_label(self, label: str, role: Role | None) -> UserInputError:
        where = f"{role} label" if role else "label"
        folder = self.root / (role or "foreground") / label
        have = {r: self.labels(r) for r in ROLES}
        if folder.is_dir():
            return UserInputError(
                f"{where} {label!r} has no usable clips in bank {self.name!r} (folder {str(folder)!r} has no "
                f"readable audio of at least {MIN_CLIP_S} s); labels with clips: {have}"
            )
        return UserInputError(f"{where} {label!r} is not in bank {self.name!r}; labels with clips: {have}")

    # --- SoundSource ----------------------------------------------------------------------
    def clip(
        self,
        label: str,
        rng: np.random.Generator,
        like: Audio | None = None,
        role: Role | None = None,
        min_duration_s: float | None = None,
    ) -> Audio:
        """A random clip of ``label`` at ``like``'s rate and channels (``SoundBank.clip``: a clip
        shorter than ``min_duration_s`` is looped); ``UserInputError`` naming an unknown label."""
        return self.sound_bank.clip(label, rng, like=like, role=role, min_duration_s=min_duration_s)

    @property
    def sound_bank(self):
        """The ``audioedit.bank.SoundBank`` over the same folder (loads and caches clips)."""
        if self._sound_bank is None:
            from audioedit.bank import SoundBank

            self._sound_bank = SoundBank(self.root, name=self.name)
        return self._sound_bank

    def describe(self) -> dict[str, dict[str, int]]:
        """{role: {label: number of clips}}."""
        return {r: {lb: len(self._clips[(r, lb)]) for lb in self.labels(r)} for r in ROLES}

    def __repr__(self) -> str:
        return f"SynthBank({self.name!r}, {str(self.root)!r}, {self.describe()})"


def _scan(root: Path, min_clip_s: float) -> dict[tuple[Role, str], list[BankClip]]:
    """Read every audio file's header; an unreadable one is an error naming the file."""
    import soundfile as sf

    clips: dict[tuple[Role, str], list[BankClip]] = {}
    for role in ROLES:
        role_dir = root / role
        if not role_dir.is_dir():
            continue
        for label_dir in sorted(p for p in role_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            found = []
            for file in sorted(label_dir.iterdir()):
                if file.name.startswith(".") or file.suffix.lower() not in AUDIO_SUFFIXES:
                    continue
                try:
                    info = sf.info(str(file))
                except Exception as exc:  # libsndfile's own error types
                    raise UserInputError(
                        f"bank file {str(file)!r} is not readable audio ({exc}); fix or remove it"
                    ) from None
                if info.frames == 0:
                    raise UserInputError(f"bank file {str(file)!r} has no samples; fix or remove it")
                if info.duration < min_clip_s:
                    log.info("skipping %s: %.3f s is shorter than %.2f s", file, info.duration, min_clip_s)
                    continue
                found.append(BankClip(path=str(file), label=label_dir.name, role=role,
                                      duration_s=float(info.duration), sample_rate_hz=int(info.samplerate)))
            clips[(role, label_dir.name)] = found
    return clips


def _read_label_info(root: Path, clips: dict[tuple[Role, str], list[BankClip]]) -> dict[str, LabelInfo]:
    given: dict = {}
    labels_file = root / "labels.json"
    if labels_file.is_file():
        try:
            given = json.loads(labels_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserInputError(f"{str(labels_file)!r} is not valid JSON: {exc}") from None
        if isinstance(given, list):  # [{"label": ..., ...}, ...]
            given = {d["label"]: d for d in given if isinstance(d, dict) and "label" in d}
        if isinstance(given, dict) and isinstance(given.get("labels"), (dict, list)):
            inner = given["labels"]
            given = inner if isinstance(inner, dict) else {d["label"]: d for d in inner}
    infos = {}
    for (role, label), found in clips.items():
        if not found:
            continue
        entry = given.get(label, {}) if isinstance(given, dict) else {}
        entry = entry if isinstance(entry, dict) else {}
        display = entry.get("display") or entry.get("name") or label.replace("_", " ")
        synonyms = [s for s in entry.get("synonyms", []) if isinstance(s, str)]
        infos[label] = LabelInfo(label=label, role=role, display=display, synonyms=synonyms, num_clips=len(found))
    return infos


# --------------------------------------------------------------------------------------------
# opening banks


def open_bank(spec: str | os.PathLike | SynthBank, cache_dir: str | os.PathLike | None = None) -> SynthBank:
    """A SynthBank from ``"starter"``, the dev corpus folder (has ``index.csv``) or a Scaper-layout folder."""
    if isinstance(spec, SynthBank):
        return spec
    if str(spec) == "starter":
        return starter_synth_bank()
    path = Path(spec)
    if not path.is_dir():
        raise UserInputError(
            f"sound bank {str(spec)!r} not found; accepted: 'starter', a Scaper-layout folder "
            "(foreground/<label>/*.wav, background/<label>/*.wav) or the dev corpus folder (with index.csv)"
        )
    if (path / "index.csv").is_file() and not (path / "foreground").is_dir():
        return dev_corpus_bank(path, cache_dir=cache_dir)
    return _cached_bank(str(path.resolve()))


@functools.lru_cache(maxsize=8)
def _cached_bank(root: str) -> SynthBank:
    return SynthBank(root)


def starter_bank_root() -> Path:
    """The folder of the starter bank shipped with audioedit (``audioedit/assets/bank``)."""
    from audioedit.bank import starter_bank

    return Path(starter_bank().root)


def starter_synth_bank() -> SynthBank:
    root = starter_bank_root()
    if not (root / "foreground").is_dir():
        raise UserInputError(f"the starter bank is not installed (no folder {str(root / 'foreground')!r})")
    bank = _cached_bank(str(root))
    bank.name = "starter"
    return bank


# --------------------------------------------------------------------------------------------
# the development corpus

# (source column of index.csv, label column) -> (role, bank label); None = not used.
DEV_LABELS: dict[tuple[str, str], tuple[Role, str]] = {
    ("librosa_data", "bird_chirp (robin)"): ("foreground", "bird"),
    ("librosa_data", "dog_howling (in sleep)"): ("foreground", "dog_howl"),
    ("librosa_data", "humpback_whale_song (underwater)"): ("background", "whale_song"),
    ("scaper", "street"): ("background", "street"),
    ("scaper", "noise"): ("background", "noise"),
    ("scaper", "car_horn"): ("foreground", "car_horn"),
    ("scaper", "human_voice"): ("foreground", "human_voice"),
    ("speechcommands_bg", "doing_the_dishes"): ("background", "dishes"),
    ("speechcommands_bg", "running_tap"): ("background", "running_tap"),
    ("speechcommands_bg", "exercise_bike"): ("background", "exercise_bike"),
    ("speechcommands_bg", "dude_miaowing"): ("background", "cat_meowing"),
    ("misc_small_real", "hens"): ("background", "hens"),
    ("misc_small_real", "sheep"): ("background", "sheep"),
    ("misc_small_real", "cafe_short"): ("background", "cafe"),
    ("esc50_crying_baby", "crying_baby"): ("foreground", "baby_cry"),
}
DEV_DISPLAY = {
    "baby_cry": ("crying baby", ["baby crying", "infant crying"]),
    "speech": ("speech", ["speaker", "voice", "talking", "person speaking"]),
    "bird": ("bird chirp", ["bird", "birdsong", "robin"]),
    "dog_bark": ("dog bark", ["dog", "barking"]),
    "car_horn": ("car horn", ["horn", "honking"]),
    "siren": ("siren", ["ambulance siren", "police siren"]),
    "gun_shot": ("gunshot", ["gun shot", "shot"]),
    "music": ("music", ["song"]),
    "street": ("street ambience", ["traffic", "street noise"]),
}


def dev_label(source: str, label: str, role: str) -> tuple[Role, str] | None:
    """Map one ``index.csv`` row to (role, bank label), or None when the row is not a bank clip."""
    if source == "urbansound8k_subset" and role in ROLES:
        return role, label  # type: ignore[return-value]
    if role == "foreground_speech" or label.startswith("speech ("):
        return "foreground", "speech"
    if source == "librosa_data" and role == "music":
        return "background", "music"
    return DEV_LABELS.get((source, label))


def dev_corpus_bank(data_dir: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> SynthBank:
    """The dev corpus (``audioedit.paths.data_root()``) as a Scaper-layout folder of symlinks.

    The folder is built once under ``cache_dir`` (default ``~/.cache/audioedit/banks``) in a
    name derived from ``data_dir`` and the content of ``index.csv``, atomically (temp + rename).
    """
    data_dir = Path(data_dir).resolve()
    index = data_dir / "index.csv"
    if not index.is_file():
        raise UserInputError(f"{str(data_dir)!r} is not the dev corpus: it has no index.csv")
    text = index.read_bytes()
    key = hashlib.sha1(str(data_dir).encode() + text).hexdigest()[:12]
    cache = Path(cache_dir or Path.home() / ".cache" / "audioedit" / "banks")
    root = cache / f"dev-{key}"
    if not root.is_dir():
        _build_dev_links(data_dir, text.decode("utf-8"), cache, root)
    return _cached_bank(str(root))


def _build_dev_links(data_dir: Path, index_text: str, cache: Path, root: Path) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=cache))
    try:
        labels: dict[str, dict] = {}
        for row in csv.DictReader(index_text.splitlines()):
            mapped = dev_label(row["source"], row["label"], row["role"])
            if mapped is None:
                continue
            role, label = mapped
            src = data_dir / row["path"]
            if not src.is_file():
                raise UserInputError(f"dev corpus index lists {str(src)!r} but the file is missing")
            link = tmp / role / label / f"{row['source']}__{src.name}"
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(src, link)
            display, synonyms = DEV_DISPLAY.get(label, (label.replace("_", " "), []))
            labels[label] = {"display": display, "synonyms": synonyms, "role": role}
        (tmp / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True), encoding="utf-8")
        (tmp / "README.txt").write_text(
            f"Symlinks into {data_dir} (Scaper layout). Built by audioedit.synth.banks.dev_corpus_bank; do not ship.\n",
            encoding="utf-8",
        )
        try:
            os.rename(tmp, root)
        except OSError:  # another process built it first
            if not root.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
