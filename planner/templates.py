"""The canonical atomic instruction sentence of every step, in one place.

    >>> from audioedit.steps import EventRef
    >>> loudness_instruction(EventRef(label="car_horn"), 6.0)
    'Make the car horn 6 dB louder.'
    >>> add_instruction("bird", 1, 8.0, "foreground")
    'Add a bird at 8.0 s.'
    >>> speed_instruction(EventRef(label="speech"), 1.25, True)
    'Speed up the speech by 1.25x.'
"""

from __future__ import annotations

from audioedit.steps import EventRef
from audioedit.planner.nouns import MASS_NOUNS, plural
from audioedit.planner.refs import describe_ref
from audioedit.planner.vocab import display_name


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def with_article(label: str) -> str:
    """'bird' -> 'a bird', 'engine_idling' -> 'an engine idling', 'rain' -> 'rain', 'insects' -> 'insects'."""
    name = display_name(label)
    if name in MASS_NOUNS or (name.endswith("s") and not name.endswith("ss")):
        return name
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def remove_instruction(ref: EventRef) -> str:
    if ref.scope == "recording":  # a time window of it: silenced, not cut out
        return f"Mute {describe_ref(ref)}."
    return f"Remove {describe_ref(ref)}."


def loudness_instruction(ref: EventRef, gain_db: float) -> str:
    direction = "louder" if gain_db >= 0 else "quieter"
    return f"Make {describe_ref(ref)} {_num(abs(gain_db))} dB {direction}."


def speed_instruction(ref: EventRef, factor: float, keep_pitch: bool) -> str:
    if factor >= 1:
        text = f"Speed up {describe_ref(ref)} by {_num(factor)}x."
    else:
        text = f"Slow down {describe_ref(ref)} to {_num(factor)}x speed."
    return text if keep_pitch else text[:-1] + ", letting the pitch change."


def add_instruction(sound: str, count: int, at_s: float | None, role: str) -> str:
    thing = with_article(sound) if count == 1 else f"{count} {plural(display_name(sound))}"
    if role == "background":
        return f"Add {thing} in the background."
    if at_s is None:
        return f"Add {thing}."
    return f"Add {thing} at {at_s:.1f} s."


def replace_instruction(ref: EventRef, sound: str) -> str:
    return f"Replace {describe_ref(ref)} with {with_article(sound)}."


def move_instruction(ref: EventRef, to_s: float | None, to: str | None, by_s: float | None) -> str:
    if by_s is not None:
        return f"Move {describe_ref(ref)} {_num(abs(by_s))} s {'later' if by_s > 0 else 'earlier'}."
    if to is not None:
        return f"Move {describe_ref(ref)} to the {to} of the recording."
    return f"Move {describe_ref(ref)} to start at {_num(to_s)} s."


def reorder_instruction(targets: list[EventRef], swap: bool) -> str:
    names = [describe_ref(t) for t in targets]
    if swap and len(names) == 2:
        return f"Swap {names[1]} and {names[0]}."
    if len(names) == 2:
        return f"Move {names[0]} before {names[1]}."
    return f"Reorder {', '.join(names[:-1])} and {names[-1]} to play in that order."
