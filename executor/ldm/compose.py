"""The six steps on a mixture with the learned editor (used by ``LdmEditor.execute``).

- remove / loudness: one learned edit per target span (loudness optionally as extract + gain), in
  the editor's own atomic wording (``atomic_instruction``), not the user's sentence;
- reorder / move / speed / replace: extract each target layer with the model, DSP the layer (move,
  time-stretch, swap for a bank clip placed as ``audioedit.executor.dsp`` places it:
  ``audioedit.executor.dsp.layer_edits``), re-mix with the residual (source - layers);
- add: no model needed; the DSP backend's exact mix (backend ``dsp.mixture``, said in the notes).
All arrays are ``(channels, frames)`` at the scene's rate; outside the returned spans the output
is the input, sample for sample (enforced at the end).
"""

from __future__ import annotations

import numpy as np

from audioedit.errors import ExecutionError
from audioedit.executor.dsp.layer_edits import (Extractor, layer_result, move_layers, reorder_layers, replace_layers,
                                                speed_layers)
from audioedit.scene import Event, Scene
from audioedit.spans import merge_spans
from audioedit.steps import AddStep, LoudnessStep, MoveStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep, resolve_step


LEARNED = Extractor(backend="ldm", how="learned")
# a moved sound is extracted this far around its span (``dsp.suppress`` pads as much): a detected onset is often
# late, and the sampler's margin (0.05 s) left a dog bark's first 0.1 s, 11 dB over the rain, where it was
MOVE_MARGIN_S = 0.25


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


def execute_step(ed, scene: Scene, step, *, bank, rng: np.random.Generator):
    """Dispatch on the step type; ``ed`` is an ``LdmEditor``. The model's seed is spawned from
    ``rng`` without advancing it, so bank clips are drawn as the DSP backend draws them: the same
    seed adds the same sound whichever backend runs the step."""
    seed = int(rng.spawn(1)[0].integers(2**31))
    audio = scene.audio
    if isinstance(step, AddStep):
        from dataclasses import replace

        from audioedit.executor.dsp import execute_dsp

        result = execute_dsp(scene, step, bank=bank, rng=rng, mode="mixture")
        return replace(result, notes=[*result.notes, "add needs no learned model: exact DSP mix"])
    targets = resolve_step(step, scene)
    target_ids = {e.id for e in targets}
    margin_s = MOVE_MARGIN_S if isinstance(step, MoveStep) else None
    spans = [ed._span(e, audio.duration_s, margin_s) for e in targets]
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
            return layer_result(scene, out.samples, events, spans, [f"learned {what} of {sorted(target_ids)}"], LEARNED.backend)
        layer = sum(ed.extract_layer(audio, label, span, seed=seed) for label, span in groups)
        residual = audio.samples.astype(np.float64) - layer
        if isinstance(step, RemoveStep):
            return layer_result(scene, residual, events, spans, [f"extracted {sorted(target_ids)} (learned) and subtracted them"], LEARNED.backend)
        out = residual + layer * 10 ** (step.gain_db / 20)
        return layer_result(scene, out, events, spans, [f"extracted {sorted(target_ids)} (learned), gain {step.gain_db:+g} dB (DSP)"], LEARNED.backend)
    layers = [ed.extract_layer(audio, target_name(e), s, seed=seed) for e, s in zip(targets, spans)]
    residual = audio.samples.astype(np.float64) - sum(layers)
    if isinstance(step, ReorderStep):
        return reorder_layers(scene, targets, layers, residual, spans, LEARNED)
    if isinstance(step, MoveStep):
        return move_layers(scene, step, targets, layers, residual, spans, LEARNED)
    if isinstance(step, SpeedStep):
        return speed_layers(scene, step, targets, layers, residual, spans, LEARNED)
    if isinstance(step, ReplaceStep):
        return replace_layers(scene, step, targets, layers, residual, spans, bank, rng, LEARNED)
    raise ExecutionError(f"the ldm editor cannot run op {step.op!r}")


