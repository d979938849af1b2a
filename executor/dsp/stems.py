"""The six operations and move on a scene with stems (exact).

Each operation produces new stems for the events it touches; ``_commit`` rebuilds the mixture as
``mixture - old_stems + new_stems`` only where a touched stem is non-zero (so any residual the
stems do not explain is kept and every other frame stays sample-identical).
"""

from __future__ import annotations

import numpy as np

from audioedit.audio import Audio
from audioedit.backends import Backend
from audioedit.scene import Event, Scene
from audioedit.errors import ExecutionError
from audioedit.moves import where_to
from audioedit.steps import AddStep, LoudnessStep, MoveStep, ReorderStep, ReplaceStep, SpeedStep
from audioedit.executor.dsp.common import XFADE_S, nonzero_bounds, raised_cosine, rms_db, spans_to_seconds, time_stretch
from audioedit.spans import merge_spans
from audioedit.executor.dsp.placement import Placement, add_placements, replacement
from audioedit.result import SoundSource, StepResult

BACKEND = Backend.DSP_STEMS


def loudness(scene: Scene, step: LoudnessStep, targets: list[Event]) -> StepResult:
    gain = 10 ** (step.gain_db / 20)
    new = {ev.id: _stem(scene, ev) * gain for ev in targets}
    return _commit(scene, new, {}, [f"{ev.id}: stem gain {step.gain_db:+.1f} dB" for ev in targets])


def remove(scene: Scene, targets: list[Event]) -> StepResult:
    return _commit(scene, {ev.id: None for ev in targets}, {}, [f"{ev.id}: stem removed" for ev in targets])


def speed(scene: Scene, step: SpeedStep, targets: list[Event]) -> StepResult:
    sr, total = scene.audio.sample_rate_hz, scene.audio.num_frames
    new, moved, notes = {}, {}, []
    for ev in targets:
        old = _stem(scene, ev)
        bounds = nonzero_bounds(old)
        if bounds is None:
            notes.append(f"{ev.id}: stem is silent, nothing to stretch")
            continue
        on, off = int(round(ev.onset_s * sr)), int(round(ev.offset_s * sr))
        a, b = min(bounds[0], on), max(bounds[1], off)  # the event span, widened to all its samples
        y = time_stretch(old[:, a:b], sr, step.factor, step.keep_pitch)
        stem = np.zeros_like(old)
        n = min(y.shape[1], total - a)
        if n < y.shape[1]:
            y = _fade_out(y[:, :n], int(XFADE_S * sr))
            notes.append(f"{ev.id}: stretched sound runs past the end of the scene; cut at the end")
        stem[:, a : a + n] = y[:, :n]
        new[ev.id] = stem
        onset_s = a / sr + (ev.onset_s - a / sr) / step.factor
        moved[ev.id] = (onset_s, min(onset_s + ev.duration_s / step.factor, total / sr))
        pitch = "pitch kept" if step.keep_pitch else "playback-rate change"
        notes.append(f"{ev.id}: stretched x{step.factor:g} ({pitch}) at {a / sr:.3f} s")
    return _commit(scene, new, moved, notes)


def reorder(scene: Scene, step: ReorderStep, targets: list[Event]) -> StepResult:
    """The targets take over each other's onsets: ``targets[0]`` gets the earliest, and so on."""
    return _shift(scene, targets, sorted(ev.onset_s for ev in targets))


def move(scene: Scene, step: MoveStep, targets: list[Event]) -> StepResult:
    """The targets' stems shifted together (``audioedit.moves.where_to``); where they were, the other stems."""
    where = where_to(step, targets, scene.audio.duration_s)
    if isinstance(where, str):
        raise ExecutionError(f"step {step.id!r}: {where}")
    return _shift(scene, targets, [ev.onset_s + where.shift_s for ev in targets])


def _shift(scene: Scene, targets: list[Event], onsets_s: list[float]) -> StepResult:
    """Each target's stem shifted so the event starts at its new onset; what falls outside the scene is cut
    (faded out over ``XFADE_S`` at the end)."""
    sr, total = scene.audio.sample_rate_hz, scene.audio.num_frames
    new, moved, notes = {}, {}, []
    for ev, slot_s in zip(targets, onsets_s):
        shift = int(round(slot_s * sr)) - int(round(ev.onset_s * sr))
        old = _stem(scene, ev)
        stem = np.zeros_like(old)
        src_a, src_b = max(0, -shift), min(total, total - shift)
        stem[:, src_a + shift : src_b + shift] = old[:, src_a:src_b]
        if np.any(old[:, src_b:]):
            stem = _fade_out(stem, int(XFADE_S * sr))
        if np.any(old[:, :src_a]) or np.any(old[:, src_b:]):
            notes.append(f"{ev.id}: part of the moved sound fell outside the scene and was cut")
        new[ev.id] = stem
        moved[ev.id] = (max(ev.onset_s + shift / sr, 0.0), min(ev.offset_s + shift / sr, total / sr))
        notes.append(f"{ev.id}: moved {shift / sr:+.3f} s to {slot_s:.3f} s")
    return _commit(scene, new, moved, notes)


