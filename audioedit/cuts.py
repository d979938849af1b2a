"""Cutting stretches out of a recording: the audio with short crossfades at the joins, and where
input times land afterwards (shared by ``dsp.trim`` and ``speech.pauses``).

    >>> shift_time(5.0, [(1.0, 2.0), (3.0, 4.0)])
    3.0
    >>> shift_time(1.5, [(1.0, 2.0)])  # inside a cut: the join
    1.0
"""

from __future__ import annotations

import numpy as np

from audioedit.scene import Event

CROSSFADE_S = 0.02


def kept_pieces(num_frames: int, cuts_frames: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ``[lo, hi)`` frames of the input that remain, in order (``cuts_frames`` sorted, disjoint)."""
    pieces, pos = [], 0
    for a, b in cuts_frames:
        pieces.append((pos, a))
        pos = b
    pieces.append((pos, num_frames))
    return [(lo, hi) for lo, hi in pieces if hi > lo]


def cut_frames(samples: np.ndarray, cuts_frames: list[tuple[int, int]], crossfade_frames: int) -> np.ndarray:
    """``samples`` (channels x frames) without the ``cuts_frames``; at each join the last frames kept
    before it fade into the first frames after it (sin² curves, at most ``crossfade_frames``), so
    every join is shorter by the crossfade's length than the cut alone."""
    pieces = kept_pieces(samples.shape[1], cuts_frames)
    if not pieces:
        return samples[:, :0]
    out = samples[:, pieces[0][0]: pieces[0][1]]
    for lo, hi in pieces[1:]:
        seg = samples[:, lo:hi]
        n = min(crossfade_frames, out.shape[1], seg.shape[1])
        if n:
            f = np.sin(np.linspace(0, np.pi / 2, n, dtype=np.float32)) ** 2
            out = np.concatenate([out[:, :-n], out[:, -n:] * (1 - f) + seg[:, :n] * f, seg[:, n:]], axis=1)
        else:
            out = np.concatenate([out, seg], axis=1)
    return out


def shift_time(t_s: float, cuts_s: list[tuple[float, float]]) -> float:
    """Where input time ``t_s`` lands after ``cuts_s`` (a time inside a cut lands on its join)."""
    removed = 0.0
    for a, b in cuts_s:
        if t_s >= b:
            removed += b - a
        elif t_s > a:
            removed += t_s - a
    return t_s - removed


def moved_event(event: Event, cuts_s: list[tuple[float, float]]) -> Event:
    """``event`` in output time (clipped to the join where a cut takes its start or end)."""
    return event.model_copy(update={"onset_s": round(shift_time(event.onset_s, cuts_s), 4),
                                    "offset_s": round(shift_time(event.offset_s, cuts_s), 4)})
