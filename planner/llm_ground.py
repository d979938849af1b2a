"""Grounding an LLM's steps in the scene: labels -> scene labels -> event ids; sounds -> bank labels.

A model may name a target loosely ("the ambulance"), give ids that do not exist, or ask to add a
sound the bank lacks. ``ground_steps`` maps every target label onto the scene's labels with
``audioedit.planner.vocab.match_label``, fills ``event_ids`` with ``audioedit.steps.select_events``, maps
added sounds onto the bank's labels, and turns a step it cannot ground into an ``Unresolved``
entry (with the reason) instead of dropping it. Surviving steps are renumbered ``s1, s2, ...``.
"""

from __future__ import annotations

from collections.abc import Sequence

from audioedit.moves import where_to
from audioedit.scene import SceneDescription
from audioedit.steps import (
    AddStep,
    EditStep,
    EventRef,
    MoveStep,
    ReorderStep,
    ReplaceStep,
    Unresolved,
    select_events,
)

from audioedit.planner.vocab import canonical_label, match_label


class Ungroundable(ValueError):
    """A step refers to something the scene or the bank does not have."""


def ground_steps(
    steps: Sequence[EditStep], scene: SceneDescription | None, sounds: Sequence[str]
) -> tuple[list[EditStep], list[Unresolved], list[str]]:
    """(grounded steps renumbered s1.., unresolved parts, assumptions made while grounding)."""
    grounded: list[EditStep] = []
    unresolved: list[Unresolved] = []
    notes: list[str] = []
    if scene is None and any(not isinstance(s, AddStep) for s in steps):
        notes.append("no scene description was given: step targets are labels, not grounded to events")
    for step in steps:
        try:
            grounded.append(_ground_step(step, scene, sounds))
        except Ungroundable as exc:
            unresolved.append(Unresolved(text=step.source_text or step.instruction, reason=str(exc)))
    renumbered = [s.model_copy(update={"id": f"s{i}"}) for i, s in enumerate(grounded, 1)]
    return renumbered, unresolved, notes


def _ground_step(step: EditStep, scene: SceneDescription | None, sounds: Sequence[str]) -> EditStep:
    update: dict = {}
    if isinstance(step, ReorderStep):
        targets = [ground_ref(ref, scene) for ref in step.targets]
        if scene is not None and len({i for t in targets for i in t.event_ids}) < 2:
            raise Ungroundable("reorder needs at least two distinct events in the recording")
        update["targets"] = targets
    elif hasattr(step, "target"):
        update["target"] = ground_ref(step.target, scene)
    if isinstance(step, (AddStep, ReplaceStep)):
        update["sound"] = ground_sound(step.sound, sounds)
    if isinstance(step, AddStep) and scene is not None and step.at_s is not None and step.at_s >= scene.duration_s:
        raise Ungroundable(f"add at {step.at_s:g} s is after the recording ends ({scene.duration_s:g} s)")
    if isinstance(step, MoveStep) and scene is not None:
        events = [e for e in scene.events if e.id in update["target"].event_ids]
        if isinstance(move := where_to(step, events, scene.duration_s), str):
            raise Ungroundable(move)
    return step.model_copy(update=update)


def ground_ref(ref: EventRef, scene: SceneDescription | None) -> EventRef:
    """``ref`` with a scene label and the ids of the events it selects; ``Ungroundable`` when none."""
    text = ref.text or ref.label
    if ref.scope == "recording":  # the whole file: nothing to find in the scene
        return ref.model_copy(update={"event_ids": []})
    if scene is None:
        return ref.model_copy(update={"label": canonical_label(ref.label) or ref.label, "text": text, "event_ids": []})
    labels = sorted({e.label for e in scene.events})
    if not labels:
        raise Ungroundable(f"the recording has no known events, so {text!r} cannot be found in it")
    known = {e.id: e for e in scene.events}
    given = [i for i in ref.event_ids if i in known]
    label = match_label(ref.label, labels) or (match_label(ref.text, labels) if ref.text else None)
    if label is None and given and len({known[i].label for i in given}) == 1:
        label = known[given[0]].label
    if label is None:
        raise Ungroundable(f"no {text!r} in the recording; its events are: {', '.join(labels)}")
    by_label = ref.model_copy(update={"label": label, "text": text, "event_ids": []})
    selected = [e.id for e in select_events(scene.events, by_label)]
    if given and all(known[i].label == label for i in given):
        selected = given  # the model picked specific events of that label: keep its choice
    if not selected:
        raise Ungroundable(f"no {label!r} event matches {by_label.describe()!r} in the recording")
    return by_label.model_copy(update={"event_ids": selected})


def ground_sound(sound: str, sounds: Sequence[str]) -> str:
    """The bank label for ``sound``; ``Ungroundable`` when the bank has nothing like it."""
    if not sounds:
        return canonical_label(sound) or sound
    label = match_label(sound, sounds)
    if label is None:
        raise Ungroundable(f"no sound {sound!r} to add; the sound bank has: {', '.join(sorted(set(sounds)))}")
    return label