def add(scene: Scene, step: AddStep, bank: SoundSource | None, rng: np.random.Generator) -> StepResult:
    notes: list[str] = []
    placements = add_placements(scene, step, bank, rng, notes)
    return _commit(scene, {}, {}, notes, placements)


def replace(scene: Scene, step: ReplaceStep, targets: list[Event], bank: SoundSource | None, rng: np.random.Generator) -> StepResult:
    """Each target's stem goes; a clip of ``step.sound`` starts at its onset, cut to about its
    duration, at its level (or ``snr_db`` over the mixture without the target)."""
    sr = scene.audio.sample_rate_hz
    notes: list[str] = []
    removed = {ev.id: None for ev in targets}
    without = scene.audio.samples - sum(_stem(scene, ev) for ev in targets)
    taken = {e.id for e in scene.events} | set(scene.stems or {})
    placements = []
    base = scene.evolve(audio=scene.audio.with_samples(without))
    for ev in targets:
        a, b = int(round(ev.onset_s * sr)), max(int(round(ev.offset_s * sr)), int(round(ev.onset_s * sr)) + 1)
        a, placed = replacement(base, ev, step, bank, rng, taken, rms_db(_stem(scene, ev)[:, a:b]), notes)
        placements.append(placed)
        notes.append(f"{ev.id} replaced by {placed.event.id} at {a / sr:.3f} s, level {placed.event.level_db:.1f} dBFS")
    return _commit(scene, removed, {}, notes, placements)


# --- shared ----------------------------------------------------------------------------------


def _stem(scene: Scene, ev: Event) -> np.ndarray:
    return scene.stems[ev.id].samples.astype(np.float64)


def _fade_out(y: np.ndarray, n: int) -> np.ndarray:
    n = min(n, y.shape[1])
    y = y.copy()
    if n:
        y[:, -n:] *= raised_cosine(n)[::-1]
    return y


def _commit(
    scene: Scene,
    new: dict[str, np.ndarray | None],
    moved: dict[str, tuple[float, float]],
    notes: list[str],
    placements: list[Placement] = (),
) -> StepResult:
    """Apply stem changes (``None`` = stem removed), event moves and new placements; rebuild the
    mixture where any changed stem is non-zero; re-measure the touched events' levels."""
    total = scene.audio.num_frames
    stems = {k: v.samples for k, v in scene.stems.items()}
    for p in placements:
        stem = np.zeros((scene.audio.num_channels, total))
        stem[:, p.start : p.start + p.samples.shape[1]] = p.samples
        new[p.event.id] = stem
    spans = []
    for key, stem in new.items():
        for arr in (stems.get(key), stem):
            bounds = None if arr is None else nonzero_bounds(arr)
            if bounds:
                spans.append(bounds)
    spans = merge_spans(spans)
    mix = scene.audio.samples.copy()
    for a, b in spans:
        delta = np.zeros((mix.shape[0], b - a))
        for key, stem in new.items():
            if key in stems:
                delta -= stems[key][:, a:b]
            if stem is not None:
                delta += stem[:, a:b]
        mix[:, a:b] = (mix[:, a:b].astype(np.float64) + delta).astype(np.float32)
    out_stems = {k: v for k, v in scene.stems.items() if new.get(k, 0) is not None}
    out_stems.update({k: Audio(v.astype(np.float32), scene.audio.sample_rate_hz) for k, v in new.items() if v is not None})
    events = []
    for ev in list(scene.events) + [p.event for p in placements]:
        if ev.id in new and new[ev.id] is None:
            continue
        if ev.id in moved:
            ev = ev.model_copy(update={"onset_s": moved[ev.id][0], "offset_s": moved[ev.id][1]})
        if ev.id in new:
            ev = _with_level(ev, out_stems[ev.id])
        events.append(ev)
    after = scene.evolve(audio=scene.audio.with_samples(mix), events=tuple(events), stems=out_stems)
    return StepResult(after, spans_to_seconds(spans, scene.audio.sample_rate_hz), BACKEND, notes)


def _with_level(event: Event, stem: Audio) -> Event:
    span = stem.slice_s(event.onset_s, max(event.offset_s, event.onset_s + 0.01))
    return event.model_copy(update={"level_db": round(float(span.rms_db()), 2)})
