"""A synthetic street scene with exactly known events and stems, for tests and benchmarks.

Three foreground events that never overlap in time (so the mixture-only DSP path applies) over a
noise background labelled ``street``; built with ``audioedit.executor.dsp.toy.toy_scene``.
"""

from __future__ import annotations

from dataclasses import replace

from audioedit.scene import Scene
from audioedit.executor.dsp.toy import ToyEvent, toy_scene

STREET_EVENTS = (
    ToyEvent("siren", 1.0, 2.0, 700.0),
    ToyEvent("car_horn", 4.5, 0.7, 420.0),
    ToyEvent("dog_bark", 7.0, 0.5, 600.0, kind="pulse"),
)


def street_scene(
    sample_rate_hz: int = 16000,
    num_channels: int = 1,
    duration_s: float = 10.0,
    seed: int = 0,
    with_stems: bool = True,
    events: tuple[ToyEvent, ...] = STREET_EVENTS,
) -> Scene:
    """``background0_street`` + siren 1-3 s, car horn 4.5-5.2 s, dog bark 7-7.5 s (or ``events``, e.g.
    ``street_events(duration_s)``); mixture = sum of stems."""
    return toy_scene(sample_rate_hz, num_channels, with_stems, duration_s, events, -30.0, seed, "street")


def street_events(duration_s: float) -> tuple[ToyEvent, ...]:
    """The street events with onsets and durations scaled from 10 s to ``duration_s``."""
    scale = duration_s / 10.0
    return tuple(replace(e, onset_s=e.onset_s * scale, duration_s=e.duration_s * scale) for e in STREET_EVENTS)
