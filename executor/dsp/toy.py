"""Tiny synthetic scenes and a synthetic ``SoundSource`` for tests, doctests and debugging.

``toy_scene`` builds noise background + tonal / pulsed events at known times, with stems whose
sum is exactly the mixture; ``ToneBank`` hands out tones (foreground) or noise (background) for
any label, deterministic per label.

    >>> scene = toy_scene(sample_rate_hz=16000, num_channels=2)
    >>> [e.id for e in scene.events]
    ['background0_noise', 'foreground0_beep', 'foreground1_knock', 'foreground2_whistle']
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from audioedit.audio import Audio
from audioedit.scene import Event, EventSource, EventsFrom, Scene
from audioedit.executor.dsp.common import fade_edges, rms


@dataclass(frozen=True)
class ToyEvent:
    """A synthetic event: ``kind`` is ``"tone"`` (3 harmonics of ``freq_hz``) or ``"pulse"``
    (the tone gated at 8 pulses per second)."""

    label: str
    onset_s: float
    duration_s: float
    freq_hz: float
    level_db: float = -14.0
    kind: str = "tone"


DEFAULT_EVENTS = (
    ToyEvent("beep", 1.0, 0.8, 440.0),
    ToyEvent("knock", 3.0, 0.6, 1200.0, kind="pulse"),
    ToyEvent("whistle", 4.5, 0.8, 2000.0),
)


def tone(freq_hz: float, duration_s: float, sample_rate_hz: int, kind: str = "tone") -> np.ndarray:
    """Mono ``(frames,)`` tone with 10 ms fades, unit RMS."""
    t = np.arange(int(round(duration_s * sample_rate_hz))) / sample_rate_hz
    y = sum(np.sin(2 * np.pi * freq_hz * k * t) / k for k in (1, 2, 3))
    if kind == "pulse":
        y = y * (np.mod(t * 8.0, 1.0) < 0.5)
    y = fade_edges(y[None, :], int(0.01 * sample_rate_hz))[0]
    return y / max(rms(y), 1e-12)


def noise(duration_s: float, sample_rate_hz: int, num_channels: int, rng: np.random.Generator) -> np.ndarray:
    """Gently low-passed white noise ``(channels, frames)``, unit RMS."""
    frames = int(round(duration_s * sample_rate_hz))
    white = rng.standard_normal((num_channels, frames + 1))
    y = white[:, 1:] + 0.7 * white[:, :-1]
    return y / max(rms(y), 1e-12)


def toy_scene(
    sample_rate_hz: int = 16000,
    num_channels: int = 1,
    with_stems: bool = True,
    duration_s: float = 6.0,
    events: tuple[ToyEvent, ...] = DEFAULT_EVENTS,
    background_db: float | None = -32.0,
    seed: int = 0,
    background_label: str = "noise",
) -> Scene:
    """Noise background (``background_db`` dBFS, None for none) plus ``events``; stems sum to
    the mixture exactly. Stereo events are panned slightly so channels differ."""
    rng = np.random.default_rng(seed)
    frames = int(round(duration_s * sample_rate_hz))
    stems: dict[str, np.ndarray] = {}
    records: list[Event] = []
    if background_db is not None:
        background_id = f"background0_{background_label}"
        stems[background_id] = noise(duration_s, sample_rate_hz, num_channels, rng) * 10 ** (background_db / 20)
        records.append(Event(id=background_id, label=background_label, onset_s=0.0, offset_s=duration_s,
                             role="background", level_db=background_db))
    for n, spec in enumerate(events):
        stem = np.zeros((num_channels, frames))
        y = tone(spec.freq_hz, spec.duration_s, sample_rate_hz, spec.kind) * 10 ** (spec.level_db / 20)
        a = int(round(spec.onset_s * sample_rate_hz))
        pan = np.linspace(0.9, 1.1, num_channels) if num_channels > 1 else np.ones(1)
        stem[:, a : a + len(y)] = pan[:, None] * y[None, : frames - a]
        event_id = f"foreground{n}_{spec.label}"
        stems[event_id] = stem
        records.append(Event(id=event_id, label=spec.label, onset_s=spec.onset_s,
                             offset_s=spec.onset_s + spec.duration_s, level_db=round(20 * np.log10(max(rms(stem[:, a : a + len(y)]), 1e-6)), 2),
                             source=EventSource.STEMS))
    stems32 = {k: v.astype(np.float32) for k, v in stems.items()}
    mixture = sum(stems32.values()) if stems32 else np.zeros((num_channels, frames), np.float32)
    audio = Audio(np.asarray(mixture, np.float32), sample_rate_hz)
    stem_audio = {k: Audio(v, sample_rate_hz) for k, v in stems32.items()} if with_stems else None
    return Scene(audio, tuple(records), stem_audio, events_from=EventsFrom.STEMS if with_stems else EventsFrom.ANNOTATION)


class ToneBank:
    """A ``SoundSource`` of synthetic sounds: any label gives a tone whose pitch depends on the
    label (foreground, 0.5-0.8 s) or noise (background, looped to ``min_duration_s``).
    Labels in ``missing`` raise ``KeyError`` like a bank without that sound."""

    def __init__(self, missing: tuple[str, ...] = ()):
        self.missing = set(missing)

    def clip(self, label: str, rng: np.random.Generator, like: Audio | None = None, role: str | None = None,
             min_duration_s: float | None = None) -> Audio:
        if label in self.missing:
            raise KeyError(f"no clips for {label!r}")
        sr = like.sample_rate_hz if like is not None else 16000
        channels = like.num_channels if like is not None else 1
        if role == "background":
            return Audio((0.05 * noise(max(min_duration_s or 0.0, 2.0), sr, channels, rng)).astype(np.float32), sr)
        freq = 300.0 + zlib.crc32(label.encode()) % 2700
        duration = max(0.5 + 0.3 * float(rng.random()), min_duration_s or 0.0)
        y = 0.2 * tone(freq, duration, sr)
        return Audio(np.repeat(y[None, :], channels, axis=0).astype(np.float32), sr)
