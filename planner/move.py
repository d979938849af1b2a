"""The move parser: a sound shifted in time (``MoveStep``), by the clock rather than past another sound.

    >>> from audioedit.planner.rules import plan_rules
    >>> [(s.op, s.target.label, s.to, s.to_s, s.by_s) for s in plan_rules("move the dog bark to the end").steps]
    [('move', 'dog_bark', 'end', None, None)]
    >>> [(s.to_s, s.by_s) for s in plan_rules("make the birds start at 3 s; move the horn 2 seconds later").steps]
    [(3.0, None), (None, 2.0)]

"move the siren to 5 seconds", "make the birds start at 3 s", "the birds should start at 0:03", "put
the applause at the beginning", "move the dog to the end / start / middle of the recording", "move
the horn 2 seconds later", "shift the speech 1 s earlier", "delay the horn by 2 s". A destination
that names another sound ("move the horn after the siren", "play the horn first") is a reorder
(``audioedit.planner.reorder``); "move the bird to the left" is a pan (``audioedit.ops.pan``); "put a
bird at 3 s" (a new sound) is an add. With a scene, the move is checked where it lands
(``audioedit.moves.where_to``): a start outside the recording is unresolved, a tail cut at the end
is noted.
"""

from __future__ import annotations

import re

from audioedit.moves import where_to
from audioedit.steps import EventRef
from audioedit.planner.amounts import NUM
from audioedit.planner.attributes import SPEECH_LABELS
from audioedit.planner.builder import StepBuilder
from audioedit.planner.refs import UNIT, clean_phrase, describe_ref, time_value
from audioedit.planner.reorder import INDEFINITE_RE, pronoun_refs

_TIME = rf"(?P<t>\d+:\d{{2}}(?:\.\d+)?|{NUM})"
_EDGE = (r"(?P<edge>start|beginning|opening|end|ending|middle)"
         r"(?:\s+of\s+(?:the|this|my)\s+(?:recording|clip|file|track|audio|mix|sound))?")
DEST = (rf"(?:(?:to|at|towards?)\s+the\s+(?:very\s+)?{_EDGE}"
        rf"|(?:to|at|from|starting at)\s+(?:second\s+)?{_TIME}\s*(?:{UNIT})?"
        rf"|(?:by\s+)?(?P<n>{NUM})\s*{UNIT}\s+(?P<dir>later|earlier|sooner)"
        rf"|(?P<dir2>later|earlier|sooner)\s+by\s+(?P<n2>{NUM})\s*{UNIT})"
        r"(?:\s+(?:than (?:now|before|it is)|in time|instead))?")
_VERB = r"(?:(?:start|begin|come in|come|play|happen|occur|go|sit|be|sound)s?\s+)?"
MOVE_RES = (
    re.compile(rf"^(?:move|shift|put|place|push|pull|bring|drag|slide|nudge|set|have|make|let|get)\s+(?P<x>.+?)\s+"
               rf"{_VERB}{DEST}$"),
    re.compile(rf"^(?P<x>.+?)\s+(?:should|must|needs? to|has to|have to|to)\s+{_VERB}{DEST}$"),
    re.compile(rf"^(?:start|begin)\s+(?P<x>.+?)\s+{DEST}$"),
    re.compile(rf"^delay\s+(?P<x>.+?)\s+(?:by\s+)?(?P<delay>{NUM})\s*{UNIT}$"),
)
PARTICLE_RE = re.compile(r"^(?:in|into|on|up|out)\s+")
EDGES = {"start": "start", "beginning": "start", "opening": "start", "end": "end", "ending": "end", "middle": "middle"}


def destination(m: re.Match[str]) -> dict[str, float | str] | None:
    """The ``MoveStep`` field the match names: ``{"to": edge}``, ``{"to_s": t}`` or ``{"by_s": shift}``."""
    groups = m.groupdict()
    if groups.get("delay"):
        value = time_value(groups["delay"])
        return None if value is None else {"by_s": value}
    if groups.get("edge"):
        return {"to": EDGES[groups["edge"]]}
    if groups.get("t"):
        value = time_value(groups["t"])
        return None if value is None else {"to_s": value}
    n, direction = groups.get("n") or groups.get("n2"), groups.get("dir") or groups.get("dir2")
    value = time_value(n) if n else None
    return None if value is None else {"by_s": value if direction == "later" else -value}


def parse_move(text: str, source: str, builder: StepBuilder) -> bool:
    for pattern in MOVE_RES:
        m = pattern.match(text)
        if m is None or INDEFINITE_RE.match(PARTICLE_RE.sub("", m["x"])):  # "put (in) a bird at 3 s": an add
            continue
        where = destination(m)
        if where is None:
            continue
        _emit(builder, m["x"], source, where)
        builder.last_verb = None
        return True
    return False


def _emit(builder: StepBuilder, phrase: str, source: str, where: dict) -> None:
    g = builder.g
    refs = pronoun_refs(g, phrase) or g.refs(clean_phrase(phrase), source)
    for ref in refs or ():
        if ref.scope == "speech" and not ref.complement:  # "the voice": the speech events (detected on a plain file)
            ref = EventRef(label="speech", text=ref.text, event_ids=[e.id for e in g.events if e.label in SPEECH_LABELS])
            if g.scene is not None and not ref.event_ids:
                g.fail(source, f"'{source}': there is no speech event in this recording to move; it has {g.has_text()}")
                continue
        if ref.scope != "events" or ref.complement:
            g.fail(source, f"'{source}': {describe_ref(ref)} cannot be moved in time (the recording keeps its length); "
                           "name the sound to move")
            continue
        step = builder.move(ref, source, **where)
        if step is None or g.scene is None or ref.unlocated:
            continue
        move = where_to(step, [e for e in g.events if e.id in ref.event_ids], g.scene.duration_s)
        if isinstance(move, str):
            builder.steps.remove(step)
            g.fail(source, move)
        elif move.cut_s > 0:
            g.note(f"'{source}': {describe_ref(ref)} starting at {move.new_span_s[0]:.2f} s runs {move.cut_s:.2f} s past "
                   f"the end of the {g.scene.duration_s:g} s recording; that much of it is cut (faded out at the end)")
    if refs:
        g.last_refs = refs
