"""Instruction templates for the six atomic ops and the declarative requests.

Each op has several phrasings with slots for the class (``{sound}``, ``{a_sound}``), the event
reference with its ordinal or time (``{target}``), the time (``{time}``) and the amount
(``{amount}``); on top, paraphrase variation picks verb synonyms, label synonyms from the bank's
``labels.json``, a polite prefix or suffix and the capitalisation. Everything is drawn from the
``numpy.random.Generator`` the caller passes, so a seed gives the same sentence.

    >>> rng = np.random.default_rng(0)
    >>> loudness_instruction(Slots(target="the siren"), gain_db=-6, rng=rng)   # doctest: +SKIP
    'Turn the siren down by 6 dB'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
PREFIXES = ["", "", "", "please ", "can you ", "could you ", "I'd like you to ", "go ahead and "]
SUFFIXES = ["", "", "", " please", ", thanks", " for me"]
VAGUE_GAIN = {3: "a bit {dir}", 6: "{dir}", 12: "much {dir}"}  # DESIGN.md's vague amounts
VAGUE_SPEED = {2.0: "twice as fast", 0.5: "half as fast", 1.25: "faster", 0.8: "slower"}


@dataclass
class Slots:
    """What an instruction talks about (already phrased)."""

    target: str = ""  # "the second dog bark", "the siren at 3.2 s"
    sound: str = ""  # "dog bark"
    other: str = ""  # second reference for reorder
    time: str = ""  # "at 3.5 seconds"


def pick(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(len(options)))]


MASS_NOUNS = {"speech", "music", "rain", "wind", "traffic", "running water", "dishes", "footsteps", "birdsong",
              "talking", "noise", "applause", "laughter", "street music", "street ambience", "whale song"}


def article(noun: str) -> str:
    """'a dog bark', 'an engine', 'some rain' (mass nouns and plurals)."""
    if noun.lower() in MASS_NOUNS or (noun.endswith("s") and not noun.endswith("ss")):
        return "some " + noun
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def ordinal(n: int) -> str:
    return ORDINALS[n - 1] if 1 <= n <= len(ORDINALS) else f"{n}th"


def sound_name(display: str, synonyms: list[str], rng: np.random.Generator) -> str:
    """The display name, or now and then one of its synonyms."""
    if synonyms and rng.random() < 0.3:
        return pick(rng, synonyms)
    return display


def time_phrase(time_s: float, duration_s: float, rng: np.random.Generator) -> str:
    """'at 3.5 s', 'around 4 seconds', 'near the end', ..."""
    style = int(rng.integers(4))
    if style == 0:
        return f"at {time_s:.1f} s"
    if style == 1:
        return f"at {time_s:.1f} seconds"
    if style == 2:
        n = round(time_s)
        return f"around {n:d} second{'' if n == 1 else 's'}"
    part = "the beginning" if time_s < duration_s / 3 else "the middle" if time_s < 2 * duration_s / 3 else "the end"
    return pick(rng, [f"near {part}", f"towards {part}"])


def reference(name: str, select: str, n: int | None, count: int, onset_s: float | None,
              duration_s: float, rng: np.random.Generator) -> str:
    """'the dog bark' / 'the second dog bark' / 'the last dog bark' / 'the dog bark at 3.1 s'."""
    if select == "first":
        return f"the first {name}" if rng.random() < 0.8 else f"the earliest {name}"
    if select == "last":
        return f"the last {name}" if rng.random() < 0.8 else f"the final {name}"
    if select == "nth":
        return f"the {ordinal(n or 1)} {name}"
    if count == 1 and onset_s is not None and rng.random() < 0.25:
        return f"the {name} {time_phrase(onset_s, duration_s, rng)}"
    return f"the {name}"


def finish(core: str, rng: np.random.Generator) -> str:
    """Polite prefix/suffix and capitalisation (paraphrase variation). A core starting with
    ``!`` is a statement, not an imperative: it gets no prefix."""
    prefix = "" if core.startswith("!") else pick(rng, PREFIXES)
    suffix = pick(rng, SUFFIXES)
    if "please" in prefix and "please" in suffix:
        suffix = ""
    text = prefix + core.lstrip("!") + suffix
    text = " ".join(text.split())
    return text[0].upper() + text[1:] if rng.random() < 0.7 else text


# --------------------------------------------------------------------------------------------
# the six ops


def add_instruction(s: Slots, rng: np.random.Generator, background: bool = False) -> str:
    a = article(s.sound)
    if background:
        core = pick(rng, [
            f"add {s.sound} in the background",
            f"put {s.sound} behind everything",
            f"add a background of {s.sound}",
            f"lay {s.sound} underneath the scene",
            f"place the sound of {s.sound} in the background",
            f"give it {a} ambience in the background",
        ])
        return finish(core, rng)
    verb = pick(rng, ["add", "insert", "put in", "include", "drop in", "mix in"])
    core = pick(rng, [
        f"{verb} {a} {s.time}",
        f"{verb} the sound of {a} {s.time}",
        f"!{s.time}, {verb} {a}",
        f"!I want to hear {a} {s.time}",
        f"!there should be {a} {s.time}",
        f"{verb} {a} to the recording {s.time}",
    ])
    return finish(core, rng)


def remove_instruction(s: Slots, rng: np.random.Generator, background: bool = False) -> str:
    verb = pick(rng, ["remove", "delete", "take out", "get rid of", "erase", "cut out", "drop"])
    if background:
        core = pick(rng, [
            f"{verb} the {s.sound} in the background",
            f"{verb} the background {s.sound}",
            f"{verb} the background ambience",
            "!keep only the foreground sounds",
            f"silence the {s.sound} background",
        ])
        return finish(core, rng)
    core = pick(rng, [
        f"{verb} {s.target}",
        f"{verb} {s.target} from the recording",
        f"!I don't want to hear {s.target}",
        f"mute {s.target}",
        f"silence {s.target}",
        f"{verb} {s.target} and keep everything else",
    ])
    return finish(core, rng)


def replace_instruction(s: Slots, rng: np.random.Generator) -> str:
    a = article(s.sound)
    core = pick(rng, [
        f"replace {s.target} with {a}",
        f"swap {s.target} for {a}",
        f"turn {s.target} into {a}",
        f"change {s.target} to {a}",
        f"use {a} instead of {s.target}",
        f"substitute {a} for {s.target}",
        f"make {s.target} sound like {a} instead",
    ])
    return finish(core, rng)


def reorder_instruction(s: Slots, rng: np.random.Generator, kind: str) -> str:
    """``kind``: 'swap' (s.target, s.other), 'before' (move target before other), 'after'."""
    if kind == "swap":
        core = pick(rng, [
            f"swap {s.target} and {s.other}",
            f"switch the order of {s.target} and {s.other}",
            f"exchange the positions of {s.target} and {s.other}",
            f"!let {s.target} and {s.other} trade places",
            f"reverse the order of {s.target} and {s.other}",
        ])
    elif kind == "before":
        core = pick(rng, [
            f"move {s.target} before {s.other}",
            f"put {s.target} ahead of {s.other}",
            f"make {s.target} happen before {s.other}",
            f"play {s.target} first, then {s.other}",
            f"!{s.target} should come before {s.other}",
        ])
    else:
        core = pick(rng, [
            f"move {s.target} after {s.other}",
            f"put {s.target} after {s.other}",
            f"!let {s.other} come before {s.target}",
            f"make {s.target} happen later than {s.other}",
            f"!{s.target} should come after {s.other}",
        ])
    return finish(core, rng)


def gain_phrase(gain_db: float, rng: np.random.Generator) -> str:
    """'6 dB louder', 'much quieter', 'by 9 dB quieter'..."""
    direction = "louder" if gain_db > 0 else "quieter"
    size = int(round(abs(gain_db)))
    if size in VAGUE_GAIN and abs(abs(gain_db) - size) < 1e-6 and rng.random() < 0.5:
        return VAGUE_GAIN[size].format(dir=direction)
    return f"{size} dB {direction}"


def loudness_instruction(s: Slots, gain_db: float, rng: np.random.Generator) -> str:
    size = int(round(abs(gain_db)))
    up = gain_db > 0
    core = pick(rng, [
        f"make {s.target} {gain_phrase(gain_db, rng)}",
        f"turn {s.target} {'up' if up else 'down'} by {size} dB",
        f"{'raise' if up else 'lower'} the volume of {s.target} by {size} dB",
        f"{'boost' if up else 'attenuate'} {s.target} by {size} dB",
        f"!{s.target} should be {gain_phrase(gain_db, rng)}",
        f"change the level of {s.target} by {gain_db:+.0f} dB",
    ])
    return finish(core, rng)


def speed_phrase(factor: float, rng: np.random.Generator) -> str:
    if factor in VAGUE_SPEED and rng.random() < 0.6:
        return VAGUE_SPEED[factor]
    if factor >= 1:
        return pick(rng, [f"{factor:g} times faster", f"{factor:g}x faster", f"at {factor:g}x speed"])
    return pick(rng, [f"at {factor:g}x speed", f"{1 / factor:.2g} times slower", f"at {round(factor * 100):d}% speed"])


def speed_instruction(s: Slots, factor: float, rng: np.random.Generator) -> str:
    keep = pick(rng, ["", "", " without changing its pitch", " but keep the pitch", ", pitch unchanged"])
    verb = "speed up" if factor > 1 else "slow down"
    core = pick(rng, [
        f"make {s.target} play {speed_phrase(factor, rng)}{keep}",
        f"{verb} {s.target} to {factor:g}x{keep}",
        f"play {s.target} {speed_phrase(factor, rng)}{keep}",
        f"change the speed of {s.target} by a factor of {factor:g}{keep}",
        f"time-stretch {s.target} to {1 / factor:.2f} times its length{keep}",
    ])
    return finish(core, rng)
