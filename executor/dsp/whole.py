"""Edits of the whole recording (``EventRef.scope == "recording"``): they need no events.

- loudness: one gain on the mixture (and on every stem, so the stems still sum to the mixture).
- speed: the whole file time-stretched (pitch kept unless asked) or resampled; every event's
  onset and offset are divided by the factor, stems stretched alike.
- normalize: the gain that brings the integrated loudness (ITU-R BS.1770, pyloudnorm) to the
  step's LUFS; where that gain would push peaks over ``peak_dbfs`` a smooth peak limiter
  (``limit_peaks``) holds them and the gain is measured again, so the result lands on target.

The edited span is the whole file: every sample may change.
"""

from __future__ import annotations

import numpy as np

from audioedit.errors import ExecutionError
from audioedit.metrics import integrated_lufs
from audioedit.scene import Scene
from audioedit.steps import EditStep, LoudnessStep, NormalizeStep, SpeedStep
from executor.dsp.common import time_stretch
from executor.result import StepResult

BACKEND = "dsp.whole"
LIMITER_ATTACK_S = 0.002
LIMITER_RELEASE_S = 0.08


def limit_peaks(x: np.ndarray, sample_rate_hz: int, ceiling: float) -> np.ndarray:
    """``x`` with a gain curve that keeps every |sample| <= ``ceiling``: instant attack towards a
    peak (looked ahead by ``LIMITER_ATTACK_S``), exponential release; unity where nothing exceeds."""
    peak = np.max(np.abs(x), axis=0)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    if need.min() >= 1.0:
        return x
    look = max(1, int(LIMITER_ATTACK_S * sample_rate_hz))
    from scipy.ndimage import minimum_filter1d
    from scipy.signal import lfilter

    held = minimum_filter1d(need, size=2 * look + 1, mode="nearest")
    alpha = np.exp(-1.0 / (LIMITER_RELEASE_S * sample_rate_hz))
    # release smoothing runs on 1 - gain (a one-pole low-pass), then the held minimum wins again
    reduction = 1.0 - held
    smooth = 1.0 - lfilter([1 - alpha], [1, -alpha], reduction, zi=[alpha * reduction[0]])[0]
    gain = np.minimum(held, smooth)
    return x * gain[None, :]


def execute(scene: Scene, step: EditStep) -> StepResult:
    if isinstance(step, LoudnessStep):
        return _gain(scene, step.gain_db, [f"whole recording: gain {step.gain_db:+.2f} dB"])
    if isinstance(step, NormalizeStep):
        return _normalize(scene, step)
    if isinstance(step, SpeedStep):
        return _speed(scene, step)
    raise ExecutionError(f"step {step.id!r}: '{step.op}' on the whole recording is not supported; "
                         "whole-recording edits are loudness, normalize and speed")


def _gain(scene: Scene, gain_db: float, notes: list[str], limit_to: float | None = None) -> StepResult:
    g = 10 ** (gain_db / 20)
    samples = scene.audio.samples * g
    if limit_to is not None:
        limited = limit_peaks(samples, scene.audio.sample_rate_hz, limit_to)
        if limited is not samples:
            notes = [*notes, f"peaks limited to {20 * np.log10(limit_to):.1f} dBFS"]
        samples = limited
    stems = None
    if scene.stems is not None:  # the limiter's curve applies to the stems too, so they still sum
        curve = np.divide(samples, scene.audio.samples, out=np.full_like(samples, g), where=scene.audio.samples != 0)
        stems = {k: s.with_samples(s.samples * curve) for k, s in scene.stems.items()}
    events = tuple(e.model_copy(update={"level_db": None if e.level_db is None else e.level_db + gain_db})
                   for e in scene.events)
    after = scene.evolve(audio=scene.audio.with_samples(samples), stems=stems, events=events)
    return StepResult(after, [(0.0, scene.audio.duration_s)], BACKEND, notes)


def _normalize(scene: Scene, step: NormalizeStep) -> StepResult:
    before = integrated_lufs(scene.audio)
    if not np.isfinite(before):
        raise ExecutionError(f"step {step.id!r}: the recording is silent; there is no loudness to normalise")
    ceiling = 10 ** (step.peak_dbfs / 20)
    gain_db = step.lufs - before
    result = _gain(scene, gain_db, [f"integrated loudness {before:.1f} LUFS -> gain {gain_db:+.2f} dB"], ceiling)
    for _ in range(3):  # the limiter lowers loudness a little: correct towards the target
        error = step.lufs - integrated_lufs(result.scene.audio)
        if abs(error) < 0.1:
            break
        gain_db += error
        result = _gain(scene, gain_db, [f"integrated loudness {before:.1f} LUFS -> gain {gain_db:+.2f} dB"], ceiling)
    return result


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
