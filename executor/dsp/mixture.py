"""The six operations and move on a mixture without stems, for targets isolated in time.

A target is *isolated* when no other foreground event (for a background target: no other event
at all) comes within ``MARGIN_S`` of its span. Its *segment* is its span plus ``PAD_S`` on each
side. Design, per operation (every splice is a 10 ms equal-power crossfade inside the edited span):

- loudness: a gain envelope over the segment with 10 ms raised-cosine ramps.
- remove: the segment is replaced by background texture cut from the nearest parts of the
  recording that no foreground event covers, level-matched to the background around it.
- speed: the segment is time-stretched and put back so the event keeps its onset. Faster: the
  freed tail of the segment is filled with background texture. Slower: the stretched segment runs
  on into the silence-or-background gap after the event, which must be free of other events.
  The total length never changes and nothing after the edited span moves.
- reorder: the targets take over each other's onsets (first listed -> earliest onset); vacated
  segments are filled with texture, then each segment is pasted at its new place. The new layout
  must keep the same ``MARGIN_S`` room between events.
- move: the same, at the onsets ``audioedit.moves.where_to`` gives (shifted together); a segment
  running past the end is cut there, crossfaded (10 ms) back into what is there.
- add: the clip is mixed in (overlaps allowed).
- replace: remove, then a clip starting at the old onset, about as long, at the event's
  estimated level (span power minus background power) unless ``snr_db`` is given.
"""

from __future__ import annotations

import numpy as np

from audioedit.backends import Backend
from audioedit.scene import Event, Scene
from audioedit.moves import where_to
from audioedit.steps import AddStep, LoudnessStep, MoveStep, ReorderStep, ReplaceStep, SpeedStep
from audioedit.executor.dsp.common import (
    MARGIN_S, PAD_S, TEXTURE_CHUNK_S, XFADE_S, Span, background_texture, complement, gain_envelope, join,
    rms, spans_to_seconds, splice, time_stretch, to_db,
)
from audioedit.spans import merge_spans
from audioedit.executor.dsp.placement import add_placements, replacement
from audioedit.result import SoundSource, StepResult

BACKEND = Backend.DSP_MIXTURE


# --- feasibility ------------------------------------------------------------------------------


def _blockers(scene: Scene, ev: Event, exclude: set[str] = frozenset()) -> list[Event]:
    """Events that may not come near ``ev`` for a mixture edit."""
    return [
        e for e in scene.events
        if e.id != ev.id and e.id not in exclude and (e.role == "foreground" or ev.role == "background")
    ]


def isolation_problem(scene: Scene, ev: Event) -> str | None:
    clash = [e.id for e in overlapping(scene, ev)]
    if clash:
        return (f"event {ev.id!r} ({ev.onset_s:.2f}-{ev.offset_s:.2f} s) overlaps {clash} (within {MARGIN_S} s); "
                "without stems only events isolated in time can be edited exactly")
    return None


def _clash(scene: Scene, ev: Event, start_s: float, end_s: float, exclude: set[str]) -> list[str]:
    return [e.id for e in _blockers(scene, ev, exclude) if e.onset_s < end_s + MARGIN_S and start_s < e.offset_s + MARGIN_S]


def speed_layout(scene: Scene, ev: Event, factor: float) -> dict | str:
    """Frames of the stretch: segment ``(a, b)``, placement ``p``, stretched length ``n``; or why not."""
    sr, total = scene.audio.sample_rate_hz, scene.audio.num_frames
    a, b = segment(scene, ev)
    on = int(round(ev.onset_s * sr))
    n = max(1, int(round((b - a) / factor)))
    p = on - int(round((on - a) / factor))
    if p < 0 or p + n > total:
        return f"stretching {ev.id!r} x{factor:g} needs {n / sr:.2f} s from {p / sr:.2f} s, beyond the audio"
    clash = _clash(scene, ev, p / sr, (p + n) / sr, {ev.id})
    if clash:
        return f"stretching {ev.id!r} x{factor:g} to {(p + n) / sr:.2f} s would run into {clash}; no room on the mixture"
    return {"a": a, "b": b, "p": p, "n": n}


