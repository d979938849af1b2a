"""``execute_dsp``: one edit step on one scene with exact DSP, on the stems when the scene has
them, otherwise on the mixture where the target is isolated in time (``mixture_feasible``).

    >>> from audioedit.executor.dsp.toy import ToneBank, toy_scene
    >>> from audioedit.steps import EventRef, LoudnessStep
    >>> scene = toy_scene(sample_rate_hz=16000, num_channels=1, with_stems=True)
    >>> step = LoudnessStep(id="s1", instruction="make the beep 6 dB louder",
    ...                     target=EventRef(label="beep"), gain_db=6.0)
    >>> result = execute_dsp(scene, step, bank=None, rng=np.random.default_rng(0))
    >>> result.backend, [round(s, 2) for s in result.edited_spans_s[0]]
    ('dsp.stems', [1.0, 1.8])
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Literal

import numpy as np

from audioedit.backends import Backend
from audioedit.errors import ExecutionError
from audioedit.scene import Event, Scene
from audioedit.steps import (
    AddStep, EditStep, LoudnessStep, MoveStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep, resolve_step, select_events,
    step_targets,
)
from audioedit.executor.dsp import mixture, stems
from audioedit.result import SoundSource, StepResult

log = logging.getLogger(__name__)
Mode = Literal["auto", "stems", "mixture", "region"]


def resolve_targets(scene: Scene, step: EditStep) -> list[Event]:
    """The events ``step`` acts on (each once, in step order); ``ExecutionError`` naming the
    reference and the scene's labels when a reference matches nothing."""
    for ref in step_targets(step):
        if not select_events(scene.events, ref):
            ids = f" (ids {ref.event_ids})" if ref.event_ids else ""
            raise ExecutionError(
                f"step {step.id!r}: no event matches {ref.describe()!r}{ids}; "
                f"the scene has labels {scene.labels()} and ids {[e.id for e in scene.events]}"
            )
    seen: dict[str, Event] = {}
    for ev in resolve_step(step, scene):
        seen.setdefault(ev.id, ev)
    return list(seen.values())


def mixture_feasible(scene: Scene, step: EditStep, allow_overlap: bool = False) -> tuple[bool, str]:
    """Whether the mixture path can do ``step`` exactly, and why not (empty reason when it can).
    ``allow_overlap``: whether a region edit can do it at all (events overlapping the target allowed)."""
    try:
        targets = resolve_targets(scene, step)
    except ExecutionError as exc:
        return False, str(exc)
    reason = mixture.problem(scene, step, targets, allow_overlap=allow_overlap)
    return (reason is None), (reason or "")


def _stems_cover(scene: Scene, targets: list[Event]) -> bool:
    return scene.stems is not None and all(ev.id in scene.stems for ev in targets)


def execute_dsp(
    scene: Scene,
    step: EditStep,
    *,
    bank: SoundSource | None,
    rng: np.random.Generator,
    mode: Mode = "auto",
) -> StepResult:
    """Execute one step exactly. ``mode="auto"``: stems when the scene has a stem for every
    target, else the mixture when ``mixture_feasible``; ``ExecutionError`` otherwise.
    ``mode="region"``: the mixture's region edit even where other events overlap the target
    (not exact: they are edited too; backend ``dsp.region``).

    The result's ``edited_spans_s`` bound every sample that may differ from the input.
    """
    targets = resolve_targets(scene, step)
    if mode not in ("auto", "stems", "mixture", "region"):
        raise ExecutionError(f"unknown DSP mode {mode!r}; accepted: auto, stems, mixture, region")
    use_stems = _stems_cover(scene, targets)
    if mode == "stems" and not use_stems:
        missing = [ev.id for ev in targets if ev.id not in (scene.stems or {})]
        raise ExecutionError(
            f"step {step.id!r}: mode='stems' but the scene has no stems" if scene.stems is None
            else f"step {step.id!r}: mode='stems' but there is no stem for {missing}"
        )
    if mode in ("mixture", "region") or not use_stems:
        reason = mixture.problem(scene, step, targets, allow_overlap=mode == "region")
        if reason:
            raise ExecutionError(f"step {step.id!r} ({step.op}) cannot be done exactly on the mixture: {reason}")
        result = _run(mixture, scene, step, targets, bank, rng)
        if mode == "region" and mixture.problem(scene, step, targets):
            overlapped = sorted({e.id for t in targets for e in mixture.overlapping(scene, t)})
            result = replace(result, backend=Backend.DSP_REGION,
                             notes=[*result.notes, f"region edit: {overlapped} overlap the target and were changed too"])
    else:
        result = _run(stems, scene, step, targets, bank, rng)
    log.debug("step %s (%s) on %s: spans %s", step.id, step.op, result.backend, result.edited_spans_s)
    return result


def _run(backend, scene: Scene, step: EditStep, targets: list[Event], bank, rng) -> StepResult:
    if isinstance(step, LoudnessStep):
        return backend.loudness(scene, step, targets)
    if isinstance(step, RemoveStep):
        return backend.remove(scene, targets)
    if isinstance(step, SpeedStep):
        return backend.speed(scene, step, targets)
    if isinstance(step, ReorderStep):
        if len(targets) < 2:
            raise ExecutionError(f"step {step.id!r}: reorder needs at least two events; found {[e.id for e in targets]}")
        return backend.reorder(scene, step, targets)
    if isinstance(step, MoveStep):
        return backend.move(scene, step, targets)
    if isinstance(step, AddStep):
        return backend.add(scene, step, bank, rng)
    if isinstance(step, ReplaceStep):
        return backend.replace(scene, step, targets, bank, rng)
    raise ExecutionError(f"unknown step op {getattr(step, 'op', step)!r}; accepted: add remove replace reorder loudness speed move")
