"""The six steps on a mixture with the learned editor (used by ``LdmEditor.execute``).

- remove / loudness: one learned edit per target span (loudness optionally as extract + gain), in
  the editor's own atomic wording (``atomic_instruction``), not the user's sentence;
- reorder / speed / replace: extract each target layer with the model, DSP the layer (move,
  time-stretch, swap for a bank clip placed as ``audioedit.executor.dsp`` places it), re-mix with the
  residual (source - layers);
- add: no model needed; the DSP backend's exact mix (backend ``dsp.mixture``, said in the notes).
All arrays are ``(channels, frames)`` at the scene's rate; outside the returned spans the output
is the input, sample for sample (enforced at the end).
"""

from __future__ import annotations

import numpy as np

from audioedit.errors import ExecutionError
from audioedit.scene import Event, Scene
from audioedit.spans import merge_spans
from audioedit.steps import AddStep, LoudnessStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep, resolve_step


def target_name(ev: Event) -> str:
    """What the editor's instruction calls the event: the scene's description of it when it has one
    ("male speaker with low pitch, ..." in the LCR annotations), else its label with spaces."""
    desc = ev.extra.get("description") if ev.extra else None
    return str(desc).strip().rstrip(".") if desc and str(desc).strip() else ev.label.replace("_", " ")


def atomic_instruction(step, label: str) -> str:
    """The editor's own wording of ``step`` on the sound ``label`` ("remove the dog bark", "make the
    siren 6 dB quieter"; ``label`` may be a description): the planner has already read the user's
    words into the step, and the model was trained on these forms (``audioedit.executor.ldm.data.TEMPLATES``)."""
    name = label.replace("_", " ")
    if isinstance(step, LoudnessStep):
        return f"make the {name} {abs(step.gain_db):g} dB {'louder' if step.gain_db > 0 else 'quieter'}"
    return f"remove the {name}"


def _restore_outside(source: np.ndarray, out: np.ndarray, spans: list[tuple[float, float]], sr: int) -> np.ndarray:
    """Copy ``source`` into ``out`` everywhere outside ``spans`` (seconds)."""
    keep = np.ones(source.shape[1], bool)
    for a, b in spans:
        keep[int(round(a * sr)) : int(round(b * sr))] = False
    out = out.copy()
    out[:, keep] = source[:, keep]
    return out


def _place(layer: np.ndarray, shift: int, n: int) -> np.ndarray:
    """``layer`` shifted by ``shift`` frames (cut at the clip's ends)."""
    out = np.zeros_like(layer)
    if shift >= 0:
        out[:, shift:] = layer[:, : n - shift]
    else:
        out[:, : n + shift] = layer[:, -shift:]
    return out


