"""Scene: a mixture, the events in it, and optionally one stem per event; JAMS and stems I/O.

Event ids follow Scaper's isolated-event file names (``foreground0_siren``, ``background0_park``),
so a Scaper soundscape saved with ``save_isolated_events=True`` loads as a Scene with stems:

    scene = load_scene("sc.wav", annotation="sc.jams", stems_dir="sc_events")

When stems are present, ``stems[event.id]`` has the mixture's shape and the mixture may contain a
residual that no stem explains (reverb, normalisation); executors edit ``mixture - stem + new_stem``
so the residual is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from audioedit.audio import Audio, AudioLimits, load_audio
from audioedit.errors import UserInputError

Role = Literal["foreground", "background"]


class EventSource(StrEnum):
    """Where an event came from (a ``StrEnum``: JSON and reports read the plain string)."""

    ANNOTATION = "annotation"
    STEMS = "stems"  # read from the stems folder's file names
    DETECTED = "detected"  # found by the voice detector or CLAP: the span and label may be wrong
    EDIT = "edit"  # made by an edit step (an added sound, a layer)


class EventsFrom(StrEnum):
    """Where a scene's events came from: the events' source, or none known."""

    ANNOTATION = "annotation"
    STEMS = "stems"
    DETECTED = "detected"
    NONE = "none"  # a plain recording: no events known (until detection)


EXACT_SOURCES = (EventsFrom.ANNOTATION, EventsFrom.STEMS)  # every sound in a span is known: exact region edits
STEM_NAME = re.compile(r"^(foreground|background)(\d+)_(.+)$")
ACTIVE_THRESHOLD_DB = -40.0  # stem frames within this of the stem's peak count as "active"


class Event(BaseModel):
    """One sound event. Times are seconds from the start of the mixture."""

    id: str
    label: str
    onset_s: float = Field(ge=0)
    offset_s: float = Field(ge=0)
    role: Role = "foreground"
    level_db: float | None = Field(None, description="RMS level of the event over its span, dBFS")
    source: EventSource = EventSource.ANNOTATION
    confidence: float = 1.0
    extra: dict[str, Any] = Field(default_factory=dict, description="annotation fields kept for round-trips")

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    def overlaps(self, other: Event, margin_s: float = 0.0) -> bool:
        return self.onset_s < other.offset_s + margin_s and other.onset_s < self.offset_s + margin_s


class SceneDescription(BaseModel):
    """What a planner, a report or a chat agent sees of a scene (no samples)."""

    duration_s: float
    sample_rate_hz: int
    num_channels: int
    events: list[Event]
    has_stems: bool
    events_from: EventsFrom = Field(description="annotation | stems | detected | none")
    searched: list[str] = Field(default_factory=list, description="with detected events: the sounds detection "
                                                                   "looked for (found or not)")
    measurements: dict[str, float | None] = Field(default_factory=dict, description="describe_audio only: what the ops "
                                                  "measure on the recording (loudness, loudness range, hum, silence at the ends)")
    suggestions: list[str] = Field(default_factory=list, description="describe_audio only: requests those measurements "
                                                                     "suggest ('remove the hum')")


@dataclass(frozen=True, eq=False)
class Scene:
    """A mixture with its events; ``stems`` maps event id to that event's audio (mixture shape)."""

    audio: Audio
    events: tuple[Event, ...] = ()
    stems: dict[str, Audio] | None = None
    events_from: EventsFrom = EventsFrom.NONE
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def has_stems(self) -> bool:
        return self.stems is not None

    def event(self, event_id: str) -> Event:
        for ev in self.events:
            if ev.id == event_id:
                return ev
        raise KeyError(f"no event {event_id!r}; events: {[e.id for e in self.events]}")

    def labels(self) -> list[str]:
        return sorted({e.label for e in self.events})

    def describe(self) -> SceneDescription:
        return SceneDescription(
            duration_s=round(self.audio.duration_s, 4),
            sample_rate_hz=self.audio.sample_rate_hz,
            num_channels=self.audio.num_channels,
            events=list(self.events),
            has_stems=self.has_stems,
            events_from=self.events_from,
            searched=list(self.meta.get("searched", [])),
        )

    def residual(self) -> Audio:
        """Mixture minus the sum of all stems (zeros for a Scaper scene without reverb)."""
        if self.stems is None:
            raise ValueError("scene has no stems")
        total = self.audio.samples - sum(s.samples for s in self.stems.values())
        return self.audio.with_samples(total)

    def evolve(self, **changes: Any) -> Scene:
        return replace(self, **changes)

    def new_event_id(self, role: Role, label: str) -> str:
        taken = {e.id for e in self.events} | set(self.stems or {})
        n = sum(1 for e in self.events if e.role == role)
        while f"{role}{n}_{label}" in taken:
            n += 1
        return f"{role}{n}_{label}"


