"""Synthetic scenes with exactly known events and stems, for tests and benchmarks.

``street_scene`` builds a background plus three foreground events that never overlap in time
(so the mixture-only DSP path applies) and, optionally, two overlapping ones.
"""

from __future__ import annotations

import numpy as np

from audioedit.audio import Audio
from audioedit.scene import Event, Scene

# (id, label, onset_s, offset_s)
ISOLATED_EVENTS = (
    ("foreground0_siren", "siren", 1.0, 3.0),
    ("foreground1_car_horn", "car_horn", 4.5, 5.2),
    ("foreground2_dog_bark", "dog_bark", 7.0, 7.5),
)


def _tone_event(label: str, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    if label == "siren":
        phase = 2 * np.pi * np.cumsum(700 + 300 * np.sin(2 * np.pi * 1.5 * t)) / sr
        sig = np.sin(phase)
    elif label == "car_horn":
        sig = np.sign(np.sin(2 * np.pi * 420 * t)) * 0.5 + np.sign(np.sin(2 * np.pi * 525 * t)) * 0.5
    elif label == "dog_bark":
        sig = rng.standard_normal(n) * np.sin(2 * np.pi * 600 * t) * np.exp(-t * 8)
    else:
        sig = np.sin(2 * np.pi * (300 + 100 * rng.random()) * t)
    ramp = min(n // 4, int(0.01 * sr))
    env = np.ones(n)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[n - ramp :] = np.linspace(1, 0, ramp)
    return (sig * env).astype(np.float32)


def street_scene(
    sample_rate_hz: int = 16000,
    num_channels: int = 1,
    duration_s: float = 10.0,
    seed: int = 0,
    with_stems: bool = True,
    events: tuple = ISOLATED_EVENTS,
    event_level_db: float = -12.0,
    background_level_db: float = -30.0,
) -> Scene:
    """Background noise (``background0_street``) + tonal events at exact times; mixture = sum of stems."""
    rng = np.random.default_rng(seed)
    frames = int(round(duration_s * sample_rate_hz))
    noise = rng.standard_normal((num_channels, frames)).astype(np.float32)
    background = noise * np.float32(10 ** (background_level_db / 20))
    stems = {"background0_street": Audio(background, sample_rate_hz)}
    scene_events = [Event(id="background0_street", label="street", onset_s=0, offset_s=duration_s, role="background")]
    for event_id, label, onset_s, offset_s in events:
        start, stop = int(onset_s * sample_rate_hz), int(offset_s * sample_rate_hz)
        sig = _tone_event(label, stop - start, sample_rate_hz, rng)
        sig *= np.float32(10 ** (event_level_db / 20) / (np.sqrt(np.mean(sig**2)) + 1e-9))
        stem = np.zeros((num_channels, frames), np.float32)
        stem[:, start:stop] = sig
        stems[event_id] = Audio(stem, sample_rate_hz)
        scene_events.append(Event(id=event_id, label=label, onset_s=onset_s, offset_s=offset_s))
    mixture = Audio(sum(s.samples for s in stems.values()), sample_rate_hz)
    return Scene(mixture, tuple(scene_events), stems if with_stems else None, "annotation")
