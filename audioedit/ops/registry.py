"""The op registry: op name -> the module that words, plans, executes and verifies it.

Each registered module provides ``STEP`` (its pydantic step model), ``feasible(scene, step) ->
(bool, reason)``, ``execute(scene, step) -> StepResult``, ``verify(before, after, step,
edited_spans_s) -> list[Check]`` and ``amount(step) -> str``; a module that reads its own
requests also has ``parse(text, source, builder) -> bool`` (a rules-planner clause parser, given
the planner's ``StepBuilder``; reverb and eq are read by ``audioedit.planner.fx``); an effect with
``process(step)`` also runs on a voice or background layer, unless ``unfit(scene, step) -> str | None`` says
the recording itself rules it out; ``measure(audio) -> (values, requests)`` (the ``MEASURED`` ops) reports what the op
measures on a recording and the requests it suggests (``measurements``, in ``describe_audio``).

    >>> sorted(OPS)
    ['channels', 'declick', 'deess', 'dehum', 'eq', 'fade', 'level', 'normalize', 'pan', 'pitch', 'reverb', 'trim']
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from audioedit.ops import channels, declick, deess, dehum, eq, fade, level, normalize, pan, pitch, reverb, trim

OPS: dict[str, ModuleType] = {"normalize": normalize, "reverb": reverb, "eq": eq, "fade": fade, "pan": pan,
                               "trim": trim, "dehum": dehum, "pitch": pitch,
                               "channels": channels, "level": level, "declick": declick, "deess": deess}


def get(op: str) -> ModuleType | None:
    """The module of a registry op, or None for the core ops."""
    return OPS.get(op)


def parsers() -> tuple[Callable[..., bool], ...]:
    """The clause parsers of the registry ops that read their own requests, in registry order."""
    return tuple(module.parse for module in OPS.values() if hasattr(module, "parse"))


MEASURED = ("dehum", "trim", "level", "normalize")  # the ops with ``measure``, in the order their suggestions run


def measurements(audio) -> tuple[dict, list[str]]:
    """What the registry ops measure on ``audio`` (``measure(audio) -> (values, requests)`` of the ``MEASURED``
    ops): the values by name, and the requests they suggest (a hum found: "remove the hum")."""
    values: dict = {}
    suggested: list[str] = []
    for op in MEASURED:
        found, hints = OPS[op].measure(audio)
        values.update({k: None if v is None else float(v) for k, v in found.items()})
        suggested += hints
    return values, suggested
