"""Spans: the sorted union of (start, end) intervals, in frames or seconds (one place for it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T", int, float)


def merge_spans(spans: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """Sorted union of half-open spans (touching spans are joined; empty ones dropped)."""
    merged: list[list[T]] = []
    for a, b in sorted(tuple(s) for s in spans if s[1] > s[0]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]