def reorder_layout(scene: Scene, targets: list[Event]) -> list[float] | str:
    """The targets' new onsets (seconds), or why the swap cannot be done on the mixture."""
    slots = sorted(ev.onset_s for ev in targets)
    problem = placement_problem(scene, targets, slots, cut_ok=False)
    return slots if problem is None else problem


def move_layout(scene: Scene, step: MoveStep, targets: list[Event]) -> list[float] | str:
    """The targets' new onsets (seconds) for a move (``audioedit.moves.where_to``), or why not on the mixture."""
    move = where_to(step, targets, scene.audio.duration_s)
    if isinstance(move, str):
        return move
    onsets = [ev.onset_s + move.shift_s for ev in targets]
    problem = placement_problem(scene, targets, onsets, cut_ok=True)
    return onsets if problem is None else problem


def placement_problem(scene: Scene, targets: list[Event], onsets_s: list[float], cut_ok: bool) -> str | None:
    """Why the targets cannot be pasted at ``onsets_s`` (other events within ``MARGIN_S``, or past the end
    unless ``cut_ok``), or None."""
    ids = {ev.id for ev in targets}
    placed: list[tuple[float, float, str]] = []
    for ev, on in zip(targets, onsets_s):
        end = on + ev.duration_s
        if end > scene.audio.duration_s + 1e-9 and not cut_ok:
            return f"{ev.id!r} ({ev.duration_s:.2f} s) moved to {on:.2f} s would run past the end of the audio"
        end = min(end, scene.audio.duration_s)
        clash = _clash(scene, ev, on, end, ids) + [i for s, e, i in placed if s < end + MARGIN_S and on < e + MARGIN_S]
        if clash:
            return f"{ev.id!r} moved to {on:.2f}-{end:.2f} s would overlap {clash}; no room on the mixture"
        placed.append((on, end, ev.id))
    return None


def overlapping(scene: Scene, ev: Event) -> list[Event]:
    """The events a region edit of ``ev`` would change too."""
    return [e for e in _blockers(scene, ev) if e.overlaps(ev, MARGIN_S)]


def problem(scene: Scene, step, targets: list[Event], allow_overlap: bool = False) -> str | None:
    """Why ``step`` cannot be done exactly on the mixture, or None. ``allow_overlap``: ignore
    events overlapping the targets (a region edit that changes them too)."""
    if isinstance(step, AddStep):
        return None
    for ev in targets:
        reason = None if allow_overlap else isolation_problem(scene, ev)
        if reason:
            return reason
    if isinstance(step, SpeedStep):
        for ev in targets:
            layout = speed_layout(scene, ev, step.factor)
            if isinstance(layout, str):
                return layout
    if isinstance(step, (ReorderStep, MoveStep)):
        layout = reorder_layout(scene, targets) if isinstance(step, ReorderStep) else move_layout(scene, step, targets)
        if isinstance(layout, str):
            return layout
    return None


# --- operations -------------------------------------------------------------------------------


def segment(scene: Scene, ev: Event) -> Span:
    sr, total = scene.audio.sample_rate_hz, scene.audio.num_frames
    return max(0, int(round((ev.onset_s - PAD_S) * sr))), min(total, int(round((ev.offset_s + PAD_S) * sr)))


def loudness(scene: Scene, step: LoudnessStep, targets: list[Event]) -> StepResult:
    sr = scene.audio.sample_rate_hz
    out = scene.audio.samples.astype(np.float64)
    spans = [segment(scene, ev) for ev in targets]
    for a, b in spans:
        out[:, a:b] *= gain_envelope(b - a, 10 ** (step.gain_db / 20), int(XFADE_S * sr))
    events = [
        ev.model_copy(update={"level_db": round(ev.level_db + step.gain_db, 2)})
        if ev.id in {t.id for t in targets} and ev.level_db is not None else ev
        for ev in scene.events
    ]
    notes = [f"{ev.id}: gain {step.gain_db:+.1f} dB over {a / sr:.3f}-{b / sr:.3f} s" for ev, (a, b) in zip(targets, spans)]
    return _result(scene, out, events, spans, notes)


