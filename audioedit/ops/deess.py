"""deess: tame sibilance (harsh "s" and "sh" sounds) by turning the sibilant band down only where it flares up.

The recording (or the voice layer) is split, zero-phase, into the band above ``SPLIT_HZ`` and the rest (their
sum is the input exactly). The band's level is followed in ``FRAME_S`` frames; where it rises over its typical
level (the median of its active frames) + ``MARGIN_DB``, it is turned down by ``1 - 1/RATIO`` of the excess,
at most ``MAX_CUT_DB``, smoothed over ``SMOOTH_S``. Everything below ``SPLIT_HZ`` is unchanged.

Wording (``parse``): "reduce / tame / soften / remove the sibilance (on the voice)", "tone down the harsh s
sounds", "de-ess the voice".

Checks: ``sibilant_peak_change_db`` (the band's loudest frames of the input, its top 5 %, fall by at least
``MIN_DROP_DB`` on average), ``low_band_change_db`` (the spectrum below ``LOW_BAND_HZ`` keeps its level) and
``level_change_db``.
A recording without a sibilant band (rate too low, or nothing there), or whose band's loud moments stand less
than ``MIN_EXCESS_DB`` over its typical level (no harsh sibilance), is refused with the measurement.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np

from audioedit.steps import EventRef, _Step

SPLIT_HZ = 4500.0
FRAME_S = 0.005
SMOOTH_S = 0.02
MARGIN_DB = 6.0
RATIO = 4.0
MAX_CUT_DB = 12.0
MIN_DROP_DB = 3.0
MIN_EXCESS_DB = MARGIN_DB + MIN_DROP_DB / (1 - 1 / RATIO)  # peaks this far over typical get cut by MIN_DROP_DB
LEVEL_TOLERANCE_DB = 1.5
LOW_BAND_HZ = 3000.0         # well under the split: unchanged by construction
LOW_BAND_TOLERANCE_DB = 0.2
GATE_DB = 40.0
EMPTY_DBFS = -80.0


class DeessStep(_Step):
    op: Literal["deess"] = "deess"
    target: EventRef


STEP = DeessStep
_SIBILANCE = (r"(?:sibilance|sibilants?|(?:harsh\s+|sharp\s+|hissy\s+|loud\s+)?(?:s|ess|esses|s's|'s')\s+sounds?|esses|s's|"
              r"harsh\s+s(?:'s|es)?)")
DEESS_RES = (
    re.compile(rf"^(?:reduce|tame|soften|remove|lower|cut|fix|control|get rid of|turn down|tone down|smooth(?: out)?)\s+"
               rf"(?:the\s+|some\s+(?:of\s+the\s+)?)?{_SIBILANCE}(?:\s+(?:on|in|of|from)\s+(?P<x>.+?))?$"),
    re.compile(r"^de-?ess(?:\s+(?P<x>.+?))?$"),
)


def parse(text: str, source: str, builder) -> bool:
    text = text.strip().rstrip(".!").strip()
    for pattern in DEESS_RES:
        m = pattern.match(text)
        if m is None:
            continue
        refs = builder.g.refs((m.groupdict().get("x") or "it").strip(), source)
        for ref in refs or ():
            builder.add_step(DeessStep, source, instruction=instruction(ref), target=ref)
        builder.last_verb = None
        return True
    return False


def instruction(target: EventRef) -> str:
    from audioedit.ops.apply import spoken

    return f"Tame the sibilance of {spoken(target)}."


def amount(step: DeessStep) -> str:
    return f"above {SPLIT_HZ:g} Hz, over its typical level + {MARGIN_DB:g} dB, {RATIO:g}:1, at most -{MAX_CUT_DB:g} dB"


def split_bands(x: np.ndarray, sample_rate_hz: int) -> tuple[np.ndarray, np.ndarray]:
    """(the band above ``SPLIT_HZ``, the rest): zero-phase, summing to ``x`` exactly."""
    from scipy.signal import butter, sosfiltfilt

    x = np.asarray(x, np.float64)
    sos = butter(4, SPLIT_HZ / (0.5 * sample_rate_hz), btype="highpass", output="sos")
    high = sosfiltfilt(sos, x, axis=-1) if x.shape[-1] > 30 else np.zeros_like(x)
    return high, x - high


def frame_levels_db(band: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """The band's level (channels summed) in ``FRAME_S`` frames, dB."""
    hop = max(1, int(FRAME_S * sample_rate_hz))
    power = np.mean(np.asarray(band, np.float64) ** 2, axis=0)
    n = power.size // hop
    if n == 0:
        return np.zeros(0)
    return 10 * np.log10(power[: n * hop].reshape(n, hop).mean(axis=1) + 1e-20)


