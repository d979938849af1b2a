"""A detected sound over a bed, taken down to the bed's level: the ``dsp.suppress`` backend.

"Remove the siren" on a street recording, "make the dog quieter" over rain: no annotation, no
stems. Detection found where the sound is, and around it is the recording's bed. When someone talks
in the recording, the sound is taken from the speech split's rest layer (the recording minus
DeepFilterNet3's speech layer), so the voice is neither the sound nor its bed and stays as it was
(remove and loudness steps; reports/speech-sounds, rule 2). Inside
the sound's spans (widened by ``PAD_S``) every time-frequency cell is capped at the bed's level
there: the bed's median power in that frequency bin over the ``CONTEXT_S`` before and after the
spans (the spans themselves excluded), with ``HEADROOM_DB`` for the bed's own fluctuation. What
stood above the cap is the sound:

    sound = audio * (1 - mask)     mask = min(1, sqrt(headroom * bed_power / power)), smoothed
    rest  = audio - sound          (exact: re-mixing at any gain is sample-exact outside the spans)

so "remove" keeps the rest (where the sound dominated, with a random phase: ``FILL_BELOW``), "6 dB
quieter" the rest plus half the sound; speed, reorder, move and replace take the sound out this way and
hand it to ``audioedit.executor.dsp.layer_edits``. The mask is computed on the channels' mean power
and applied to every channel (the stereo image is kept). Outside the spans (and their ``RAMP_S``
ramps) the output is the input, sample for sample.

It assumes the bed goes on under the sound and the sound stands above it. A sound detected over
most of the recording (``audioedit.spans.is_bed_spans``: a background texture's pieces less than ``BRIDGE_S``
apart count as one) is a bed itself (rain, traffic: ``dsp.denoise``
or the learned editor take it), so it is not routed here. Other sounds inside the spans that stand
above the bed go with it: the notes say so, and the verifier measures the span's drop and the bed kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioedit.audio import Audio
from audioedit.errors import ExecutionError
from audioedit.executor.speech.layers import SPEECH_LABELS  # a voice is the speech split's
from audioedit.scene import EventsFrom, Scene
from audioedit.spans import is_bed_spans, merge_spans
from audioedit.steps import (EditStep, LoudnessStep, MoveStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep, resolve_step,
                             step_targets)

CONTEXT_S = 5.0        # the bed is measured this far before and after the spans
MIN_BED_S = 0.5        # less bed than this around the spans: refused (nothing to compare the sound with)
HEADROOM_DB = 3.0      # the bed may rise this far above its median before a cell counts as the sound
PAD_S = 0.25           # detected spans are widened this much each side (detection misses onsets and tails;
                       # a cell of the bed below the cap is kept, so the margin costs little)
RAMP_S = 0.01          # linear ramps where the spans begin and end
SMOOTH_BINS, SMOOTH_FRAMES = 3, 3  # mask smoothing against musical noise
STEPS = (RemoveStep, LoudnessStep, ReplaceStep, SpeedStep, ReorderStep, MoveStep)
FILL_BELOW = 0.5       # removal: cells capped by more than 6 dB get a random phase (reports/suppress, amendment 2)


@dataclass(frozen=True)
class SoundSplit:
    sound: Audio
    rest: Audio


def _merged(spans_s: list[tuple[float, float]], duration_s: float) -> list[tuple[float, float]]:
    return merge_spans((max(0.0, a), min(duration_s, b)) for a, b in spans_s)


def span_weight(spans_s: list[tuple[float, float]], num_frames: int, rate_hz: int) -> np.ndarray:
    """1 inside the spans, 0 outside, linear ramps of ``RAMP_S`` inside their edges."""
    w = np.zeros(num_frames, np.float32)
    ramp = max(1, int(RAMP_S * rate_hz))
    for a, b in spans_s:
        i, j = int(round(a * rate_hz)), min(num_frames, int(round(b * rate_hz)))
        if j <= i:
            continue
        w[i:j] = 1.0
        r = min(ramp, (j - i) // 2)
        if r > 0:
            edge = np.linspace(0.0, 1.0, r + 2, dtype=np.float32)[1:-1]
            w[i : i + r] = np.minimum(w[i : i + r], edge)
            w[j - r : j] = np.minimum(w[j - r : j], edge[::-1])
    return w


def split_sound(audio: Audio, spans_s: list[tuple[float, float]], fill_phase: bool = False) -> SoundSplit:
    """``audio`` as the sound inside ``spans_s`` (what stands above the bed there) + the rest. ``fill_phase``:
    the cells the sound dominated (capped below ``FILL_BELOW``) keep a random phase in the rest (for a
    removal: what is left there sounds like the bed, not like a quiet copy of the sound)."""
    from scipy.ndimage import uniform_filter
    from scipy.signal import istft, stft

    from audioedit.executor.dsp.denoise import stft_params

    rate = audio.sample_rate_hz
    spans = _merged(spans_s, audio.duration_s)
    if not spans:
        raise ExecutionError("the sound has no span inside the recording to take down")
    n_fft, hop = stft_params(rate)
    x = audio.samples.astype(np.float32)
    lo = max(0, int((spans[0][0] - CONTEXT_S) * rate))
    hi = min(x.shape[1], int((spans[-1][1] + CONTEXT_S) * rate))
    _, _, spec = stft(x[:, lo:hi], nperseg=n_fft, noverlap=n_fft - hop, window="hann", boundary="even", padded=True)
    power = np.mean(np.abs(spec) ** 2, axis=0)  # (bins, frames), the channels' mean
    frame_t = lo / rate + np.arange(power.shape[1]) * hop / rate
    inside = np.zeros(power.shape[1], bool)
    for a, b in spans:  # a frame touching a span (its window reaches it) is not bed
        inside |= (frame_t + n_fft / rate / 2 > a) & (frame_t - n_fft / rate / 2 < b)
    bed_frames = ~inside
    if bed_frames.sum() * hop / rate < MIN_BED_S:
        raise ExecutionError(f"the sound fills the recording: less than {MIN_BED_S:g} s of bed around it to measure "
                             "(a sound that never stops is a noise floor: try 'remove the background noise')")
    bed = np.median(power[:, bed_frames], axis=1, keepdims=True) + 1e-20
    keep = np.sqrt(np.minimum(1.0, 10 ** (HEADROOM_DB / 10) * bed / np.maximum(power, 1e-20)), dtype=np.float32)
    keep = uniform_filter(keep, size=(SMOOTH_BINS, SMOOTH_FRAMES), mode="nearest")
    left = spec * keep[None]  # what stays: the bed's level, with the recording's phase ...
    if fill_phase:  # ... or, where the sound dominated, a random one (bed-level noise, not a faint copy of it)
        rng = np.random.default_rng(0)
        filled = keep < FILL_BELOW
        phase = np.exp(2j * np.pi * rng.random(filled.shape)).astype(np.complex64)
        left = np.where(filled[None], np.abs(spec) * keep[None] * phase[None], left)
    _, above = istft(spec - left, nperseg=n_fft, noverlap=n_fft - hop, window="hann", boundary=True)
    sound = np.zeros_like(x)
    n = min(above.shape[-1], hi - lo)
    sound[:, lo : lo + n] = above[:, :n]
    sound *= span_weight(spans, x.shape[1], rate)[None]
    if not np.all(np.isfinite(sound)):
        raise ExecutionError("the suppression produced non-finite samples")
    rest = (x.astype(np.float64) - sound).astype(np.float32)
    return SoundSplit(sound=audio.with_samples(sound), rest=audio.with_samples(rest))


def suppress_step(scene: Scene, step: EditStep) -> bool:
    """A remove / loudness / replace / speed / reorder / move step on detected events of sounds (not a layer, not
    everything but them, not a voice, not a bed detected over most of the recording), in a recording
    without stems or annotation."""
    refs = step_targets(step)
    if not isinstance(step, STEPS) or not refs or scene.has_stems or scene.events_from != EventsFrom.DETECTED:
        return False
    if any(r.unlocated or r.scope != "events" or r.complement or r.label in SPEECH_LABELS for r in refs):
        return False
    chosen = resolve_step(step, scene)
    return bool(chosen) and not any(is_bed([e for e in chosen if e.label == r.label], scene.audio.duration_s) for r in refs)


def is_bed(events, duration_s: float) -> bool:
    """Whether detected ``events`` of one sound run under the whole recording (``audioedit.spans.is_bed_spans``;
    the events of a background texture have role ``background``)."""
    return is_bed_spans([(e.onset_s, e.offset_s) for e in events], duration_s,
                        texture=bool(events) and all(e.role == "background" for e in events))


def suppress_routes(scene: Scene, step: EditStep) -> list:
    """``dsp.suppress`` for ``suppress_step``. In a recording with speech the sound is taken from the rest
    layer of the speech split, for remove and loudness steps only (reports/speech-sounds, rule 2; the other
    ops were not measured there: ``speech.rest`` keeps them)."""
    from audioedit.backends import Backend
    from audioedit.executor.router import Route

    if not suppress_step(scene, step):
        return []
    voice = takes_from_rest(scene.audio)
    if voice and not isinstance(step, (RemoveStep, LoudnessStep)):
        return []
    names = " and ".join(dict.fromkeys(r.label for r in step_targets(step)))
    where = " in the rest layer of the speech split (the voice kept apart)" if voice else ""
    return [Route(backend=Backend.DSP_SUPPRESS, reason=f"the detected {names}: what stands above the bed around it"
                                                        f"{where}, inside its spans")]


def takes_from_rest(audio: Audio) -> bool:
    """Whether ``dsp.suppress`` takes sounds from the speech split's rest layer: the voice detector hears
    someone talk in ``audio`` (the voice would otherwise count as the sound or its bed)."""
    from audioedit.executor.dsp.denoise import has_speech

    return has_speech(audio)


def _source(audio: Audio) -> tuple[Audio, str]:
    """What a sound is taken from: the recording, or when the voice detector hears someone talk in it, the
    speech split's rest layer, so the voice is kept apart (reports/speech-sounds, rule 2); and how to say so."""
    if not takes_from_rest(audio):
        return audio, ""
    from audioedit.executor.speech.layers import split_layers

    return split_layers(audio).rest, " of the speech split's rest layer (the voice kept apart)"


