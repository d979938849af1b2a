"""Spans: the sorted union of (start, end) intervals, in frames or seconds (one place for it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T", int, float)


def merge_spans(spans: Iterable[tuple[T, T]], max_gap: T = 0) -> list[tuple[T, T]]:
    """Sorted union of half-open spans (touching spans, or ones at most ``max_gap`` apart, are joined;
    empty ones dropped)."""
    merged: list[list[T]] = []
    for a, b in sorted(tuple(s) for s in spans if s[1] > s[0]):
        if merged and a <= merged[-1][1] + max_gap:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


# a sound detected over more than this share of a recording is a bed running through all of it (the
# detector misses it where louder sounds mask it), not a sound that comes and goes
BED_SHARE = 0.5
# detected pieces of a background texture (music under a voice, traffic under a siren) this close are one:
# something louder masked it in between (speech.rest edits them as one; is_bed counts them as one)
BRIDGE_S = 3.0


def is_bed_spans(spans: Iterable[tuple[float, float]], duration_s: float, texture: bool) -> bool:
    """Whether a sound detected in ``spans`` runs under the whole recording: they cover more than ``BED_SHARE``
    of it, counting gaps under ``BRIDGE_S`` as covered when the sound is a background ``texture``."""
    return share_covered(merge_spans(spans, BRIDGE_S if texture else 0.0), duration_s) > BED_SHARE


def share_covered(spans: Iterable[tuple[float, float]], total: float) -> float:
    """The share of ``[0, total]`` the union of ``spans`` covers."""
    return sum(min(b, total) - max(a, 0.0) for a, b in merge_spans(spans) if b > 0 and a < total) / total if total > 0 else 0.0
