"""Every non-speech sound edited alike is the background layer (reports/lcr, session 16).

When the scene's events are complete (an annotation, no stems) and include speech, the remove steps (or the
loudness steps with one gain) that together target every non-speech event are one edit of the speech/rest
split's background layer, which separates them from the voices far better than one learned-editor step per
sound. They become one background-layer step naming those events, placed before the first step on the voices
(the split needs the voices as they are); the plan's assumptions say so. Detected events are never complete,
so a plain recording's plan is never changed here.

    >>> from audioedit.scene import Event, SceneDescription
    >>> from audioedit.steps import EventRef, Plan, RemoveStep
    >>> ev = [Event(id="f0_speech", label="speech", onset_s=0, offset_s=5), Event(id="f1_dog", label="dog", onset_s=0, offset_s=5)]
    >>> scene = SceneDescription(duration_s=5, sample_rate_hz=16000, num_channels=1, events=ev, has_stems=False,
    ...                          events_from="annotation")
    >>> plan = Plan(request="remove the dog", steps=[RemoveStep(id="s1", instruction="Remove the dog.",
    ...             target=EventRef(label="dog", event_ids=["f1_dog"]))], scene=scene)
    >>> [(s.op, s.target.scope, s.target.event_ids) for s in coalesce(plan).steps]
    [('remove', 'background', ['f1_dog'])]
"""

from __future__ import annotations

from audioedit.planner.attributes import SPEECH_LABELS
from audioedit.planner.templates import loudness_instruction
from audioedit.scene import SceneDescription
from audioedit.steps import EditStep, EventRef, LoudnessStep, Plan, RemoveStep, select_events, step_targets


def coalesce(plan: Plan) -> Plan:
    """``plan`` with its steps on every non-speech event, if they edit them alike, as one background-layer step
    (the scene is the one the plan was made for, ``plan.scene``)."""
    scene = plan.scene
    if scene is None or scene.events_from != "annotation" or scene.has_stems:
        return plan
    speech = {e.id for e in scene.events if e.label in SPEECH_LABELS}
    others = {e.id for e in scene.events if e.label not in SPEECH_LABELS}
    if not speech or not others:
        return plan
    groups: dict[tuple, list[int]] = {}
    for index, step in enumerate(plan.steps):
        if (key := _key(step)) is not None and _targets(step, scene) <= others:
            groups.setdefault(key, []).append(index)
    for key, indices in groups.items():
        if set().union(*(_targets(plan.steps[i], scene) for i in indices)) == others:
            return _merged(plan, scene, indices, sorted(others))
    return plan


def _key(step: EditStep) -> tuple | None:
    target = getattr(step, "target", None)
    if target is None or target.scope != "events" or target.complement:
        return None
    if isinstance(step, RemoveStep):
        return ("remove",)
    if isinstance(step, LoudnessStep):
        return ("loudness", step.gain_db)
    return None


def _targets(step: EditStep, scene: SceneDescription) -> set[str]:
    return {e.id for ref in step_targets(step) if ref.scope == "events" for e in select_events(scene.events, ref)}


def _merged(plan: Plan, scene: SceneDescription, indices: list[int], ids: list[str]) -> Plan:
    first = plan.steps[indices[0]]
    labels = sorted({e.label for e in scene.events if e.id in ids})
    ref = EventRef(label="background", text=", ".join(labels), scope="background", event_ids=ids)
    names = " and ".join(label.replace("_", " ") for label in labels)
    if isinstance(first, RemoveStep):
        step = RemoveStep(id="bg", instruction=f"Remove the background (the {names}).", target=ref,
                          source_text="; ".join(plan.steps[i].source_text for i in indices))
    else:
        step = LoudnessStep(id="bg", instruction=loudness_instruction(ref, first.gain_db), target=ref,
                            gain_db=first.gain_db, source_text="; ".join(plan.steps[i].source_text for i in indices))
    voices = {e.id for e in scene.events if e.label in SPEECH_LABELS}
    at = min([i for i, s in enumerate(plan.steps) if _targets(s, scene) & voices] + [indices[0]])
    rest = [s for i, s in enumerate(plan.steps) if i not in indices]
    steps = rest[:at] + [step] + rest[at:]  # no merged step lies before ``at``: its index is the same in ``rest``
    steps = [s.model_copy(update={"id": f"s{k + 1}"}) for k, s in enumerate(steps)]
    note = (f"every non-speech sound ({names}) is edited alike: one edit of the background layer (everything but the "
            "speech), before the steps on the voices")
    return plan.model_copy(update={"steps": steps, "assumptions": [*plan.assumptions, note]})
