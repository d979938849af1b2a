"""The plan vocabulary: event references, the six atomic edit steps, and a Plan.

A step is one of ``add | remove | replace | reorder | loudness | speed`` (MMEdit's task set),
``move`` (a sound shifted in time), ``pauses`` or a registry op (``audioedit/ops``), discriminated on ``op``, and carries the atomic ``instruction`` sentence a learned editor is
conditioned on. Steps round-trip through JSON:

    >>> step = LoudnessStep(id="s1", instruction="make the car horn 6 dB louder",
    ...                     target=EventRef(label="car_horn"), gain_db=6.0)
    >>> EditStepAdapter.validate_json(step.model_dump_json()) == step
    True
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter, model_validator

from audioedit.scene import Event, Scene, SceneDescription

Selector = Literal["all", "first", "last", "nth"]
# events: the scene's events that match; recording: the whole file (needs no events);
# speech: the speech layer (every voice, from the speech/rest layer split); background: everything but the speech
Scope = Literal["events", "recording", "speech", "background"]


class EventRef(BaseModel):
    """Which events a step acts on: a label, a selector and an optional time window.

    ``label`` is a canonical scene label once grounded (``text`` keeps the user's words);
    ``event_ids`` holds the ids it resolved to in the scene the plan was made for.
    """

    label: str
    text: str = ""
    select: Selector = "all"
    n: int | None = Field(None, ge=1, description="1-based index for select='nth'")
    start_s: float | None = Field(None, ge=0)
    end_s: float | None = Field(None, ge=0)
    event_ids: list[str] = Field(default_factory=list)
    scope: Scope = Field("events", description="events | recording (the whole file) | speech (the speech layer) "
                                               "| background (everything but the speech)")
    complement: bool = Field(False, description="everything except what this names: 'keep only X' removes "
                                                "the complement of X")
    unlocated: bool = Field(False, description="a sound named on a plain recording that detection did not find: "
                                               "no events; the learned editor looks for it over the whole "
                                               "recording (or the time window given)")

    @model_validator(mode="after")
    def _check(self) -> EventRef:
        if self.select == "nth" and self.n is None:
            raise ValueError("select='nth' needs n (1-based)")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise ValueError(f"time window end_s={self.end_s} must be after start_s={self.start_s}")
        return self

    def describe(self) -> str:
        if self.scope == "recording" and (self.start_s is not None or self.end_s is not None):
            return f"the recording from {self.start_s or 0:g} s to {'the end' if self.end_s is None else f'{self.end_s:g} s'}"
        if self.scope != "events":
            return {"recording": "the whole recording", "speech": "the speech",
                    "background": "the background (everything but the speech)"}[self.scope]
        if self.complement:
            return f"everything except {self.model_copy(update={'complement': False}).describe()}"
        words = {"first": "the first ", "last": "the last ", "all": "", "nth": f"#{self.n} "}[self.select]
        window = ""
        if self.start_s is not None or self.end_s is not None:
            window = f" in {self.start_s or 0:g}-{'end' if self.end_s is None else f'{self.end_s:g}'} s"
        elif self.unlocated:
            window = " (anywhere: not detected)"
        return f"{words}{self.label}{window}"


def select_events(events: list[Event] | tuple[Event, ...], ref: EventRef) -> list[Event]:
    """The events ``ref`` names among ``events`` (by resolved id when present, else by label)."""
    if ref.event_ids:
        by_id = {e.id: e for e in events}
        return [by_id[i] for i in ref.event_ids if i in by_id]
    chosen = [e for e in events if e.label == ref.label]
    if ref.start_s is not None:
        chosen = [e for e in chosen if e.offset_s > ref.start_s]
    if ref.end_s is not None:
        chosen = [e for e in chosen if e.onset_s < ref.end_s]
    chosen.sort(key=lambda e: e.onset_s)
    if not chosen or ref.select == "all":
        return chosen
    if ref.select == "first":
        return chosen[:1]
    if ref.select == "last":
        return chosen[-1:]
    return chosen[ref.n - 1 : ref.n] if ref.n <= len(chosen) else []


class _Step(BaseModel):
    id: str = Field(description="step id within the plan, e.g. 's1'")
    instruction: str = Field(description="one atomic sentence describing this step")
    source_text: str = Field("", description="the part of the request this step came from")


class AddStep(_Step):
    op: Literal["add"] = "add"
    sound: str = Field(description="label of the sound to add (a sound-bank label)")
    at_s: float | None = Field(None, ge=0, description="onset; None = the executor picks (background: whole clip)")
    count: int = Field(1, ge=1, le=16)
    snr_db: float = Field(6.0, description="level of the added sound relative to the mixture in its span")
    role: Literal["foreground", "background"] = "foreground"
    max_snr_db: float | None = Field(None, description="the loudest the sound may be made, relative to the mixture, when the "
                                     "verifier cannot hear it at snr_db (a retry raises it toward this); None: snr_db is fixed")


class RemoveStep(_Step):
    op: Literal["remove"] = "remove"
    target: EventRef


class ReplaceStep(_Step):
    op: Literal["replace"] = "replace"
    target: EventRef
    sound: str
    snr_db: float | None = Field(None, description="None = match the replaced event's level")


class ReorderStep(_Step):
    """After the edit the targets' onsets follow the order of ``targets``; they take over each
    other's time slots (for two targets: a swap)."""

    op: Literal["reorder"] = "reorder"
    targets: list[EventRef] = Field(min_length=2)


class LoudnessStep(_Step):
    op: Literal["loudness"] = "loudness"
    target: EventRef
    gain_db: float = Field(ge=-60, le=40)


class SpeedStep(_Step):
    op: Literal["speed"] = "speed"
    target: EventRef
    factor: float = Field(gt=0.1, le=10, description=">1 faster (shorter), <1 slower (longer)")
    keep_pitch: bool = True


MoveTo = Literal["start", "middle", "end"]


class MoveStep(_Step):
    """The target's events shift in time together (their spacing kept), to one of: an onset ``to_s``,
    an edge of the recording (``to``: start = first onset at 0, end = last offset at the end, middle =
    centred), or by ``by_s`` seconds (+ later, - earlier). Where they were keeps what sounded under them;
    the recording's length does not change (``move_shift_s`` says where a move may go)."""

    op: Literal["move"] = "move"
    target: EventRef
    to_s: float | None = Field(None, ge=0, description="the new onset of the first target event, seconds")
    to: MoveTo | None = Field(None, description="start | middle | end of the recording")
    by_s: float | None = Field(None, description="shift in seconds: positive later, negative earlier")

    @model_validator(mode="after")
    def _one_destination(self) -> MoveStep:
        given = [k for k in ("to_s", "to", "by_s") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a move needs exactly one of to_s, to, by_s; got {given or 'none'}")
        return self


class PausesStep(_Step):
    """Every pause between speech segments (voice detector) longer than ``max_pause_s`` is cut to
    ``max_pause_s``; the audio after each cut moves earlier."""

    op: Literal["pauses"] = "pauses"
    max_pause_s: float = Field(0.25, ge=0.05, le=10)


RECORDING = "recording"  # the label of a whole-recording reference


def whole_recording(text: str = "") -> EventRef:
    """A reference to the whole file: needs no events."""
    return EventRef(label=RECORDING, text=text, scope="recording")


# registry ops (audioedit/ops/): each module holds its step model, execution and checks
from audioedit.ops.channels import ChannelsStep  # noqa: E402  (the op modules import EventRef and _Step from above)
from audioedit.ops.declick import DeclickStep  # noqa: E402
from audioedit.ops.deess import DeessStep  # noqa: E402
from audioedit.ops.dehum import DehumStep  # noqa: E402
from audioedit.ops.eq import EqStep  # noqa: E402
from audioedit.ops.fade import FadeStep  # noqa: E402
from audioedit.ops.level import LevelStep  # noqa: E402
from audioedit.ops.normalize import NormalizeStep  # noqa: E402
from audioedit.ops.pan import PanStep  # noqa: E402
from audioedit.ops.pitch import PitchStep  # noqa: E402
from audioedit.ops.reverb import ReverbStep  # noqa: E402
from audioedit.ops.trim import TrimStep  # noqa: E402

EditStep = Annotated[
    Union[AddStep, RemoveStep, ReplaceStep, ReorderStep, LoudnessStep, SpeedStep, MoveStep, PausesStep,
          NormalizeStep, ReverbStep, EqStep, FadeStep, PanStep, TrimStep, DehumStep, PitchStep, ChannelsStep, LevelStep, DeclickStep, DeessStep],
    Field(discriminator="op"),
]
EditStepAdapter: TypeAdapter[EditStep] = TypeAdapter(EditStep)
OPS = ("add", "remove", "replace", "reorder", "loudness", "speed")  # MMEdit's six (synth seeds depend on it)
REGISTRY_OPS = ("normalize", "reverb", "eq", "fade", "pan", "trim", "dehum", "pitch", "channels", "level", "declick", "deess")  # audioedit/ops/: one module each


def recording_window(step: EditStep) -> tuple[float, float | None] | None:
    """``(start_s, end_s)`` when ``step`` acts on a time window of the whole recording ('mute 0:03 to 0:05',
    'make the first 5 seconds quieter'; end None: to the end), else None."""
    for ref in step_targets(step):
        if ref.scope == "recording" and (ref.start_s is not None or ref.end_s is not None):
            return ref.start_s or 0.0, ref.end_s
    return None


WINDOW_OPS = ("loudness", "remove", "eq", "reverb", "pitch")  # the ops that run on a time window of the recording
WINDOW_RAMP_S = 0.01  # a gain or a mute on a window ramps in and out inside it


def on_recording(step: EditStep) -> bool:
    """Whether ``step`` acts on the whole recording."""
    return any(ref.scope == "recording" for ref in step_targets(step))


def is_unlocated(step: EditStep) -> bool:
    """Whether ``step`` targets a sound that was not detected (``EventRef.unlocated``)."""
    return any(ref.unlocated for ref in step_targets(step))


def unlocated_span_s(ref: EventRef, duration_s: float) -> tuple[float, float]:
    """Where the learned editor looks for an unlocated sound: its time window, else the whole recording."""
    start_s = 0.0 if ref.start_s is None else min(ref.start_s, duration_s)
    end_s = duration_s if ref.end_s is None else min(ref.end_s, duration_s)
    return (start_s, end_s) if end_s > start_s else (0.0, duration_s)


def step_targets(step: EditStep) -> list[EventRef]:
    """The event references a step acts on (none for add)."""
    if isinstance(step, ReorderStep):
        return list(step.targets)
    return [step.target] if hasattr(step, "target") else []


class Unresolved(BaseModel):
    """A part of the request the planner could not turn into a step, and why."""

    text: str
    reason: str


class Plan(BaseModel):
    request: str
    steps: list[EditStep] = Field(default_factory=list)
    planner: str = "rules"
    assumptions: list[str] = Field(default_factory=list)
    unresolved: list[Unresolved] = Field(default_factory=list)
    scene: SceneDescription | None = None


def resolve_step(step: EditStep, scene: Scene) -> list[Event]:
    """The scene events a step acts on, in ``step_targets`` order."""
    return [ev for ref in step_targets(step) for ev in select_events(scene.events, ref)]
