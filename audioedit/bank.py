"""Sound banks: one interface over any folder in Scaper layout, and the shipped starter bank.

A bank folder holds ``foreground/<label>/*.<audio>`` and/or ``background/<label>/*.<audio>``;
an optional ``labels.json`` gives each label a role, a human-readable name, synonyms and whether
its clips are synthetic (``{"dog_bark": {"role": "foreground", "name": "dog bark",
"synonyms": ["dog", "barking"], "synthetic": true}, ...}``). Without it, names come from the
folder names (underscores -> spaces).

    >>> import numpy as np
    >>> bank = starter_bank()
    >>> bank.canonical("a robin"), bank.canonical("rainfall")
    ('bird', 'rain')
    >>> bank.clip("rain", np.random.default_rng(0), min_duration_s=30.0).duration_s >= 30.0
    True
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from audioedit.audio import Audio, load_audio
from audioedit.errors import UserInputError

ROLES = ("foreground", "background")
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff", ".opus"}
LOOP_CROSSFADE_S = 0.05
_FILLER_WORDS = {"a", "an", "the", "some", "of", "sound", "sounds", "noise", "noises", "more", "few", "couple"}
LAYOUT_HINT = "expected <root>/foreground/<label>/*.wav|flac|... and/or <root>/background/<label>/*.wav|flac|..."


class LabelInfo(BaseModel):
    """What a bank knows about one label."""

    label: str
    role: str = Field(description="foreground | background")
    name: str = Field(description="human-readable name, e.g. 'dog bark'")
    synonyms: list[str] = Field(default_factory=list)
    synthetic: bool = Field(default=False, description="clips are procedurally generated, not recordings")


class SoundBank:
    """Labelled clips from a folder in Scaper layout (see the module docstring).

    Raises ``UserInputError`` if ``root`` is missing or holds no audio clips in that layout.
    """

    def __init__(self, root: str | Path, name: str | None = None, extra_roots: tuple[str | Path, ...] = ()) -> None:
        self.root = Path(root)
        self.roots = (self.root, *(Path(r) for r in extra_roots))  # extra folders add labels (and clips)
        self.name = name or self.root.name
        for folder in self.roots:
            if not folder.is_dir():
                raise UserInputError(f"sound bank folder {str(folder)!r} does not exist; {LAYOUT_HINT}")
        self._clips: dict[tuple[str, str], list[Path]] = {}
        for role, folder in ((r, f) for f in self.roots for r in ROLES):
            role_dir = folder / role
            if not role_dir.is_dir():
                continue
            for label_dir in sorted(p for p in role_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
                files = sorted(
                    p for p in label_dir.iterdir()
                    if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith(".")
                )
                if files:
                    self._clips.setdefault((role, label_dir.name), []).extend(files)
        if not self._clips:
            raise UserInputError(f"sound bank folder {str(self.root)!r} holds no audio clips; {LAYOUT_HINT}")
        self._info = self._load_info()
        self._cache: dict[Path, Audio] = {}

    def __repr__(self) -> str:
        return f"SoundBank({str(self.root)!r}, name={self.name!r}, labels={len(self.labels())})"

    # --- catalogue -------------------------------------------------------------------------
    def _load_info(self) -> dict[str, LabelInfo]:
        meta: dict = {}
        for meta_path in (folder / "labels.json" for folder in reversed(self.roots)):  # the main root wins
            if not meta_path.is_file():
                continue
            try:
                loaded = json.loads(meta_path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise UserInputError(f"cannot parse {str(meta_path)!r} as JSON: {exc}") from None
            if not isinstance(loaded, dict):
                raise UserInputError(f"{str(meta_path)!r} must map label -> {{role, name, synonyms, synthetic}}")
            meta.update(loaded)
        info: dict[str, LabelInfo] = {}
        for role, label in self._clips:
            if label in info:
                continue  # a label in both roles: the foreground entry (first) describes it
            entry = meta.get(label, {}) if isinstance(meta.get(label, {}), dict) else {}
            info[label] = LabelInfo(
                label=label,
                role=entry.get("role", role) if (entry.get("role", role), label) in self._clips else role,
                name=entry.get("name", label.replace("_", " ")),
                synonyms=list(entry.get("synonyms", [])),
                synthetic=bool(entry.get("synthetic", False)),
            )
        return info

    def labels(self, role: str | None = None) -> list[str]:
        """Sorted labels, all or those of ``role`` ('foreground' | 'background')."""
        _check_role(role)
        return sorted({label for r, label in self._clips if role is None or r == role})

    def roles(self) -> dict[str, tuple[str, ...]]:
        """label -> the roles it has clips in ('foreground', 'background'): what a planner may add, and how."""
        return {label: tuple(r for r in ROLES if (r, label) in self._clips) for label in self.labels()}

    def role_of(self, label: str) -> str:
        return self.info(label).role

    def info(self, label: str) -> LabelInfo:
        if label not in self._info:
            raise self._unknown(label)
        return self._info[label]

    def clips(self, label: str, role: str | None = None) -> list[Path]:
        """The clip files of ``label`` (of ``role`` if given, else of the label's role)."""
        _check_role(role)
        role = role or self.role_of(label)
        if (role, label) not in self._clips:
            raise self._unknown(label, role)
        return list(self._clips[(role, label)])

    def _unknown(self, label: str, role: str | None = None) -> UserInputError:
        where = f" {role}" if role else ""
        return UserInputError(
            f"no{where} sound {label!r} in bank {self.name!r}; available: {', '.join(self.labels(role))}"
        )

    # --- free text -> label ------------------------------------------------------------------
    def canonical(self, text: str) -> str | None:
        """Map free text ("birds", "a robin", "dog", "horn", "rainfall") to a label, or None.

        Tries, in order: the label or its name; a synonym; the same with plurals stripped;
        a label, name or synonym appearing as whole words in the text (longest wins); a close
        spelling (difflib, ratio >= 0.8).
        """
        phrase = _normalise(text)
        if not phrase:
            return None
        table = self._phrase_table()
        for candidate in (phrase, _singular_phrase(phrase)):
            if candidate in table:
                return table[candidate]
        padded = f" {phrase} "
        singular = f" {_singular_phrase(phrase)} "
        hits = [(len(key), key) for key in table if f" {key} " in padded or f" {key} " in singular]
        if hits:
            return table[max(hits)[1]]
        close = difflib.get_close_matches(phrase, list(table), n=1, cutoff=0.8)
        return table[close[0]] if close else None

    def _phrase_table(self) -> dict[str, str]:
        """normalised phrase -> label; labels and names win over synonyms."""
        table: dict[str, str] = {}
        for info in self._info.values():
            for syn in info.synonyms:
                table.setdefault(_normalise(syn), info.label)
        for info in self._info.values():
            table[_normalise(info.label)] = info.label
            table[_normalise(info.name)] = info.label
        table.pop("", None)
        return table

    # --- clips -------------------------------------------------------------------------------
    def clip(
        self,
        label: str,
        rng: np.random.Generator,
        like: Audio | None = None,
        role: str | None = None,
        min_duration_s: float | None = None,
    ) -> Audio:
        """A random clip of ``label``, at ``like``'s sample rate and channel count when given.

        If ``min_duration_s`` is given and the clip is shorter, it is looped with a 50 ms
        crossfade at each loop point until it lasts at least that long.
        """
        paths = self.clips(label, role)
        path = paths[int(rng.integers(len(paths)))]
        audio = self._read(path, label)
        if like is not None:
            audio = audio.conform(like)
        if min_duration_s is not None and audio.duration_s < min_duration_s:
            audio = loop_to(audio, min_duration_s)
        return audio

    def _read(self, path: Path, label: str) -> Audio:
        if path not in self._cache:
            try:
                self._cache[path] = load_audio(path)
            except UserInputError as exc:
                raise UserInputError(f"bank {self.name!r}, sound {label!r}: unreadable clip {str(path)!r}: {exc}") from None
        return self._cache[path]


def loop_to(audio: Audio, min_duration_s: float, crossfade_s: float = LOOP_CROSSFADE_S) -> Audio:
    """Repeat ``audio`` with an equal-power crossfade at each seam until it lasts ``min_duration_s``.

    Returns exactly ``ceil(min_duration_s * sample_rate_hz)`` frames, shape ``(channels, frames)``.
    """
    target = int(np.ceil(min_duration_s * audio.sample_rate_hz))
    x = audio.samples
    xfade = min(int(crossfade_s * audio.sample_rate_hz), x.shape[1] // 4)
    if x.shape[1] == 0:
        raise UserInputError("cannot loop an empty clip")
    w = np.linspace(0.0, 1.0, xfade, dtype=np.float32)
    fade_in, fade_out = np.sqrt(w), np.sqrt(1 - w)
    out = x.copy()
    while out.shape[1] < target:
        if xfade:
            seam = out[:, -xfade:] * fade_out + x[:, :xfade] * fade_in
            out = np.concatenate([out[:, :-xfade], seam, x[:, xfade:]], axis=1)
        else:
            out = np.concatenate([out, x], axis=1)
    return audio.with_samples(out[:, :target])


@lru_cache(maxsize=1)
def starter_bank() -> SoundBank:
    """The bank shipped with the package (``audioedit/assets/bank``): real CC-BY / public-domain
    recordings plus labelled synthetic clips; see its ``CREDITS.md``. The scene sounds of
    ``audioedit/assets/bank_scenes`` (CC0 / CC-BY / CC-BY-SA / GPL, own ``CREDITS.md``) add labels
    for goal requests; the synth benchmark draws on ``bank`` only, so its vocabulary stays fixed."""
    from importlib.resources import files

    assets = Path(str(files("audioedit").joinpath("assets")))
    scenes = assets / "bank_scenes"
    return SoundBank(assets / "bank", name="starter", extra_roots=(scenes,) if scenes.is_dir() else ())


def addable_sounds(bank) -> dict[str, tuple[str, ...]] | list[str]:
    """What a planner may add from ``bank``: label -> the roles it has clips in (``SoundBank.roles``),
    or its labels alone when the bank names no roles (any role is then assumed)."""
    roles = getattr(bank, "roles", None)
    return roles() if callable(roles) else bank.labels()


def _check_role(role: str | None) -> None:
    if role is not None and role not in ROLES:
        raise UserInputError(f"unknown role {role!r}; accepted: {', '.join(ROLES)} or None")


def _normalise(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("_", " ")).split()
    return " ".join(w for w in words if w not in _FILLER_WORDS)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _singular_phrase(phrase: str) -> str:
    return " ".join(_singular(w) for w in phrase.split())
