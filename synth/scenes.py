"""Scaper soundscapes with one background and 1..N foreground events, saved with JAMS and stems.

Every random choice (labels, clips, spans, onsets, SNR, pitch shift, time stretch) is drawn from
a ``numpy.random.Generator`` seeded by the caller and handed to Scaper as ``const``
distributions, with ``random_state=seed`` for anything Scaper draws itself; so a seed gives the
same soundscape, and the layout can be forced (``isolated``: no two foreground events overlap;
``overlap``: the first two planned events overlap). Reverb is always off, so the mixture is the
sum of the stems.

    >>> spec = SceneSpec(duration_s=10, sample_rate_hz=16000, num_events=(2, 3))
    >>> plan = plan_scene(bank, spec, np.random.default_rng(0))              # doctest: +SKIP
    >>> scene = render_scene(bank, plan, "out/source.wav", seed=0)           # doctest: +SKIP
    >>> sorted(scene.stems)                                                  # doctest: +SKIP
    ['background0_street', 'foreground0_dog_bark', 'foreground1_siren']
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from audioedit.audio import Audio, save_audio
from audioedit.errors import UserInputError
from audioedit.scene import Scene, load_scene

from audioedit.synth.banks import BankClip, SynthBank

log = logging.getLogger(__name__)

Layout = Literal["random", "isolated", "overlap"]


class SceneSpec(BaseModel):
    """Ranges every soundscape draws from. Ranges are ``(low, high)``, inclusive."""

    duration_s: float = Field(10.0, gt=0.5, le=600)
    sample_rate_hz: int = Field(16000, ge=8000, le=192000)
    num_events: tuple[int, int] = (1, 3)
    background: bool = True
    fg_labels: list[str] | None = Field(None, description="None = every foreground label of the bank")
    bg_labels: list[str] | None = Field(None, description="None = every background label of the bank")
    event_duration_s: tuple[float, float] = (0.5, 3.0)
    snr_db: tuple[float, float] = (3.0, 15.0)
    pitch_shift_semitones: tuple[float, float] | None = (-1.0, 1.0)
    time_stretch: tuple[float, float] | None = (0.9, 1.1)
    transform_share: float = Field(0.5, ge=0, le=1, description="share of events given pitch shift / time stretch")
    layout: Layout = "random"
    min_gap_s: float = Field(0.25, ge=0, description="gap between events in the isolated layout")
    min_overlap_s: float = Field(0.3, gt=0, description="shared time of the two events in the overlap layout")
    ref_db: float = Field(-32.0, description="background loudness, LUFS (Scaper's ref_db)")
    fade_s: float = Field(0.01, ge=0)
    quick_pitch_time: bool = False

    @model_validator(mode="after")
    def _check(self) -> SceneSpec:
        for name in ("num_events", "event_duration_s", "snr_db", "pitch_shift_semitones", "time_stretch"):
            rng = getattr(self, name)
            if rng is not None and rng[1] < rng[0]:
                raise ValueError(f"{name}={rng}: high must be >= low")
        if self.num_events[0] < 1:
            raise ValueError(f"num_events={self.num_events}: at least one foreground event")
        if self.event_duration_s[0] <= 0:
            raise ValueError(f"event_duration_s={self.event_duration_s} must be positive")
        if self.event_duration_s[1] * max(self.time_stretch or (1, 1)) > self.duration_s:
            raise ValueError(f"event_duration_s={self.event_duration_s} does not fit in {self.duration_s} s")
        return self


class PlannedEvent(BaseModel):
    """One event with every value fixed (Scaper's instantiated event)."""

    label: str
    role: Literal["foreground", "background"]
    source_file: str
    source_time_s: float = 0.0
    event_time_s: float = 0.0
    event_duration_s: float = Field(description="length taken from the source clip, before stretching")
    snr_db: float = 0.0
    pitch_shift: float | None = None
    time_stretch: float | None = None

    @property
    def span_s(self) -> float:
        """Duration in the soundscape (after time stretch)."""
        return self.event_duration_s * (self.time_stretch or 1.0)

    @property
    def offset_s(self) -> float:
        return self.event_time_s + self.span_s


class ScenePlan(BaseModel):
    duration_s: float
    sample_rate_hz: int
    ref_db: float
    fade_s: float
    quick_pitch_time: bool = False
    events: list[PlannedEvent]


# --------------------------------------------------------------------------------------------
# planning


def plan_scene(
    bank: SynthBank,
    spec: SceneSpec,
    rng: np.random.Generator,
    labels: list[str] | None = None,
    background: str | None = None,
) -> ScenePlan:
    """Draw a soundscape: ``labels`` fixes the foreground labels in order (else drawn from
    ``spec.fg_labels``); ``background`` fixes the background label (else drawn when
    ``spec.background``). With ``layout='overlap'`` the first two events overlap."""
    if labels is None:
        pool = spec.fg_labels or bank.labels("foreground")
        count = int(rng.integers(spec.num_events[0], spec.num_events[1] + 1))
        labels = [pool[int(rng.integers(len(pool)))] for _ in range(count)]
    if not labels:
        raise UserInputError("a scene needs at least one foreground label")
    fg = [_plan_event(bank, spec, rng, label) for label in labels]
    _place(fg, spec, rng)
    events = []
    if background is not None or spec.background:
        events.append(_plan_background(bank, spec, rng, background))
    events.extend(fg)
    return ScenePlan(duration_s=spec.duration_s, sample_rate_hz=spec.sample_rate_hz, ref_db=spec.ref_db,
                     fade_s=spec.fade_s, quick_pitch_time=spec.quick_pitch_time, events=events)


def _uniform(rng: np.random.Generator, bounds: tuple[float, float] | None, digits: int = 3) -> float | None:
    if bounds is None:
        return None
    return round(float(rng.uniform(bounds[0], bounds[1])), digits)


def _plan_event(bank: SynthBank, spec: SceneSpec, rng: np.random.Generator, label: str) -> PlannedEvent:
    min_s = spec.event_duration_s[0]
    clips = bank.clips("foreground", label, min_duration_s=min_s)
    clip: BankClip = clips[int(rng.integers(len(clips)))]
    high = min(spec.event_duration_s[1], clip.duration_s)
    duration = round(float(rng.uniform(min_s, high)), 3)
    duration = min(duration, clip.duration_s)
    source_time = round(float(rng.uniform(0, max(clip.duration_s - duration, 0))), 3)
    source_time = max(0.0, min(source_time, clip.duration_s - duration))
    snr_db = _uniform(rng, spec.snr_db, 2)
    pitch, stretch = _uniform(rng, spec.pitch_shift_semitones), _uniform(rng, spec.time_stretch)
    if rng.random() >= spec.transform_share:  # this event is used as recorded (also faster to render)
        pitch = stretch = None
    return PlannedEvent(label=label, role="foreground", source_file=clip.path, source_time_s=source_time,
                        event_duration_s=duration, snr_db=snr_db, pitch_shift=pitch, time_stretch=stretch)


def _plan_background(bank: SynthBank, spec: SceneSpec, rng: np.random.Generator, label: str | None) -> PlannedEvent:
    if label is None:
        pool = spec.bg_labels or bank.labels("background")
        if not pool:
            raise UserInputError(f"bank {bank.name!r} has no background labels; set SceneSpec.background=False")
        label = pool[int(rng.integers(len(pool)))]
    clips = bank.clips("background", label)
    clip = clips[int(rng.integers(len(clips)))]
    start = 0.0
    if clip.duration_s > spec.duration_s + 1 / 64:
        # a multiple of 1/64 s: Scaper reads int((start + duration) * sr) - int(start * sr) frames,
        # which float rounding can make one frame short (a shape error in its mix) unless
        # start * sr is exact, as it is for dyadic starts.
        start = float(np.floor(rng.uniform(0, clip.duration_s - spec.duration_s - 1 / 64) * 64) / 64)
    return PlannedEvent(label=label, role="background", source_file=clip.path, source_time_s=start,
                        event_duration_s=spec.duration_s)


def _place(events: list[PlannedEvent], spec: SceneSpec, rng: np.random.Generator) -> None:
    """Set ``event_time_s`` of each foreground event according to ``spec.layout``."""
    total = spec.duration_s - 1e-3
    if spec.layout == "isolated":
        room = total - spec.min_gap_s * (len(events) - 1)
        spans = sum(e.span_s for e in events)
        if spans > room:  # shorten every event so they fit side by side
            scale = room / spans * 0.98
            for e in events:
                e.event_duration_s = round(e.event_duration_s * scale, 3)
        slack = total - spec.min_gap_s * (len(events) - 1) - sum(e.span_s for e in events)
        cuts = np.sort(rng.uniform(0, max(slack, 0), size=len(events)))
        t = 0.0
        prev_cut = 0.0
        for e, cut in zip([events[i] for i in rng.permutation(len(events))], cuts):
            t += cut - prev_cut
            prev_cut = cut
            e.event_time_s = round(t, 3) + 0.0
            t = e.event_time_s + e.span_s + spec.min_gap_s
        return
    for e in events:
        e.event_time_s = round(float(rng.uniform(0, max(total - e.span_s, 0))), 3)
    if spec.layout == "overlap" and len(events) >= 2:
        a, b = events[0], events[1]
        need = min(spec.min_overlap_s, 0.5 * min(a.span_s, b.span_s))
        low = max(0.0, a.event_time_s - b.span_s + need)
        high = min(total - b.span_s, a.offset_s - need)
        if high < low:  # a sits at an edge: move it to the middle and retry
            a.event_time_s = round((total - a.span_s) / 2, 3)
            low = max(0.0, a.event_time_s - b.span_s + need)
            high = min(total - b.span_s, a.offset_s - need)
        b.event_time_s = round(float(rng.uniform(low, max(low, high))), 3)


# --------------------------------------------------------------------------------------------
# rendering


def render_scene(bank: SynthBank, plan: ScenePlan, audio_path: str | os.PathLike, seed: int) -> Scene:
    """Render ``plan`` with Scaper and write ``audio_path`` (float32 WAV), the JAMS beside it and
    the isolated events in ``<stem>_events/`` (Scaper's names, ``foreground0_<label>.wav``), then
    load it back as a Scene with stems.

    Scaper renders in memory and the files are written here (float32, no fsync, no timestamp),
    which keeps them byte-reproducible and exact: the mixture is the sum of the stems up to
    float32 rounding. The JAMS sandbox records the paths relative to the audio's folder."""
    from audioedit.compat import import_scaper

    scaper = import_scaper()
    audio_path = Path(audio_path)
    audio_path.parent.mkdir(parents=True, exist_ok=True)
    jams_path = audio_path.with_suffix(".jams")
    events_dir = audio_path.with_name(audio_path.stem + "_events")
    sc = _scaper_for(scaper, bank, plan, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            mix, jam, _, event_audio = sc.generate(
                reverb=None, fix_clipping=True, disable_instantiation_warnings=True,
                quick_pitch_time=plan.quick_pitch_time)
        except scaper.scaper_exceptions.ScaperError as exc:
            raise UserInputError(f"Scaper could not render the scene for {str(audio_path)!r}: {exc}") from None
        except Exception as exc:  # unreadable clips surface here as soundfile / sox errors
            files = [e.source_file for e in plan.events]
            raise UserInputError(f"rendering failed ({type(exc).__name__}: {exc}); clips used: {files}") from None
    ann = jam.annotations[0]
    names = _stem_names(ann)
    save_audio(Audio(np.asarray(mix, np.float32).T, plan.sample_rate_hz), audio_path)
    for name, audio in zip(names, event_audio):
        save_audio(Audio(np.asarray(audio, np.float32).T, plan.sample_rate_hz), events_dir / f"{name}.wav")
    sandbox = ann.sandbox.scaper
    sandbox.audio_path = sandbox.soundscape_audio_path = audio_path.name
    sandbox.jams_path = jams_path.name
    sandbox.save_isolated_events = True
    sandbox.isolated_events_path = events_dir.name
    sandbox.isolated_events_audio_path = [f"{events_dir.name}/{n}.wav" for n in names]
    jams_path.write_text(json.dumps(jam.__json__, indent=1, sort_keys=True), encoding="utf-8")
    return load_scene(audio_path, annotation=jams_path, stems_dir=events_dir)


def _scaper_for(scaper, bank: SynthBank, plan: ScenePlan, seed: int):
    sc = scaper.Scaper(plan.duration_s, str(bank.fg_path), str(bank.bg_path), random_state=int(seed) % 2**32)
    sc.sr = plan.sample_rate_hz
    sc.n_channels = 1
    sc.ref_db = plan.ref_db
    sc.fade_in_len = sc.fade_out_len = plan.fade_s
    for e in plan.events:
        if e.role == "background":
            sc.add_background(label=("const", e.label), source_file=("const", e.source_file),
                              source_time=("const", e.source_time_s))
            continue
        sc.add_event(
            label=("const", e.label), source_file=("const", e.source_file), source_time=("const", e.source_time_s),
            event_time=("const", e.event_time_s), event_duration=("const", e.event_duration_s),
            snr=("const", e.snr_db),
            pitch_shift=None if e.pitch_shift is None else ("const", e.pitch_shift),
            time_stretch=None if e.time_stretch is None else ("const", e.time_stretch),
        )
    return sc


def _stem_names(ann) -> list[str]:
    """Scaper's isolated-event names, in annotation order: ``<role><k>_<label>``."""
    counters = {"background": 0, "foreground": 0}
    names = []
    for obs in ann.data:
        role = obs.value["role"]
        names.append(f"{role}{counters[role]}_{obs.value['label']}")
        counters[role] += 1
    return names


def make_scene(
    bank: SynthBank,
    spec: SceneSpec,
    seed: int,
    audio_path: str | os.PathLike,
    labels: list[str] | None = None,
    background: str | None = None,
) -> tuple[Scene, ScenePlan]:
    """Plan and render one soundscape from ``seed``."""
    plan = plan_scene(bank, spec, np.random.default_rng(seed), labels=labels, background=background)
    return render_scene(bank, plan, audio_path, seed), plan
