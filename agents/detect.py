"""Grounding without an annotation: find the sounds a request names in the recording with CLAP
(speech with the voice detector, ``agents.speech_detect``).

The labels to look for come from the request itself (``planner.vocab.concepts_in``: "drop the
siren and the dogs" -> siren, dog_bark), so detection asks a few targeted questions instead of
scanning for every class. Events come back with ``source="detected"`` and a confidence.
"""

from __future__ import annotations

import logging

from audioedit.scene import Scene

log = logging.getLogger(__name__)
BACKGROUND_LABELS = {"traffic", "rain", "wind", "running_water", "dishes", "street", "park", "restaurant",
                     "air_conditioner", "engine_idling", "noise", "music"}


def detect_events(scene: Scene, request: str, clap=None) -> Scene:
    """``scene`` with events detected for each sound ``request`` mentions (unchanged when the
    scene already has events, nothing is mentioned, or no CLAP model is available)."""
    from planner.vocab import concepts_in, display_name

    from agents.speech_detect import with_speech_events

    labels = concepts_in(request)
    if scene.events:
        return scene
    scene, labels = with_speech_events(scene, request, labels)
    if not labels:
        return scene
    if clap is None:
        from audioedit.clap import default_clap

        clap = default_clap()
    if clap is None:
        log.info("no CLAP model shipped: cannot detect %s", labels)
        return scene
    from audioedit.clap.grounding import ground

    found = ground(clap, scene.audio, [display_name(label) for label in labels])
    by_name = {display_name(label): label for label in labels}
    counters = {"foreground": 0, "background": 0}
    events = list(scene.events)
    for ev in found:
        label = by_name[ev.label]
        role = "background" if label in BACKGROUND_LABELS else "foreground"
        events.append(ev.model_copy(update={"id": f"{role}{counters[role]}_{label}", "label": label, "role": role}))
        counters[role] += 1
    return scene.evolve(events=tuple(events), events_from="detected")
