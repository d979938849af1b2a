"""Where a ``MoveStep`` takes its events: one shift (seconds) for all of them, or why it cannot.

    >>> from audioedit.scene import Event
    >>> from audioedit.steps import EventRef, MoveStep
    >>> dog = Event(id="f0", label="dog_bark", onset_s=2.0, offset_s=3.5)
    >>> step = MoveStep(id="s1", instruction="Move the dog bark to the end.", target=EventRef(label="dog_bark"), to="end")
    >>> move = where_to(step, [dog], 10.0)
    >>> move.shift_s, move.new_span_s, move.cut_s
    (6.5, (8.5, 10.0), 0.0)
    >>> where_to(step.model_copy(update={"to": None, "by_s": -3.0}), [dog], 10.0)
    'the dog bark starts at 2.00 s: 3 s earlier is before the recording starts (at most 2.00 s earlier)'

The events move as a group (their spacing kept): ``to_s`` puts the first onset there, ``to="start"``
at 0, ``to="end"`` the last offset at the recording's end, ``to="middle"`` the group's centre at the
recording's centre, ``by_s`` shifts them. The recording keeps its length, so a move whose new start
lies outside ``[0, duration)`` is refused, and a move asked to a time where the sound runs past the
end keeps the asked start and loses the tail (``cut_s``: the executors fade it out at the end, the
plan and the report say how much). A move of less than ``MIN_SHIFT_S`` changes nothing: refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from audioedit.scene import Event

MIN_SHIFT_S = 0.01


@dataclass(frozen=True)
class Move:
    shift_s: float  # + later, - earlier
    span_s: tuple[float, float]  # the events' span before the move (first onset, last offset)
    duration_s: float  # the recording's

    @property
    def new_span_s(self) -> tuple[float, float]:
        """Where the span ends up, cut at the end of the recording."""
        return self.span_s[0] + self.shift_s, min(self.duration_s, self.span_s[1] + self.shift_s)

    @property
    def cut_s(self) -> float:
        """How much of the moved span falls past the end of the recording (and is cut)."""
        return max(0.0, round(self.span_s[1] + self.shift_s - self.duration_s, 6))


def where_to(step, events: list[Event], duration_s: float) -> Move | str:
    """The move ``step`` (a ``MoveStep``) asks of ``events`` in a recording of ``duration_s``, or why not."""
    if not events:
        return f"no event of {step.target.describe()} to move"
    start, end = min(e.onset_s for e in events), max(e.offset_s for e in events)
    name = step.target.describe().replace("_", " ")
    name = name if name.startswith(("the ", "#")) else f"the {name}"
    if step.to_s is not None:
        shift = step.to_s - start
    elif step.by_s is not None:
        shift = step.by_s
    else:
        shift = {"start": -start, "end": duration_s - end, "middle": (duration_s - start - end) / 2}[step.to]
    new_start = start + shift
    if new_start < -1e-9:
        return (f"{name} starts at {start:.2f} s: {abs(shift):g} s earlier is before the recording starts "
                f"(at most {start:.2f} s earlier)")
    if new_start >= duration_s:
        return (f"{name} would start at {new_start:g} s, past the end of the {duration_s:g} s recording; "
                f"give a time between 0 and {duration_s:g} s")
    if abs(shift) < MIN_SHIFT_S:
        return f"{name} already starts at {start:.2f} s: nothing to move"
    return Move(shift_s=shift, span_s=(start, end), duration_s=duration_s)


def move_problem(scene, step) -> str | None:
    """Why ``step`` cannot move its events in ``scene`` (a ``Scene``), whatever the backend, or None."""
    from audioedit.steps import resolve_step

    events = resolve_step(step, scene)
    move = where_to(step, events, scene.audio.duration_s) if events else None  # no events: the usual messages
    return move if isinstance(move, str) else None

