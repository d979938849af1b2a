"""Reorder, move, speed and replace on sound layers an extractor took out of a mixture, re-mixed with the rest.

The learned editor (``audioedit.executor.ldm.compose``) and ``dsp.suppress`` (what stands above the
bed, ``audioedit.executor.dsp.suppress``) both extract each target as a layer, ``residual = mixture -
sum(layers)``; the DSP on the layers is the same and lives here. ``Extractor`` names who extracted
(the backend the result carries, and the words the notes use). All arrays are ``(channels, frames)``
at the scene's rate; outside the returned spans the output is the input, sample for sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioedit.scene import Event, Scene
from audioedit.spans import merge_spans

CUT_FADE_S = 0.01  # a layer moved past the end of the recording fades out over its last frames


@dataclass(frozen=True)
class Extractor:
    backend: str  # the StepResult's backend
    how: str      # how the notes say the layers were extracted ("learned", "above the bed")


def restore_outside(source: np.ndarray, out: np.ndarray, spans: list[tuple[float, float]], sr: int) -> np.ndarray:
    """Copy ``source`` into ``out`` everywhere outside ``spans`` (seconds)."""
    keep = np.ones(source.shape[1], bool)
    for a, b in spans:
        keep[int(round(a * sr)) : int(round(b * sr))] = False
    out = out.copy()
    out[:, keep] = source[:, keep]
    return out


def place(layer: np.ndarray, shift: int, n: int) -> np.ndarray:
    """``layer`` shifted by ``shift`` frames (cut at the clip's ends)."""
    out = np.zeros_like(layer)
    if shift >= 0:
        out[:, shift:] = layer[:, : n - shift]
    else:
        out[:, : n + shift] = layer[:, -shift:]
    return out


def layer_result(scene: Scene, samples: np.ndarray, events: list[Event], spans, notes: list[str], backend: str):
    """The step's result: ``samples`` inside ``spans`` (merged, clipped), the input outside them."""
    from audioedit.result import StepResult

    spans = merge_spans([(max(0.0, a), min(scene.audio.duration_s, b)) for a, b in spans])
    samples = restore_outside(scene.audio.samples, samples.astype(np.float32), spans, scene.audio.sample_rate_hz)
    if scene.has_stems:
        notes.append(f"stems dropped: {backend} edits the mixture only")
    new_scene = scene.evolve(audio=scene.audio.with_samples(samples), events=tuple(events), stems=None)
    return StepResult(scene=new_scene, edited_spans_s=spans, backend=backend, notes=notes)


def reorder_layers(scene, targets, layers, residual, spans, by: Extractor):
    """The targets' layers swapped into each other's onset slots (in onset order)."""
    return _shift_layers(scene, targets, layers, residual, spans, sorted(e.onset_s for e in targets), by)


def move_layers(scene, step, targets, layers, residual, spans, by: Extractor):
    """The targets' layers shifted together (``audioedit.moves.where_to``); where they were, the residual
    (what sounded under them) is left as it was."""
    from audioedit.errors import ExecutionError
    from audioedit.moves import where_to

    move = where_to(step, targets, scene.audio.duration_s)
    if isinstance(move, str):
        raise ExecutionError(f"step {step.id!r}: {move}")
    return _shift_layers(scene, targets, layers, residual, spans, [e.onset_s + move.shift_s for e in targets], by)


def _shift_layers(scene, targets, layers, residual, spans, onsets_s: list[float], by: Extractor):
    """Each target's layer placed so the event starts at its new onset, over the residual; what falls past
    the end is cut (faded out over ``CUT_FADE_S``)."""
    sr, n = scene.audio.sample_rate_hz, scene.audio.num_frames
    out, events, new_spans, moved, notes = residual.copy(), list(scene.events), list(spans), {}, []
    for ev, layer, slot, (a, b) in zip(targets, layers, onsets_s, spans):
        shift = int(round((slot - ev.onset_s) * sr))
        placed = place(layer, shift, n)
        if shift > 0 and np.any(layer[:, n - shift:]):  # past the end: cut, faded out
            ramp = min(n, int(CUT_FADE_S * sr))
            placed[:, n - ramp:] *= np.linspace(1.0, 0.0, ramp)
            if (lost_s := ev.offset_s + shift / sr - scene.audio.duration_s) > 1e-3:
                notes.append(f"{ev.id}: its last {lost_s:.2f} s cut at the end of the recording")
        out += placed
        moved[ev.id] = ev.model_copy(update={"onset_s": slot, "offset_s": min(scene.audio.duration_s, slot + ev.duration_s)})
        new_spans.append((a + shift / sr, b + shift / sr))
    events = [moved.get(e.id, e) for e in events]
    notes.insert(0, f"extracted {[e.id for e in targets]} ({by.how}), moved to onsets {[round(s, 3) for s in onsets_s]} (DSP)")
    return layer_result(scene, out, events, new_spans, notes, by.backend)


def speed_layers(scene, step, targets, layers, residual, spans, by: Extractor):
    """Each target's layer time-stretched by ``step.factor`` from its onset."""
    from audioedit.executor.dsp.common import time_stretch

    sr, n = scene.audio.sample_rate_hz, scene.audio.num_frames
    out, moved, new_spans, notes = residual.copy(), {}, list(spans), []
    for ev, layer, (a, b) in zip(targets, layers, spans):
        s, e = int(round(a * sr)), int(round(b * sr))
        stretched = time_stretch(layer[:, s:e], sr, step.factor, keep_pitch=step.keep_pitch)
        stop = min(n, s + stretched.shape[1])
        if stop < s + stretched.shape[1]:
            notes.append(f"{ev.id}: stretched event cut at the clip's end")
        out[:, s:stop] += stretched[:, : stop - s]
        new_spans.append((a, stop / sr))
        moved[ev.id] = ev.model_copy(update={"offset_s": min(scene.audio.duration_s, ev.onset_s + ev.duration_s / step.factor)})
    events = [moved.get(e.id, e) for e in scene.events]
    notes.insert(0, f"extracted {sorted(moved)} ({by.how}), time-stretched x{step.factor:g} (DSP)")
    return layer_result(scene, out, events, new_spans, notes, by.backend)


def replace_layers(scene, step, targets, layers, residual, spans, bank, rng, by: Extractor):
    """The targets taken out, then bank clips placed as the DSP backend places them, each at the level
    of the layer it replaces (or ``snr_db`` over the residual)."""
    from audioedit.executor.dsp.common import rms_db
    from audioedit.executor.dsp.placement import replacement

    sr = scene.audio.sample_rate_hz
    base = scene.evolve(audio=scene.audio.with_samples(residual.astype(np.float32)),
                        events=tuple(e for e in scene.events if e not in targets), stems=None)
    out, events, new_spans, notes = residual.copy(), list(base.events), list(spans), []
    taken = {e.id for e in scene.events}
    for ev, layer in zip(targets, layers):
        start, end = int(round(ev.onset_s * sr)), max(int(round(ev.offset_s * sr)), int(round(ev.onset_s * sr)) + 1)
        a, placed = replacement(base, ev, step, bank, rng, taken, rms_db(layer[:, start:end]), notes)
        out[:, a : a + placed.samples.shape[1]] += placed.samples
        new_spans.append((a / sr, (a + placed.samples.shape[1]) / sr))
        events.append(placed.event)
    notes.insert(0, f"extracted {[e.id for e in targets]} ({by.how}), replaced by bank clips of {step.sound!r} (DSP)")
    return layer_result(scene, out, events, new_spans, notes, by.backend)
