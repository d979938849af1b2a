"""pitch: shift the pitch of the whole recording (or of a sound with its own stem) without changing its
duration.

    >>> from audioedit.planner.rules import plan_rules
    >>> [(s.op, s.semitones) for s in plan_rules("pitch it down 3 semitones").steps]
    [('pitch', -3.0)]

Wording (``parse``): "pitch it down 3 semitones", "raise the pitch by an octave", "lower the pitch a bit",
"make the voice deeper", "make it higher", "pitch shift up a whole tone". Without an amount the shift
is ``DEFAULT_SEMITONES`` ("a bit": 1), said as an assumption. Rubber Band through pedalboard
(latency compensated), on the whole mixture and every stem, on the target's stems, or on an
annotated event alone in its span (``audioedit.ops.apply``).

Checks, on the target: ``pitch_shift_semitones`` (the lag that best aligns the log-frequency spectra
of before and after, within ± ``TOLERANCE_SEMITONES`` of the asked shift), ``level_change_db`` and, on
a layer, ``rest_max_abs_diff``.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.steps import EventRef, _Step

DEFAULT_SEMITONES = 2.0
TOLERANCE_SEMITONES = 0.5
LEVEL_TOLERANCE_DB = 2.0
BINS_PER_SEMITONE = 8
LOW_HZ, HIGH_HZ = 80.0, 4000.0


class PitchStep(_Step):
    op: Literal["pitch"] = "pitch"
    target: EventRef
    semitones: float = Field(ge=-24, le=24, description="+ up, - down; 12 = one octave")


STEP = PitchStep
_AMOUNT = (r"(?:by\s+)?(?:(?P<n>\d+(?:\.\d+)?)\s*(?:semi-?tones?|steps?|half[- ]steps?)|(?P<oct>an|one|two|2)\s+octaves?|"
           r"(?P<tone>a whole tone|a tone|a whole step)|(?P<bit>a (?:little\s+)?bit|slightly|a little|a touch))")
_UPDOWN = r"(?P<dir>up|down|higher|lower)"
PITCH_RES = (  # "pitch it down 3 semitones", "pitch shift the voice up an octave"
    re.compile(rf"^pitch(?:[- ]?shift)?\s+{_UPDOWN}(?:\s+(?P<x>.+?))??(?:\s+{_AMOUNT})?$"),
    re.compile(rf"^pitch(?:[- ]?shift)?\s+(?P<x>.+?)\s+{_UPDOWN}(?:\s+{_AMOUNT})?$"),
    re.compile(rf"^(?P<verb>raise|lower|increase|decrease|drop|shift|move|bring)\s+the\s+pitch(?:\s+of\s+(?P<x>.+?))?"
               rf"(?:\s+{_UPDOWN})?(?:\s+{_AMOUNT})?$"),
    re.compile(rf"^(?:make|let)\s+(?P<x>.+?)\s+(?:sound\s+)?(?:{_AMOUNT}\s+)?(?P<adj>deeper|higher[- ]pitched|higher|"
               r"lower[- ]pitched|squeakier)$"),
)


def parse(text: str, source: str, builder) -> bool:
    text = text.strip().rstrip(".!").strip()
    for pattern in PITCH_RES:
        m = pattern.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        words = " ".join(v for k, v in groups.items() if k in ("dir", "verb", "adj") and v)
        if not re.search(r"up|down|higher|lower|raise|increase|decrease|drop|deeper|squeak", words):
            return False  # "shift the pitch" with no direction: not a pitch request this parser can read
        down = re.search(r"down|lower|decrease|drop|deeper", words) is not None
        size = _size(groups, source, builder)
        refs = builder.g.refs((groups.get("x") or "it").strip(), source)
        for ref in refs or ():
            shift = -size if down else size
            builder.add_step(PitchStep, source, instruction=instruction(ref, shift), target=ref, semitones=shift)
        builder.last_verb = None
        return True
    return False


def _size(groups: dict, source: str, builder) -> float:
    if groups.get("n"):
        return float(groups["n"])
    if groups.get("oct"):
        return 24.0 if groups["oct"] in ("two", "2") else 12.0
    if groups.get("tone"):
        return 2.0
    size = 1.0 if groups.get("bit") else DEFAULT_SEMITONES
    builder.g.note(f"'{source}': no amount given; {size:g} semitone(s)")
    return size


def instruction(target: EventRef, semitones: float) -> str:
    from audioedit.ops.apply import spoken

    size = abs(semitones)
    return f"Shift the pitch of {spoken(target)} {'up' if semitones > 0 else 'down'} {size:g} semitone{'' if size == 1 else 's'}."


def amount(step: PitchStep) -> str:
    return f"{step.semitones:+g} semitones"


def process(step: PitchStep):
    import pedalboard

    def shifted(x: np.ndarray, sr: int) -> np.ndarray:
        board = pedalboard.Pedalboard([pedalboard.PitchShift(semitones=float(step.semitones))])
        y = board(np.ascontiguousarray(x, dtype=np.float32), float(sr))
        return np.asarray(y[:, : x.shape[1]], dtype=np.float64)
    return shifted


def log_spectrum(x: np.ndarray, sr: int) -> np.ndarray:
    """Mean log power on a log-frequency grid (``BINS_PER_SEMITONE`` per semitone, LOW_HZ..HIGH_HZ)."""
    from audioedit.ops.measure import psd

    f, p = psd(x, sr)
    grid = LOW_HZ * 2 ** (np.arange(int(12 * BINS_PER_SEMITONE * np.log2(min(HIGH_HZ, 0.45 * sr) / LOW_HZ))) /
                          (12 * BINS_PER_SEMITONE))
    return np.log10(np.interp(grid, f, p) + 1e-20)


def measured_shift(before: np.ndarray, after: np.ndarray, sr: int, max_semitones: float = 25.0) -> float:
    """The shift (semitones) that best aligns the log-frequency spectra of ``before`` and ``after``."""
    a, b = log_spectrum(before, sr), log_spectrum(after, sr)
    a, b = a - a.mean(), b - b.mean()
    lags = np.arange(-int(max_semitones * BINS_PER_SEMITONE), int(max_semitones * BINS_PER_SEMITONE) + 1)
    n = a.size

    def score(lag: int) -> float:
        x, y = (a[: n - lag], b[lag:]) if lag >= 0 else (a[-lag:], b[: n + lag])
        return float(np.corrcoef(x, y)[0, 1]) if x.size > 8 else -1.0
    return float(lags[int(np.argmax([score(int(k)) for k in lags]))] / BINS_PER_SEMITONE)


def feasible(scene, step: PitchStep) -> tuple[bool, str]:
    from audioedit.ops.apply import effect_feasible

    return effect_feasible(scene, step.target, 0.0)


def execute(scene, step: PitchStep):
    from audioedit.ops.apply import execute_effect

    return execute_effect(scene, step, process(step), 0.0, f"pitch {amount(step)} (Rubber Band)")


def verify(before, after, step: PitchStep, edited_spans_s) -> list:
    from audioedit.metrics import power_db
    from audioedit.ops.apply import measured_target
    from audioedit.ops.measure import check

    sr = before.audio.sample_rate_hz
    t0, t1, kept = measured_target(before, after, step, edited_spans_s)
    shift = measured_shift(t0, t1, sr)
    change = power_db(t1) - power_db(t0)
    checks = [check("pitch_shift_semitones", shift, f"{step.semitones:g} ± {TOLERANCE_SEMITONES:g}",
                    abs(shift - step.semitones) <= TOLERANCE_SEMITONES, "log-frequency spectra aligned"),
              check("level_change_db", change, f"0 ± {LEVEL_TOLERANCE_DB:g}", abs(change) <= LEVEL_TOLERANCE_DB)]
    return checks + kept
