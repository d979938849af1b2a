"""Numbers and amounts in requests: number words, loudness (dB), speed factors, counts, add levels.

Defaults for vague amounts (``LOUDNESS_DB``, ``SPEED_FACTOR``, ``ADD_SNR_DB``, ``COUNT_WORDS``):

| phrase | value |
|---|---|
| "a bit / slightly / a little" louder, quieter | +3 / -3 dB |
| louder, quieter (plain) | +6 / -6 dB |
| "much / a lot / way / far" louder, quieter | +12 / -12 dB |
| "by N dB", "N dB louder", "+N dB" | exactly N (sign from the direction) |
| "twice as loud" / "half as loud", "N times as loud" | +10 / -10 dB, 10*log2(N) (10 dB per doubling of loudness) |
| louder / quieter "by P%" | 20*log10(1 + P/100) / 20*log10(1 - P/100) (+3.5 dB / -6 dB for 50%) |
| "cut in half", "halve the volume" / "double the volume" (amplitude) | -6 / +6 dB |
| faster / slower (plain) | x1.25 / x0.8 |
| "a bit" faster / slower | x1.1 / x0.9 |
| "much" faster / slower | x1.5 / x0.67 |
| "twice as fast", "double speed" / "half speed", "half as fast" | x2 / x0.5 |
| "1.5x", "1.5 times faster" / "N times slower" | x1.5 / x(1/N) |
| "by a factor of F" / "time-stretch to L times its length" | xF / x(1/L) |
| "at 80% speed" / faster, slower "by 20%" | x0.8 / x1.2, x0.8 |
| added sound: foreground / background / "loud" / "quiet, soft, faint" / "at N dB" | snr +6 / -6 / +12 / 0 / N dB |
| "a couple of" / "a few", "several" | count 2 / 3 |
"""

from __future__ import annotations

import math
import re

LOUDNESS_DB = {"small": 3.0, "default": 6.0, "large": 12.0}
HALF_AS_LOUD_DB = -10.0  # perceived loudness halves every -10 dB
SPEED_FACTOR = {
    ("faster", "small"): 1.1, ("faster", "default"): 1.25, ("faster", "large"): 1.5,
    ("slower", "small"): 0.9, ("slower", "default"): 0.8, ("slower", "large"): 0.67,
}
ADD_SNR_DB = {"foreground": 6.0, "background": -6.0, "loud": 12.0, "quiet": 0.0}
MIN_GAIN_DB, MAX_GAIN_DB = -60.0, 40.0
MAX_COUNT = 16

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "a": 1, "an": 1, "single": 1, "half": 0.5, "quarter": 0.25, "double": 2, "twice": 2, "triple": 3,
    "thrice": 3, "a couple of": 2, "a couple": 2, "a pair of": 2, "a few": 3, "several": 3,
}
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}
_NUM_ALTS = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
NUM = rf"(?:\d+(?:\.\d+)?|\.\d+|{_NUM_ALTS})"  # a number as digits or words (no groups)
_NUMBER_RE = re.compile(rf"^(?:{NUM})$")

SMALL_RE = re.compile(r"\b(?:a (?:little )?bit|a little|slightly|a touch|a tad|somewhat|a smidge|gently|marginally)\b")
LARGE_RE = re.compile(
    r"\b(?:much|a lot|lots|way|far|significantly|considerably|really|very|heavily|greatly|drastically|"
    r"substantially|a great deal|massively|dramatically)\b"
)
DB_RE = re.compile(rf"(?P<sign>[+-]|minus |plus )?(?P<n>{NUM})\s*(?:db|decibels?)\b(?:fs\b)?")
PERCENT_RE = re.compile(r"(?:by\s+)?(?P<n>\d+(?:\.\d+)?)\s*(?:%|percent\b)")
TIMES_AS_RE = re.compile(rf"\b(?P<n>{NUM})\s*(?:x|times)?\s*as\s+(?P<adj>loud|quiet|soft|fast|quick|slow)\b")
TIMES_RE = re.compile(rf"(?<![\w.])(?P<n>\d+(?:\.\d+)?|{_NUM_ALTS})\s*(?:x\b|×|times\b)")
HALF_SPEED_RE = re.compile(r"\b(?:half|half the) (?:speed|tempo|pace|rate)\b|\bhalf[- ]speed\b")
DOUBLE_SPEED_RE = re.compile(r"\b(?:double|twice the|double the) (?:speed|tempo|pace|rate)\b|\bdouble[- ]speed\b")
SPEED_PERCENT_OF_RE = re.compile(
    r"\b(?:at|to)\s+\d+(?:\.\d+)?\s*(?:%|percent)|(?:%|percent)\s*(?:of\s+(?:the\s+)?(?:original\s+)?)?(?:speed|tempo|rate|pace)"
)
FACTOR_OF_RE = re.compile(rf"\bby a factor of\s+(?P<n>{NUM})\b")
LENGTH_RE = re.compile(
    r"\b(?:to\s+)?(?:(?P<n>\d+(?:\.\d+)?|\.\d+)\s*(?:x|times)?|(?P<w>twice|double|half|triple|three times|two times))\s+"
    r"(?:its|the|their)\s+(?:original\s+|current\s+)?(?:length|duration)\b"
)
DOUBLE_VOLUME_RE = re.compile(r"\bdouble (?:the )?(?:volume|level|loudness|gain)\b")
IN_HALF_RE = re.compile(r"\b(?:in half|by half|halve|halved)\b")


