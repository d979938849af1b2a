"""Where a long file is cut, and what each piece is asked to do.

- ``place_boundaries``: chunk edges about every ``chunk_s`` seconds, each moved (within
  ``search_s``) to the quietest frame of the scan's envelope that is not inside an event a step
  targets (and, when possible, not inside any foreground event).
- ``window_scene``: the events of one chunk's window, shifted to its start and clipped to it.
- ``chunk_step``: a plan step restricted to one chunk (its targets' ids inside the window), or None
  when it has nothing to do there.

Time-moving steps (event speed, reorder) act only on the events that start in the chunk's core, so
each event moves exactly once; the others act on every target event in the window, so two
neighbouring chunks agree where they overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from audioedit.scene import Event
from audioedit.steps import AddStep, EditStep, ReorderStep, on_recording, select_events, step_targets

TIME_MOVING = ("speed", "reorder")


@dataclass
class Chunk:
    index: int
    start: int  # core [start, stop) in input frames
    stop: int
    window_start: int  # the window read (core plus context on both sides)
    window_stop: int
    note: str = ""
    statuses: dict[str, str] = field(default_factory=dict)


def targeted_events(steps: list[EditStep], events: list[Event]) -> list[Event]:
    """Every event some step targets (chunk edges stay out of them)."""
    found = {e.id: e for step in steps for ref in step_targets(step) for e in select_events(events, ref)}
    return list(found.values())


def place_boundaries(num_frames: int, rate_hz: int, envelope_db: np.ndarray, hop: int, events: list[Event],
                     targeted: list[Event], chunk_s: float, search_s: float, margin_s: float) -> tuple[list[int], list[str]]:
    """Chunk edges (frames, first 0, last ``num_frames``) and a note for every edge that had to
    fall inside an event."""
    nominal = int(chunk_s * rate_hz)
    if num_frames <= nominal * 1.5:
        return [0, num_frames], []
    n_env = len(envelope_db)
    times = (np.arange(n_env) + 0.5) * hop / rate_hz

    def inside(evs: list[Event]) -> np.ndarray:
        mask = np.zeros(n_env, bool)
        for e in evs:
            lo, hi = np.searchsorted(times, [e.onset_s - margin_s, e.offset_s + margin_s])
            mask[lo:hi] = True
        return mask

    in_target = inside(targeted)
    in_fore = inside([e for e in events if e.role == "foreground"])
    cost = envelope_db + np.where(in_fore, 60.0, 0.0) + np.where(in_target, 1000.0, 0.0)
    edges, notes, last = [0], [], 0
    while num_frames - last > nominal * 1.5:
        centre = last + nominal
        lo = max(int((centre - search_s * rate_hz) // hop), int((last + rate_hz * 5) // hop))
        hi = min(int((centre + search_s * rate_hz) // hop), n_env - 1)
        window = cost[lo : hi + 1]
        best = lo + int(np.argmin(window + 1e-6 * np.abs(np.arange(lo, hi + 1) - centre / hop)))
        edge = min(int((best + 0.5) * hop), num_frames - 1)
        if in_target[best]:
            hit = [e.id for e in targeted if e.onset_s - margin_s <= edge / rate_hz <= e.offset_s + margin_s]
            notes.append(f"edge at {edge / rate_hz:.2f} s is inside targeted event(s) {hit}: no gap within "
                         f"{search_s:g} s of {centre / rate_hz:.1f} s")
        edges.append(edge)
        last = edge
    edges.append(num_frames)
    return edges, notes


def window_scene_events(events: list[Event], window: tuple[int, int], rate_hz: int) -> tuple[list[Event], set[str]]:
    """Events overlapping ``window`` (frames), shifted to its start and clipped to it; and the ids
    clipped at the window's end (their offset there is not theirs)."""
    w0, w1 = window[0] / rate_hz, window[1] / rate_hz
    out, clipped = [], set()
    for e in events:
        if e.offset_s <= w0 or e.onset_s >= w1:
            continue
        if e.offset_s > w1:
            clipped.add(e.id)
        out.append(e.model_copy(update={"onset_s": max(e.onset_s, w0) - w0, "offset_s": min(e.offset_s, w1) - w0}))
    return out, clipped


def chunk_step(step: EditStep, events: list[Event], chunk: Chunk, rate_hz: int, first: bool) -> EditStep | None:
    """``step`` restricted to ``chunk`` (window-relative times, explicit event ids), or None."""
    if on_recording(step):
        return step
    w0, a, b = chunk.window_start / rate_hz, chunk.start / rate_hz, chunk.stop / rate_hz
    w1 = chunk.window_stop / rate_hz
    if isinstance(step, AddStep):
        if step.at_s is not None:
            return step.model_copy(update={"at_s": step.at_s - w0}) if a <= step.at_s < b else None
        return step if step.role == "background" or first else None
    moving = step.op in TIME_MOVING
    refs, any_core = [], False
    for ref in step_targets(step):
        chosen = select_events(events, ref)
        if moving:
            keep = [e for e in chosen if a <= e.onset_s < b]
        else:
            keep = [e for e in chosen if e.offset_s > w0 and e.onset_s < w1]
        any_core = any_core or any(e.offset_s > a and e.onset_s < b for e in keep)
        refs.append(ref.model_copy(update={"event_ids": [e.id for e in keep]}))
    if not any_core or any(not r.event_ids for r in refs):
        return None
    if isinstance(step, ReorderStep):
        return step.model_copy(update={"targets": refs})
    return step.model_copy(update={"target": refs[0]})


def reorder_across(step: EditStep, events: list[Event], edges: list[int], rate_hz: int) -> bool:
    """Whether a reorder's targets start in different chunks (the engine cannot do that yet)."""
    if not isinstance(step, ReorderStep):
        return False
    onsets = [e.onset_s for ref in step.targets for e in select_events(events, ref)]
    chunks = {int(np.searchsorted(edges, t * rate_hz, side="right")) for t in onsets}
    return len(chunks) > 1
