"""Speech grounding without an annotation: the voice detector (Silero VAD) answers for speech.

A request that names talking, a voice, a speaker, speech, people, dialogue or narration gets
``speech`` events from ``audioedit.executor.speech.vad`` (``source="detected"``, with a confidence);
CLAP (``audioedit.agents.detect``) is then asked only about the other sounds the request names, and not
at all when every clause is a speech-layer clause ("remove the background noise").
"""

from __future__ import annotations

import logging
import re

from audioedit.errors import ExecutionError
from audioedit.scene import EventsFrom, Scene

log = logging.getLogger(__name__)
SPEECH_REQUEST_RE = re.compile(
    r"\b(?:talk\w*|voices?|speak\w*|speech\w*|people|persons?|dialogu?e?s?|narrat\w*|conversations?|interview\w*|"
    r"lectur\w*|podcast|announcer|(?:wo)?m[ae]n|pauses?|silences?|dead air)\b", re.IGNORECASE)
SPEECH_CONCEPTS = frozenset({"speech", "human_voice"})


def names_speech(request: str) -> bool:
    return SPEECH_REQUEST_RE.search(request) is not None


def layer_request(request: str) -> bool:
    """Every clause of ``request`` is a speech-layer or pause clause (``audioedit.planner.layers``)."""
    from audioedit.planner.clauses import split_request
    from audioedit.planner.layers import is_layer_clause

    goal, clauses = split_request(request)
    clauses = clauses or ([goal] if goal else [])
    return bool(clauses) and all(is_layer_clause(c) for c in clauses)


def with_speech_events(scene: Scene, request: str, labels: list[str]) -> tuple[Scene, list[str]]:
    """(``scene`` with VAD speech events when ``request`` names speech, the labels left for CLAP;
    none when every clause is a layer clause: the speech/rest split needs no detected events)."""
    if layer_request(request):
        labels = []
    if scene.events or not names_speech(request):
        return scene, labels
    from audioedit.executor.speech.vad import speech_events

    try:
        events = speech_events(scene.audio)
    except ExecutionError as exc:
        log.warning("no voice detector: %s", exc)
        return scene, labels
    rest = [label for label in labels if label not in SPEECH_CONCEPTS]
    return scene.evolve(events=tuple(events), events_from=EventsFrom.DETECTED), rest
