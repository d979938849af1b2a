"""Loudness normalisation requests: "normalize to -16 LUFS", "make it as loud as a podcast".

| words | integrated loudness (ITU-R BS.1770) |
|---|---|
| "-16 LUFS", "to -23 LUFS", "-14 LKFS" | the number given |
| "podcast", "voice", "audiobook" | ``PRESET_LUFS["podcast"]`` = -16 LUFS (the common podcast target) |
| "streaming", "spotify", "youtube", "apple music" | -14 LUFS (the streaming services' playback level) |
| "broadcast", "tv", "radio", "ebu", "r128" | -23 LUFS (EBU R 128) |
| "normalize" alone | -16 LUFS (``DEFAULT_LUFS``), recorded as an assumption |

Peaks are limited to ``PEAK_DBFS`` (-1 dBFS true-peak headroom is the streaming services' advice).
The target is the whole recording unless the clause names a sound ("normalize the speech").
"""

from __future__ import annotations

import re

from audioedit.steps import NormalizeStep
from planner import templates
from planner.builder import StepBuilder
from planner.refs import clean_phrase

DEFAULT_LUFS = -16.0
PEAK_DBFS = -1.0
PRESET_LUFS = {"podcast": -16.0, "streaming": -14.0, "broadcast": -23.0}
PRESET_WORDS = {
    "podcast": r"podcasts?|voice ?overs?|audiobooks?|spoken word",
    "streaming": r"streaming|spotify|youtube|apple music|tidal|soundcloud|a song|music releases?",
    "broadcast": r"broadcast|tv|television|radio|ebu|r ?128|atsc|a/85",
}
LUFS_RE = re.compile(r"(?P<sign>[+-]|minus )?(?P<n>\d+(?:\.\d+)?)\s*(?:lufs|lkfs|lu\b)")
NORMALIZE_RE = re.compile(
    r"\b(?:normali[sz](?:e|ed|ing|ation)|loudness[- ]normali[sz]\w*|level[- ]match|even out the (?:volume|level|loudness))\b"
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


def _preset(text: str) -> str | None:
    m = AS_LOUD_AS_RE.search(text)
    if m is None:
        return None
    said = m["preset"]
    return next(name for name, words in PRESET_WORDS.items() if re.fullmatch(words, said))


def parse_normalize(text: str, source: str, builder: StepBuilder) -> bool:
    """A loudness-normalisation clause -> one ``NormalizeStep``; False when the clause is not one."""
    lufs_m, preset = LUFS_RE.search(text), _preset(text)
    if lufs_m is None and preset is None and NORMALIZE_RE.search(text) is None:
        return False
    g = builder.g
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
    phrase = clean_phrase(TARGET_WORDS_RE.sub(" ", rest)) or "it"
    refs = g.refs(phrase, source)
    if not refs:
        return True
    for ref in refs:
        builder.add_step(NormalizeStep, source, instruction=templates.normalize_instruction(ref, lufs), target=ref,
                         lufs=lufs, peak_dbfs=PEAK_DBFS)
    g.last_refs = refs
    builder.last_verb = None
    return True