# --------------------------------------------------------------------------------------------
# loading


def load_scene(
    audio_path: str | Path,
    annotation: str | Path | None = None,
    stems_dir: str | Path | None = None,
    limits: AudioLimits | None = None,
) -> Scene:
    """The mixture plus events from a JAMS / txt annotation and stems from a folder, when given."""
    audio = load_audio(audio_path, limits)
    events: list[Event] = []
    events_from = EventsFrom.NONE
    if annotation is not None:
        events = read_annotation(annotation)
        events_from = EventsFrom.ANNOTATION
    stems = None
    if stems_dir is not None:
        stems = read_stems(stems_dir, audio, limits)
        if events:
            missing = [e.id for e in events if e.id not in stems]
            if missing:
                raise UserInputError(
                    f"stems folder {str(stems_dir)!r} has no file for events {missing}; "
                    f"expected files named like <role><n>_<label>.wav, found {sorted(stems)}"
                )
            stems = {e.id: stems[e.id] for e in events}
        else:
            events = events_from_stems(stems)
            events_from = EventsFrom.STEMS
    for ev in events:
        if ev.onset_s >= audio.duration_s:
            raise UserInputError(
                f"annotated event {ev.id!r} starts at {ev.onset_s:.2f} s, after the audio ends "
                f"({audio.duration_s:.2f} s): is this the right annotation for {str(audio_path)!r}?"
            )
    if stems is not None:
        events = [_with_level(e, stems[e.id]) for e in events]
    return Scene(audio, tuple(events), stems, events_from)


