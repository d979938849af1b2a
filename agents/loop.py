"""The agent loop: for each planned step, route -> execute -> verify -> retry, in order.

A step that fails every attempt is reported and skipped (the scene before it is kept), so
later steps still run and the outcome is ``partial``; a failed check is data, not an exception.
Retry strategy, in order: the next backend the router offers, then re-seeding (a different bank
clip for add/replace), up to ``max_attempts`` attempts per step. A retry must differ from what came
before: when a backend gives the same output again (a deterministic op re-run with a new seed), the
attempt is recorded as a repeat, not verified again, and that backend is not tried any more; the same
when it raises the same error again. An add
the verifier could not hear is retried louder within the level range its plan gives
(``audioedit.agents.audibility``; ``LoopConfig.louder_retries``); the attempt says so in its strategy.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
import numpy as np
from pydantic import BaseModel, Field

from audioedit.agents.audibility import louder
from audioedit.backends import Backend, is_speech
from audioedit.errors import ExecutionError
from audioedit.options import ExecutorPreference
from audioedit.protocols import Editor, StepVerifier
from audioedit.result import SoundSource, StepResult
from audioedit.report import Attempt, StepReport, Verdict
from audioedit.scene import Scene
from audioedit.steps import EditStep, Plan, is_unlocated

log = logging.getLogger(__name__)
ProgressFn = Callable[[str, dict], None]


class LoopConfig(BaseModel):
    executor: ExecutorPreference = "auto"
    verify: bool = True
    max_attempts: int = Field(3, ge=1, le=10)
    seed: int = 0
    louder_retries: bool = True  # an add not heard is retried louder within its range (agents/audibility.py)


def run_steps(
    scene: Scene,
    plan: Plan,
    *,
    bank: SoundSource | None,
    config: LoopConfig,
    ldm: Editor | None = None,
    verifier: StepVerifier | None = None,
    progress: ProgressFn | None = None,
) -> tuple[Scene, list[StepReport]]:
    """Execute ``plan`` on ``scene`` step by step; returns the final scene and one report per step."""
    reports = []
    for index, step in enumerate(plan.steps):
        if progress:
            progress("step_started", {"index": index, "step_id": step.id, "instruction": step.instruction})
        scene, report = _run_step(scene, step, bank=bank, config=config, ldm=ldm, verifier=verifier)
        reports.append(report)
        if progress:
            progress("step_finished", {"index": index, "step_id": step.id, "status": report.status})
    return scene, reports


def _run_step(scene: Scene, step: EditStep, *, bank: SoundSource | None, config: LoopConfig, ldm: Editor | None,
              verifier: StepVerifier | None) -> tuple[Scene, StepReport]:
    from audioedit.executor.router import execute_route, routes, unavailable

    options = routes(scene, step, config.executor, ldm_available=ldm is not None)
    if not options:
        why = unavailable(scene, step, config.executor, ldm is not None)
        attempt = Attempt(step_id=step.id, attempt=1, backend=Backend.NONE, strategy="router", error=why)
        return scene, StepReport(step_id=step.id, op=step.op, instruction=step.instruction, status="failed", attempts=[attempt])
    attempts: list[Attempt] = []
    outputs: dict[tuple[str, str], int] = {}  # (backend, fingerprint of its output) -> attempt number
    spent: set[str] = set()  # backends that repeat themselves
    errors: set[tuple[str, str]] = set()  # (backend, error) of the attempts that raised
    current, raised = step, ""  # the step as the next attempt runs it (an unheard add: louder), and why
    for number in range(1, config.max_attempts + 1):
        live = [r for r in options if r.backend not in spent]
        if not live:
            break
        route = live[(number - 1) % len(live)]
        seed = config.seed + number - 1
        strategy = route.reason if number <= len(options) else f"retry with a new seed ({route.reason})"
        strategy = f"{raised}; {strategy}" if raised else strategy
        attempt = Attempt(step_id=step.id, attempt=number, backend=route.backend, strategy=strategy, seed=seed)
        start = time.perf_counter()
        try:
            result = execute_route(scene, current, route, bank=bank, rng=np.random.default_rng(seed), ldm=ldm)
        except ExecutionError as exc:
            attempt.error = str(exc)
            attempt.execute_s = time.perf_counter() - start
            attempts.append(attempt)
            log.info("step %s attempt %d (%s) failed: %s", step.id, number, route.backend, exc)
            if (route.backend, str(exc)) in errors:  # the same error again: this backend will not do it
                spent.add(route.backend)
            errors.add((route.backend, str(exc)))
            continue
        attempt.execute_s = time.perf_counter() - start
        attempt.notes = list(result.notes)
        attempt.edited_spans_s = [tuple(map(float, s)) for s in result.edited_spans_s]
        key = (route.backend, _fingerprint(result.scene))
        if key in outputs:
            attempt.error = (f"same output as attempt {outputs[key]}: {route.backend} gives this step one result "
                             "whatever the seed, so it is not verified again nor retried")
            attempts.append(attempt)
            spent.add(route.backend)
            continue
        outputs[key] = number
        start = time.perf_counter()
        verdict = verify_result(scene, result, current, verifier) if config.verify else None
        attempt.verify_s = time.perf_counter() - start
        attempt.verdict = verdict
        attempts.append(attempt)
        if verdict is None or verdict.passed:
            report = StepReport(
                step_id=step.id, op=step.op, instruction=step.instruction, status="ok", backend=route.backend, attempts=attempts
            )
            return result.scene, report
        log.info("step %s attempt %d (%s) failed checks: %s", step.id, number, route.backend, [c.name for c in verdict.failed()])
        if config.louder_retries and (up := louder(current, verdict)) is not None:
            current, raised = up
        elif current is not step:
            raised = f"kept at {current.snr_db:+g} dB relative to the mixture (raised before; the top of its range)"
    return scene, StepReport(step_id=step.id, op=step.op, instruction=step.instruction, status="failed", attempts=attempts)


def _fingerprint(scene: Scene) -> str:
    return hashlib.blake2b(scene.audio.samples.tobytes(), digest_size=16).hexdigest()


def verify_result(before: Scene, result: StepResult, step: EditStep, verifier: StepVerifier | None) -> Verdict:
    """The checks for what ``result`` did: the backend's own (noise floor, speech layers, a sound taken from the
    rest layer), the unlocated checks, else ``verifier`` (or the acoustic checks); a step removing all the
    speech is judged by the speech checks too, whichever backend ran it."""
    verdict = _verify_by_backend(before, result, step, verifier)
    if not is_speech(result.backend) and result.backend != Backend.DSP_DENOISE:
        from audioedit.agents.speech_checks import removes_all_speech, speech_removal_checks

        if removes_all_speech(before, step):
            return Verdict.of(step.id, verdict.checks + speech_removal_checks(before, result.scene, result.edited_spans_s))
    return verdict


def _verify_by_backend(before: Scene, result: StepResult, step: EditStep, verifier: StepVerifier | None) -> Verdict:
    if result.backend == Backend.DSP_DENOISE:
        from audioedit.agents.denoise_checks import verify_denoise

        return verify_denoise(before, result.scene, step)
    if is_speech(result.backend):
        from audioedit.agents.speech_checks import verify_speech

        return verify_speech(before, result.scene, step, result.edited_spans_s)
    if result.backend == Backend.DSP_SUPPRESS:
        from audioedit.executor.dsp.suppress import takes_from_rest

        if takes_from_rest(before.audio):  # the sound was taken from the rest layer: measured there
            from audioedit.agents.rest_layer_checks import verify_rest_layer

            return verify_rest_layer(before, result.scene, step, result.edited_spans_s, verifier)
    if is_unlocated(step):  # no span to measure the sound in: what changed where (agents/unlocated_checks.py)
        from audioedit.agents.unlocated_checks import verify_unlocated

        return verify_unlocated(before, result.scene, step, result.edited_spans_s, verifier)
    if verifier is not None:
        return verifier(before, result.scene, step, result.edited_spans_s)
    from audioedit.agents.verifier import verify_acoustic

    return verify_acoustic(before, result.scene, step, result.edited_spans_s)
