"""The whole job: analyze -> plan -> execute/verify each step -> write audio + report.

``edit_request`` is what ``audioedit.edit``, the CLI and the services call.

    outcome = edit_request("street.wav", "drop the siren and make the horn 6 dB louder",
                           output="out.wav", annotation="street.jams")
    outcome.report.status      # ok | partial | failed

Outputs are written atomically: ``out.wav`` (float WAV / FLAC / OGG by suffix), ``out.json``
(the ``EditReport``) and ``out.jams`` (the scene after the edit). The input is never modified.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from audioedit.audio import Audio, AudioLimits, check_audio, save_audio, write_text_atomic
from audioedit.backends import Backend
from audioedit.bank import addable_sounds
from audioedit.errors import UserInputError
from audioedit.options import ExecutorPreference, PlannerName, VerifierName
from audioedit.protocols import Bank, Editor, StepVerifier
from audioedit.report import EditOutcome, EditReport, StepReport
from audioedit.scene import EventsFrom, Scene, SceneDescription, load_scene, scene_to_jams
from audioedit.steps import Plan

from audioedit.agents.loop import LoopConfig, ProgressFn, run_steps

if TYPE_CHECKING:
    from audioedit.agents.long import StreamedOutcome

PathLike = str | Path


def analyze(
    audio: PathLike | Audio | Scene,
    annotation: PathLike | None = None,
    stems: PathLike | None = None,
    limits: AudioLimits | None = None,
) -> Scene:
    """A Scene for ``audio``: events from the annotation or the stems when given.

    Without either, the scene has no labelled events (``events_from='none'``) and the planner
    reports references to sounds in it as unresolved.
    """
    if isinstance(audio, Scene):
        return audio
    if isinstance(audio, Audio):
        if annotation is not None or stems is not None:
            raise UserInputError("annotation/stems need the audio as a file path, not in-memory Audio")
        return Scene(check_audio(audio, "audio", limits))
    return load_scene(audio, annotation=annotation, stems_dir=stems, limits=limits)


def describe_scene(scene: Scene) -> SceneDescription:
    """What ``describe_audio`` and ``POST /v1/describe`` answer: the scene's events, and for a plain recording
    (no annotation, no stems) where people talk, from the voice detector, so a chat agent knows there is a
    voice to clean up or to keep (``searched`` says speech was looked for). Other sounds are not tagged: asking
    the CLAP about every name it knows would give a false one in most recordings (reports/clap-broad). Every
    description carries what the registry ops measure on the recording and the requests that suggests
    (``audioedit.ops.registry.measurements``)."""
    from audioedit.agents.speech_detect import with_speech_events
    from audioedit.ops.registry import measurements

    if not (scene.events or scene.events_from != EventsFrom.NONE):
        speech, _ = with_speech_events(scene, "speech", [])
        scene = speech.evolve(events_from=EventsFrom.DETECTED, meta={**speech.meta, "searched": ["speech"]})
    values, suggested = measurements(scene.audio)
    return scene.describe().model_copy(update={"measurements": values, "suggestions": suggested})


def prepare(
    audio: PathLike | Audio | Scene,
    request: str,
    *,
    annotation: PathLike | None = None,
    stems: PathLike | None = None,
    planner: PlannerName = "rules",
    bank: Bank | None = None,
    limits: AudioLimits | None = None,
    detect: bool = True,
    plan: Plan | None = None,
    timings: dict[str, float] | None = None,
    **planner_options: Any,
) -> tuple[Scene, Plan]:
    """The analysis and the plan every path shares (``audioedit plan``, ``POST /v1/plan``, the page's
    preview, the ``plan_edit`` tool and the edit itself), so the plan shown is the plan that runs:

    1. analyze: the audio checked and loaded, events from the annotation or stems;
    2. ground: without either, the sounds the request names are looked for (``audioedit.agents.detect``);
    3. plan: the request against the grounded scene (``plan`` given: used as it is).

    ``timings`` (optional) receives ``analyze_s`` (steps 1-2) and ``plan_s``.
    """
    from audioedit.planner import make_plan

    timings = {} if timings is None else timings
    clock = time.perf_counter()
    scene = analyze(audio, annotation, stems, limits)
    if detect:
        from audioedit.agents.detect import ground_request

        scene = ground_request(scene, request)
    timings["analyze_s"] = _lap(clock)
    clock = time.perf_counter()
    if plan is None:
        bank = bank if bank is not None else _default_bank()
        plan = make_plan(request, scene.describe(), sounds=addable_sounds(bank), backend=planner, **planner_options)
    timings["plan_s"] = _lap(clock)
    return scene, plan


def plan_request(audio: PathLike | Audio | Scene, request: str, **options: Any) -> Plan:
    """Plan ``request`` against the analyzed and grounded audio (``prepare``); nothing is edited."""
    return prepare(audio, request, **options)[1]


def edit_request(
    audio: PathLike | Audio | Scene,
    request: str,
    output: PathLike | None = None,
    *,
    annotation: PathLike | None = None,
    stems: PathLike | None = None,
    planner: PlannerName = "rules",
    executor: ExecutorPreference = "auto",
    verify: bool = True,
    seed: int = 0,
    max_attempts: int = 3,
    bank: Bank | None = None,
    plan: Plan | None = None,
    ldm: Editor | Literal["auto"] | None = "auto",
    progress: ProgressFn | None = None,
    limits: AudioLimits | None = None,
    detect: bool = True,
    verifier: VerifierName = "clap",
    chunked: bool | None = None,
) -> EditOutcome | StreamedOutcome:
    """Edit ``audio`` as ``request`` asks; see the module docstring.

    ``planner`` ... ``chunked`` are the fields of ``audioedit.options.EditOptions``.
    ``verifier``: ``acoustic`` (measurements only) or ``clap`` (measurements + the shipped CLAP's
    similarity checks; ``audioedit bench verifier`` measures both).
    ``detect``: without an annotation or stems, find the sounds the request names with CLAP.
    ``ldm``: the learned editor backend; ``"auto"`` loads the shipped one on first use (unless
    ``executor="dsp"``), ``None`` disables it, or pass an editor object (``LdmEditor``).
    ``chunked``: stream the file chunk by chunk (``audioedit.agents.long``, flat memory); None (default) does so
    for files longer than ``audioedit.agents.long.LONG_THRESHOLD_S`` and returns a ``StreamedOutcome`` (same
    ``report`` and ``status``; ``audio`` / ``scene`` read the output file)."""
    if isinstance(audio, (str, Path)) and _use_chunks(audio, chunked, stems, limits):
        from audioedit.agents.long import edit_long

        if output is None:
            raise UserInputError("a long file is edited as a stream and needs an output path")
        if ldm == "auto":
            from audioedit.executor.router import default_editor

            ldm = default_editor(executor)
        return edit_long(audio, request, output, annotation=annotation, planner=planner, executor=executor,
                         verify=verify, seed=seed, max_attempts=max_attempts, bank=bank, plan=plan, ldm=ldm,
                         verifier=_verifier(verifier), progress=progress, limits=limits)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    inputs = tuple(p for p in (audio, annotation) if isinstance(p, (str, Path)))
    if output is not None:
        _check_output(Path(output), inputs)
    bank = bank if bank is not None else _default_bank()
    scene, plan = prepare(audio, request, annotation=annotation, stems=stems, planner=planner, bank=bank,
                          limits=limits, detect=detect, plan=plan, timings=timings)
    if not plan.steps:
        reasons = "; ".join(f"{u.text!r}: {u.reason}" for u in plan.unresolved) or "no edit found"
        raise UserInputError(f"nothing in the request could be turned into an edit ({reasons})")
    if progress:
        progress("planned", {"plan": plan.model_dump(mode="json")})

    clock = time.perf_counter()
    if ldm == "auto":
        from audioedit.executor.router import default_editor

        ldm = default_editor(executor)
    config = LoopConfig(executor=executor, verify=verify, max_attempts=max_attempts, seed=seed)
    check = _verifier(verifier)
    edited, steps = run_steps(scene, plan, bank=bank, config=config, ldm=ldm, verifier=check, progress=progress)
    timings["steps_s"] = _lap(clock)
    timings["execute_s"] = round(sum(a.execute_s for s in steps for a in s.attempts), 4)
    timings["verify_s"] = round(sum(a.verify_s for s in steps for a in s.attempts), 4)

    report = EditReport(
        status=_status(plan, steps),
        request=request,
        input=str(audio) if isinstance(audio, (str, Path)) else None,
        output=str(output) if output is not None else None,
        plan=plan,
        steps=steps,
        scene_before=scene.describe(),
        scene_after=edited.describe(),
        timings_s=timings,
        messages=_messages(scene, plan, steps),
    )
    outcome = EditOutcome(scene=edited, report=report)
    if output is not None:
        clock = time.perf_counter()
        write_outputs(outcome, Path(output), protect=inputs)
        timings["write_s"] = _lap(clock)
    return outcome


def _use_chunks(audio: PathLike, chunked: bool | None, stems: PathLike | None, limits: AudioLimits | None) -> bool:
    if chunked is False:
        return False
    if stems is not None:
        if chunked:
            raise UserInputError("chunked editing does not take stems yet; drop --stems or --chunked")
        return False
    if chunked:
        return True
    from audioedit.agents.long import LONG_THRESHOLD_S
    from audioedit.stream import open_checked

    return open_checked(audio, limits).duration_s > LONG_THRESHOLD_S


def write_outputs(outcome: EditOutcome, output: Path, protect: tuple = ()) -> list[Path]:
    """``output`` audio (unless the edit failed), ``.json`` report and ``.jams`` scene beside it."""
    written = []
    if outcome.status != "failed":
        written.append(save_audio(outcome.audio, output, protect=protect))
        written.append(write_text_atomic(output.with_suffix(".jams"), scene_to_jams(outcome.scene), protect=protect))
    written.append(write_text_atomic(output.with_suffix(".json"), outcome.report.model_dump_json(indent=2), protect=protect))
    return written


def _check_output(output: Path, inputs: tuple) -> None:
    from audioedit.audio import WRITABLE_SUFFIXES, ensure_not_input

    if output.suffix.lower() not in WRITABLE_SUFFIXES:
        raise UserInputError(f"output {str(output)!r}: accepted suffixes are {sorted(WRITABLE_SUFFIXES)}")
    for path in (output, output.with_suffix(".json"), output.with_suffix(".jams")):
        ensure_not_input(path, inputs)


def _verifier(name: str) -> StepVerifier | None:
    """The loop's verifier callable for ``name`` (None = the loop's acoustic default)."""
    if name == "acoustic":
        return None
    if name == "clap":
        from audioedit.agents.verifier import default_verifier

        return default_verifier()
    raise UserInputError(f"unknown verifier {name!r}; accepted: acoustic, clap")


def _default_bank() -> Bank:
    from audioedit.bank import starter_bank

    return starter_bank()


def _status(plan: Plan, steps: list[StepReport]) -> str:
    done = sum(s.status == "ok" for s in steps)
    if done == 0:
        return "failed"
    return "ok" if done == len(steps) and not plan.unresolved else "partial"


def _messages(scene: Scene, plan: Plan, steps: list[StepReport]) -> list[str]:
    from audioedit.steps import step_targets

    out = [f"unresolved: {u.text!r}: {u.reason}" for u in plan.unresolved]
    out += [f"assumed: {a}" for a in plan.assumptions]
    for s in steps:
        if s.status != "ok":  # the last attempt that was measured says most (a repeat was not)
            last = s.last_measured()
            why = last.error or ", ".join(f"{c.name}={c.measured} (want {c.threshold})" + (f": {c.detail}" if c.detail else "")
                                          for c in last.verdict.failed())
            out.append(f"step {s.step_id} ({s.instruction}) failed after {len(s.attempts)} attempt(s): {why}")
    planned = {step.id: step for step in plan.steps}
    for s in steps:  # done, but on more than the sound: say so beside the "ok"
        unlocated = [r.label for r in step_targets(planned[s.step_id]) if r.unlocated] if s.step_id in planned else []
        if s.status == "ok" and s.backend == Backend.SPEECH_REST and unlocated:
            out.append(f"step {s.step_id} ({s.instruction}): the {' and '.join(unlocated)} was not located, so the edit was "
                       "applied to everything but the voice over the whole recording: every other non-speech sound changed with it")
    names_events = any(ref.scope == "events" for step in plan.steps for ref in step_targets(step))
    if scene.events_from == EventsFrom.NONE and names_events:
        out.append("no annotation or stems were given and nothing the request names was detected: "
                   "the recording's events are unknown")
    elif scene.events_from == EventsFrom.DETECTED and scene.events:
        out.append("events were detected with CLAP (no annotation or stems): spans and labels may be wrong")
    elif scene.events_from == EventsFrom.DETECTED:
        out.append(f"no annotation or stems were given and detection found none of: {', '.join(scene.meta.get('searched', []))}")
    return out


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 4)


class StepPreview(BaseModel):
    """What the router would do with a planned step, before anything runs."""

    step_id: str
    op: str
    targets: list[str]
    span_s: tuple[float, float] | None
    amount: str
    backend: str
    reason: str


def preview_plan(scene: Scene, plan: Plan, executor: str = "auto", ldm_available: bool | None = None) -> list[StepPreview]:
    """Per step: the resolved targets, their time span, the amount asked and the backend the
    router would pick first (or ``none`` with the reason). Steps are previewed on the input scene;
    ``ldm_available`` defaults to whether a learned editor is shipped."""
    from audioedit.steps import resolve_step, step_targets
    from audioedit.executor.router import default_editor, routes, unavailable

    if ldm_available is None:
        ldm_available = default_editor(executor) is not None
    rows = []
    for step in plan.steps:
        events = resolve_step(step, scene)
        span = (min(e.onset_s for e in events), max(e.offset_s for e in events)) if events else None
        if step.op == "add" and step.at_s is not None:
            span = (step.at_s, step.at_s)
        options = routes(scene, step, executor, ldm_available)
        rows.append(StepPreview(
            step_id=step.id, op=step.op, targets=[r.describe() for r in step_targets(step)] or [getattr(step, "sound", "")],
            span_s=span, amount=_amount(step),
            backend=options[0].backend if options else Backend.NONE,
            reason=options[0].reason if options else unavailable(scene, step, executor, ldm_available),
        ))
    return rows


def _amount(step) -> str:
    from audioedit.ops.registry import get

    if (op := get(step.op)) is not None:
        return op.amount(step)
    return {
        "loudness": lambda: f"{step.gain_db:+g} dB",
        "speed": lambda: f"x{step.factor:g}" + ("" if step.keep_pitch else " (pitch follows)"),
        "add": lambda: f"{step.count} x {step.sound}, {step.snr_db:+g} dB SNR" + (
            f" (up to {step.max_snr_db:+g} dB if not heard)"
            if step.max_snr_db is not None and step.max_snr_db > step.snr_db else ""),
        "replace": lambda: f"-> {step.sound}",
        "reorder": lambda: "order: " + " -> ".join(t.label for t in step.targets),
        "move": lambda: f"{step.by_s:+g} s" if step.by_s is not None else f"to the {step.to}" if step.to else f"to {step.to_s:g} s",
        "remove": lambda: "-",
        "pauses": lambda: f"pauses <= {getattr(step, 'max_pause_s', 0):g} s",
    }[step.op]()