def number_value(text: str) -> float | None:
    """'3' -> 3.0, 'three' -> 3.0, 'a couple of' -> 2.0, 'half' -> 0.5; None if not a number."""
    text = text.strip().lower()
    if not _NUMBER_RE.match(text):
        return None
    return float(NUMBER_WORDS[text]) if text in NUMBER_WORDS else float(text)


def degree(text: str) -> str:
    """'small' | 'large' | 'default' from hedges and intensifiers in ``text``."""
    if SMALL_RE.search(text):
        return "small"
    if LARGE_RE.search(text):
        return "large"
    return "default"


def clamp_gain(gain_db: float) -> float:
    return max(MIN_GAIN_DB, min(MAX_GAIN_DB, gain_db))


def loudness_gain_db(text: str, direction: int) -> tuple[float, str]:
    """Gain in dB for a loudness clause and a short note on how it was read.

    ``direction`` is +1 (louder) or -1 (quieter) from the clause's verb; an explicit signed
    amount ("-6 dB") wins over it.
    """
    m = TIMES_AS_RE.search(text)
    if m and m["adj"] in {"loud", "quiet", "soft"}:
        n = number_value(m["n"]) or 1.0
        if m["adj"] != "loud":
            n = 1.0 / n
        return clamp_gain(10.0 * math.log2(n)) if n > 0 else MIN_GAIN_DB, "10 dB per doubling of loudness"
    m = DB_RE.search(text)
    if m:
        amount = number_value(m["n"]) or 0.0
        sign = m["sign"] or ""
        if sign.strip() in {"-", "minus"}:
            return clamp_gain(-amount), "explicit"
        if sign.strip() in {"+", "plus"}:
            return clamp_gain(amount), "explicit"
        return clamp_gain(direction * amount), "explicit"
    m = PERCENT_RE.search(text)
    if m:
        ratio = 1.0 + direction * float(m["n"]) / 100.0
        gain = 20.0 * math.log10(ratio) if ratio > 0 else MIN_GAIN_DB
        return clamp_gain(round(gain, 2)), "amplitude percentage"
    if IN_HALF_RE.search(text):
        return -6.0, "halving the amplitude (-6 dB)"
    if DOUBLE_VOLUME_RE.search(text):
        return 6.0, "doubling the amplitude (+6 dB)"
    size = degree(text)
    return direction * LOUDNESS_DB[size], f"default for a {size} change"


def speed_factor(text: str, direction: int) -> tuple[float, str]:
    """Speed factor (>1 faster) for a speed clause; ``direction`` +1 faster, -1 slower, 0 unknown."""
    m = TIMES_AS_RE.search(text)
    if m and m["adj"] in {"fast", "quick", "slow"}:
        n = number_value(m["n"]) or 1.0
        return (n if m["adj"] != "slow" else 1.0 / n), "explicit"
    m = LENGTH_RE.search(text)
    if m:
        n = float(m["n"]) if m["n"] else {"twice": 2.0, "double": 2.0, "half": 0.5, "triple": 3.0, "three times": 3.0,
                                           "two times": 2.0}[m["w"]]
        return (1.0 / n if n > 0 else 0.0), "the new length as a multiple of the old (factor = 1 / multiple)"
    m = FACTOR_OF_RE.search(text)
    if m:
        n = number_value(m["n"]) or 1.0
        return (1.0 / n if direction < 0 and n > 1 else n), "explicit factor"
    if HALF_SPEED_RE.search(text):
        return 0.5, "explicit"
    if DOUBLE_SPEED_RE.search(text):
        return 2.0, "explicit"
    if IN_HALF_RE.search(text) and direction != 0:
        return (0.5 if direction < 0 else 1.5), "by half"
    m = PERCENT_RE.search(text)
    if m:
        p = float(m["n"]) / 100.0
        if direction != 0 and not SPEED_PERCENT_OF_RE.search(text):
            return max(0.11, 1.0 + direction * p), "percentage change"
        return p, "percentage of the original speed"
    m = TIMES_RE.search(text)
    if m:
        n = number_value(m["n"]) or 1.0
        return (1.0 / n if direction < 0 and n > 1 else n), "explicit"
    size = degree(text)
    return SPEED_FACTOR[("slower" if direction < 0 else "faster", size)], f"default for a {size} change"
