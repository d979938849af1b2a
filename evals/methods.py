"""Editing methods under evaluation: each maps an ``EvalItem`` to an output ``Audio`` + status + timings.

- ``planned``: the agent (rules planner -> router -> execute -> verify, retries), from the request text.
- ``planned-no-verifier``: the same with verification (and so retries) off.
- ``planned-stems``: ``planned`` given the stems as well (DSP exact wherever the plan is right).
- ``one-shot``: the whole request as one instruction to the learned editor over the whole clip.
- ``dsp`` / ``ldm``: the item's reference plan (planner bypassed, no verifier) forced onto one
  backend family: compares backends on the same steps. ``dsp`` runs ``executor=region``: exact
  region edits where the target is isolated, and the same region edit where other events overlap
  it (they change too), the naive DSP baseline; ``ldm`` runs ``executor=ldm``.
- ``identity`` (the source), ``oracle`` (the target), ``peer`` (a peer model's output, LCR).

A method that cannot handle an item returns status ``skipped`` with the reason; an edit that runs
but produces nothing (no plan, every step failed) returns ``failed`` and is scored on the audio the
product returns (the unchanged input), so averages are not biased toward easy items.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from audioedit.audio import Audio, load_audio
from audioedit.errors import ExecutionError, UserInputError
from audioedit.protocols import Bank, Editor
from audioedit.scene import Scene
from audioedit.steps import EditStepAdapter, Plan

from audioedit.evals.suites import EvalItem, item_scene

log = logging.getLogger(__name__)

METHODS = ("planned", "planned-no-verifier", "planned-stems", "one-shot", "dsp", "ldm", "identity", "oracle", "peer")
NEEDS_LDM = {"planned", "planned-no-verifier", "one-shot", "ldm"}


@dataclass
class MethodOutput:
    """What a method produced: ``audio`` (None when skipped), ``status`` ok | partial | failed |
    skipped, ``reason``, stage timings (s), the backends that ran each step, the plan's steps."""

    audio: Audio | None
    status: str = "ok"
    reason: str = ""
    timings_s: dict[str, float] = field(default_factory=dict)
    backends: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    plan_check: dict[str, Any] | None = None  # the plan's effects against the item's reference plan


@dataclass
class MethodContext:
    """Shared resources: the sound bank, the learned editor (None = not available), the planner."""

    bank: Bank
    ldm: Editor | None = None
    ldm_error: str = ""
    planner: str = "rules"


def make_context(methods: list[str], ldm_path: str | None = None, planner: str = "rules") -> MethodContext:
    """Load the starter bank and, when a method needs it, the learned editor from ``ldm_path``
    (None: the shipped one; ``"none"``: no editor). A load error is kept: the methods that need
    the editor then skip with it, and the planned ones run without it (DSP routes only)."""
    from audioedit.bank import starter_bank

    ctx = MethodContext(bank=starter_bank(), planner=planner)
    if ldm_path == "none":
        ctx.ldm_error = "learned editor disabled (ldm='none')"
    elif NEEDS_LDM & set(methods):
        try:
            from audioedit.executor.router import LazyEditor

            ctx.ldm = LazyEditor(ldm_path)
            for i in range(len(ctx.ldm.paths)):  # load now: a broken folder is reported once, here
                ctx.ldm.editor(i)
        except Exception as exc:  # a missing or broken checkpoint: methods needing it skip
            ctx.ldm_error = f"learned editor not available: {type(exc).__name__}: {exc}"
            log.warning(ctx.ldm_error)
    return ctx


def run_method(name: str, item: EvalItem, ctx: MethodContext, source: Audio, target: Audio) -> MethodOutput:
    """Run method ``name`` on ``item``; never raises for an item it cannot handle."""
    if name not in METHODS:
        raise UserInputError(f"unknown method {name!r}; accepted: {', '.join(METHODS)}")
    if name in ("one-shot", "ldm") and ctx.ldm is None:
        return MethodOutput(None, "skipped", ctx.ldm_error or "no learned editor loaded")
    return _RUNNERS[name](item, ctx, source, target)


def _identity(item, ctx, source, target) -> MethodOutput:
    return MethodOutput(source)


def _oracle(item, ctx, source, target) -> MethodOutput:
    return MethodOutput(target)


def _peer(item, ctx, source, target) -> MethodOutput:
    if not item.peer_output:
        return MethodOutput(None, "skipped", f"suite {item.suite!r} has no peer outputs")
    return MethodOutput(load_audio(item.peer_output))


def _scene(item: EvalItem, stems: bool) -> tuple[Scene, float]:
    start = time.perf_counter()
    scene = item_scene(item, stems=stems)
    return scene, time.perf_counter() - start