def read_annotation(path: str | Path) -> list[Event]:
    """Events from a JAMS file (Scaper's ``scaper`` namespace or ``sound_event``) or a
    tab-separated ``onset offset label`` text file (Scaper's ``.txt``)."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"annotation file not found: {str(path)!r}")
    if path.suffix.lower() in {".txt", ".tsv", ".csv"}:
        return _read_txt(path)
    return _read_jams(path)


def _read_txt(path: Path) -> list[Event]:
    events: list[Event] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = re.split(r"[\t,]", line.strip())
        if not line.strip():
            continue
        try:
            onset_s, offset_s, label = float(parts[0]), float(parts[1]), parts[2].strip()
        except (IndexError, ValueError):
            raise UserInputError(
                f"{str(path)!r} line {n}: expected 'onset_s<TAB>offset_s<TAB>label', got {line!r}"
            ) from None
        events.append(Event(id=f"foreground{len(events)}_{label}", label=label, onset_s=onset_s, offset_s=offset_s))
    return events


def _read_jams(path: Path) -> list[Event]:
    import json

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        annotations = doc["annotations"]
    except (ValueError, KeyError, TypeError) as exc:
        raise UserInputError(f"{str(path)!r} is not a JAMS file ({exc}); expected JSON with 'annotations'") from None
    for ann in annotations:
        if ann.get("namespace") in {"scaper", "sound_event"}:
            return _events_from_jams_data(ann["data"], path)
    names = [a.get("namespace") for a in annotations]
    raise UserInputError(f"{str(path)!r} has no 'scaper' or 'sound_event' annotation (found {names})")


def _events_from_jams_data(data: Any, path: Path) -> list[Event]:
    # JAMS stores data either as a list of observations or as a column dict (older files).
    if isinstance(data, dict):
        data = [dict(zip(data, row)) for row in zip(*data.values())]
    counters = {"foreground": 0, "background": 0}
    events = []
    for obs in data:
        value = obs["value"]
        if isinstance(value, dict):
            label, role = str(value["label"]), value.get("role", "foreground")
            extra = {k: v for k, v in value.items() if k not in {"label", "role"}}
        else:
            label, role, extra = str(value), "foreground", {}
        if role not in counters:
            raise UserInputError(f"{str(path)!r}: unknown event role {role!r}; expected foreground or background")
        event_id = f"{role}{counters[role]}_{label}"
        counters[role] += 1
        onset_s, duration_s = float(obs["time"]), float(obs["duration"])
        events.append(
            Event(id=event_id, label=label, onset_s=onset_s, offset_s=onset_s + duration_s, role=role, extra=extra)
        )
    return events


def read_stems(stems_dir: str | Path, like: Audio, limits: AudioLimits | None = None) -> dict[str, Audio]:
    """Stems named ``<role><n>_<label>.<ext>`` (Scaper's ``save_isolated_events``), shaped like ``like``."""
    stems_dir = Path(stems_dir)
    if not stems_dir.is_dir():
        raise UserInputError(f"stems folder not found: {str(stems_dir)!r}")
    stems: dict[str, Audio] = {}
    for file in sorted(stems_dir.iterdir()):
        if not STEM_NAME.match(file.stem) or file.name.startswith("."):
            continue
        stem = load_audio(file, limits)
        if stem.sample_rate_hz != like.sample_rate_hz or stem.num_channels != like.num_channels:
            raise UserInputError(
                f"stem {str(file)!r} is {stem.num_channels} ch @ {stem.sample_rate_hz} Hz; the mixture is "
                f"{like.num_channels} ch @ {like.sample_rate_hz} Hz"
            )
        if abs(stem.num_frames - like.num_frames) > like.sample_rate_hz // 100:
            raise UserInputError(
                f"stem {str(file)!r} lasts {stem.duration_s:.3f} s; the mixture lasts {like.duration_s:.3f} s"
            )
        stems[file.stem] = stem.fit_frames(like.num_frames)
    if not stems:
        raise UserInputError(
            f"no stems in {str(stems_dir)!r}: expected files named like foreground0_dog_bark.wav"
        )
    return stems


def events_from_stems(stems: dict[str, Audio]) -> list[Event]:
    """One event per stem, spanning the frames where the stem is within 40 dB of its peak."""
    events = []
    for stem_id, stem in stems.items():
        role, _, label = STEM_NAME.match(stem_id).groups()
        span = active_span_s(stem)
        if span is None:
            continue
        events.append(Event(id=stem_id, label=label, onset_s=span[0], offset_s=span[1], role=role, source=EventSource.STEMS))
    return sorted(events, key=lambda e: (e.role != "background", e.onset_s))


def active_span_s(audio: Audio, threshold_db: float = ACTIVE_THRESHOLD_DB, hop_s: float = 0.01) -> tuple[float, float] | None:
    """(onset_s, offset_s) of the region where ``audio`` is within ``threshold_db`` of its peak
    frame level (10 ms frames), or None for silence."""
    hop = max(1, int(hop_s * audio.sample_rate_hz))
    mono = np.abs(audio.samples).max(axis=0)
    n = len(mono) // hop
    if n == 0:
        return None
    frames = np.sqrt(np.mean(np.square(mono[: n * hop].reshape(n, hop), dtype=np.float64), axis=1))
    peak = frames.max()
    if peak < 1e-6:
        return None
    active = np.flatnonzero(frames >= peak * 10 ** (threshold_db / 20))
    return active[0] * hop / audio.sample_rate_hz, min((active[-1] + 1) * hop / audio.sample_rate_hz, audio.duration_s)


def _with_level(event: Event, stem: Audio) -> Event:
    span = stem.slice_s(event.onset_s, max(event.offset_s, event.onset_s + 0.01))
    return event.model_copy(update={"level_db": round(span.rms_db(), 2)})


# --------------------------------------------------------------------------------------------
# writing


def scene_to_jams(scene: Scene) -> str:
    """A JAMS document (JSON text) with a ``scaper``-namespace annotation of the scene's events."""
    return events_to_jams(scene.events, scene.events_from, scene.audio.duration_s)


def events_to_jams(events, events_from: str, duration_s: float) -> str:
    """``scene_to_jams`` from the events alone (long files: no audio in memory)."""
    import json

    data = []
    for ev in events:
        value = {
            "label": ev.label,
            "source_file": ev.extra.get("source_file", ""),
            "source_time": ev.extra.get("source_time", 0.0),
            "event_time": ev.onset_s,
            "event_duration": ev.duration_s,
            "snr": ev.extra.get("snr", 0.0),
            "role": ev.role,
            "pitch_shift": ev.extra.get("pitch_shift"),
            "time_stretch": ev.extra.get("time_stretch"),
        }
        data.append({"time": ev.onset_s, "duration": ev.duration_s, "value": value, "confidence": ev.confidence})
    doc = {
        "annotations": [
            {
                "namespace": "scaper",
                "annotation_metadata": {"annotation_tools": "audioedit", "data_source": "audioedit"},
                "data": data,
                "sandbox": {"audioedit": {"events_from": events_from}},
                "time": 0,
                "duration": duration_s,
            }
        ],
        "file_metadata": {"duration": duration_s, "jams_version": "0.3.4"},
        "sandbox": {},
    }
    return json.dumps(doc, indent=1)


def save_scene(scene: Scene, audio_path: str | Path, *, with_stems: bool = True) -> tuple[Path, Path, Path | None]:
    """Write the mixture, a JAMS beside it and (when the scene has stems) a Scaper-style
    ``<name>_events/`` folder. Returns (audio, jams, stems folder or None)."""
    from audioedit.audio import save_audio, write_text_atomic

    audio_path = Path(audio_path)
    save_audio(scene.audio, audio_path)
    jams_path = write_text_atomic(audio_path.with_suffix(".jams"), scene_to_jams(scene))
    stems_dir = None
    if with_stems and scene.stems is not None:
        stems_dir = audio_path.with_name(f"{audio_path.stem}_events")
        for event_id, stem in scene.stems.items():
            save_audio(stem, stems_dir / f"{event_id}{audio_path.suffix}")
    return audio_path, jams_path, stems_dir
