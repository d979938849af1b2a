"""Long recordings with flat memory: plan once, edit chunk by chunk, write as it goes.

    outcome = edit_long("podcast.wav", "make the car horns 6 dB louder", "out.wav", annotation="p.jams")

1. The plan is made once against the scene description (the annotation's events; no audio read).
2. The plan's steps are split into phases at every whole-recording ``normalize`` (it needs the
   loudness of everything before it) and ``trim`` (its times are the whole file's); both in ``audioedit.agents.long_phases``. Each phase is one streaming pass, source -> destination:
   - an edit phase reads the source chunk by chunk: each chunk (at most ``chunk_s``) ends in a quiet
     place outside targeted events, found in the audio just read (``audioedit.agents.chunks.next_edge``); its
     window (core + ``CONTEXT_S`` each side) goes through the ordinary per-step loop (``audioedit.agents.loop.run_steps``:
     route -> execute -> verify -> retry) on it with its events and its part of the plan, and
     writes the core with ``XFADE_S`` linear crossfades at the joins;
   - a normalize phase measures the integrated loudness in a streaming pass (``audioedit.stream``),
     then writes gain + peak limiter chunk by chunk (limited output re-measured until on target).
3. Output goes to a temporary file renamed at the end; intermediate phases use hidden temporary
   files beside it. A killed job leaves the input and no output. The JAMS follows the events through
   time-moving edits (each chunk's events are placed at the chunk's position in the output).

A step is ``ok`` only if it was ``ok`` in every chunk it ran in; the report lists the chunks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioedit.agents.chunks import (Chunk, Joiner, chunk_step, next_edge, reorder_split, targeted_events, unstreamed,
                                     window_scene_events)
from audioedit.agents.long_phases import normalize_phase, trim_phase
from audioedit.agents.loop import LoopConfig, run_steps
from audioedit.audio import Audio, AudioLimits, write_text_atomic
from audioedit.backends import Backend
from audioedit.bank import addable_sounds
from audioedit.errors import UserInputError
from audioedit.options import ExecutorPreference, PlannerName
from audioedit.protocols import Bank, Editor, StepVerifier
from audioedit.report import Attempt, ChunkReport, EditReport, StepReport
from audioedit.scene import Event, EventsFrom, Scene, SceneDescription, events_to_jams, read_annotation
from audioedit.steps import EditStep, NormalizeStep, Plan, TrimStep, on_recording
from audioedit.stream import BlockWriter, StreamInfo, fix_mmap_threshold, open_checked, read_frames

LONG_THRESHOLD_S = 600.0  # edit_request streams inputs longer than this
CHUNK_S = 60.0
SEARCH_S = 10.0  # an edge may move this far from its nominal place
CONTEXT_S = 2.0  # audio each chunk sees beyond its core on both sides
XFADE_S = 0.02
ProgressFn = Callable[[str, dict], None]


@dataclass(frozen=True, eq=False)
class StreamedOutcome:
    """What ``edit_long`` returns: the report, the output path and the events after the edit.
    ``audio`` / ``scene`` read the output file (the whole of it: only for files that fit memory)."""

    report: EditReport
    output: Path
    events: tuple[Event, ...]
    events_from: EventsFrom

    @property
    def status(self) -> str:
        return self.report.status

    @property
    def scene(self) -> Scene:
        from audioedit.audio import load_audio

        return Scene(load_audio(self.output, AudioLimits(max_duration_s=1e9, max_file_bytes=2**62)),
                     self.events, None, self.events_from)

    @property
    def audio(self) -> Audio:
        return self.scene.audio


@dataclass
class _Run:
    """State of one job across its phases."""

    config: LoopConfig
    bank: Bank
    ldm: Editor | None
    verifier: StepVerifier | None
    progress: ProgressFn | None
    chunk_s: float
    done_chunks: int = 0
    started: float = 0.0

    def tick(self, phase: int, chunk: Chunk, phases: int, done_frames: int, num_frames: int) -> None:
        """Report a finished chunk: the fraction of the job done (by audio position) and the ETA."""
        self.done_chunks += 1
        if self.progress is None:
            return
        elapsed = time.perf_counter() - self.started
        fraction = min(1.0, (phase + done_frames / num_frames) / phases)
        eta = elapsed / fraction - elapsed if fraction > 0 else None
        self.progress("chunk_finished", {"phase": phase, "phases": phases, "index": chunk.index,
                                         "fraction": round(fraction, 4), "elapsed_s": round(elapsed, 2),
                                         "eta_s": None if eta is None else round(eta, 2)})


def edit_long(audio: str | Path, request: str, output: str | Path, *, annotation: str | Path | None = None,
              planner: PlannerName = "rules", executor: ExecutorPreference = "auto", verify: bool = True,
              seed: int = 0, max_attempts: int = 3, bank: Bank | None = None, plan: Plan | None = None,
              ldm: Editor | None = None, verifier: StepVerifier | None = None, progress: ProgressFn | None = None, limits: AudioLimits | None = None,
              chunk_s: float = CHUNK_S) -> StreamedOutcome:
    """Edit ``audio`` as ``request`` asks, streaming; see the module docstring. ``verifier`` is the
    loop's verifier callable (None: acoustic checks); ``ldm`` an editor object or None."""
    from audioedit.agents.pipeline import _check_output, _default_bank, _status

    clock = time.perf_counter()
    fix_mmap_threshold()
    audio, output = Path(audio), Path(output)
    inputs = tuple(p for p in (audio, annotation) if p is not None)
    _check_output(output, inputs)
    info = open_checked(audio, limits)
    events = read_annotation(annotation) if annotation is not None else []
    for ev in events:
        if ev.onset_s >= info.duration_s:
            raise UserInputError(f"annotated event {ev.id!r} starts at {ev.onset_s:.2f} s, after the audio ends "
                                 f"({info.duration_s:.2f} s): is this the right annotation for {str(audio)!r}?")
    events_from = EventsFrom.ANNOTATION if annotation is not None else EventsFrom.NONE
    before = _describe(info.duration_s, info, events, events_from)
    bank = bank if bank is not None else _default_bank()
    if plan is None:
        from audioedit.planner import make_plan

        plan = make_plan(request, before, sounds=addable_sounds(bank), backend=planner)
    if not plan.steps:
        reasons = "; ".join(f"{u.text!r}: {u.reason}" for u in plan.unresolved) or "no edit found"
        raise UserInputError(f"nothing in the request could be turned into an edit ({reasons})")
    timings = {"plan_s": _lap(clock)}
    if progress:
        progress("planned", {"plan": plan.model_dump(mode="json")})
    config = LoopConfig(executor=executor, verify=verify, max_attempts=max_attempts, seed=seed)
    run = _Run(config, bank, ldm, verifier, progress, chunk_s, started=time.perf_counter())
    phases = _phases(plan.steps)
    reports: dict[str, StepReport] = {}
    chunk_rows: list[ChunkReport] = []
    notes_all: list[str] = []
    source, temps = audio, []
    try:
        for number, steps in enumerate(phases):
            last = number == len(phases) - 1
            dest = output if last else output.with_name(f".{output.stem}.phase{number}{output.suffix}")
            if not last:
                temps.append(dest)
            src_info = info if source == audio else open_checked(source, AudioLimits(max_duration_s=1e9, max_file_bytes=2**62))
            if isinstance(steps[0], NormalizeStep):
                events, report = normalize_phase(src_info, steps[0], dest, events, run, number, len(phases), inputs)
                reports[report.step_id] = report
            elif isinstance(steps[0], TrimStep):
                events, report = trim_phase(src_info, steps[0], dest, events, inputs)
                reports[report.step_id] = report
            else:
                events, phase_reports, rows, notes = _edit_phase(src_info, steps, dest, events, run, number,
                                                                 len(phases), inputs)
                reports.update({r.step_id: r for r in phase_reports})
                chunk_rows += rows
                notes_all += notes
            source = dest
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    timings["steps_s"] = _lap(run.started)
    steps_out = [reports[s.id] for s in plan.steps]
    after_duration = open_checked(output, AudioLimits(max_duration_s=1e9, max_file_bytes=2**62)).duration_s
    after = _describe(after_duration, info, events, events_from)
    from audioedit.agents.pipeline import _messages

    messages = _messages(Scene(Audio.silence(0.0, info.sample_rate_hz), (), None, events_from), plan, steps_out)
    messages += [f"long file: streamed in {len(phases)} pass(es), {run.done_chunks} chunk(s) of ~{chunk_s:g} s"] + notes_all
    report = EditReport(status=_status(plan, steps_out), request=request, input=str(audio), output=str(output),
                        plan=plan, steps=steps_out, scene_before=before, scene_after=after, timings_s=timings,
                        messages=messages, chunks=chunk_rows)
    if report.status == "failed":
        output.unlink(missing_ok=True)
    else:
        write_text_atomic(output.with_suffix(".jams"), events_to_jams(events, events_from, after_duration),
                          protect=inputs)
    write_text_atomic(output.with_suffix(".json"), report.model_dump_json(indent=2), protect=inputs)
    if progress:
        for index, s in enumerate(steps_out):
            progress("step_finished", {"index": index, "step_id": s.step_id, "status": s.status})
    return StreamedOutcome(report, output, tuple(events), events_from)


