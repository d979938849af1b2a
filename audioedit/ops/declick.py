"""declick: find short clicks (vinyl crackle, digital clicks, mouth clicks) and fill them in from the sound around.

    >>> import numpy as np
    >>> t = np.arange(16000) / 16000
    >>> x = 0.1 * np.sin(2 * np.pi * 440 * t)
    >>> x[[3000, 9000]] += 0.5                                  # two one-sample clicks
    >>> len(find_clicks(x, 16000))
    2

Wording (``parse``): "remove the clicks", "remove the clicks and pops", "get rid of the crackle", "remove the
mouth clicks", "declick it". A sound that clicks ("the mouse clicks", "the clock ticking") is a sound, not
this op.

Finding: each channel is whitened by an order-``ORDER`` linear predictor fitted on blocks of ``BLOCK_S``
(autocorrelation method); a sample whose prediction error is over ``THRESHOLD`` robust standard deviations
of its block (1.4826 x median absolute deviation) starts a click, which is widened by ``PAD_S`` either side;
runs longer than ``MAX_CLICK_S`` are sounds (a plosive, a knock), not clicks, and are left alone.
Repair: each click is replaced by the least-squares autoregressive interpolation of its block's predictor
(Janssen et al. 1986): the samples that make the prediction error around the gap smallest. Every other
sample is unchanged.

Checks: ``clicks_left`` (found again in the output: fewer than before and at most ``MAX_LEFT_SHARE`` of them, or
one),
``changed_share`` (samples changed: at most ``MAX_CHANGED_SHARE``) and ``level_change_db`` (± 0.5 dB).
A recording without clicks is refused with the count.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.steps import EventRef, _Step, whole_recording

ORDER = 24
BLOCK_S = 0.1
THRESHOLD = 10.0
CONTEXT_S = 0.02
PAD_S = 0.0003
MAX_CLICK_S = 0.003
MAX_LEFT_SHARE = 0.2
MAX_CHANGED_SHARE = 0.01
LEVEL_TOLERANCE_DB = 0.5


class DeclickStep(_Step):
    op: Literal["declick"] = "declick"
    target: EventRef = Field(default_factory=whole_recording)


STEP = DeclickStep
_CLICKS = (r"(?:(?:little|small|tiny|annoying|loud|digital|mouth|lip|vinyl|record|audio)\s+)*"
           r"(?:clicks?(?:\s+and\s+(?:pops|crackles?))?|pops\s+and\s+clicks|crackle|crackles|crackling|clicking\s+noises?)")
DECLICK_RE = re.compile(
    rf"^(?:remove|reduce|get rid of|fix|clean up|eliminate|take out|filter(?: out)?|repair|kill|lose|suppress)\s+"
    rf"(?:the\s+|all\s+(?:the\s+)?|any\s+|those\s+|these\s+)?{_CLICKS}"
    r"(?:\s+(?:from|in|on)\s+(?:it|this|the (?:recording|audio|file|clip|track|voice|speech|record|vinyl)))?$"
    r"|^de-?click(?:\s+(?:it|this|the (?:recording|audio|file|clip|track)))?$")


def parse(text: str, source: str, builder) -> bool:
    if DECLICK_RE.match(text.strip().rstrip(".!").strip()) is None:
        return False
    builder.add_step(DeclickStep, source, instruction=instruction(whole_recording()), target=whole_recording())
    builder.last_verb = None
    return True


def instruction(target: EventRef) -> str:
    from audioedit.ops.apply import spoken

    return f"Remove the clicks from {spoken(target)}."


def amount(step: DeclickStep) -> str:
    return f"clicks over {THRESHOLD:g} robust deviations of the prediction error, up to {MAX_CLICK_S * 1000:g} ms"


# --- finding and filling ---------------------------------------------------------------------------


def _predictor(x: np.ndarray) -> np.ndarray:
    """Prediction-error filter ``[1, a1, ..., aP]`` of ``x`` (autocorrelation method, lightly regularised)."""
    from scipy.linalg import solve_toeplitz

    spec = np.fft.rfft(x, 2 * x.size)
    r = np.fft.irfft(np.abs(spec) ** 2)[: ORDER + 1]
    r[0] = r[0] * 1.0001 + 1e-12
    return np.concatenate([[1.0], -solve_toeplitz(r[:ORDER], r[1 : ORDER + 1])])


def _blocks(n: int, sample_rate_hz: int) -> list[tuple[int, int]]:
    size = max(4 * ORDER, int(BLOCK_S * sample_rate_hz))
    return [(a, min(n, a + size)) for a in range(0, n, size)]


def find_clicks(x: np.ndarray, sample_rate_hz: int) -> list[tuple[int, int]]:
    """``[start, end)`` sample runs of the clicks in the mono signal ``x``."""
    from scipy.signal import lfilter

    from scipy.ndimage import uniform_filter1d

    x = np.asarray(x, np.float64)
    e = np.zeros(x.size)
    for a, b in _blocks(x.size, sample_rate_hz):
        if b - a > 2 * ORDER and np.any(x[a:b]):
            e[a + ORDER : b] = lfilter(_predictor(x[a:b]), [1.0], x[a:b])[ORDER:]
    # the error's level around each sample, without the sample's own neighbourhood: a click stands alone, a
    # voice's glottal pulses or a reed's come every few ms and raise the level around each other
    wide, near = int(CONTEXT_S * sample_rate_hz) | 1, int(2 * PAD_S * sample_rate_hz) | 1
    around = (uniform_filter1d(e**2, wide) * wide - uniform_filter1d(e**2, near) * near) / (wide - near)
    flagged = e**2 > THRESHOLD**2 * (around + 1e-20)
    from scipy.ndimage import binary_dilation

    pad = int(round(PAD_S * sample_rate_hz))
    if pad:
        flagged = binary_dilation(flagged, iterations=pad)
    edges = np.diff(np.concatenate([[0], flagged.astype(np.int8), [0]]))
    runs = zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
    return [(int(a), int(b)) for a, b in runs if b - a <= MAX_CLICK_S * sample_rate_hz]


def _fill(x: np.ndarray, gap: tuple[int, int], a: np.ndarray) -> None:
    """Least-squares AR interpolation of ``x[gap]`` in place (the prediction error over the gap and the ``ORDER``
    samples after it, given the samples around)."""
    lo, hi = gap
    w0, w1 = max(0, lo - ORDER), min(x.size, hi + ORDER)
    rows = np.arange(max(lo, w0 + ORDER), w1)
    if rows.size == 0:
        return
    A = np.zeros((rows.size, w1 - w0))
    for k, coef in enumerate(a):
        A[np.arange(rows.size), rows - k - w0] = coef
    unknown = np.zeros(w1 - w0, bool)
    unknown[lo - w0 : hi - w0] = True
    rhs = -A[:, ~unknown] @ x[w0:w1][~unknown]
    x[lo:hi] = np.linalg.lstsq(A[:, unknown], rhs, rcond=None)[0]


def declicked(x: np.ndarray, sample_rate_hz: int) -> tuple[np.ndarray, int]:
    """``x`` (channels, frames) with every channel's clicks filled in, and how many there were."""
    y = np.array(x, np.float64)
    count = 0
    for ch in range(y.shape[0]):
        clicks = find_clicks(y[ch], sample_rate_hz)
        count += len(clicks)
        blocks = _blocks(y.shape[1], sample_rate_hz)
        for gap in clicks:
            a, b = next(blk for blk in blocks if blk[0] <= gap[0] < blk[1])
            clean = y[ch, a:b].copy()
            for other in clicks:  # the predictor is fitted without the clicks in its block
                if a <= other[0] < b:
                    clean[other[0] - a : min(b, other[1]) - a] = 0.0
            _fill(y[ch], gap, _predictor(clean))
    return y, count


