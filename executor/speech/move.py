"""A voice moved in time (``MoveStep`` on speech events) on the speech/rest split (``speech.layers``).

The speech layer (DeepFilterNet3, ``audioedit.executor.speech.layers.split_layers``) inside the targeted
events' spans (widened by ``PAD_S``, with the ramps of ``audioedit.executor.dsp.suppress.span_weight``) is the voice; the rest of the recording, the
residual, stays where it was, so where the voice was the background goes on without it. The voice is
shifted by ``audioedit.executor.dsp.layer_edits.move_layers`` as the other extractors' layers are.
"""

from __future__ import annotations

import numpy as np

from audioedit.backends import Backend
from audioedit.errors import ExecutionError
from audioedit.scene import Scene
from audioedit.steps import MoveStep, select_events

PAD_S = 0.1  # the voice detector's segments, widened this much each side


def execute_move(scene: Scene, step: MoveStep):
    from audioedit.executor.dsp.layer_edits import Extractor, move_layers
    from audioedit.executor.dsp.suppress import span_weight
    from audioedit.executor.speech.layers import split_layers

    targets = select_events(scene.events, step.target)
    if step.target.scope != "events" or not targets:
        raise ExecutionError(f"step {step.id!r}: moving {step.target.describe()} needs its speech events (spans) to move")
    audio, rate = scene.audio, scene.audio.sample_rate_hz
    speech = split_layers(audio).speech.samples.astype(np.float64)
    spans = [(max(0.0, e.onset_s - PAD_S), min(audio.duration_s, e.offset_s + PAD_S)) for e in targets]
    layers = [speech * span_weight([span], audio.num_frames, rate)[None] for span in spans]
    residual = audio.samples.astype(np.float64) - sum(layers)
    by = Extractor(backend=Backend.SPEECH_LAYERS, how="the speech layer of the speech/rest split (DeepFilterNet3)")
    return move_layers(scene, step, targets, layers, residual, spans, by)

