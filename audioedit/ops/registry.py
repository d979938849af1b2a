"""The op registry: op name -> the module that plans-as-text, executes and verifies it.

Each registered module provides ``STEP`` (its pydantic step model), ``feasible(scene, step) ->
(bool, reason)``, ``execute(scene, step) -> StepResult``, ``verify(before, after, step,
edited_spans_s) -> list[Check]`` and ``amount(step) -> str``.

    >>> sorted(OPS)
    ['eq', 'reverb']
"""

from __future__ import annotations

from types import ModuleType

from audioedit.ops import eq, reverb

OPS: dict[str, ModuleType] = {"reverb": reverb, "eq": eq}


def get(op: str) -> ModuleType | None:
    """The module of a registry op, or None for the six core ops."""
    return OPS.get(op)
