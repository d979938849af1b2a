"""Steady-noise reduction for recordings without speech: the ``dsp.denoise`` backend.

"Remove the background noise" on a recording with a voice in it is the speech/rest split
(``audioedit.executor.speech``). Without a voice that split has nothing to keep, so a field
recording of birds over wind, or a cow over rain, goes here instead (and any recording whose split
fails its checks: a hen or a frog can sound like a voice to the detector): the noise is what is
*always* there, a floor under the sounds that come and go.

``split_noise(audio)`` estimates that floor per frequency bin as a low percentile (``FLOOR_PERCENTILE``)
of the smoothed power over the whole recording (the sounds that come and go are above it most of the
time), then applies a spectral-subtraction gain (over-subtraction ``OVERSUBTRACT``, floored at
``-reduction_db``, smoothed over time and frequency against musical noise). ``foreground + noise ==
audio`` to float precision, so a "turn the background down by 6 dB" re-mixes exactly.

It assumes a steady floor: a noise that itself comes and goes (a passing car, a door) is a sound,
not a floor, and stays; the verifier (``audioedit.agents.denoise_checks``) measures the floor that
is left and the sounds that are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioedit.audio import Audio
from audioedit.scene import EventsFrom, Scene
from audioedit.steps import EditStep

WINDOW_S = 0.046           # STFT window (2048 samples at 44.1 kHz), 75 % overlap
FLOOR_PERCENTILE = 20.0    # the floor of each bin: this percentile of its smoothed power over time
SMOOTH_BINS, SMOOTH_FRAMES = 3, 7  # power smoothing before the floor and the gain
OVERSUBTRACT = 2.0         # spectral subtraction subtracts this multiple of the floor
REMOVE_REDUCTION_DB = 24.0  # "remove the background noise": the deepest cut of any cell
FOREGROUND_ABOVE_DB = 10.0  # a cell this far above its bin's floor holds a sound (what must be kept)


@dataclass(frozen=True)
class NoiseSplit:
    foreground: Audio
    noise: Audio

    def remix(self, noise_gain: float) -> Audio:
        return self.foreground.with_samples(self.foreground.samples + np.float32(noise_gain) * self.noise.samples)


def stft_params(sample_rate_hz: int) -> tuple[int, int]:
    """(n_fft, hop) of the noise tools' STFT at ``sample_rate_hz``: ``WINDOW_S`` windows, 75 % overlap."""
    n_fft = 1 << int(np.ceil(np.log2(WINDOW_S * sample_rate_hz)))
    return n_fft, n_fft // 4


def smoothed_power(x: np.ndarray, sample_rate_hz: int) -> tuple[np.ndarray, np.ndarray]:
    """``(complex STFT, smoothed power)`` of one channel ``x``, both ``(bins, frames)``."""
    from scipy.ndimage import uniform_filter
    from scipy.signal import stft

    n_fft, hop = stft_params(sample_rate_hz)
    _, _, spec = stft(x, nperseg=n_fft, noverlap=n_fft - hop, window="hann", boundary="even", padded=True)
    power = uniform_filter(np.abs(spec) ** 2, size=(SMOOTH_BINS, SMOOTH_FRAMES), mode="nearest")
    return spec, power


def bin_floor(power: np.ndarray) -> np.ndarray:
    """The steady floor of each bin, ``(bins, 1)``, from its smoothed power ``(bins, frames)``."""
    return np.percentile(power, FLOOR_PERCENTILE, axis=1, keepdims=True) + 1e-20


def split_noise(audio: Audio, reduction_db: float = REMOVE_REDUCTION_DB) -> NoiseSplit:
    """``audio`` as foreground (the sounds that come and go) + noise (the steady floor under them)."""
    from scipy.ndimage import uniform_filter
    from scipy.signal import istft

    n_fft, hop = stft_params(audio.sample_rate_hz)
    min_gain = 10 ** (-reduction_db / 20)
    out = np.empty_like(audio.samples, dtype=np.float32)
    for c, x in enumerate(audio.samples.astype(np.float32)):  # float32 / complex64: a 10 min channel's STFT is ~0.5 GB
        spec, power = smoothed_power(x, audio.sample_rate_hz)
        gain = np.sqrt(np.clip(1.0 - OVERSUBTRACT * bin_floor(power) / np.maximum(power, 1e-20), min_gain**2, 1.0),
                       dtype=np.float32)
        gain = uniform_filter(gain, size=(SMOOTH_BINS, 3), mode="nearest")
        _, y = istft(spec * gain, nperseg=n_fft, noverlap=n_fft - hop, window="hann", boundary=True)
        out[c] = y[: x.size] if y.size >= x.size else np.pad(y, (0, x.size - y.size))
    return NoiseSplit(foreground=audio.with_samples(out),
                      noise=audio.with_samples((audio.samples.astype(np.float64) - out).astype(np.float32)))