def peak_excess_db(x: np.ndarray, sample_rate_hz: int) -> float:
    """How far the band's loud frames (95th percentile) stand over its typical level, dB."""
    levels = frame_levels_db(split_bands(x, sample_rate_hz)[0], sample_rate_hz)
    active = levels[levels >= levels.max() - GATE_DB] if levels.size else levels
    return float(np.percentile(active, 95) - np.median(active)) if active.size else 0.0


def _has_band(x: np.ndarray, sample_rate_hz: int) -> bool:
    return 0.5 * sample_rate_hz > 1.5 * SPLIT_HZ and 10 * np.log10(np.mean(split_bands(x, sample_rate_hz)[0] ** 2) + 1e-20) > EMPTY_DBFS


def deessed(x: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    from scipy.ndimage import uniform_filter1d

    if not _has_band(x, sample_rate_hz):
        return np.asarray(x, np.float64)
    high, low = split_bands(x, sample_rate_hz)
    levels = frame_levels_db(high, sample_rate_hz)
    if levels.size == 0:
        return np.asarray(x, np.float64)
    active = levels >= levels.max() - GATE_DB
    typical = float(np.median(levels[active]))
    cut_db = np.clip((levels - typical - MARGIN_DB) * (1 - 1 / RATIO), 0.0, MAX_CUT_DB)
    cut_db = uniform_filter1d(cut_db, size=max(1, int(SMOOTH_S / FRAME_S)), mode="nearest")
    hop = max(1, int(FRAME_S * sample_rate_hz))
    centres = np.arange(levels.size) * hop + hop // 2
    gain = 10 ** (-np.interp(np.arange(high.shape[-1]), centres, cut_db) / 20)
    return low + high * gain[None, :]


def process(step: DeessStep):
    return lambda x, sr: deessed(x, sr)


def unfit(scene, step: DeessStep) -> str | None:
    """Why the recording has nothing to de-ess (wherever the step would run), or None."""
    x, sr = scene.audio.samples, scene.audio.sample_rate_hz
    if not _has_band(x, sr):
        return f"no sibilant band to tame: nothing above {SPLIT_HZ:g} Hz (sample rate {sr} Hz)"
    excess = peak_excess_db(x, sr)
    if excess < MIN_EXCESS_DB:
        return (f"no harsh sibilance found: the loudest moments above {SPLIT_HZ:g} Hz stand {excess:.1f} dB over that "
                f"band's typical level (at least {MIN_EXCESS_DB:g} dB is sibilance worth taming)")
    return None


def feasible(scene, step: DeessStep) -> tuple[bool, str]:
    from audioedit.ops.apply import effect_feasible

    why = unfit(scene, step)
    return (False, why) if why else effect_feasible(scene, step.target, 0.0)


def execute(scene, step: DeessStep):
    from audioedit.ops.apply import execute_effect

    return execute_effect(scene, step, process(step), 0.0, f"de-ess {amount(step)}")


def verify(before, after, step: DeessStep, edited_spans_s) -> list:
    from audioedit.metrics import power_db
    from audioedit.ops.apply import measured_target
    from audioedit.ops.measure import check, psd

    sr = before.audio.sample_rate_hz
    t0, t1, kept = measured_target(before, after, step, edited_spans_s)
    l0, l1 = (frame_levels_db(split_bands(t, sr)[0], sr) for t in (t0, t1))
    loud = l0 >= np.percentile(l0[l0 >= l0.max() - GATE_DB], 95) if l0.size else l0.astype(bool)
    drop = float(np.mean(l1[loud] - l0[loud])) if loud.any() else 0.0
    f, s0 = psd(t0, sr)
    _, s1 = psd(t1, sr)
    below = f < LOW_BAND_HZ
    low_change = 10 * float(np.log10((s1[below].sum() + 1e-20) / (s0[below].sum() + 1e-20)))
    level = power_db(t1) - power_db(t0)
    checks = [check("sibilant_peak_change_db", drop, f"<= -{MIN_DROP_DB:g}", drop <= -MIN_DROP_DB,
                    f"the {SPLIT_HZ:g} Hz+ band's loudest {FRAME_S * 1000:g} ms frames of the input (top 5 %), mean change"),
              check("low_band_change_db", low_change, f"0 ± {LOW_BAND_TOLERANCE_DB:g}",
                    abs(low_change) <= LOW_BAND_TOLERANCE_DB, f"the spectrum below {LOW_BAND_HZ:g} Hz"),
              check("level_change_db", level, f"0 ± {LEVEL_TOLERANCE_DB:g}", abs(level) <= LEVEL_TOLERANCE_DB)]
    return checks + kept