def _phases(steps: list[EditStep]) -> list[list[EditStep]]:
    """Runs of steps; every whole-recording normalize is a phase of its own."""
    phases: list[list[EditStep]] = []
    for step in steps:
        alone = isinstance(step, (NormalizeStep, TrimStep)) and on_recording(step)
        if alone or not phases or isinstance(phases[-1][0], (NormalizeStep, TrimStep)):
            phases.append([step])
        else:
            phases[-1].append(step)
    return phases


def _edit_phase(info: StreamInfo, steps: list[EditStep], dest: Path, events: list[Event], run: _Run,
                phase: int, phases: int, protect: tuple):
    """One streaming pass running ``steps`` chunk by chunk; each chunk's end is found in the audio just
    read (``next_edge``), so the file is read once."""
    rate, n = info.sample_rate_hz, info.num_frames
    context, nominal = int(CONTEXT_S * rate), int(run.chunk_s * rate)
    targeted = targeted_events(steps, events)
    per_step: dict[str, list[StepReport]] = {s.id: [] for s in steps}
    out_events: list[Event] = []
    taken: set[str] = {e.id for e in events}
    rows, notes, edges = [], [], [0]
    with BlockWriter(dest, rate, info.num_channels, protect=protect) as writer:
        joiner = Joiner(writer, int(XFADE_S * rate) // 2)
        start = 0
        while start < n:
            clock = time.perf_counter()
            lo, hi = max(0, start - context), min(n, start + nominal + context)
            samples = read_frames(info.path, lo, hi)
            stop, note = next_edge(start, n, samples, lo, rate, events, targeted, run.chunk_s, SEARCH_S, XFADE_S)
            if note:
                notes.append(f"chunk {len(rows)}: {note}")
            chunk = Chunk(len(rows), start, stop, lo, min(n, stop + context))
            samples = samples[:, : chunk.window_stop - lo]
            edited, local, clipped, factor = _run_chunk(samples, rate, steps, events, chunk, run, per_step)
            out = edited.audio.samples
            core_lo = int(round((chunk.start - chunk.window_start) / factor))
            core_hi = out.shape[1] - int(round((chunk.window_stop - chunk.stop) / factor))
            position = joiner.add(out, core_lo, core_hi, first=start == 0, last=stop == n)
            out_events += _place_events(edited.events, local, clipped, events, chunk, rate, core_lo, core_hi,
                                        position, factor, taken)
            rows.append(ChunkReport(index=chunk.index, start_s=start / rate, end_s=stop / rate,
                                    output_start_s=position / rate, output_end_s=(position + core_hi - core_lo) / rate,
                                    steps=chunk.statuses, seconds=_lap(clock)))
            run.tick(phase, chunk, phases, stop, n)
            edges.append(stop)
            start = stop
        writer.commit()
    split = {s.id for s in steps if unstreamed(s) or not per_step[s.id] and reorder_split(s, events, edges, rate)}
    reports = [_aggregate(s, per_step[s.id], s.id in split) for s in steps]
    return sorted(out_events, key=lambda e: e.onset_s), reports, rows, notes


def _run_chunk(samples: np.ndarray, rate: int, steps: list[EditStep], events: list[Event], chunk: Chunk, run: _Run,
               per_step: dict[str, list[StepReport]]):
    """The per-step loop on one chunk's window: (edited scene, window events, clipped ids, speed factor)."""
    local, clipped = window_scene_events(events, (chunk.window_start, chunk.window_stop), rate)
    scene = Scene(Audio(samples, rate), tuple(local), None, EventsFrom.ANNOTATION if events else EventsFrom.NONE)
    plan_here = [c for s in steps if (c := chunk_step(s, events, chunk, rate, chunk.index == 0)) is not None]
    if not plan_here:
        return scene, local, clipped, 1.0
    edited, reports = run_steps(scene, Plan(request="", steps=plan_here), bank=run.bank, config=run.config,
                                ldm=run.ldm, verifier=run.verifier)
    for r in reports:
        per_step[r.step_id].append(r)
        chunk.statuses[r.step_id] = r.status
    factor = float(np.prod([s.factor for s in plan_here if s.op == "speed" and on_recording(s)
                            and chunk.statuses.get(s.id) == "ok"]))
    return edited, local, clipped, factor


def _place_events(edited: tuple[Event, ...], local: list[Event], clipped: set[str], events: list[Event], chunk: Chunk,
                  rate: int, core_lo: int, core_hi: int, position: int, factor: float, taken: set[str]) -> list[Event]:
    """The chunk's events in output time: those that started in its core, and new ones placed in it."""
    original = {e.id: e for e in events}
    local_ids = {e.id for e in local}
    out = []
    for e in edited:
        onset = int(round(e.onset_s * rate))
        if e.id in local_ids:
            src = original[e.id]
            if not chunk.start <= int(round(src.onset_s * rate)) < chunk.stop:
                continue
        elif not core_lo <= onset < core_hi:
            continue
        to_out = lambda t_s: (position + int(round(t_s * rate)) - core_lo) / rate  # noqa: E731
        onset_s = to_out(e.onset_s)
        offset_s = to_out(e.offset_s)
        if e.id in clipped:  # it runs past the window: its length is the original one, scaled
            offset_s = onset_s + (original[e.id].offset_s - original[e.id].onset_s) / factor
        ident = e.id
        if e.id not in local_ids:
            n = 0
            while ident in taken:
                n += 1
                ident = f"{e.id}_c{chunk.index}_{n}"
            taken.add(ident)
        out.append(e.model_copy(update={"id": ident, "onset_s": max(onset_s, 0.0), "offset_s": max(offset_s, onset_s)}))
    return out


def _aggregate(step: EditStep, runs: list[StepReport], split: bool) -> StepReport:
    """One report for a step over the chunks it ran in: ok only if ok in every one."""
    if split or not runs:
        why = (unstreamed(step) or "the reordered events start in different chunks; reordering across chunks is not supported"
               if split else "the step had nothing to do in any chunk (no target event in the file)")
        attempt = Attempt(step_id=step.id, attempt=1, backend=Backend.NONE, strategy="chunked", error=why)
        return StepReport(step_id=step.id, op=step.op, instruction=step.instruction, status="failed", attempts=[attempt])
    failed = [r for r in runs if r.status != "ok"]
    shown = (failed or runs)[0]
    backends = sorted({r.backend for r in runs if r.backend})
    return StepReport(step_id=step.id, op=step.op, instruction=step.instruction,
                      status="failed" if failed else "ok", backend="+".join(backends) or None,
                      attempts=shown.attempts)


def _describe(duration_s: float, info: StreamInfo, events: list[Event], events_from: EventsFrom) -> SceneDescription:
    return SceneDescription(duration_s=round(duration_s, 4), sample_rate_hz=info.sample_rate_hz,
                            num_channels=info.num_channels, events=list(events), has_stems=False,
                            events_from=events_from)


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 4)
