"""What every executor backend returns (``StepResult``) and what it draws new sounds from
(``SoundSource``, implemented by the starter sound bank and by test banks).

Both the exact DSP backend (``audioedit.executor.dsp``) and the learned editor share these types, so the
agent loop and the verifier treat them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from audioedit.audio import Audio
from audioedit.scene import Scene


@runtime_checkable
class SoundSource(Protocol):
    """Anything that hands out a clip of a labelled sound.

    ``like``: the clip should match this audio's sample rate and channel count where possible
    (executors conform it anyway). ``role``: ``"foreground"`` (a short event) or
    ``"background"`` (a texture). ``min_duration_s``: the clip lasts at least this long (a
    background texture is looped to get there).
    """

    def clip(
        self,
        label: str,
        rng: np.random.Generator,
        like: Audio | None = None,
        role: str | None = None,
        min_duration_s: float | None = None,
    ) -> Audio: ...


@dataclass(frozen=True)
class StepResult:
    """One executed step.

    ``scene``: the scene after the step — audio, events (ids stable for kept events, new events
    with ``source="edit"``; moved or stretched events carry their new onset/offset), stems
    updated when the input had them. ``edited_spans_s``: sorted, disjoint ``(start_s, end_s)``
    spans outside of which the audio is sample-identical to the input. ``backend``:
    ``"dsp.stems"``, ``"dsp.mixture"`` or a learned editor's name. ``notes``: what the backend
    decided on the way (placements, fallbacks, truncations), in words.
    """

    scene: Scene
    edited_spans_s: list[tuple[float, float]]
    backend: str
    notes: list[str] = field(default_factory=list)
