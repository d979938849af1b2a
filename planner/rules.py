"""The offline rules planner: a request (+ scene, + addable sounds) -> a ``Plan`` of atomic steps.

    >>> plan = plan_rules("remove the siren and make the horn 6 dB louder")
    >>> [s.instruction for s in plan.steps]
    ['Remove the siren.', 'Make the car horn 6 dB louder.']

Deterministic, no network, no model; every regular expression is compiled at import. The request
is split into clauses (``audioedit.planner.clauses``); each clause is tried against the parsers in
``PARSERS`` (declarative mappings first, then the operations); references are grounded in the
scene by ``audioedit.planner.refs``; amounts follow the documented defaults in ``audioedit.planner.amounts``.

Nothing is dropped silently: every clause yields steps, an assumption (a goal, a mapping, "nothing
to do") or an ``Unresolved`` entry saying why. A clause with no verb reuses the previous clause's
verb ("turn the siren down by 6 dB and the dog by 3 dB"), which is recorded as an assumption.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from audioedit.errors import UserInputError
from audioedit.scene import SceneDescription
from audioedit.steps import Plan
from audioedit.ops import declick, deess, dehum
from audioedit.ops.registry import parsers as registry_parsers
from audioedit.planner import SceneInput, declarative, fx, goals, layers, move, ops, remove, reorder
from audioedit.planner.builder import StepBuilder
from audioedit.planner.clauses import COMMENT_RE, front_position, split_request
from audioedit.planner.refs import Grounding, names_scene_sound
from audioedit.planner.vocab import canonical_label

MAX_REQUEST_CHARS = 2000

Parser = Callable[[str, str, StepBuilder], bool]
PARSERS: tuple[Parser, ...] = (
    layers.parse_layers,
    declarative.parse_constraint,
    goals.parse_goal,  # goal-only requests ('sound like a beach', 'busier'): planner/goals.py
    fx.parse_fx,  # reverb / timbre requests: planner/fx.py
    move.parse_move,  # a sound shifted in time ('to the end', 'to 5 s', '2 s later'): planner/move.py
    *registry_parsers(),  # normalize, fade, pan, trim, dehum, pitch: each op's own module (audioedit/ops/)
    declarative.parse_focus,
    declarative.parse_isolate,
    declarative.parse_busier,
    ops.parse_add_background,
    ops.parse_replace,
    reorder.parse_reorder,
    ops.parse_add,
    ops.parse_speed,
    declarative.parse_calm,
    ops.parse_loudness,
    remove.parse_remove,
)


def plan_rules(request: str, scene: SceneInput = None, sounds: Sequence[str] | Mapping[str, Sequence[str]] = ()) -> Plan:
    """Plan ``request`` as atomic steps.

    ``scene``: a ``SceneDescription`` (or a ``Scene``, described here) whose labels can be removed
    or changed, or None; ``sounds``: the labels that can be added (the sound bank's), empty = any; or
    label -> the roles the bank has it in (``audioedit.bank.addable_sounds``), which goal plans respect.
    Raises ``UserInputError`` for an empty request or one over ``MAX_REQUEST_CHARS`` characters.
    """
    if not isinstance(request, str) or not request.strip():
        raise UserInputError(f"the request is empty ({request!r}); say what to change, e.g. 'remove the siren'")
    if len(request) > MAX_REQUEST_CHARS:
        raise UserInputError(
            f"the request is {len(request)} characters long; at most {MAX_REQUEST_CHARS} are accepted"
        )
    description = _describe(scene)
    roles = {label: tuple(r) for label, r in sounds.items()} if isinstance(sounds, Mapping) else {}
    grounding = Grounding(description, tuple(sounds), roles=roles)
    builder = StepBuilder(grounding)
    goal, clauses = split_request(request)
    if goal and not clauses:
        goal, clauses = None, [goal]
    if goal:
        grounding.note(f"goal: '{goal}' (taken as the purpose of the steps that follow, not as a step itself)")
    for clause in clauses:
        plan_clause(clause, builder)
    drop_contradictions(builder)
    if not clauses:
        grounding.fail(request, "found no instruction in the request; say what to change, e.g. 'remove the siren'")
    return Plan(
        request=request,
        steps=builder.steps,
        planner="rules",
        assumptions=grounding.assumptions,
        unresolved=grounding.unresolved,
        scene=description,
    )


def sound_queries(request: str) -> list[str]:
    """The labels of the sounds ``request`` refers to in the recording ('remove the cow and make the dog
    quieter' -> ['cow', 'dog_bark']): the event targets of its plan without a scene, vocabulary labels where
    the words name one, else the words themselves. Whole-recording and speech/background-layer targets need
    no search and are left out."""
    from audioedit.steps import step_targets

    try:
        plan = plan_rules(request)
    except UserInputError:
        return []
    refs = [ref for step in plan.steps for ref in step_targets(step) if ref.scope == "events"]
    return list(dict.fromkeys(ref.label for ref in refs))


def _describe(scene: SceneInput) -> SceneDescription | None:
    if scene is None or isinstance(scene, SceneDescription):
        return scene
    if hasattr(scene, "describe"):
        return scene.describe()
    raise UserInputError(f"scene must be a SceneDescription, a Scene or None, not {type(scene).__name__}")


REMOVAL_LIST_RE = re.compile(r"^(?P<verb>remove|reduce|get rid of|cut out|eliminate|fix|take out|filter out|kill|suppress)\s+"
                             r"(?P<objects>.+?(?:,|\s&\s|\band\b).+)$")
LIST_SEPARATOR_RE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s&\s|\band\b)\s*")


def repair_clauses(text: str) -> list[str] | None:
    """"remove the hum and the clicks" -> ["remove the hum", "remove the clicks"] when one of the parts is a repair
    its own op reads only as a whole clause (hum, clicks, sibilance, the background noise); else None."""
    m = REMOVAL_LIST_RE.match(text)
    if m is None:
        return None
    repairs = (dehum.HUM_RE, declick.DECLICK_RE, *deess.DEESS_RES, layers.REMOVE_NOISE_RE, layers.DENOISE_RE)
    if any(r.match(text) for r in repairs):  # one repair's own words ("the clicks and pops")
        return None
    clauses = [f"{m['verb']} {part}" for part in LIST_SEPARATOR_RE.split(m["objects"]) if part.strip()]
    return clauses if len(clauses) > 1 and any(r.match(c) for c in clauses for r in repairs) else None


def plan_clause(clause: str, builder: StepBuilder) -> None:
    """Emit the steps of one clause, or record why it could not be planned."""
    text = front_position(clause.lower())
    if (parts := repair_clauses(text.strip(" .!"))) is not None:
        for part in parts:
            plan_clause(part, builder)
        return
    if (comment := COMMENT_RE.match(text.strip(" .!"))) is not None:
        builder.g.note(f"'{clause}' is a comment, not an edit; no step")
        subject = comment["subject"] or ""
        if subject and names_scene_sound(builder.g, subject):  # "the siren is driving me crazy, remove it"
            builder.g.last_refs = builder.g.refs(subject, clause) or builder.g.last_refs
        return
    if _try_parsers(text, clause, builder):
        return
    g = builder.g
    if builder.last_verb and (names_scene_sound(g, text) or canonical_label(text) is not None):
        carried = f"{builder.last_verb} {text}"
        mark = len(g.unresolved)
        if _try_parsers(carried, clause, builder):
            if len(g.unresolved) == mark:
                g.note(f"'{clause}' read as '{carried}' (verb carried over from the previous clause)")
            return
    g.fail(clause, f"could not tell what to do with '{clause}'; say remove, replace, move/swap, louder/quieter, "
                   "faster/slower or add, with the sound it applies to")


def drop_contradictions(builder: StepBuilder) -> None:
    """Two steps that undo each other ('louder and quieter', 'faster and slower' on the same target, no
    amounts given) are both dropped, with an unresolved entry naming them."""
    def key(step) -> tuple:
        t = step.target
        return step.op, t.label, t.scope, t.complement, tuple(t.event_ids), t.select, t.n, t.start_s, t.end_s

    def sign(step) -> int:
        return (1 if step.gain_db > 0 else -1) if step.op == "loudness" else (1 if step.factor > 1 else -1)

    moving = [s for s in builder.steps if s.op in ("loudness", "speed")]
    clash = {id(a) for a in moving for b in moving if a is not b and key(a) == key(b) and sign(a) != sign(b)
             and not re.search(r"\d", a.source_text + b.source_text)}
    if not clash:
        return
    dropped = [s for s in builder.steps if id(s) in clash]
    builder.steps = [s for s in builder.steps if id(s) not in clash]
    for i, step in enumerate(builder.steps):  # keep the ids s1, s2, ... in order
        builder.steps[i] = step.model_copy(update={"id": f"s{i + 1}"})
    said = " / ".join(dict.fromkeys(s.instruction for s in dropped))
    builder.g.fail("; ".join(dict.fromkeys(s.source_text for s in dropped)),
                   f"the request asks for opposite changes of the same sound ({said}); say which one you want")


def _try_parsers(text: str, source: str, builder: StepBuilder) -> bool:
    return any(parser(text, source, builder) for parser in PARSERS)