def execute_suppress(scene: Scene, step: EditStep, *, bank=None, rng: np.random.Generator | None = None):
    """Remove the targets' detected events (down to the bed), re-level what stands above the bed, or
    take each target out that way and stretch, move or replace it (``audioedit.executor.dsp.layer_edits``)."""
    from audioedit.backends import Backend
    from audioedit.executor.dsp.layer_edits import Extractor, move_layers, replace_layers, reorder_layers, speed_layers
    from audioedit.result import StepResult

    chosen = resolve_step(step, scene)
    padded = [(e.onset_s - PAD_S, e.offset_s + PAD_S) for e in chosen]
    source, where = _source(scene.audio)
    audio = scene.audio.samples.astype(np.float64)
    if isinstance(step, (ReplaceStep, SpeedStep, ReorderStep, MoveStep)):
        spans = [_merged([p], scene.audio.duration_s)[0] for p in padded]
        layers = [split_sound(source, [span], fill_phase=True).sound.samples.astype(np.float64) for span in spans]
        residual = audio - sum(layers)
        by = Extractor(backend=Backend.DSP_SUPPRESS, how="what stands above the bed" + where)
        if isinstance(step, SpeedStep):
            return speed_layers(scene, step, chosen, layers, residual, spans, by)
        if isinstance(step, ReorderStep):
            return reorder_layers(scene, chosen, layers, residual, spans, by)
        if isinstance(step, MoveStep):
            return move_layers(scene, step, chosen, layers, residual, spans, by)
        return replace_layers(scene, step, chosen, layers, residual, spans, bank,
                              rng if rng is not None else np.random.default_rng(0), by)
    spans = _merged(padded, scene.audio.duration_s)
    removal = not isinstance(step, LoudnessStep)
    sound = split_sound(source, spans, fill_phase=removal).sound.samples.astype(np.float64)
    gain = 0.0 if removal else 10 ** (step.gain_db / 20)
    edited = scene.audio.with_samples((audio - (1 - gain) * sound).astype(np.float32))
    if removal:
        what, gone = "removed", {e.id for e in chosen}
        events = tuple(e for e in scene.events if e.id not in gone)
    else:
        what, ids = f"re-levelled by {step.gain_db:+.1f} dB", {e.id for e in chosen}
        events = tuple(e.model_copy(update={"level_db": e.level_db + step.gain_db})
                       if e.id in ids and e.level_db is not None else e for e in scene.events)
    note = (f"the {step.target.label} {what}: inside its {len(spans)} detected span(s) every time-frequency cell{where} above the "
            f"bed's level (its median around the spans + {HEADROOM_DB:g} dB) counted as the sound; other sounds above the "
            "bed there change with it")
    return StepResult(scene=scene.evolve(audio=edited, events=events, stems=None), edited_spans_s=spans,
                      backend=Backend.DSP_SUPPRESS, notes=[note])
