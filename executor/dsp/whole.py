"""Edits of the whole recording (``EventRef.scope == "recording"``): they need no events.

- loudness: one gain on the mixture (and on every stem, so the stems still sum to the mixture).
- loudness or remove on a stretch of time ("make the first 5 seconds quieter", "mute 0:03 to 0:05"): that
  gain (silence) inside the stretch, with short ramps inside its edges; the rest is sample-identical.
- speed: the whole file time-stretched (pitch kept unless asked) or resampled; every event's
  onset and offset are divided by the factor, stems stretched alike.
(Loudness normalisation to a LUFS target is a registry op: ``audioedit.ops.normalize``.)

The edited span is the whole file (every sample may change), or the stretch asked for.
"""

from __future__ import annotations

import numpy as np

from audioedit.backends import Backend
from audioedit.errors import ExecutionError
from audioedit.result import StepResult
from audioedit.scene import Scene
from audioedit.steps import WINDOW_RAMP_S, EditStep, LoudnessStep, RemoveStep, SpeedStep, recording_window
from audioedit.executor.dsp.common import time_stretch

BACKEND = Backend.DSP_WHOLE


def execute(scene: Scene, step: EditStep) -> StepResult:
    window = recording_window(step)
    if window is not None and isinstance(step, (LoudnessStep, RemoveStep)):
        return _window_gain(scene, step, window)
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


def window_gain_curve(num_frames: int, sample_rate_hz: int, span_s: tuple[float, float], gain: float) -> np.ndarray:
    """1 outside ``span_s``, ``gain`` inside it, with ``WINDOW_RAMP_S`` raised-cosine ramps inside its edges."""
    a, b = (min(num_frames, max(0, round(t * sample_rate_hz))) for t in span_s)
    ramp = min(int(WINDOW_RAMP_S * sample_rate_hz), (b - a) // 2)
    curve = np.ones(num_frames)
    curve[a:b] = gain
    if ramp:
        up = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)  # 0 -> 1
        curve[a:a + ramp] = 1 + (gain - 1) * up
        curve[b - ramp:b] = gain + (1 - gain) * up
    return curve


def _window_gain(scene: Scene, step: LoudnessStep | RemoveStep, window: tuple[float, float | None]) -> StepResult:
    """A gain (a removal: silence) on a stretch of the whole recording, mixture and stems alike."""
    duration = scene.audio.duration_s
    span = (window[0], duration if window[1] is None else min(window[1], duration))
    if span[1] - span[0] < 2 * WINDOW_RAMP_S:
        raise ExecutionError(f"the stretch {window[0]:g}-{window[1] or duration:g} s is not inside the recording "
                             f"({duration:.2f} s long)")
    gain_db = step.gain_db if isinstance(step, LoudnessStep) else None
    curve = window_gain_curve(scene.audio.num_frames, scene.audio.sample_rate_hz, span,
                              0.0 if gain_db is None else 10 ** (gain_db / 20))
    stems = {k: s.with_samples(s.samples * curve) for k, s in scene.stems.items()} if scene.stems is not None else None
    after = scene.evolve(audio=scene.audio.with_samples(scene.audio.samples * curve), stems=stems)
    what = "muted" if gain_db is None else f"gain {gain_db:+.2f} dB"
    return StepResult(after, [span], BACKEND, [f"{span[0]:.2f}-{span[1]:.2f} s of the recording: {what} "
                                               f"({WINDOW_RAMP_S * 1000:g} ms ramps inside the stretch)"])


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
