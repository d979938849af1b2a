"""The offline rules planner: a request (+ scene, + addable sounds) -> a ``Plan`` of atomic steps.

    >>> plan = plan_rules("remove the siren and make the horn 6 dB louder")
    >>> [s.instruction for s in plan.steps]
    ['Remove the siren.', 'Make the car horn 6 dB louder.']

Deterministic, no network, no model; every regular expression is compiled at import. The request
is split into clauses (``planner.clauses``); each clause is tried against the parsers in
``PARSERS`` (declarative mappings first, then the six operations); references are grounded in the
scene by ``planner.refs``; amounts follow the documented defaults in ``planner.amounts``.

Nothing is dropped silently: every clause yields steps, an assumption (a goal, a mapping, "nothing
to do") or an ``Unresolved`` entry saying why. A clause with no verb reuses the previous clause's
verb ("turn the siren down by 6 dB and the dog by 3 dB"), which is recorded as an assumption.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from audioedit.errors import UserInputError
from audioedit.scene import Scene, SceneDescription
from audioedit.steps import Plan
from planner import declarative, layers, ops, reorder
from planner.builder import StepBuilder
from planner.clauses import front_position, split_request
from planner.refs import Grounding, names_scene_sound
from planner.vocab import canonical_label

MAX_REQUEST_CHARS = 2000

Parser = Callable[[str, str, StepBuilder], bool]
PARSERS: tuple[Parser, ...] = (
    layers.parse_layers,
    declarative.parse_constraint,
    declarative.parse_restyle,
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
    ops.parse_remove,
)


def plan_rules(request: str, scene: SceneDescription | Scene | None = None, sounds: Sequence[str] = ()) -> Plan:
    """Plan ``request`` as atomic steps.

    ``scene``: a ``SceneDescription`` (or a ``Scene``, described here) whose labels can be removed
    or changed, or None; ``sounds``: the labels that can be added (the sound bank's), empty = any.
    Raises ``UserInputError`` for an empty request or one over ``MAX_REQUEST_CHARS`` characters.
    """
    if not isinstance(request, str) or not request.strip():
        raise UserInputError(f"the request is empty ({request!r}); say what to change, e.g. 'remove the siren'")
    if len(request) > MAX_REQUEST_CHARS:
        raise UserInputError(
            f"the request is {len(request)} characters long; at most {MAX_REQUEST_CHARS} are accepted"
        )
    description = _describe(scene)
    grounding = Grounding(description, tuple(sounds))
    builder = StepBuilder(grounding)
    goal, clauses = split_request(request)
    if goal and not clauses:
        goal, clauses = None, [goal]
    if goal:
        grounding.note(f"goal: '{goal}' (taken as the purpose of the steps that follow, not as a step itself)")
    for clause in clauses:
        plan_clause(clause, builder)
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


def _describe(scene: Any) -> SceneDescription | None:
    if scene is None or isinstance(scene, SceneDescription):
        return scene
    if hasattr(scene, "describe"):
        return scene.describe()
    raise UserInputError(f"scene must be a SceneDescription, a Scene or None, not {type(scene).__name__}")


def plan_clause(clause: str, builder: StepBuilder) -> None:
    """Emit the steps of one clause, or record why it could not be planned."""
    text = front_position(clause.lower())
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


def _try_parsers(text: str, source: str, builder: StepBuilder) -> bool:
    return any(parser(text, source, builder) for parser in PARSERS)
