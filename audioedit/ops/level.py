"""level: even out the volume ("even out the volume", "the quiet parts are too quiet", "compress the voice").

A slow leveller, not a peak compressor: where the recording (or the layer) is louder or quieter than its
typical level, it is moved towards it by ``1 - 1/ratio`` of the difference, phrase by phrase:

- the level is the RMS in ``WINDOW_S`` windows every ``HOP_S``; the typical level is the median over the
  active windows (those within ``GATE_DB`` of the loudest tenth): pauses and room tone are held at the gain
  of the speech around them, never boosted;
- the gain is capped at ``MAX_GAIN_DB`` either way, smoothed over ``SMOOTH_S`` and interpolated to every
  sample (every channel alike); the result gets back the input's integrated loudness, its peaks held at
  -1 dBFS by the normaliser's limiter.

Wording (``parse``): "even out / level / balance / smooth out the volume (of X)", "make the volume more
even / consistent", "the volume goes up and down", "compress (X)", "(apply) compression (to X)", "reduce the
dynamic range", "make the quiet parts louder (and the loud parts quieter)". Strength: "a little / gently"
ratio 2, "a lot / heavily" ratio 5, else ``DEFAULT_RATIO``.

On a file edited as a stream (over 10 minutes, or ``--chunked``) each chunk (~60 s) is levelled on its own:
the loudness differences between chunks stay.

Checks: ``loudness_range_lu`` (EBU Tech 3342) falls to at most ``MAX_RANGE_SHARE`` of the input's;
``integrated_lufs_change`` within ± ``LOUDNESS_TOLERANCE_LU``; ``peak_dbfs`` <= -1 dBFS + 0.1 (or the
input's peak). A recording whose loudness range is already under ``MIN_RANGE_LU`` is refused with it.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.steps import EventRef, _Step

WINDOW_S = 0.4
HOP_S = 0.05
SMOOTH_S = 0.75
GATE_DB = 25.0
MAX_GAIN_DB = 12.0
DEFAULT_RATIO = 3.0
RATIOS = {"gentle": 2.0, "strong": 5.0}
PEAK_DBFS = -1.0
MIN_RANGE_LU = 3.0
SUGGEST_RANGE_LU = 12.0  # ``measure`` suggests levelling a wider range (speech is typically 3-10 LU)
MAX_RANGE_SHARE = 0.8
LOUDNESS_TOLERANCE_LU = 1.0


class LevelStep(_Step):
    op: Literal["level"] = "level"
    target: EventRef
    ratio: float = Field(DEFAULT_RATIO, ge=1.2, le=20, description="how far towards the typical level: 1 - 1/ratio of the difference")


STEP = LevelStep
_VOLUME = r"(?:volume|volumes|level|levels|loudness|dynamics)"
_OF = r"(?:\s+(?:of|in|on|for|across)\s+(?P<x>.+?))?"
_STRENGTH = r"(?:\s+(?P<how>a (?:little|bit)|slightly|gently|a lot|heavily|strongly|hard|more))?"
LEVEL_RES = (
    re.compile(rf"^(?:even out|even up|level(?: out)?|balance(?: out)?|smooth out|stabili[sz]e|equali[sz]e)\s+(?:the\s+|its\s+)?"
               rf"{_VOLUME}{_OF}{_STRENGTH}$"),
    re.compile(rf"^make\s+(?:the\s+|its\s+)?{_VOLUME}{_OF}\s+(?:a (?:little|bit)\s+)?(?:more\s+)?(?:even|consistent|steady|stable|"
               r"uniform|constant)$"),
    re.compile(rf"^(?:compress|apply compression to|add compression to|put compression on)\s+(?P<x>.+?){_STRENGTH}$"),
    re.compile(rf"^(?:apply|add|use)\s+(?:some\s+|a (?:little|bit of)\s+)?compression(?:\s+(?:to|on)\s+(?P<x>.+?))?{_STRENGTH}$"),
    re.compile(rf"^(?:reduce|lower|compress|cut)\s+(?:the\s+)?dynamic range{_OF}{_STRENGTH}$"),
    re.compile(r"^(?:make|bring up)\s+the\s+(?:quiet|soft|low)\s+(?:parts|bits|passages|moments)\s+louder"
               r"(?:\s+and\s+the\s+(?:loud|peaks?)\s+(?:parts|bits|passages|moments)?\s*(?:quieter|softer|down))?$"),
)


def parse(text: str, source: str, builder) -> bool:
    text = text.strip().rstrip(".!").strip()
    for pattern in LEVEL_RES:
        m = pattern.match(text)
        if m is None:
            continue
        how = m.groupdict().get("how") or ""
        ratio = RATIOS["gentle"] if re.search(r"little|bit|slightly|gently", how) else (
            RATIOS["strong"] if re.search(r"lot|heavily|strongly|hard|more", how) else DEFAULT_RATIO)
        if not how:
            builder.g.note(f"'{source}': no strength given; differences from the typical level reduced to 1/{ratio:g}")
        refs = builder.g.refs((m.groupdict().get("x") or "it").strip(), source)
        for ref in refs or ():
            builder.add_step(LevelStep, source, instruction=instruction(ref, ratio), target=ref, ratio=ratio)
        builder.last_verb = None
        return True
    return False


def instruction(target: EventRef, ratio: float) -> str:
    from audioedit.ops.apply import spoken

    return f"Even out the volume of {spoken(target)} (differences from its typical level reduced to 1/{ratio:g})."


def amount(step: LevelStep) -> str:
    return f"ratio {step.ratio:g}:1 towards the typical level"


def gain_curve_db(x: np.ndarray, sample_rate_hz: int, ratio: float) -> np.ndarray:
    """The leveller's gain in dB for every frame of ``x`` (channels, frames)."""
    from scipy.ndimage import uniform_filter1d

    mono = np.mean(np.asarray(x, np.float64) ** 2, axis=0)
    hop, win = max(1, int(HOP_S * sample_rate_hz)), max(1, int(WINDOW_S * sample_rate_hz))
    power = np.concatenate([np.zeros(1), np.cumsum(mono)])
    centres = np.arange(0, mono.size, hop)
    lo, hi = np.clip(centres - win // 2, 0, mono.size), np.clip(centres + win // 2, 0, mono.size)
    level = 10 * np.log10((power[hi] - power[lo]) / np.maximum(hi - lo, 1) + 1e-12)
    active = level >= np.percentile(level, 90) - GATE_DB
    if not active.any():
        return np.zeros(mono.size)
    typical = float(np.median(level[active]))
    gain = np.clip((typical - level) * (1 - 1 / ratio), -MAX_GAIN_DB, MAX_GAIN_DB)
    idx = np.arange(level.size)
    gain = np.interp(idx, idx[active], gain[active])  # pauses hold the gain of the sound around them
    gain = uniform_filter1d(gain, size=max(1, int(SMOOTH_S / HOP_S)), mode="nearest")
    return np.interp(np.arange(mono.size), centres, gain)


def process(step: LevelStep):
    from audioedit.audio import Audio
    from audioedit.metrics import integrated_lufs
    from audioedit.ops.normalize import limit_peaks

    def levelled(x: np.ndarray, sr: int) -> np.ndarray:
        y = np.asarray(x, np.float64) * 10 ** (gain_curve_db(x, sr, step.ratio)[None, :] / 20)
        before, after = integrated_lufs(Audio(x, sr)), integrated_lufs(Audio(y, sr))
        if np.isfinite(before) and np.isfinite(after):
            y = y * 10 ** ((before - after) / 20)
        return limit_peaks(y, sr, 10 ** (PEAK_DBFS / 20))
    return levelled


def measure(audio) -> tuple[dict, list[str]]:
    """The loudness range (EBU Tech 3342, LU), and 'even out the volume' when it is over ``SUGGEST_RANGE_LU``."""
    from audioedit.metrics import loudness_range_lu

    lra = loudness_range_lu(audio)
    return {"loudness_range_lu": round(lra, 1)}, (["even out the volume"] if lra > SUGGEST_RANGE_LU else [])


def feasible(scene, step: LevelStep) -> tuple[bool, str]:
    from audioedit.metrics import loudness_range_lu
    from audioedit.ops.apply import effect_feasible

    ok, why = effect_feasible(scene, step.target, 0.0)
    if ok and step.target.scope == "recording" and step.target.start_s is None and step.target.end_s is None:
        lra = loudness_range_lu(scene.audio)
        if lra < MIN_RANGE_LU:
            return False, f"the volume is already even: loudness range {lra:.1f} LU (under {MIN_RANGE_LU:g} LU)"
    return ok, why


def execute(scene, step: LevelStep):
    from audioedit.ops.apply import execute_effect

    return execute_effect(scene, step, process(step), 0.0, f"level {amount(step)}")


def verify(before, after, step: LevelStep, edited_spans_s) -> list:
    from audioedit.audio import Audio
    from audioedit.metrics import integrated_lufs, loudness_range_lu
    from audioedit.ops.apply import measured_target
    from audioedit.ops.measure import check

    sr = before.audio.sample_rate_hz
    t0, t1, kept = measured_target(before, after, step, edited_spans_s)
    a0, a1 = Audio(t0.astype(np.float32), sr), Audio(t1.astype(np.float32), sr)
    lra0, lra1 = loudness_range_lu(a0), loudness_range_lu(a1)
    change = integrated_lufs(a1) - integrated_lufs(a0)
    peak0, peak1 = (20 * np.log10(np.max(np.abs(t)) + 1e-12) for t in (t0, t1))
    ceiling = max(PEAK_DBFS, peak0)
    checks = [check("loudness_range_lu", lra1, f"<= {MAX_RANGE_SHARE:g} x {lra0:.1f}", lra1 <= MAX_RANGE_SHARE * lra0,
                    f"EBU Tech 3342 loudness range, {lra0:.1f} LU before"),
              check("integrated_lufs_change", change, f"0 ± {LOUDNESS_TOLERANCE_LU:g}", abs(change) <= LOUDNESS_TOLERANCE_LU),
              check("peak_dbfs", peak1, f"<= {ceiling:.1f} + 0.1", peak1 <= ceiling + 0.1)]
    return checks + kept
