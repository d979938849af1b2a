"""A sound that detection did not find, edited by the learned editor over the whole recording.

On a plain recording, "remove the rooster" when the small CLAP did not find a rooster (most often: it
was never trained on roosters) plans a step whose target is ``unlocated`` (``audioedit.steps.EventRef``):
no events, so no span. The learned editor is conditioned on free text and looks for the sound itself:

- remove / loudness: the editor's own step on a stand-in event spanning the whole recording (or the
  ref's time window), so its notes (an untrained label: the nearest trained sound and the cosine)
  reach the report;
- keep only ("remove everything except the rooster", a complement ref): the input minus the editor's
  removal of the sound, i.e. the layer it took out.

The stand-in event never reaches the scene after the edit; the verifier (``audioedit.agents.unlocated_checks``)
measures what changed where, since there is no span to measure the sound in.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from audioedit.protocols import Editor
from audioedit.result import SoundSource, StepResult
from audioedit.scene import Event, EventSource, Scene
from audioedit.steps import EditStep, LoudnessStep, RemoveStep, unlocated_span_s

REASON = ("the sound was not detected (no span): the learned editor looks for it over the whole recording "
          "(or the time window asked)")


def execute_unlocated(scene: Scene, step: EditStep, ldm: Editor, *, bank: SoundSource | None,
                      rng: np.random.Generator) -> StepResult:
    """Run a remove / loudness / keep-only ``step`` on an unlocated sound with the learned editor."""
    from audioedit.errors import ExecutionError

    if not isinstance(step, (RemoveStep, LoudnessStep)):
        raise ExecutionError(f"a sound that was not detected can only be removed, re-levelled or kept alone, not {step.op}")
    ref = step.target
    start_s, end_s = unlocated_span_s(ref, scene.audio.duration_s)
    stand_in = Event(id=f"unlocated_{ref.label}", label=ref.label, onset_s=start_s, offset_s=end_s,
                     source=EventSource.EDIT, role="foreground")
    target = ref.model_copy(update={"event_ids": [stand_in.id], "complement": False, "unlocated": False,
                                    "start_s": None, "end_s": None})
    inner = step.model_copy(update={"target": target})
    if ref.complement:  # keep only: the editor removes the sound; what it took out is what is kept
        inner = RemoveStep(id=step.id, instruction=f"Remove the {ref.label.replace('_', ' ')}.", target=target)
    result = ldm.execute(scene.evolve(events=(*scene.events, stand_in)), inner, bank=bank, rng=rng)
    samples, events = result.scene.audio.samples, scene.events
    notes = [n.replace(f"['{stand_in.id}']", f"the {ref.label.replace('_', ' ')}") for n in result.notes]
    if ref.complement:
        samples = scene.audio.samples - samples
        events = ()  # every other sound was removed; the kept sound was never located
        notes.append(f"kept only what the learned editor removed as the {ref.label.replace('_', ' ')} "
                     "(the input minus its removal)")
    after = scene.evolve(audio=scene.audio.with_samples(samples.astype(scene.audio.samples.dtype)), events=events,
                         stems=None)
    spans = [(0.0, scene.audio.duration_s)] if ref.complement else result.edited_spans_s
    return replace(result, scene=after, edited_spans_s=spans, notes=notes)
