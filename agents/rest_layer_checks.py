"""Verifying a sound taken from the rest layer of the speech split (``dsp.suppress`` in a recording with
speech; reports/speech-sounds, rule 2).

The general checks (the loop's verifier: acoustic, and CLAP when it has one) run on the rest layers: the
recording before and after, each minus the input's speech layer (the split the edit used, cached). The
voice then counts neither as the sound nor as the bed around it, and outside the edited spans the rest
layers are as exact as the recordings. The voice itself is listened to independently:
``speech_kept_fraction`` (the voice detector's speech time in the output over the input's) >= ``VOICE_KEPT``.
What this cannot see: a part of the sound DeepFilterNet3 put in the speech layer is neither edited nor
measured (a bark can sound like a voice to it).
"""

from __future__ import annotations

from audioedit.report import Verdict
from audioedit.scene import Scene
from audioedit.steps import EditStep

VOICE_KEPT = 0.9


def verify_rest_layer(before: Scene, after: Scene, step: EditStep, edited_spans_s: list[tuple[float, float]],
                      verifier=None) -> Verdict:
    """``verifier`` (or the acoustic checks) on the rest layers, plus the voice kept."""
    from audioedit.agents.speech_checks import speech_kept_fraction
    from audioedit.agents.verifier import verify_acoustic
    from audioedit.executor.speech.layers import split_layers

    speech = split_layers(before.audio).speech.samples
    if after.audio.samples.shape != speech.shape:
        return (verifier or verify_acoustic)(before, after, step, edited_spans_s)

    def rest(scene: Scene) -> Scene:
        return scene.evolve(audio=scene.audio.with_samples(scene.audio.samples - speech))

    verdict = (verifier or verify_acoustic)(rest(before), rest(after), step, edited_spans_s)
    return Verdict.of(step.id, [*verdict.checks, speech_kept_fraction(before, after, VOICE_KEPT)])