def remove(scene: Scene, targets: list[Event]) -> StepResult:
    out, spans, notes = scene.audio.samples.astype(np.float64), [], []
    for ev in targets:
        spans.append(_fill(scene, out, segment(scene, ev), targets, notes))
        notes.append(f"{ev.id}: replaced by background texture")
    ids = {ev.id for ev in targets}
    return _result(scene, out, [e for e in scene.events if e.id not in ids], spans, notes)


def speed(scene: Scene, step: SpeedStep, targets: list[Event]) -> StepResult:
    sr, xf = scene.audio.sample_rate_hz, int(XFADE_S * scene.audio.sample_rate_hz)
    src = scene.audio.samples.astype(np.float64)
    out, spans, notes, moved = src.copy(), [], [], {}
    for ev in targets:
        lay = speed_layout(scene, ev, step.factor)
        a, b, p, n = lay["a"], lay["b"], lay["p"], lay["n"]
        y = time_stretch(src[:, a:b], sr, step.factor, step.keep_pitch)
        on, off = int(round(ev.onset_s * sr)), int(round(ev.offset_s * sr))
        xf_in = min(xf, int(round((on - a) / step.factor)))  # keep crossfades off the event itself
        xf_tail = min(xf, n - int(round((off - a) / step.factor)))
        if p + n < b:  # faster: background texture fills the freed tail of the segment
            tex, note = background_texture(src, b - (p + n) + xf_tail, _avoid(scene, targets), (a, b), xf,
                                           int(TEXTURE_CHUNK_S * sr))
            notes += [note] if note else []
            y = join(y, tex, xf_tail)
        start, end = p, max(p + n, b)
        splice(out, y[:, : end - start], start, xf_in if start > 0 else 0, xf if end < src.shape[1] else 0)
        spans.append((start, end))
        moved[ev.id] = (ev.onset_s, min(ev.onset_s + ev.duration_s / step.factor, scene.audio.duration_s))
        notes.append(f"{ev.id}: stretched x{step.factor:g} over {start / sr:.3f}-{end / sr:.3f} s")
    events = [e.model_copy(update={"onset_s": moved[e.id][0], "offset_s": moved[e.id][1]}) if e.id in moved else e
              for e in scene.events]
    return _result(scene, out, events, spans, notes)


def reorder(scene: Scene, step: ReorderStep, targets: list[Event]) -> StepResult:
    return _relocate(scene, targets, reorder_layout(scene, targets))


def move(scene: Scene, step: MoveStep, targets: list[Event]) -> StepResult:
    return _relocate(scene, targets, move_layout(scene, step, targets))


def _relocate(scene: Scene, targets: list[Event], onsets_s: list[float]) -> StepResult:
    """Each target's segment pasted so the event starts at its new onset, the vacated segments filled with
    background texture first; a segment running past the end is cut there (crossfaded back into the recording)."""
    sr, xf = scene.audio.sample_rate_hz, int(XFADE_S * scene.audio.sample_rate_hz)
    total = scene.audio.num_frames
    src = scene.audio.samples.astype(np.float64)
    out, spans, notes, moved = src.copy(), [], [], {}
    for ev in targets:
        spans.append(_fill(scene, out, segment(scene, ev), targets, notes))
    for ev, slot_s in zip(targets, onsets_s):
        a, b = segment(scene, ev)
        start = int(round(slot_s * sr)) - (int(round(ev.onset_s * sr)) - a)
        seg = src[:, a:b][:, max(0, -start):]
        start = max(start, 0)
        cut = start + seg.shape[1] > total  # the tail past the end is lost; crossfaded back to what is there
        if cut:
            seg = seg[:, : total - start]
        if (lost_s := slot_s + ev.duration_s - scene.audio.duration_s) > 1e-3:
            notes.append(f"{ev.id}: its last {lost_s:.2f} s cut at the end of the recording")
        splice(out, seg, start, xf if start > 0 else 0, xf if cut or start + seg.shape[1] < total else 0)
        spans.append((start, start + seg.shape[1]))
        moved[ev.id] = (slot_s, min(slot_s + ev.duration_s, scene.audio.duration_s))
        notes.append(f"{ev.id}: moved from {ev.onset_s:.3f} s to {slot_s:.3f} s")
    events = [e.model_copy(update={"onset_s": moved[e.id][0], "offset_s": moved[e.id][1]}) if e.id in moved else e
              for e in scene.events]
    return _result(scene, out, events, spans, notes)


