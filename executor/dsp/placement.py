"""Where and how loud new sounds go: fetching a clip from a ``SoundSource``, picking onsets for
``add``, setting levels, and making the new ``Event`` records.

Shared by the stems and the mixture paths, so both place and level a sound identically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioedit.audio import Audio
from audioedit.errors import ExecutionError
from audioedit.scene import Event, EventSource, Scene, active_span_s
from audioedit.steps import AddStep, ReplaceStep
from audioedit.executor.dsp.common import SILENCE_DB, XFADE_S, fade_edges, rms_db
from audioedit.result import SoundSource

ADD_GAP_S = 0.25  # gap between copies of an added sound
ONSET_GRID_S = 0.05  # resolution of automatic onsets
FALLBACK_LEVEL_DB = -20.0  # level of an added sound when the whole mixture is silent


@dataclass(frozen=True)
class Placement:
    """A clip ready to mix: ``samples`` ``(channels, frames)`` starting at frame ``start``
    (already gained and cut to the scene), and the event it becomes."""

    start: int
    samples: np.ndarray
    event: Event


def fetch_clip(
    bank: SoundSource | None,
    label: str,
    rng: np.random.Generator,
    like: Audio,
    role: str,
    min_duration_s: float | None = None,
) -> np.ndarray:
    """A clip of ``label`` conformed to ``like`` (rate, channels), ``(channels, frames)`` float64."""
    if bank is None:
        raise ExecutionError(f"adding {label!r} needs a sound bank; none was given")
    try:
        clip = bank.clip(label, rng, like=like, role=role, min_duration_s=min_duration_s)
    except (LookupError, ValueError) as exc:
        raise ExecutionError(f"the sound bank has no usable clip for {label!r}: {exc}") from exc
    clip = clip.conform(like)
    if clip.num_frames == 0 or not np.any(clip.samples):
        raise ExecutionError(f"the sound bank returned an empty or silent clip for {label!r}")
    return clip.samples.astype(np.float64)


def clip_active(samples: np.ndarray, sample_rate_hz: int) -> tuple[int, int]:
    """Frames ``(start, end)`` of the clip's active region (``active_span_s``)."""
    span = active_span_s(Audio(samples.astype(np.float32), sample_rate_hz))
    if span is None:
        return 0, samples.shape[1]
    return int(round(span[0] * sample_rate_hz)), max(int(round(span[1] * sample_rate_hz)), 1)


def fresh_id(role: str, label: str, taken: set[str], first: int) -> str:
    n = first
    while f"{role}{n}_{label}" in taken:
        n += 1
    return f"{role}{n}_{label}"


def reference_level_db(mixture: np.ndarray, a: int, b: int, notes: list[str]) -> float:
    """Level a new sound's ``snr_db`` is relative to: the mixture over ``[a, b)``, else the whole
    mixture, else ``FALLBACK_LEVEL_DB``."""
    level = rms_db(mixture[:, a:b])
    if level > SILENCE_DB:
        return level
    level = rms_db(mixture)
    if level > SILENCE_DB:
        notes.append("the mixture is silent where the sound goes: level set relative to the whole mixture")
        return level
    notes.append(f"the mixture is silent: the added sound is set to {FALLBACK_LEVEL_DB} dBFS")
    return FALLBACK_LEVEL_DB


def place(
    scene: Scene,
    clip: np.ndarray,
    start: int,
    label: str,
    role: str,
    taken: set[str],
    level_db: float | None = None,
    snr_db: float | None = None,
    notes: list[str] | None = None,
) -> Placement:
    """Cut ``clip`` to the scene at ``start``, fade its edges, set its level (absolute
    ``level_db`` over its active region, or ``snr_db`` relative to the scene mixture there) and
    make its event (``source="edit"``, a fresh id added to ``taken``)."""
    notes = notes if notes is not None else []
    sr, total = scene.audio.sample_rate_hz, scene.audio.num_frames
    clip = fade_edges(clip[:, : total - start], int(XFADE_S * sr))
    a, b = clip_active(clip, sr)
    if level_db is None:
        level_db = reference_level_db(scene.audio.samples, start + a, start + b, notes) + (snr_db or 0.0)
    clip = clip * 10 ** ((level_db - rms_db(clip[:, a:b])) / 20)
    first = sum(1 for e in scene.events if e.role == role)
    event_id = fresh_id(role, label, taken, first)
    taken.add(event_id)
    event = Event(
        id=event_id, label=label, onset_s=(start + a) / sr, offset_s=(start + b) / sr, role=role,
        level_db=round(rms_db(clip[:, a:b]), 2), source=EventSource.EDIT,
    )
    return Placement(start, clip, event)