def _pipeline(item: EvalItem, ctx: MethodContext, source: Audio, *, verify: bool, stems: bool, executor: str = "auto",
              plan: Plan | None = None) -> MethodOutput:
    from audioedit.agents.pipeline import edit_request

    scene, load_s = _scene(item, stems)
    start = time.perf_counter()
    try:
        outcome = edit_request(scene, item.request, planner=ctx.planner, executor=executor, verify=verify,
                               seed=item.exec_seed % 2**31, bank=ctx.bank, ldm=ctx.ldm, plan=plan)
    except (UserInputError, ExecutionError) as exc:
        took = time.perf_counter() - start
        return MethodOutput(source, "failed", f"{type(exc).__name__}: {exc}",
                            {"analyze_s": load_s, "plan_s": took, "total_s": load_s + took},
                            plan_check=_plan_check(item, None) if plan is None else None)
    t = outcome.report.timings_s
    timings = {"analyze_s": load_s + t.get("analyze_s", 0.0), "plan_s": t.get("plan_s", 0.0),
               "execute_s": t.get("execute_s", 0.0), "verify_s": t.get("verify_s", 0.0)}
    timings["total_s"] = load_s + time.perf_counter() - start
    steps = outcome.report.steps
    reasons = [a.error or ", ".join(c.name for c in (a.verdict.failed() if a.verdict else []))
               for s in steps if s.status != "ok" for a in s.attempts[-1:]]
    reason = "; ".join(filter(None, reasons + [f"unresolved: {u.text}" for u in outcome.report.plan.unresolved]))
    status = outcome.report.status
    if status == "failed" and steps and all(a.backend == "none" for s in steps for a in s.attempts):
        return MethodOutput(None, "skipped", reason, timings, steps=[s.instruction for s in steps])
    return MethodOutput(outcome.audio, status, reason, timings,
                        backends=[s.backend or "none" for s in steps], steps=[s.instruction for s in steps],
                        plan_check=_plan_check(item, outcome.report.plan) if plan is None else None)


def _plan_check(item: EvalItem, plan: Plan | None) -> dict[str, Any] | None:
    """The planned effects per event against the reference plan's (None when the item has none)."""
    from audioedit.evals.planner_accuracy import plan_effects

    if not item.steps:
        return None
    reference = plan_effects(reference_plan(item).steps)
    planned = plan_effects(plan.steps) if plan is not None else {}
    return {"reference": reference, "planned": planned, "match": planned == reference,
            "unresolved": [u.text for u in plan.unresolved] if plan is not None else ["(refused)"]}


def reference_plan(item: EvalItem) -> Plan:
    return Plan(request=item.request, steps=[EditStepAdapter.validate_python(s) for s in item.steps],
                planner="reference")


def _planned(item, ctx, source, target) -> MethodOutput:
    return _pipeline(item, ctx, source, verify=True, stems=False)


def _planned_no_verifier(item, ctx, source, target) -> MethodOutput:
    return _pipeline(item, ctx, source, verify=False, stems=False)


def _planned_stems(item, ctx, source, target) -> MethodOutput:
    if not (item.stems_dir or item.stem_paths):
        return MethodOutput(None, "skipped", "the item has no stems")
    return _pipeline(item, ctx, source, verify=True, stems=True)


def _backend(executor: str) -> Callable:
    def run(item, ctx, source, target) -> MethodOutput:
        if not item.steps:
            return MethodOutput(None, "skipped", "the item has no reference plan")
        return _pipeline(item, ctx, source, verify=False, stems=item.with_stems, executor=executor,
                         plan=reference_plan(item))
    return run


def one_shot_edit(editor, audio: Audio, request: str, seed: int = 0) -> Audio:
    """The learned editor given the whole ``request`` as one instruction over the whole clip (no
    planning, no grounding): ``editor.edit_audio(audio, request, (0, duration))``."""
    return editor.edit_audio(audio, request, (0.0, audio.duration_s), seed=seed)


def _one_shot(item, ctx, source, target) -> MethodOutput:
    start = time.perf_counter()
    try:
        out = one_shot_edit(ctx.ldm, source, item.request, seed=item.exec_seed % 2**31)
    except (UserInputError, ExecutionError) as exc:
        took = time.perf_counter() - start
        return MethodOutput(source, "failed", f"{type(exc).__name__}: {exc}", {"execute_s": took, "total_s": took})
    took = time.perf_counter() - start
    return MethodOutput(out, "ok", "", {"execute_s": took, "total_s": took}, backends=["ldm"], steps=[item.request])


_RUNNERS: dict[str, Callable[..., MethodOutput]] = {
    "identity": _identity, "oracle": _oracle, "peer": _peer, "planned": _planned,
    "planned-no-verifier": _planned_no_verifier, "planned-stems": _planned_stems, "one-shot": _one_shot,
    "dsp": _backend("region"), "ldm": _backend("ldm"),
}
