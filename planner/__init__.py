"""planner: a plain-language request (+ the scene it is about) -> a ``Plan`` of atomic edit steps.

    >>> from audioedit.planner import make_plan
    >>> make_plan("drop the siren and add a bird at 3 s").steps[1].instruction
    'Add a bird at 3.0 s.'

Backends (``BACKENDS``, imported lazily): ``rules`` (default; offline, deterministic,
``audioedit.planner.rules.plan_rules``) and ``llm`` (``audioedit.planner.llm.make_llm_plan``: any OpenAI-compatible
endpoint; falls back to the rules planner when none is configured).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from audioedit.errors import UserInputError
from audioedit.options import PlannerName
from audioedit.scene import Scene, SceneDescription
from audioedit.steps import Plan

SceneInput = SceneDescription | Scene | None  # what a planner is given of the recording

# backend name -> "module:function" taking (request, scene, sounds, **options) and returning a Plan
BACKENDS: dict[str, str] = {
    "rules": "audioedit.planner.rules:plan_rules",
    "llm": "audioedit.planner.llm:make_llm_plan",
}


def make_plan(request: str, scene: SceneInput = None, sounds: Sequence[str] | Mapping[str, Sequence[str]] = (),
              backend: PlannerName = "rules", **options: Any) -> Plan:
    """Plan ``request`` with the named backend.

    ``scene``: a ``SceneDescription`` (or ``Scene``) or None; ``sounds``: the labels that may be
    added (a sound bank's; empty = any), or label -> the roles the bank has it in
    (``audioedit.bank.addable_sounds``); ``options`` go to the backend (the rules planner takes none).
    """
    if backend not in BACKENDS:
        raise UserInputError(f"unknown planner backend {backend!r}; known backends: {', '.join(sorted(BACKENDS))}")
    if backend == "rules" and options:
        raise UserInputError(f"the rules planner takes no options, got {sorted(options)}")
    module_name, function_name = BACKENDS[backend].split(":")
    plan_fn = getattr(importlib.import_module(module_name), function_name)
    from audioedit.planner.coalesce import coalesce

    return coalesce(plan_fn(request, scene, sounds, **options))


__all__ = ["BACKENDS", "make_plan"]