def replacement(base: Scene, ev: Event, step: ReplaceStep, bank: SoundSource | None, rng: np.random.Generator,
                taken: set[str], level_db: float | None, notes: list[str]) -> tuple[int, Placement]:
    """``(start frame, placement)`` of the bank clip of ``step.sound`` that takes ``ev``'s place in
    ``base`` (the scene with ``ev`` removed): from its active start, cut to the event's length, at
    ``level_db`` over its active region, or ``step.snr_db`` over ``base`` when the step gives one."""
    sr = base.audio.sample_rate_hz
    a = int(round(ev.onset_s * sr))
    b = max(int(round(ev.offset_s * sr)), a + 1)
    clip = fetch_clip(bank, step.sound, rng, base.audio, ev.role, min_duration_s=ev.duration_s)
    start_active, _ = clip_active(clip, sr)
    clip = clip[:, start_active : start_active + (b - a)]
    level = None if step.snr_db is not None else level_db
    return a, place(base, clip, a, step.sound, ev.role, taken, level_db=level, snr_db=step.snr_db, notes=notes)


def add_placements(
    scene: Scene, step: AddStep, bank: SoundSource | None, rng: np.random.Generator, notes: list[str]
) -> list[Placement]:
    """The clips an ``AddStep`` puts into ``scene``: ``count`` copies, placed and levelled."""
    audio = scene.audio
    if step.at_s is not None and step.at_s >= audio.duration_s:
        raise ExecutionError(
            f"add at_s={step.at_s:g} s is at or after the end of the audio ({audio.duration_s:.2f} s); "
            f"accepted: 0 <= at_s < {audio.duration_s:.2f}"
        )
    taken = {e.id for e in scene.events} | set(scene.stems or {})
    if step.role == "background" and step.at_s is None:
        if step.count > 1:
            notes.append(f"background sound added once over the whole scene (count={step.count} ignored)")
        clip = fetch_clip(bank, step.sound, rng, audio, "background", min_duration_s=audio.duration_s)
        clip = np.tile(clip, (1, -(-audio.num_frames // clip.shape[1])))[:, : audio.num_frames]
        return [place(scene, clip, 0, step.sound, "background", taken, snr_db=step.snr_db, notes=notes)]
    clips = [fetch_clip(bank, step.sound, rng, audio, step.role) for _ in range(step.count)]
    starts = _starts(scene, step, [c.shape[1] for c in clips], rng, notes)
    return [place(scene, c, s, step.sound, step.role, taken, snr_db=step.snr_db, notes=notes) for c, s in zip(clips, starts)]


def _starts(scene: Scene, step: AddStep, lengths: list[int], rng: np.random.Generator, notes: list[str]) -> list[int]:
    sr, total = scene.audio.sample_rate_hz, scene.audio.num_frames
    gap = int(ADD_GAP_S * sr)
    if step.at_s is not None:
        starts, pos = [], int(round(step.at_s * sr))
        for n in lengths:
            starts.append(min(pos, total - 1))
            pos += n + gap
        if starts[-1] + lengths[-1] > total and len(starts) > 1:
            room = max(total - starts[0] - lengths[-1], 0)
            starts = [starts[0] + int(k * room / (len(starts) - 1)) for k in range(len(starts))]
            notes.append(f"{len(starts)} copies did not fit one after another: spread over the rest of the scene")
        return starts
    busy = [(int(e.onset_s * sr), int(e.offset_s * sr)) for e in scene.events if e.role == "foreground"]
    starts = []
    for n in lengths:
        candidates = np.arange(0, max(total - n, 0) + 1, max(1, int(ONSET_GRID_S * sr)))
        overlap = np.zeros(len(candidates))
        for a, b in busy:
            overlap += np.clip(np.minimum(candidates + n, b) - np.maximum(candidates, a), 0, None)
        best = candidates[overlap <= overlap.min()]
        start = int(rng.choice(best))
        starts.append(start)
        busy.append((start - gap, start + n + gap))
    notes.append("onsets picked where the sound overlaps other foreground events least: "
                 + ", ".join(f"{s / sr:.2f} s" for s in starts))
    return starts
