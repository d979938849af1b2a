"""normalize: bring the whole recording to an integrated loudness ("normalize to -16 LUFS", "make it
as loud as a podcast").

| words | integrated loudness (ITU-R BS.1770) |
|---|---|
| "-16 LUFS", "to -23 LUFS", "-14 LKFS" | the number given |
| "podcast", "voice", "audiobook" | ``PRESET_LUFS["podcast"]`` = -16 LUFS (the common podcast target) |
| "streaming", "spotify", "youtube", "apple music" | -14 LUFS (the streaming services' playback level) |
| "broadcast", "tv", "radio", "ebu", "r128" | -23 LUFS (EBU R 128) |
| "normalize" alone | -16 LUFS (``DEFAULT_LUFS``), recorded as an assumption |
| "normalize to -1 dB", "peak normalize", "normalize the peaks to -0.5 dBFS" | peak normalisation: the highest sample at that level (-1 dBFS if none is given), ``lufs`` null |

The gain depends on the measured loudness, so it is decided at execution: the gain that reaches the
target, with peaks held at ``PEAK_DBFS`` (-1 dBFS, the streaming services' advice) by a smooth
limiter (``limit_peaks``), corrected until the result is within 0.1 LU. The whole recording only
(mixture and stems alike): one sound's level is a loudness step ("make the dog 6 dB louder").
Checks: ``integrated_lufs`` (± ``TOLERANCE_LU``) and ``peak_dbfs``.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.backends import registry_backend
from audioedit.errors import ExecutionError
from audioedit.metrics import integrated_lufs
from audioedit.steps import EventRef, _Step, whole_recording

DEFAULT_LUFS = -16.0
PEAK_DBFS = -1.0
PRESET_LUFS = {"podcast": -16.0, "streaming": -14.0, "broadcast": -23.0}
PRESET_WORDS = {
    "podcast": r"podcasts?|voice ?overs?|audiobooks?|spoken word",
    "streaming": r"streaming|spotify|youtube|apple music|tidal|soundcloud|a song|music releases?",
    "broadcast": r"broadcast|tv|television|radio|ebu|r ?128|atsc|a/85",
}
PEAK_RE = re.compile(r"(?:[+-]|minus )?(?P<n>\d+(?:\.\d+)?)\s*(?:db|dbfs|dbtp)\b")  # a peak level (below 0)
PEAK_WORD_RE = re.compile(r"\bpeaks?\b")
LUFS_RE = re.compile(r"(?P<sign>[+-]|minus )?(?P<n>\d+(?:\.\d+)?)\s*(?:lufs|lkfs|lu\b)")
NORMALIZE_RE = re.compile(
    r"\b(?:normali[sz](?:e|ed|ing|ation)|loudness[- ]normali[sz]\w*|level[- ]match)\b"
)
AS_LOUD_AS_RE = re.compile(
    rf"\b(?:as loud as|the (?:loudness|level|volume) of|(?:loudness|level) (?:for|of|like)|"
    rf"(?:ready|mastered|master(?:ed)?) for|standard (?:for|of)|(?:at|to|for))\s+"
    rf"(?:an? |the |typical |standard |normal )?(?P<preset>{'|'.join(PRESET_WORDS.values())})"
    rf"(?: (?:level|loudness|volume|standard|spec|norm|target))?\b"
)
TARGET_WORDS_RE = re.compile(
    r"\b(?:normali[sz]\w*|loudness[- ]normali[sz]\w*|level[- ]match|even out|make|bring|set|get|master(?:ed)?|"
    r"as loud as|ready for|standard|the loudness of|loudness|level|volume|for|of|like|to|at|typical|normal|"
    r"integrated|target|spec|norm)\b"
)


class NormalizeStep(_Step):
    op: Literal["normalize"] = "normalize"
    target: EventRef
    lufs: float | None = Field(ge=-70, le=0, description="integrated loudness target; null: peak normalisation")
    peak_dbfs: float = Field(-1.0, le=0, description="the peak ceiling; with lufs null, the level the highest peak is set to")


STEP = NormalizeStep
TOLERANCE_LU = 1.0
SUGGEST_BELOW_LUFS = -30.0  # ``measure`` suggests normalising a recording this quiet (targets: -14 to -23 LUFS)
LIMITER_ATTACK_S = 0.002
LIMITER_RELEASE_S = 0.08


def _preset(text: str) -> str | None:
    m = AS_LOUD_AS_RE.search(text)
    if m is None:
        return None
    said = m["preset"]
    return next(name for name, words in PRESET_WORDS.items() if re.fullmatch(words, said))


def parse(text: str, source: str, builder) -> bool:
    """A loudness-normalisation clause -> one ``NormalizeStep``; False when the clause is not one."""
    lufs_m, preset = LUFS_RE.search(text), _preset(text)
    if lufs_m is None and preset is None and NORMALIZE_RE.search(text) is None:
        return False
    g = builder.g
    peak_m = PEAK_RE.search(text)
    if lufs_m is None and preset is None and (peak_m is not None or PEAK_WORD_RE.search(text)):
        peak = -float(peak_m["n"]) if peak_m is not None else PEAK_DBFS  # a peak level is at most 0 dBFS
        if peak_m is None:
            g.note(f"'{source}': no peak level given; the highest peak set to {PEAK_DBFS:g} dBFS")
        builder.add_step(NormalizeStep, source, instruction=peak_instruction(peak), target=whole_recording(), lufs=None,
                         peak_dbfs=peak)
        builder.last_verb = None
        return True
    if lufs_m is not None:
        lufs = float(lufs_m["n"]) * (1 if (lufs_m["sign"] or "-").strip() == "+" else -1)
        if lufs_m["sign"] is None:
            g.note(f"'{lufs_m.group(0)}' read as -{lufs_m['n']} LUFS (integrated loudness is below 0)")
    elif preset is not None:
        lufs = PRESET_LUFS[preset]
        g.note(f"'{source}': {preset} loudness read as {lufs:g} LUFS integrated, peaks at {PEAK_DBFS:g} dBFS")
    else:
        lufs = DEFAULT_LUFS
        g.note(f"'{source}': no loudness given; normalised to {DEFAULT_LUFS:g} LUFS (the podcast level)")
    if not -70 <= lufs <= 0:
        g.fail(source, f"{lufs:g} LUFS is outside -70..0 LUFS; give an integrated loudness such as -16 LUFS")
        return True
    rest = text
    for pattern in (LUFS_RE, AS_LOUD_AS_RE, NORMALIZE_RE):
        rest = pattern.sub(" ", rest)
    phrase = re.sub(r"\s+", " ", TARGET_WORDS_RE.sub(" ", rest)).strip(" ,.;:!?")
    phrase = "it" if re.fullmatch(r"(?:(?:the|a|an|its?|this|all|whole|overall|audio)\s*)*", phrase) else phrase
    refs = g.refs(phrase, source)
    if not refs:
        return True
    for ref in refs:
        builder.add_step(NormalizeStep, source, instruction=instruction(ref, lufs), target=ref,
                         lufs=lufs, peak_dbfs=PEAK_DBFS)
    g.last_refs = refs
    builder.last_verb = None
    return True


def limit_peaks(x: np.ndarray, sample_rate_hz: int, ceiling: float) -> np.ndarray:
    """``x`` with a gain curve that keeps every |sample| <= ``ceiling``: instant attack towards a
    peak (looked ahead by ``LIMITER_ATTACK_S``), exponential release; unity where nothing exceeds."""
    peak = np.max(np.abs(x), axis=0)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    if need.min() >= 1.0:
        return x
    look = max(1, int(LIMITER_ATTACK_S * sample_rate_hz))
    from scipy.ndimage import minimum_filter1d
    from scipy.signal import lfilter

    held = minimum_filter1d(need, size=2 * look + 1, mode="nearest")
    alpha = np.exp(-1.0 / (LIMITER_RELEASE_S * sample_rate_hz))
    # release smoothing runs on 1 - gain (a one-pole low-pass), then the held minimum wins again
    reduction = 1.0 - held
    smooth = 1.0 - lfilter([1 - alpha], [1, -alpha], reduction, zi=[alpha * reduction[0]])[0]
    gain = np.minimum(held, smooth)
    return x * gain[None, :]


def instruction(target: EventRef, lufs: float) -> str:
    from audioedit.ops.apply import spoken

    return f"Normalize {spoken(target)} to {round(lufs, 2):g} LUFS."


def peak_instruction(peak_dbfs: float) -> str:
    return f"Normalize the whole recording so its highest peak is at {peak_dbfs:g} dBFS."


def amount(step: NormalizeStep) -> str:
    if step.lufs is None:
        return f"peak at {step.peak_dbfs:g} dBFS"
    return f"{step.lufs:g} LUFS, peaks <= {step.peak_dbfs:g} dBFS"


def measure(audio) -> tuple[dict, list[str]]:
    """Integrated loudness (LUFS) and peak (dBFS), and a normalisation when it is far under any playback target."""
    lufs = integrated_lufs(audio)
    quiet = np.isfinite(lufs) and lufs < SUGGEST_BELOW_LUFS
    return ({"integrated_lufs": round(lufs, 1) if np.isfinite(lufs) else None, "peak_dbfs": round(audio.peak_dbfs(), 1)},
            [f"normalize to {DEFAULT_LUFS:g} LUFS"] if quiet else [])


def feasible(scene, step: NormalizeStep) -> tuple[bool, str]:
    if step.target.scope == "recording":
        return True, "the whole recording: the gain to the target loudness, peak-limited"
    return False, (f"normalize applies to the whole recording; to change {step.target.describe()} alone give a "
                   "change in dB, e.g. '6 dB louder'")


def execute(scene, step: NormalizeStep):
    from audioedit.result import StepResult

    if step.lufs is None:  # peak normalisation: one gain, no limiter
        peak = scene.audio.peak_dbfs()
        if peak <= -119.9:
            raise ExecutionError(f"step {step.id!r}: the recording is silent; there is no peak to normalise")
        gain_db = step.peak_dbfs - peak
        return StepResult(scene=_gained(scene, gain_db, np.inf), edited_spans_s=[(0.0, scene.audio.duration_s)],
                          backend=registry_backend("normalize"), notes=[f"peak {peak:.2f} dBFS -> gain {gain_db:+.2f} dB"])
    before = integrated_lufs(scene.audio)
    if not np.isfinite(before):
        raise ExecutionError(f"step {step.id!r}: the recording is silent; there is no loudness to normalise")
    ceiling = 10 ** (step.peak_dbfs / 20)
    gain_db = step.lufs - before
    after = _gained(scene, gain_db, ceiling)
    for _ in range(3):  # the limiter lowers loudness a little: correct towards the target
        error = step.lufs - integrated_lufs(after.audio)
        if abs(error) < 0.1:
            break
        gain_db += error
        after = _gained(scene, gain_db, ceiling)
    limited = after.audio.peak_dbfs() < 20 * np.log10(np.max(np.abs(scene.audio.samples)) + 1e-12) + gain_db - 0.01
    notes = [f"integrated loudness {before:.1f} LUFS -> gain {gain_db:+.2f} dB"]
    notes += [f"peaks limited to {step.peak_dbfs:g} dBFS"] if limited else []
    return StepResult(scene=after, edited_spans_s=[(0.0, scene.audio.duration_s)], backend=registry_backend("normalize"), notes=notes)


def _gained(scene, gain_db: float, ceiling: float):
    """``scene`` with the gain and the limiter applied to the mixture; stems follow the same curve."""
    x = scene.audio.samples.astype(np.float64)
    y = limit_peaks(x * 10 ** (gain_db / 20), scene.audio.sample_rate_hz, ceiling)
    stems = None
    if scene.stems is not None:
        curve = np.divide(y, x, out=np.full_like(y, 10 ** (gain_db / 20)), where=x != 0)
        stems = {k: s.with_samples(s.samples * curve) for k, s in scene.stems.items()}
    events = tuple(e.model_copy(update={"level_db": None if e.level_db is None else e.level_db + gain_db})
                   for e in scene.events)
    return scene.evolve(audio=scene.audio.with_samples(y), stems=stems, events=events)


def verify(before, after, step: NormalizeStep, edited_spans_s) -> list:
    from audioedit.ops.measure import check

    lufs, peak = integrated_lufs(after.audio), after.audio.peak_dbfs()
    if step.lufs is None:
        return [check("peak_dbfs", peak, f"{step.peak_dbfs:g} ± 0.1", abs(peak - step.peak_dbfs) <= 0.1)]
    return [check("integrated_lufs", lufs, f"{step.lufs:g} ± {TOLERANCE_LU:g}", abs(lufs - step.lufs) <= TOLERANCE_LU),
            check("peak_dbfs", peak, f"<= {step.peak_dbfs:g} + 0.1", peak <= step.peak_dbfs + 0.1)]