def _level(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def _result(scene: Scene, samples: np.ndarray, events: list[Event], spans, notes: list[str]):
    from audioedit.result import StepResult

    spans = merge_spans([(max(0.0, a), min(scene.audio.duration_s, b)) for a, b in spans])
    samples = _restore_outside(scene.audio.samples, samples.astype(np.float32), spans, scene.audio.sample_rate_hz)
    if scene.has_stems:
        notes.append("stems dropped: the learned editor edits the mixture only")
    new_scene = scene.evolve(audio=scene.audio.with_samples(samples), events=tuple(events), stems=None)
    return StepResult(scene=new_scene, edited_spans_s=spans, backend="ldm", notes=notes)


def execute_step(ed, scene: Scene, step, *, bank, rng: np.random.Generator):
    """Dispatch on the step type; ``ed`` is an ``LdmEditor``. The model's seed is spawned from
    ``rng`` without advancing it, so bank clips are drawn as the DSP backend draws them: the same
    seed adds the same sound whichever backend runs the step."""
    seed = int(rng.spawn(1)[0].integers(2**31))
    audio, sr = scene.audio, scene.audio.sample_rate_hz
    if isinstance(step, AddStep):
        from dataclasses import replace

        from audioedit.executor.dsp import execute_dsp

        result = execute_dsp(scene, step, bank=bank, rng=rng, mode="mixture")
        return replace(result, notes=[*result.notes, "add needs no learned model: exact DSP mix"])
    targets = resolve_step(step, scene)
    target_ids = {e.id for e in targets}
    spans = [ed._span(e, audio.duration_s) for e in targets]
    sc = ed.cfg.sampler
    if isinstance(step, (RemoveStep, LoudnessStep)):
        # one model call per label and merged span: "remove the speech" once removes every voice in
        # it (per event, overlapping events of one label would be removed, or extracted, twice)
        # (speakers of one label are told apart by their descriptions: one call per description)
        groups = [(name, span) for name in dict.fromkeys(target_name(e) for e in targets)
                  for span in merge_spans([s for e, s in zip(targets, spans) if target_name(e) == name])]
        if isinstance(step, RemoveStep):
            events = [e for e in scene.events if e.id not in target_ids]
        else:
            events = [e.model_copy(update={"level_db": None if e.level_db is None else e.level_db + step.gain_db})
                      if e.id in target_ids else e for e in scene.events]
        direct = sc.remove_via == "direct" if isinstance(step, RemoveStep) else sc.loudness_via == "direct"
        if direct:
            out = audio
            for label, span in groups:
                out = ed.edit_audio(out, atomic_instruction(step, label), span, seed=seed)
            what = "removal" if isinstance(step, RemoveStep) else f"re-level by {step.gain_db:+g} dB"
            return _result(scene, out.samples, events, spans, [f"learned {what} of {sorted(target_ids)}"])
        layer = sum(ed.extract_layer(audio, label, span, seed=seed) for label, span in groups)
        residual = audio.samples.astype(np.float64) - layer
        if isinstance(step, RemoveStep):
            return _result(scene, residual, events, spans, [f"extracted {sorted(target_ids)} (learned) and subtracted them"])
        out = residual + layer * 10 ** (step.gain_db / 20)
        return _result(scene, out, events, spans, [f"extracted {sorted(target_ids)} (learned), gain {step.gain_db:+g} dB (DSP)"])
    layers = [ed.extract_layer(audio, target_name(e), s, seed=seed) for e, s in zip(targets, spans)]
    residual = audio.samples.astype(np.float64) - sum(layers)
    if isinstance(step, ReorderStep):
        return _reorder(scene, targets, layers, residual, spans)
    if isinstance(step, SpeedStep):
        return _speed(scene, step, targets, layers, residual, spans, sr)
    if isinstance(step, ReplaceStep):
        return _replace(scene, step, targets, layers, residual, spans, bank, rng)
    raise ExecutionError(f"the ldm editor cannot run op {step.op!r}")


def _reorder(scene, targets, layers, residual, spans):
    sr, n = scene.audio.sample_rate_hz, scene.audio.num_frames
    slots = sorted(e.onset_s for e in targets)
    out, events, new_spans, moved = residual.copy(), list(scene.events), list(spans), {}
    for ev, layer, slot in zip(targets, layers, slots):
        shift = int(round((slot - ev.onset_s) * sr))
        out += _place(layer, shift, n)
        moved[ev.id] = ev.model_copy(update={"onset_s": slot, "offset_s": min(scene.audio.duration_s, slot + ev.duration_s)})
        new_spans += [(a + shift / sr, b + shift / sr) for a, b in [spans[targets.index(ev)]]]
    events = [moved.get(e.id, e) for e in events]
    notes = [f"extracted {[e.id for e in targets]} (learned), moved to onsets {[round(s, 3) for s in slots]} (DSP)"]
    return _result(scene, out, events, new_spans, notes)


def _speed(scene, step, targets, layers, residual, spans, sr):
    from audioedit.executor.dsp.common import time_stretch

    n = scene.audio.num_frames
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
    notes.insert(0, f"extracted {sorted(moved)} (learned), time-stretched x{step.factor:g} (DSP)")
    return _result(scene, out, events, new_spans, notes)


def _replace(scene, step, targets, layers, residual, spans, bank, rng):
    """Learned removal of the targets, then bank clips placed as the DSP backend places them, each
    at the level of the layer it replaces (or ``snr_db`` over the residual)."""
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
    notes.insert(0, f"extracted {[e.id for e in targets]} (learned), replaced by bank clips of {step.sound!r} (DSP)")
    return _result(scene, out, events, new_spans, notes)
