"""Cut the pauses (backend ``speech.pauses``): every gap between voice-detector speech segments
longer than the step's ``max_pause_s`` is shortened to ``max_pause_s``.

The middle of each long gap is removed and the two sides are joined with a short crossfade
(``CROSSFADE_S``, inside what is left of the gap), so no speech sample is cut. The
leading and trailing silence count as pauses too. Events after a cut move earlier by the time
removed before them (events inside a removed stretch are clipped to the join point); every cut is
listed in the result's notes as ``from-to`` seconds of the input.
"""

from __future__ import annotations

import numpy as np

from audioedit.backends import Backend
from audioedit.cuts import CROSSFADE_S, cut_frames, moved_event, shift_time
from audioedit.errors import ExecutionError
from audioedit.scene import Scene
from audioedit.steps import PausesStep
from audioedit.result import StepResult

BACKEND = Backend.SPEECH_PAUSES


def plan_cuts(segments: list[tuple[float, float]], duration_s: float, max_pause_s: float) -> list[tuple[float, float]]:
    """The ``(start_s, end_s)`` stretches of the input to remove, sorted and disjoint."""
    edges = [0.0] + [x for seg in segments for x in seg] + [duration_s]
    cuts = []
    for k in range(0, len(edges), 2):
        gap_lo, gap_hi = edges[k], edges[k + 1]
        # the leading and trailing silences keep half the pause each side of the speech
        keep = max_pause_s / 2 if k in (0, len(edges) - 2) else max_pause_s
        if gap_hi - gap_lo > keep + CROSSFADE_S:
            middle = (gap_lo + gap_hi) / 2
            if k == 0:
                cuts.append((0.0, gap_hi - keep))
            elif k == len(edges) - 2:
                cuts.append((gap_lo + keep, duration_s))
            else:
                cuts.append((middle - (gap_hi - gap_lo - keep) / 2, middle + (gap_hi - gap_lo - keep) / 2))
    return [(round(a, 4), round(b, 4)) for a, b in cuts if b - a > 1e-3]


def execute_pauses(scene: Scene, step: PausesStep, *, segments: list[tuple[float, float]] | None = None) -> StepResult:
    """Shorten the pauses of ``scene`` (segments from the voice detector unless given; then each
    cut is corrected once so the detector's gap in the output is ``max_pause_s``)."""
    audio = scene.audio
    detect = segments is None
    if segments is None:
        from audioedit.executor.speech.vad import PAUSE_VAD, detect_speech

        segments = [(s.onset_s, s.offset_s) for s in detect_speech(audio, PAUSE_VAD)]
    if not segments:
        raise ExecutionError("the voice detector found no speech in the recording: there are no pauses to cut")
    cuts = plan_cuts(segments, audio.duration_s, step.max_pause_s)
    out = _cut(audio, cuts)
    if detect:  # one correction pass: the detector's gaps in the output are the ones the user hears
        cuts = _corrected(cuts, segments, audio.with_samples(out), step.max_pause_s)
        out = _cut(audio, cuts)
    edited = audio.with_samples(out)
    if not np.all(np.isfinite(edited.samples)):
        raise ExecutionError("cutting the pauses produced non-finite samples")
    events = tuple(moved_event(e, cuts) for e in scene.events)
    events = tuple(e for e in events if e.offset_s > e.onset_s)
    notes = [f"cut {len(cuts)} pause(s) to at most {step.max_pause_s:g} s (voice detector: {len(segments)} speech segments), "
             f"{audio.duration_s - edited.duration_s:.2f} s removed"]
    notes += [f"cut {a:.2f}-{b:.2f} s ({b - a:.2f} s)" for a, b in cuts]
    return StepResult(scene=scene.evolve(audio=edited, events=events, stems=None), edited_spans_s=[(0.0, audio.duration_s)],
                      backend=BACKEND, notes=notes)


def _corrected(cuts, segments, edited, max_pause_s: float) -> list[tuple[float, float]]:
    """Each inner cut widened or narrowed (symmetrically, inside its input gap) by the difference
    between the detector's gap around the join in ``edited`` and ``max_pause_s``."""
    from audioedit.executor.speech.vad import PAUSE_VAD, detect_speech

    found = detect_speech(edited, PAUSE_VAD)
    out_gaps = [(a.offset_s, b.onset_s) for a, b in zip(found, found[1:])]
    in_gaps = [(a[1], b[0]) for a, b in zip(segments, segments[1:])]
    fixed = []
    for a, b in cuts:
        join = shift_time(a, cuts)
        gap = next(((lo, hi) for lo, hi in out_gaps if lo - 0.05 <= join <= hi + 0.05), None)
        room = next(((lo, hi) for lo, hi in in_gaps if lo <= a and b <= hi), None)
        if gap is None or room is None:
            fixed.append((a, b))
            continue
        half = ((gap[1] - gap[0]) - max_pause_s) / 2  # > 0: cut more
        na, nb = max(room[0] + 0.01, a - half), min(room[1] - 0.01, b + half)
        fixed.append((round(na, 4), round(nb, 4)) if nb - na > 1e-3 else (a, b))
    return fixed


def _cut(audio, cuts: list[tuple[float, float]]) -> np.ndarray:
    """``audio`` without the ``cuts``, each join a short crossfade inside the pause."""
    return cut_frames(audio.samples, [(audio.frame(a), audio.frame(b)) for a, b in cuts],
                      int(CROSSFADE_S * audio.sample_rate_hz))
