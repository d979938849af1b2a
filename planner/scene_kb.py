"""The scene knowledge base (``planner/assets/scenes.yaml``): what a goal like "make it sound like a
beach" implies — the sounds that belong (level, count, stand-ins), the ones that clash, the room
and timbre — validated on load.

    >>> kb = load_kb()
    >>> len(kb.scenes) >= 40, kb.find("make it sound like a busy office").name
    (True, 'busy office')
    >>> kb.find("in a lively spring park").name, kb.find("more cinematic").name
    ('spring park', 'more cinematic')
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from audioedit.errors import UserInputError

KB_PATH = Path(__file__).resolve().parent / "assets" / "scenes.yaml"
Room = Literal["small_room", "medium_room", "large_hall", "church", "outdoor"]
Timbre = Literal["muffled", "darker", "underwater", "brighter", "telephone", "radio"]
_LABEL = re.compile(r"^[a-z][a-z0-9_]*$")


class SceneSound(BaseModel):
    label: str
    role: Literal["foreground", "background"] = "foreground"
    count: int = Field(1, ge=1, le=8)
    snr_db: float = Field(-6.0, ge=-30, le=10, description="level relative to the mixture in its span")
    alts: list[str] = Field(default_factory=list, description="stand-ins when the bank lacks the label")
    max_snr_db: float | None = Field(None, ge=-30, le=10, description="the loudest it may be raised to when the verifier "
                                     "cannot hear it at snr_db; None: the knowledge base's default")

    def max_level_db(self, default_max_snr_db: float) -> float:
        """The top of this sound's level range (dB relative to the mixture): its own ``max_snr_db``, else
        ``default_max_snr_db``, never below ``snr_db`` (a sound is never made quieter than the scene asks)."""
        return max(self.snr_db, default_max_snr_db if self.max_snr_db is None else self.max_snr_db)

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        if not _LABEL.match(v):
            raise ValueError(f"label {v!r} must be snake_case")
        return v


class SceneEntry(BaseModel):
    name: str
    aliases: list[str] = Field(min_length=1)
    sounds: list[SceneSound] = Field(default_factory=list)
    clashes: list[str] = Field(default_factory=list)
    lower: list[str] = Field(default_factory=list)
    room: Room | None = None
    timbre: Timbre | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SceneEntry:
        belongs = {s.label for s in self.sounds}
        both = belongs & set(self.clashes)
        if both:
            raise ValueError(f"scene {self.name!r}: {sorted(both)} both belong and clash")
        if not (self.sounds or self.clashes or self.lower or self.room or self.timbre):
            raise ValueError(f"scene {self.name!r} implies nothing (no sounds, clashes, room or timbre)")
        return self


class KnowledgeBase(BaseModel):
    max_adds: int = Field(3, ge=1, le=6, description="sounds added per goal request (the most characteristic first)")
    lower_gain_db: float = Field(-6.0, le=0)
    max_snr_db: float = Field(0.0, ge=-30, le=10, description="default top of an added sound's level range: raised so the "
                              "verifier hears it, never louder than the recording it joins (0 dB)")
    scenes: list[SceneEntry] = Field(min_length=40)
    moods: list[SceneEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> KnowledgeBase:
        seen: dict[str, str] = {}
        for entry in self.scenes + self.moods:
            for alias in entry.aliases:
                key = alias.lower()
                if key in seen and seen[key] != entry.name:
                    raise ValueError(f"alias {alias!r} names both {seen[key]!r} and {entry.name!r}")
                seen[key] = entry.name
        return self

    def entries(self) -> list[SceneEntry]:
        return self.moods + self.scenes

    def find(self, text: str) -> SceneEntry | None:
        """The entry whose alias is the longest whole-word match in ``text`` (moods and scenes), or None."""
        hay = f" {re.sub(r'[^a-z0-9é]+', ' ', text.lower())} "
        best: tuple[int, SceneEntry] | None = None
        for entry in self.entries():
            for alias in entry.aliases:
                key = re.sub(r"[^a-z0-9é]+", " ", alias.lower()).strip()
                if f" {key} " in hay and (best is None or len(key) > best[0]):
                    best = (len(key), entry)
        return best[1] if best else None

    def labels(self) -> set[str]:
        """Every sound label the knowledge base mentions."""
        out: set[str] = set()
        for e in self.entries():
            out |= {s.label for s in e.sounds} | {a for s in e.sounds for a in s.alts} | set(e.clashes) | set(e.lower)
        return out

    def summary(self) -> str:
        """One line per scene, for the LLM planner's prompt."""
        rows = []
        for e in self.entries():
            add = ", ".join(f"{s.label}({s.role[0]},{s.count}x,{s.snr_db:g}dB)" for s in e.sounds)
            rows.append(f"- {e.name}: add [{add}]; remove [{', '.join(e.clashes)}]"
                        + (f"; lower [{', '.join(e.lower)}]" if e.lower else "")
                        + (f"; room {e.room}" if e.room else "") + (f"; timbre {e.timbre}" if e.timbre else ""))
        return "\n".join(rows)


@lru_cache(maxsize=4)
def load_kb(path: str | None = None) -> KnowledgeBase:
    """The knowledge base at ``path`` (default: the shipped one), validated; ``UserInputError`` when invalid."""
    import yaml

    p = Path(path) if path is not None else KB_PATH
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        return KnowledgeBase(**data.get("defaults", {}), scenes=data.get("scenes", []), moods=data.get("moods", []))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise UserInputError(f"scene knowledge base {str(p)!r} is invalid: {exc}") from exc
