"""Where a long file is cut, and what each piece is asked to do.

- ``next_edge``: where a chunk ends: at most ``chunk_s`` after its start, moved back (up to
  ``search_s``) to the quietest 50 ms frame that is not inside an event a step targets (and, when
  possible, not inside any foreground event); found while reading the chunk, no extra pass.
- ``window_scene``: the events of one chunk's window, shifted to its start and clipped to it.
- ``chunk_step``: a plan step restricted to one chunk (its targets' ids inside the window), or None
  when it has nothing to do there.
- ``Joiner``: writes the chunks' cores one after the other with short crossfades at the joins.

Time-moving steps (event speed, reorder) act only on the events that start in the chunk's core, so
each event moves exactly once (a move to a time in the file does not run in chunks: ``unstreamed``); the others act on every target event in the window, so two
neighbouring chunks agree where they overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from audioedit.scene import Event
from audioedit.steps import AddStep, EditStep, ReorderStep, on_recording, recording_window, select_events, step_targets

TIME_MOVING = ("speed", "reorder")
ENVELOPE_HOP_S = 0.05


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
    spans = []  # a reorder's events move into each other's slots: keep the whole stretch in one chunk
    for step in steps:
        if isinstance(step, ReorderStep):
            chosen = [e for ref in step.targets for e in select_events(events, ref)]
            if chosen:
                spans.append(Event(id=f"{step.id}_span", label="reorder span", onset_s=min(e.onset_s for e in chosen),
                                   offset_s=max(e.offset_s for e in chosen)))
    return list(found.values()) + spans


def next_edge(start: int, num_frames: int, samples: np.ndarray, samples_start: int, rate_hz: int, events: list[Event],
              targeted: list[Event], chunk_s: float, search_s: float, margin_s: float) -> tuple[int, str]:
    """The end of the chunk that begins at frame ``start``: ``num_frames`` when less than ``chunk_s`` is
    left, else the quietest 50 ms frame in ``[start + chunk_s - search_s, start + chunk_s]`` that is not
    inside a targeted event (nor, when possible, a foreground event). Chunks are never longer than
    ``chunk_s``, so memory is bounded by it. ``samples`` (from frame ``samples_start``) must cover the
    search range. Returns the edge and a note when it had to fall inside a targeted event."""
    nominal = int(chunk_s * rate_hz)
    if num_frames - start <= nominal:
        return num_frames, ""
    hop = max(1, int(round(ENVELOPE_HOP_S * rate_hz)))
    lo = start + max(nominal - int(search_s * rate_hz), hop)
    n = (start + nominal - lo) // hop
    region = samples[:, lo - samples_start : lo - samples_start + n * hop]
    power = np.square(region, dtype=np.float64).mean(axis=0).reshape(n, hop).mean(axis=1)
    centres_s = (lo + (np.arange(n) + 0.5) * hop) / rate_hz

    def inside(evs: list[Event]) -> np.ndarray:
        mask = np.zeros(n, bool)
        for e in evs:
            mask |= (centres_s >= e.onset_s - margin_s) & (centres_s <= e.offset_s + margin_s)
        return mask

    in_target = inside(targeted)
    in_fore = inside([e for e in events if e.role == "foreground" and e.offset_s > lo / rate_hz
                      and e.onset_s < (start + nominal) / rate_hz])
    cost = 10 * np.log10(np.maximum(power, 1e-12)) + np.where(in_fore, 60.0, 0.0) + np.where(in_target, 1000.0, 0.0)
    best = int(np.argmin(cost - 1e-6 * np.arange(n)))  # ties: the latest (the longest chunk)
    edge = lo + best * hop + hop // 2
    note = ""
    if in_target[best]:
        hit = [e.id for e in targeted if e.onset_s - margin_s <= edge / rate_hz <= e.offset_s + margin_s]
        note = f"edge at {edge / rate_hz:.2f} s is inside targeted event(s) {hit}: no gap in the {search_s:g} s before it"
    return edge, note


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
    if step.op == "move":
        return None  # its destination is a time in the whole file, maybe in another chunk (``unstreamed``)
    w0, a, b = chunk.window_start / rate_hz, chunk.start / rate_hz, chunk.stop / rate_hz
    w1 = chunk.window_stop / rate_hz
    if (window := recording_window(step)) is not None:  # a stretch of the file: its part in this chunk's window
        start, end = window
        if start >= b or (end is not None and end <= a):
            return None
        ref = step.target.model_copy(update={"start_s": max(start, w0) - w0,
                                             "end_s": None if end is None or end >= w1 else end - w0})
        return step.model_copy(update={"target": ref})
    if on_recording(step) or any(ref.scope in ("speech", "background") for ref in step_targets(step)):
        return step  # the whole file, or a layer of it: every chunk does its part
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


def unstreamed(step: EditStep) -> str | None:
    """Why ``step`` cannot run on a file edited as a stream, or None."""
    if step.op == "move":
        return ("moving a sound in time is not supported on a file edited as a stream (over 10 minutes, or "
                "--chunked): its new place may lie in another chunk")
    if step.op == "channels" and step.to != "swap":
        return ("changing the number of channels is not supported on a file edited as a stream (over 10 minutes, or "
                "--chunked): the output file is written with the input's channels")
    return None


def reorder_split(step: EditStep, events: list[Event], edges: list[int], rate_hz: int) -> bool:
    """Whether a reorder's targets started in different chunks (the engine cannot do that yet)."""
    if not isinstance(step, ReorderStep):
        return False
    onsets = [e.onset_s for ref in step.targets for e in select_events(events, ref)]
    return len({int(np.searchsorted(edges, t * rate_hz, side="right")) for t in onsets}) > 1


class Joiner:
    """Writes each chunk's core with linear crossfades of ``2 * half`` frames centred on the joins
    (linear: where neighbouring chunks agree, the sum is exactly that signal)."""

    def __init__(self, writer, half: int) -> None:
        self.writer, self.half, self.held = writer, half, None

    def add(self, out: np.ndarray, core_lo: int, core_hi: int, *, first: bool, last: bool) -> int:
        """Append ``out[:, core_lo:core_hi]`` (plus crossfade margins); returns the output frame of ``core_lo``."""
        half = self.half
        seg = out[:, (core_lo if first else core_lo - half):(core_hi if last else core_hi + half)]
        position = self.writer.frames + (0 if first else half)
        if self.held is not None:
            n = min(self.held.shape[1], seg.shape[1])
            ramp = ((np.arange(n) + 0.5) / n).astype(np.float32)
            self.writer.write(self.held[:, :n] * (1 - ramp) + seg[:, :n] * ramp)
            seg = seg[:, n:]
        if last:
            self.writer.write(seg)
            self.held = None
        else:
            self.writer.write(seg[:, : seg.shape[1] - 2 * half])
            self.held = seg[:, seg.shape[1] - 2 * half:]
        return position
