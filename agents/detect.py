"""Grounding a request in a recording that comes without an annotation or stems.

``ground_request(scene, request)`` is called for every request, once, before planning; a scene
with events (annotation, stems) comes back unchanged. Otherwise every sound the request treats as
a target is a question for the audio (``audioedit.planner.rules.sound_queries``: "remove the cow and the
dogs" -> cow, dog bark — any phrase, not only names in the vocabulary), answered by CLAP's
sliding-window grounding (``audioedit.clap.grounding``), each sound queried by its vocabulary entry's
name, synonyms and captions together (``audioedit.clap.vocabulary.grounding_texts``); speech by the voice detector
(``audioedit.agents.speech_detect``). Found events come back with
``source="detected"`` and a confidence; the scene's ``events_from`` becomes ``"detected"`` and its
``meta["searched"]`` lists what was looked for, so the planner can say "no cow was found (found:
dog bark)" instead of guessing. Detected events are never a complete annotation: the router does
not use them for exact region edits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from audioedit.clap import vocabulary
from audioedit.protocols import AudioTextModel
from audioedit.scene import EventSource, EventsFrom, Scene

log = logging.getLogger(__name__)


def ground_request(scene: Scene, request: str, clap: AudioTextModel | None = None) -> Scene:
    """``scene`` with the events ``request`` asks about detected (see the module docstring)."""
    from audioedit.agents.speech_detect import with_speech_events
    from audioedit.planner.goals import grounding_labels
    from audioedit.planner.rules import sound_queries

    if scene.events or scene.events_from != EventsFrom.NONE:
        return scene
    labels = list(dict.fromkeys(sound_queries(request) + grounding_labels(request)))  # a goal: its sounds and clashes
    searched = labels
    scene, labels = with_speech_events(scene, request, labels)  # speech: the voice detector; the rest: CLAP
    if scene.events_from == EventsFrom.DETECTED:
        scene = scene.evolve(meta={**scene.meta, "searched": searched})
    if not labels:
        return scene
    routed = clap is None  # the defaults: the shipped CLAP, and the broad tower for the sounds it never heard
    if routed:
        from audioedit.clap import default_clap

        clap = default_clap()
    if clap is None:
        log.info("no CLAP model shipped: cannot look for %s", labels)
        return scene
    from audioedit.clap.grounding import ground

    entry_of = {label: vocabulary.key_of_label(label) or label for label in labels}  # 'thunder' -> thunderstorm
    texts = {label: vocabulary.grounding_texts(entry_of[label]) for label in labels}
    found: list = []
    for model, group, fallback in detection_models(clap, entry_of, routed):
        events = ground(model, scene.audio, {label: texts[label] for label in group})
        missed = [label for label in group if not any(ev.label == label for ev in events)]
        if fallback is not None and missed:  # what the shipped CLAP did not find, the broad tower is asked about
            events += ground(fallback(), scene.audio, {label: texts[label] for label in missed})
        found += events
    events = list(scene.events)
    counters = {"foreground": 0, "background": 0}
    for ev in sorted(found, key=lambda e: e.onset_s):
        label = ev.label
        role = "background" if vocabulary.is_background(entry_of[label]) else "foreground"
        events.append(ev.model_copy(update={"id": f"{role}{counters[role]}_{label}", "label": label, "role": role,
                                            "source": EventSource.DETECTED}))
        counters[role] += 1
    return scene.evolve(events=tuple(events), events_from=EventsFrom.DETECTED, meta={**scene.meta, "searched": searched})


def detection_models(clap: AudioTextModel, entry_of: dict[str, str], routed: bool = True
                     ) -> list[tuple[AudioTextModel, list[str], Callable[[], AudioTextModel] | None]]:
    """``(model, labels, fallback)``: which model is asked about which labels, and what loads the model asked
    about those it finds nothing of. ``clap`` answers the vocabulary entries it was trained on, with the broad
    tower (when shipped, and ``routed``) as their fallback, loaded only if it is needed, and the broad tower
    answers the others (reports/clap-broad amendments 7-9); else ``clap`` answers all of them."""
    from audioedit.clap import broad_clap, broad_shipped, trained_classes

    known = trained_classes() if routed and broad_shipped() else None
    if known is None:
        return [(clap, list(entry_of), None)]
    mine, others = ([lb for lb, e in entry_of.items() if (e in known) == side] for side in (True, False))
    return ([(clap, mine, broad_clap)] if mine else []) + ([(broad_clap(), others, None)] if others else [])