def process(step: DeclickStep):
    return lambda x, sr: declicked(x, sr)[0]


# --- registry interface ----------------------------------------------------------------------------


def _count(samples: np.ndarray, sample_rate_hz: int) -> int:
    return sum(len(find_clicks(ch, sample_rate_hz)) for ch in np.asarray(samples, np.float64))


def feasible(scene, step: DeclickStep) -> tuple[bool, str]:
    from audioedit.ops.apply import effect_feasible

    ok, why = effect_feasible(scene, step.target, 0.0)
    if ok and step.target.scope == "recording":
        if _count(scene.audio.samples, scene.audio.sample_rate_hz) == 0:
            return False, (f"no clicks found: no sample stands {THRESHOLD:g} deviations over the sound's own prediction "
                           "(for a sound that clicks, name it: 'remove the mouse clicks')")
    return ok, why


def execute(scene, step: DeclickStep):
    from audioedit.ops.apply import execute_effect

    clicks = _count(scene.audio.samples, scene.audio.sample_rate_hz)
    result = execute_effect(scene, step, process(step), 0.0, "declick")
    result.notes.append(f"{clicks} click(s) filled in by autoregressive interpolation")
    return result


def verify(before, after, step: DeclickStep, edited_spans_s) -> list:
    from audioedit.metrics import power_db
    from audioedit.ops.apply import measured_target
    from audioedit.ops.measure import check

    sr = before.audio.sample_rate_hz
    t0, t1, kept = measured_target(before, after, step, edited_spans_s)
    n0, n1 = _count(t0, sr), _count(t1, sr)
    changed = float(np.mean(np.abs(t1 - t0) > 1e-7)) if t0.shape == t1.shape else 1.0
    level = power_db(t1) - power_db(t0)
    allowed = max(1.0, MAX_LEFT_SHARE * n0) if n0 > 1 else 0.0  # one may be found anew next to a filled gap
    checks = [check("clicks_left", n1, f"<= {allowed:g} (of {n0})", n0 > 0 and n1 < n0 and n1 <= allowed,
                    f"{n0} found in the input"),
              check("changed_share", changed, f"<= {MAX_CHANGED_SHARE:g}", changed <= MAX_CHANGED_SHARE, "samples changed"),
              check("level_change_db", level, f"0 ± {LEVEL_TOLERANCE_DB:g}", abs(level) <= LEVEL_TOLERANCE_DB)]
    return checks + kept
