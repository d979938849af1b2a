"""Which speech backend a step goes to (called by ``audioedit.executor.router``), and running it.

- a cut-the-pauses step                                    -> ``speech.pauses`` only
- an effect (eq, reverb, pitch) on the speech or the background -> ``speech.layers`` (``effect_routes``)
- a target naming the speech or the background layer       -> ``speech.layers``; removing or re-levelling the
  background -> then ``dsp.denoise`` (its steady noise floor), or only that when the voice detector hears no speech
  (not for "the music under the voice": music is no steady floor, so without a voice nothing can take it)
- speech-labelled events, no stems, no other voice over them, events not annotated -> ``speech.layers`` first (a move:
  the speech layer inside their spans shifted, ``audioedit.executor.speech.move``; the events
  were detected: other sounds under them are unknown, so a region edit would take them along)
- speech-labelled events otherwise (annotated, no stems)   -> ``speech.layers`` after the exact DSP
- a detected non-speech sound over speech, no stems          -> ``speech.rest`` after the learned editor
  (removing or re-levelling it: after ``dsp.suppress`` on the rest layer too, ``executor.dsp.suppress``)
  (``rest_routes``); one detection did not locate, in a recording with speech -> the same over the whole recording
"""

from __future__ import annotations

from audioedit.backends import Backend
from audioedit.scene import Scene
from audioedit.steps import EditStep, LoudnessStep, PausesStep, RemoveStep


def speech_routes(scene: Scene, step: EditStep) -> tuple[list, bool]:
    """(routes, whether they go before every other backend)."""
    from audioedit.executor.router import Route
    from audioedit.executor.speech.layers import BACKEND, is_layer_step, step_scope

    if isinstance(step, PausesStep):
        return [Route(backend=Backend.SPEECH_PAUSES, reason="cut the pauses between the voice detector's speech segments")], True
    if not is_layer_step(step):
        return [], False
    scope, on_events = step_scope(step)
    if not on_events:
        layers = Route(backend=BACKEND, reason=f"the target is the {scope} layer: speech/rest split (DeepFilterNet3), "
                                               "the edit on that layer, re-mixed")
        if scope != "background" or not isinstance(step, (RemoveStep, LoudnessStep)):
            return [layers], True
        from audioedit.executor.dsp.denoise import has_speech

        floor = Route(backend=Backend.DSP_DENOISE, reason="the background as the steady noise floor under the other "
                                                          "sounds, reduced by spectral subtraction")
        # an animal call can sound like a voice to the detector: the floor is the fallback when the split fails;
        # music under the voice is no steady floor: without a voice there is no layer to take it from
        floor = [] if step.target.label == "music" else [floor]
        return ([layers, *floor] if has_speech(scene.audio) else floor), True
    if scene.has_stems or _other_voices(scene, step):
        return [], False
    route = Route(backend=BACKEND, reason="speech events without stems: the edit on the speech layer inside their spans")
    return [route], scene.events_from != "annotation"


def effect_routes(scene: Scene, step: EditStep) -> list:
    """``speech.layers`` for a whole-signal effect (a registry op with a ``process``: eq, reverb, pitch) on the
    speech or the background of a recording without stems: the effect on that layer of the split, re-mixed;
    ``speech.rest`` for one on a detected sound with speech under it: on the rest layer inside its spans."""
    from audioedit.executor.router import Route
    from audioedit.executor.speech.layers import BACKEND, layer_scope

    target = getattr(step, "target", None)
    scope = layer_scope(target) if target is not None else None
    if scene.has_stems:
        return []
    if scope is not None:
        return [Route(backend=BACKEND, reason=f"the {scope} has no stem: speech/rest split (DeepFilterNet3), the "
                                              f"{step.op} on the {scope} layer, re-mixed")]
    from audioedit.executor.speech.layers import REST_BACKEND, effect_in_rest
    from audioedit.steps import select_events

    targets = select_events(scene.events, target) if effect_in_rest(step) and scene.events_from == "detected" else []
    if not targets or not _speech_under(scene, targets):
        return []
    return [Route(backend=REST_BACKEND, reason=f"the {target.label} was detected, not annotated, over speech: the "
                                               f"{step.op} on the rest layer (everything but the speech) inside its spans")]


def rest_routes(scene: Scene, step: EditStep) -> list:
    """``speech.rest`` for a detected (not annotated) non-speech sound in a recording with speech under
    it, without stems: tried after the learned editor (``executor.router``)."""
    from audioedit.executor.router import Route
    from audioedit.executor.speech.layers import REST_BACKEND, sound_in_rest
    from audioedit.steps import select_events

    if not sound_in_rest(step) or scene.has_stems:
        return []
    if step.target.unlocated:  # not found by detection: the whole recording's rest layer, when someone talks in it
        from audioedit.executor.dsp.denoise import has_speech

        if scene.events_from not in ("detected", "none") or not has_speech(scene.audio):
            return []
        return [Route(backend=REST_BACKEND, reason=f"the {step.target.label} was not located, in a recording with speech: "
                                                   "the rest layer (everything but the speech) over the whole recording")]
    if scene.events_from != "detected":
        return []
    targets = select_events(scene.events, step.target)
    if not targets or not _speech_under(scene, targets):
        return []
    return [Route(backend=REST_BACKEND, reason=f"the {step.target.label} was detected, not annotated, over speech: "
                                               "the rest layer (everything but the speech) inside its spans")]


def _speech_under(scene: Scene, targets: list) -> bool:
    """Whether the voice detector hears speech inside any of the targets' spans."""
    from audioedit.errors import ExecutionError
    from audioedit.executor.speech.vad import detect_speech

    try:
        speech = detect_speech(scene.audio)
    except ExecutionError:
        return False
    return any(s.onset_s < t.offset_s and t.onset_s < s.offset_s for s in speech for t in targets)


def _other_voices(scene: Scene, step: EditStep) -> bool:
    """Another speech event overlaps the targeted ones: the speech layer holds both voices."""
    from audioedit.steps import resolve_step
    from audioedit.executor.speech.layers import SPEECH_LABELS

    targets = resolve_step(step, scene)
    ids = {e.id for e in targets}
    return any(e.label in SPEECH_LABELS and e.id not in ids and any(e.overlaps(t) for t in targets) for e in scene.events)


def execute_speech(scene: Scene, step: EditStep, backend: str, *, bank, rng):
    if backend == Backend.SPEECH_PAUSES:
        from audioedit.executor.speech.pauses import execute_pauses

        return execute_pauses(scene, step)
    if step.op == "move":
        from audioedit.executor.speech.move import execute_move

        return execute_move(scene, step)
    from audioedit.executor.speech.layers import execute_layers

    return execute_layers(scene, step, bank=bank, rng=rng)
