"""Edits of the whole recording (``EventRef.scope == "recording"``): they need no events.

- loudness: one gain on the mixture (and on every stem, so the stems still sum to the mixture).
- speed: the whole file time-stretched (pitch kept unless asked) or resampled; every event's
  onset and offset are divided by the factor, stems stretched alike.
(Loudness normalisation to a LUFS target is a registry op: ``audioedit.ops.normalize``.)

The edited span is the whole file: every sample may change.
"""

from __future__ import annotations

from audioedit.backends import Backend
from audioedit.errors import ExecutionError
from audioedit.result import StepResult
from audioedit.scene import Scene
from audioedit.steps import EditStep, LoudnessStep, SpeedStep
from audioedit.executor.dsp.common import time_stretch

BACKEND = Backend.DSP_WHOLE


def execute(scene: Scene, step: EditStep) -> StepResult:
    if isinstance(step, LoudnessStep):
        return _gain(scene, step.gain_db, [f"whole recording: gain {step.gain_db:+.2f} dB"])
    if isinstance(step, SpeedStep):
        return _speed(scene, step)
    raise ExecutionError(f"step {step.id!r}: '{step.op}' on the whole recording is not supported; "
                         "whole-recording edits are loudness and speed here (the registry ops: audioedit/ops)")


def _gain(scene: Scene, gain_db: float, notes: list[str]) -> StepResult:
    g = 10 ** (gain_db / 20)
    samples = scene.audio.samples * g
    stems = {k: s.with_samples(s.samples * g) for k, s in scene.stems.items()} if scene.stems is not None else None
    events = tuple(e.model_copy(update={"level_db": None if e.level_db is None else e.level_db + gain_db})
                   for e in scene.events)
    after = scene.evolve(audio=scene.audio.with_samples(samples), stems=stems, events=events)
    return StepResult(after, [(0.0, scene.audio.duration_s)], BACKEND, notes)


def _speed(scene: Scene, step: SpeedStep) -> StepResult:
    audio, f = scene.audio, step.factor
    stretched = time_stretch(audio.samples, audio.sample_rate_hz, f, step.keep_pitch)
    duration_s = stretched.shape[1] / audio.sample_rate_hz
    events = tuple(e.model_copy(update={"onset_s": min(e.onset_s / f, duration_s),
                                        "offset_s": min(e.offset_s / f, duration_s)}) for e in scene.events)
    stems = None
    if scene.stems is not None:
        stems = {k: s.with_samples(time_stretch(s.samples, audio.sample_rate_hz, f, step.keep_pitch))
                 for k, s in scene.stems.items()}
    after = scene.evolve(audio=audio.with_samples(stretched), events=events, stems=stems)
    how = "pitch kept" if step.keep_pitch else "pitch follows"
    return StepResult(after, [(0.0, audio.duration_s)], BACKEND,
                      [f"whole recording x{f:g} ({how}): {audio.duration_s:.2f} s -> {duration_s:.2f} s"])
