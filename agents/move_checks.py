"""The acoustic checks of a move (``MoveStep``): the sound left where it was and arrived where it was asked to go.

``move_checks(measure, step, targets, stems)`` (run by ``audioedit.agents.verifier.verify_acoustic``):

- ``move_feasible``: the move ``audioedit.moves.where_to`` gives for the scene before (failed: why not).
- ``event_onset_error_s``: each target event in the scene after starts where the move puts it.
- stems: ``stem_shift_error_s`` (each target stem's active span moved by the shift) and
  ``remaining_mixture_max_abs_diff`` (the mixture without the target stems is unchanged: the gap holds
  exactly what sounded under the sound).
- mixture: measured where the old and the new place do not overlap, over at least ``MIN_PART_S``:
  ``moved_old_place_db`` (the level there fell, by at least ``min(remove_min_drop_db, fraction x how far
  the sound stood above the bed around it)``), ``moved_new_place_db`` (the level there rose, by at least
  half of what the sound, as loud as it stood above that bed, adds to what was there: a sound no louder
  than what was there is not measured by level, and the detail says so) and ``xcorr_onset_error_s`` (the
  sound's audio before the edit matches best, in the audio after it, where the move puts it).

A move that did not happen (the audio unchanged) fails: no fall at the old place, no rise at the new
one, and the best match of the sound still where it was.
"""

from __future__ import annotations

import numpy as np

from audioedit.agents.acoustic_checks import Measure, _check, _fail
from audioedit.moves import Move, where_to
from audioedit.report import Check
from audioedit.scene import Event, active_span_s
from audioedit.spans import merge_spans
from audioedit.steps import MoveStep

MIN_PART_S = 0.05  # the shortest non-overlapping part of the old / new place measured by level
MIN_ADDED_DB = 1.0  # the sound adds less than this at its new place: its level there is not measured


def move_checks(m: Measure, step: MoveStep, targets: list[Event], stems: bool) -> list[Check]:
    move = where_to(step, targets, m.before.audio.duration_s)
    if isinstance(move, str):
        return [_fail("move_feasible", "a place inside the recording", move)]
    checks = [_onsets(m, move, targets)]
    if stems:
        return checks + _stem_shifts(m, move, targets) + [m.remaining(targets, targets)]
    old = [(e.onset_s, e.offset_s) for e in targets]
    new = [(e.onset_s + move.shift_s, min(e.offset_s + move.shift_s, move.duration_s)) for e in targets]
    for ev, (a, b), (c, d) in zip(targets, old, new):
        checks += _old_place(m, ev, _longest_part((a, b), new)) + _new_place(m, ev, (a, b), _longest_part((c, d), old))
        found = m.locate(ev, (a, a + (d - c)))  # a move cut at the end: the part that is left
        err = abs(found - c)
        checks.append(_check("xcorr_onset_error_s", err, f"<= {m.cfg.onset_tolerance_s:g}", err <= m.cfg.onset_tolerance_s,
                             f"{ev.id}: best match at {found:.3f} s, asked {c:.3f} s (was {a:.3f} s)"))
    return checks


def _onsets(m: Measure, move: Move, targets: list[Event]) -> Check:
    after = {e.id: e for e in m.after.events}
    missing = [e.id for e in targets if e.id not in after]
    if missing:
        return _fail("event_onset_error_s", f"<= {m.cfg.onset_tolerance_s:g}", f"events missing after the edit: {missing}")
    err = max(abs(after[e.id].onset_s - (e.onset_s + move.shift_s)) for e in targets)
    return _check("event_onset_error_s", err, f"<= {m.cfg.onset_tolerance_s:g}", err <= m.cfg.onset_tolerance_s,
                  f"shift {move.shift_s:+.3f} s")


def _stem_shifts(m: Measure, move: Move, targets: list[Event]) -> list[Check]:
    tol, checks = m.cfg.onset_tolerance_s, []
    for ev in targets:
        before = active_span_s(m.before.stems[ev.id])
        after = active_span_s(m.after.stems[ev.id]) if ev.id in m.after.stems else None
        if before is None or after is None:
            checks.append(_fail("stem_shift_error_s", f"<= {tol:g}", f"{ev.id}: stem silent or missing"))
            continue
        err = abs((after[0] - before[0]) - move.shift_s)
        checks.append(_check("stem_shift_error_s", err, f"<= {tol:g}", err <= tol,
                             f"{ev.id}: stem from {before[0]:.3f} s to {after[0]:.3f} s"))
    return checks


def _longest_part(span: tuple[float, float], others: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The longest piece of ``span`` outside every span of ``others`` (None: under ``MIN_PART_S``)."""
    cuts = [(s, e) for s, e in merge_spans(others) if e > span[0] and s < span[1]]
    pieces, start = [], span[0]
    for s, e in cuts:
        pieces.append((start, min(s, span[1])))
        start = max(start, e)
    pieces.append((start, span[1]))
    best = max(pieces, key=lambda p: p[1] - p[0])
    return best if best[1] - best[0] >= MIN_PART_S else None


def _level(m: Measure, x: np.ndarray, span: tuple[float, float]) -> float:
    a = m.f(span[0])
    return float(10 * np.log10(np.mean(np.square(x[:, a : max(m.f(span[1]), a + 1)], dtype=np.float64)) + 1e-12))


def _old_place(m: Measure, ev: Event, part: tuple[float, float] | None) -> list[Check]:
    if part is None:
        return []
    before, after = _level(m, m.before.audio.samples, part), _level(m, m.after.audio.samples, part)
    bg = m.background_db(ev)
    above = before - bg if bg is not None else np.inf
    floor = min(m.cfg.remove_min_drop_db, m.cfg.remove_min_drop_fraction * above)
    drop = before - after
    return [_check("moved_old_place_db", -drop, f"<= -{floor:.2f}", drop >= floor,
                   f"{ev.id}: {part[0]:.2f}-{part[1]:.2f} s; the sound stood {above:.1f} dB above the bed around it")]


def _new_place(m: Measure, ev: Event, old: tuple[float, float], part: tuple[float, float] | None) -> list[Check]:
    if part is None:
        return []
    there, after = _level(m, m.before.audio.samples, part), _level(m, m.after.audio.samples, part)
    bg = m.background_db(ev)
    sound_p = 10 ** (_level(m, m.before.audio.samples, old) / 10) - (10 ** (bg / 10) if bg is not None else 0.0)
    added = 10 * np.log10(1 + max(sound_p, 0.0) / 10 ** (there / 10))
    rise = after - there
    if added < MIN_ADDED_DB:
        return [_check("moved_new_place_db", rise, "not measured", True,
                       f"{ev.id}: the sound adds {added:.1f} dB to what was at {part[0]:.2f}-{part[1]:.2f} s; "
                       "its place is checked by xcorr_onset_error_s")]
    floor = 0.5 * added
    return [_check("moved_new_place_db", rise, f">= {floor:.2f}", rise >= floor,
                   f"{ev.id}: {part[0]:.2f}-{part[1]:.2f} s; the sound adds {added:.1f} dB there")]