def add(scene: Scene, step: AddStep, bank: SoundSource | None, rng: np.random.Generator) -> StepResult:
    notes: list[str] = []
    placements = add_placements(scene, step, bank, rng, notes)
    out, spans = scene.audio.samples.astype(np.float64), []
    for p in placements:
        out[:, p.start : p.start + p.samples.shape[1]] += p.samples
        spans.append((p.start, p.start + p.samples.shape[1]))
    return _result(scene, out, list(scene.events) + [p.event for p in placements], spans, notes)


def replace(scene: Scene, step: ReplaceStep, targets: list[Event], bank: SoundSource | None, rng: np.random.Generator) -> StepResult:
    sr = scene.audio.sample_rate_hz
    removed = remove(scene, targets)
    base = removed.scene
    out = base.audio.samples.astype(np.float64)
    spans = [(round(a * sr), round(b * sr)) for a, b in removed.edited_spans_s]
    notes, events = list(removed.notes), list(base.events)
    taken = {e.id for e in scene.events}
    for ev in targets:
        level = None if step.snr_db is not None else estimated_level_db(scene, ev, targets)
        a, placed = replacement(base, ev, step, bank, rng, taken, level, notes)
        out[:, a : a + placed.samples.shape[1]] += placed.samples
        spans.append((a, a + placed.samples.shape[1]))
        events.append(placed.event)
        notes.append(f"{ev.id} replaced by {placed.event.id} at {a / sr:.3f} s, level {placed.event.level_db:.1f} dBFS")
    return _result(scene, out, events, spans, notes)


def estimated_level_db(scene: Scene, ev: Event, targets: list[Event]) -> float:
    """The event's own level: span power minus the power of the background around it."""
    sr = scene.audio.sample_rate_hz
    x = scene.audio.samples
    span_power = rms(x[:, int(round(ev.onset_s * sr)) : int(round(ev.offset_s * sr))]) ** 2
    free = complement(_avoid(scene, targets), x.shape[1])
    reach = int(TEXTURE_CHUNK_S * sr)
    a, b = segment(scene, ev)
    near = [(max(s, a - reach), min(e, b + reach)) for s, e in free]
    near = [s for s in near if s[1] > s[0]]
    bg_power = rms(np.concatenate([x[:, s:e] for s, e in near], axis=1)) ** 2 if near else 0.0
    event_power = span_power - bg_power if span_power > 2 * bg_power else span_power
    return to_db(np.sqrt(event_power))


# --- shared ----------------------------------------------------------------------------------


def _avoid(scene: Scene, targets: list[Event]) -> list[Span]:
    """Frames texture may not come from: every foreground event and every target, ± MARGIN_S."""
    sr = scene.audio.sample_rate_hz
    chosen = [e for e in scene.events if e.role == "foreground"] + list(targets)
    return [(int((e.onset_s - MARGIN_S) * sr), int(np.ceil((e.offset_s + MARGIN_S) * sr))) for e in chosen]


def _fill(scene: Scene, out: np.ndarray, span: Span, targets: list[Event], notes: list[str]) -> Span:
    """Replace ``out[:, a:b]`` by background texture (crossfaded at inner edges); returns the span."""
    sr = scene.audio.sample_rate_hz
    a, b = span
    xf = int(XFADE_S * sr)
    tex, note = background_texture(scene.audio.samples.astype(np.float64), b - a, _avoid(scene, targets), span, xf,
                                   int(TEXTURE_CHUNK_S * sr))
    if note:
        notes.append(note)
    splice(out, tex, a, xf if a > 0 else 0, xf if b < out.shape[1] else 0)
    return span


def _result(scene: Scene, out: np.ndarray, events: list[Event], spans: list[Span], notes: list[str]) -> StepResult:
    sr = scene.audio.sample_rate_hz
    if scene.stems is not None:
        notes.append("edited on the mixture: the stems no longer describe it and were dropped")
    after = scene.evolve(audio=scene.audio.with_samples(out.astype(np.float32)), events=tuple(events), stems=None)
    return StepResult(after, spans_to_seconds(merge_spans(spans), sr), BACKEND, notes)