# sounds that are a steady floor when they are the bed of a recording: "remove the rain" on a field
# recording without speech can take the floor away when the learned editor cannot (tried after it)
STEADY_NOISES = frozenset({"rain", "wind", "running_water", "air_conditioner", "engine_idling", "hum", "hiss",
                           "static", "white_noise", "fan", "waterfall", "river", "sea_waves", "light_rain",
                           "street_traffic", "traffic", "road"})
MIN_SPEECH_S = 0.5  # a recording with less voice-detector speech than this (and 2 % of it) has no voice to keep
HAS_SPEECH_BLOCK_S = 10.0  # has_speech listens this much at a time and stops once it has heard enough


def has_speech(audio: Audio) -> bool:
    """Whether the voice detector hears a voice worth keeping (then the speech/rest split applies);
    remembered per audio content, as one step's routes ask it several times. The detector runs block
    by block (``HAS_SPEECH_BLOCK_S``) and stops once it has heard enough: a podcast is known to have
    speech after its first block, not after the whole file."""
    import hashlib

    key = (hashlib.sha1(audio.samples.tobytes()).hexdigest(), audio.sample_rate_hz)
    if key not in _HAS_SPEECH:
        from audioedit.executor.speech.vad import detect_speech

        need_s, speech_s, start_s = max(MIN_SPEECH_S, 0.02 * audio.duration_s), 0.0, 0.0
        while start_s < audio.duration_s and speech_s < need_s:
            block = audio.slice_s(start_s, min(audio.duration_s, start_s + HAS_SPEECH_BLOCK_S))
            speech_s += sum(s.offset_s - s.onset_s for s in detect_speech(block))
            start_s += HAS_SPEECH_BLOCK_S
        if len(_HAS_SPEECH) >= 8:
            _HAS_SPEECH.pop(next(iter(_HAS_SPEECH)))
        _HAS_SPEECH[key] = speech_s >= need_s
    return _HAS_SPEECH[key]


_HAS_SPEECH: dict[tuple[str, int], bool] = {}


def steady_noise_step(scene: Scene, step: EditStep) -> bool:
    """A remove / loudness step on a steady-noise sound (``STEADY_NOISES``) that was detected as the
    bed of the recording or not located at all, in a recording without stems or annotation."""
    from audioedit.steps import LoudnessStep, RemoveStep

    ref = getattr(step, "target", None)
    if not isinstance(step, (RemoveStep, LoudnessStep)) or ref is None or ref.label not in STEADY_NOISES:
        return False
    if scene.has_stems or scene.events_from not in (EventsFrom.DETECTED, EventsFrom.NONE):
        return False
    return ref.unlocated or ref.scope == "events"


def steady_noise_routes(scene: Scene, step: EditStep) -> list:
    """``dsp.denoise`` for ``steady_noise_step`` in a recording without speech (tried after the learned editor)."""
    from audioedit.backends import Backend
    from audioedit.executor.router import Route

    if not steady_noise_step(scene, step) or has_speech(scene.audio):
        return []
    return [Route(backend=Backend.DSP_DENOISE, reason=f"the {step.target.label} as the steady noise floor of a "
                                                      "recording without speech, reduced by spectral subtraction")]


def execute_denoise(scene: Scene, step: EditStep):
    """A remove or loudness step on the background (or a steady noise the user named): the noise floor
    removed (cut by up to ``REMOVE_REDUCTION_DB``) or re-levelled by the step's gain, the sounds above it kept."""
    from audioedit.backends import Backend
    from audioedit.errors import ExecutionError
    from audioedit.result import StepResult
    from audioedit.steps import LoudnessStep, RemoveStep

    if isinstance(step, LoudnessStep):
        gain = 10 ** (step.gain_db / 20)
        split = split_noise(scene.audio, reduction_db=max(REMOVE_REDUCTION_DB, -step.gain_db + 6.0))
        what = f"re-levelled by {step.gain_db:+.1f} dB"
    elif isinstance(step, RemoveStep):
        gain, split = 0.0, split_noise(scene.audio)
        what = f"removed (cut by up to {REMOVE_REDUCTION_DB:g} dB where nothing else sounds)"
    else:
        raise ExecutionError(f"noise reduction does {step.op!r} steps only as remove or loudness")
    edited = split.remix(gain)
    events = scene.events
    if isinstance(step, RemoveStep) and step.target.scope == "events":
        from audioedit.steps import select_events

        gone = {e.id for e in select_events(scene.events, step.target)}
        events = tuple(e for e in scene.events if e.id not in gone)
    if not np.all(np.isfinite(edited.samples)):
        raise ExecutionError("the noise reduction produced non-finite samples")
    named = step.target.label if step.target.scope != "background" else "the background"
    note = (f"{named!r} taken as the steady noise floor under the sounds that come and "
            f"go (spectral subtraction against each frequency's {FLOOR_PERCENTILE:g}th-percentile level), {what}; "
            "any other steady noise changes with it")
    return StepResult(scene=scene.evolve(audio=edited, events=events, stems=None), edited_spans_s=[(0.0, scene.audio.duration_s)],
                      backend=Backend.DSP_DENOISE, notes=[note])
