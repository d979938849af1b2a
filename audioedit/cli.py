"""The ``audioedit`` command line (typer + rich). Subsystems are imported inside each command;
``bench`` lives in ``audioedit.cli_bench``, ``synth`` and ``train`` in ``audioedit.cli_data``.

Exit codes: 0 done (ok or partial), 1 the edit failed, 2 bad input (nothing was done).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from audioedit.cli_bench import bench_app
from audioedit.cli_common import RAY_HELP, console, edit_option, edit_options, err, fail, progress_bar
from audioedit.cli_data import synth_app, train_app
from audioedit.errors import AudioEditError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Declarative, text-guided audio editing.")
app.add_typer(bench_app, name="bench")
app.add_typer(synth_app, name="synth")
app.add_typer(train_app, name="train")


HOST = typer.Option("127.0.0.1", "--host")
PORT = typer.Option(8000, "--port")
API_KEY = typer.Option(None, "--api-key", envvar="AUDIOEDIT_API_KEY", help="require X-API-Key / Bearer")


def data_dir_option(what: str):
    return typer.Option(None, "--data-dir", help=f"{what} (default $AUDIOEDIT_DATA_DIR, else the user's cache folder)")


def _plan_table(plan) -> Table:
    from audioedit.steps import step_targets

    table = Table(title=f"plan ({plan.planner})", show_lines=False)
    for col in ("step", "op", "target", "details", "instruction"):
        table.add_column(col)
    for step in plan.steps:
        targets = ", ".join(ref.describe() for ref in step_targets(step)) or "-"
        details = {k: v for k, v in step.model_dump().items() if k not in {"id", "op", "instruction", "source_text", "target", "targets"}}
        table.add_row(step.id, step.op, targets, ", ".join(f"{k}={v}" for k, v in details.items() if v is not None), step.instruction)
    return table


def _print_plan_notes(plan) -> None:
    for note in plan.assumptions:
        console.print(f"[dim]assumed:[/] {note}", highlight=False)
    for item in plan.unresolved:
        console.print(f"[yellow]unresolved:[/] {item.text!r}: {item.reason}", highlight=False, soft_wrap=True)


@app.command()
def edit(
    audio: Path = typer.Argument(..., help="input audio file (never modified)"),
    request: str = typer.Argument(..., help="what to do, in plain language"),
    output: Path = typer.Option(..., "-o", "--output", help="output audio (.wav/.flac/.ogg); .json and .jams are written beside it"),
    annotation: Optional[Path] = typer.Option(None, "--annotation", help="JAMS or onset/offset/label .txt"),
    stems: Optional[Path] = typer.Option(None, "--stems", help="folder of per-event stems (Scaper layout)"),
    planner: str = edit_option("planner", "--planner"),
    executor: str = edit_option("executor", "--executor"),
    verify: bool = edit_option("verify", "--verify/--no-verify"),
    verifier: str = edit_option("verifier", "--verifier"),
    seed: int = edit_option("seed", "--seed"),
    max_attempts: int = edit_option("max_attempts", "--max-attempts"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON report instead of tables"),
    max_duration_s: float = typer.Option(3 * 3600.0, "--max-duration", help="refuse inputs longer than this (s)"),
    max_file_mb: Optional[float] = typer.Option(None, "--max-file-mb", help="refuse input files larger than this "
                                                "(MB; default by format: WAV 4096, FLAC 2048, OGG 1024, MP3 512)"),
    chunked: Optional[bool] = edit_option("chunked", "--chunked/--whole"),
) -> None:
    """Edit AUDIO as REQUEST asks and write OUTPUT plus a report."""
    from audioedit.agents.pipeline import edit_request
    from audioedit.audio import AudioLimits

    options = edit_options(planner=planner, executor=executor, verify=verify, verifier=verifier, seed=seed,
                           max_attempts=max_attempts, chunked=chunked)
    limits = AudioLimits(max_duration_s=max_duration_s,
                         max_file_bytes=None if max_file_mb is None else int(max_file_mb * 1024 * 1024))
    bar, progress = _chunk_bar(enabled=not as_json)
    try:
        with bar:
            outcome = edit_request(audio, request, output, annotation=annotation, stems=stems,
                                   **options.edit_kwargs(), limits=limits, progress=progress)
    except AudioEditError as exc:
        fail(exc)
    report = outcome.report
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        console.print(_plan_table(report.plan))
        _print_steps(report)
        for message in report.messages:
            console.print(f"[yellow]•[/] {message}", highlight=False)
        console.print(f"status: [bold]{report.status}[/]  output: {output}  report: {output.with_suffix('.json')}")
    if report.status == "failed":
        raise typer.Exit(1)


def _chunk_bar(enabled: bool):
    """A rich bar with ETA fed by the chunked engine's ``chunk_finished`` events (idle otherwise)."""
    from contextlib import nullcontext

    from rich.progress import BarColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    if not enabled:
        return nullcontext(), None
    bar = Progress("[progress.description]{task.description}", BarColumn(), "{task.percentage:>3.0f}%",
                   TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True)
    task = bar.add_task("chunks", total=None, visible=False)

    def progress(event: str, data: dict) -> None:
        if event == "chunk_finished":
            bar.update(task, completed=data["fraction"], total=1.0, visible=True,
                       description=f"pass {data['phase'] + 1}/{data['phases']}, chunk {data['index'] + 1}")

    return bar, progress


def _mark(check) -> str:
    """✓ passed, ✗ failed, ~ advisory (reported, not counted: e.g. a CLAP check on a sound it never heard)."""
    return "~" if check.detail.startswith("advisory") else "✓" if check.passed else "✗"


def _print_steps(report) -> None:
    table = Table(title="steps", caption="✓ passed, ✗ failed, ~ advisory (reported, not counted)")
    for col in ("step", "status", "backend", "attempts", "checks"):
        table.add_column(col)
    for step in report.steps:  # the last attempt that was measured (a repeat was not)
        last = step.last_measured()
        checks = last.error or "; ".join(
            f"{_mark(c)} {c.name}={c.measured if c.measured is None else round(c.measured, 3)} ({c.threshold})"
            for c in (last.verdict.checks if last.verdict else [])
        )
        table.add_row(step.step_id, step.status, step.backend or last.backend, str(len(step.attempts)), checks)
    console.print(table)


@app.command()
def plan(
    audio: Path = typer.Argument(..., help="input audio file"),
    request: str = typer.Argument(...),
    annotation: Optional[Path] = typer.Option(None, "--annotation"),
    stems: Optional[Path] = typer.Option(None, "--stems"),
    planner: str = edit_option("planner", "--planner"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Plan REQUEST against AUDIO without editing (a table, or JSON with --json)."""
    from audioedit.agents.pipeline import plan_request

    options = edit_options(planner=planner)
    try:
        result = plan_request(audio, request, annotation=annotation, stems=stems, planner=options.planner)
    except AudioEditError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        console.print(_plan_table(result))
        _print_plan_notes(result)
    if not result.steps:
        raise typer.Exit(2)


@app.command()
def describe(
    audio: Path = typer.Argument(..., help="input audio file"),
    annotation: Optional[Path] = typer.Option(None, "--annotation"),
    stems: Optional[Path] = typer.Option(None, "--stems"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What AUDIO holds (events; where people talk), what it measures, and requests that fix what was found."""
    from audioedit.agents.pipeline import analyze, describe_scene

    try:
        described = describe_scene(analyze(audio, annotation, stems))
    except AudioEditError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(described.model_dump_json(indent=2) + "\n")
        return
    console.print(f"{described.duration_s:.2f} s, {described.sample_rate_hz} Hz, {described.num_channels} channel(s); "
                  f"events from {described.events_from.value}", highlight=False)
    for e in described.events:
        console.print(f"  {e.label}: {e.onset_s:.2f}-{e.offset_s:.2f} s", highlight=False)
    console.print("measured: " + ", ".join(f"{k} {'-' if v is None else f'{v:g}'}" for k, v in described.measurements.items()),
                  highlight=False)
    for request in described.suggestions:
        console.print(f"suggested: audioedit edit {audio} \"{request}\"", highlight=False)


@app.command()
def demo(
    out: Path = typer.Option(Path("demo_out"), "--out", help="output folder"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Compose a street scene from the starter bank and run a 3-step declarative edit on it."""
    from audioedit.demo import DEMO_REQUEST, run_demo

    console.print(f"request: [bold]{DEMO_REQUEST}[/]", highlight=False)
    try:
        result = run_demo(out, seed)
    except AudioEditError as exc:
        fail(exc)
    report = json.loads(result.report.read_text())
    from audioedit.report import EditReport

    parsed = EditReport.model_validate(report)
    console.print(_plan_table(parsed.plan))
    _print_steps(parsed)
    for name in ("before", "after", "report", "spectrogram"):
        console.print(f"{name:12s} {getattr(result, name)}")
    console.print(f"status: [bold]{result.status}[/]")
    if result.status == "failed":
        raise typer.Exit(1)


@app.command()
def serve(
    host: str = HOST,
    port: int = PORT,
    data_dir: Optional[Path] = data_dir_option("jobs, uploads, results and the SQLite job table"),
    workers: int = typer.Option(2, "--workers", help="jobs running at once"),
    max_queued: int = typer.Option(100, "--max-queued", help="jobs waiting; more get HTTP 429"),
    max_upload_mb: float = typer.Option(64.0, "--max-upload-mb"),
    max_duration_s: float = typer.Option(300.0, "--max-duration"),
    api_key: Optional[str] = API_KEY,
) -> None:
    """Run the HTTP service (FastAPI + uvicorn; OpenAPI docs at /docs)."""
    from audioedit.agents.service import serve as run_service

    run_service(host=host, port=port, data_dir=data_dir, workers=workers, max_queued=max_queued,
                max_upload_bytes=int(max_upload_mb * 1024 * 1024), max_duration_s=max_duration_s, api_key=api_key)


@app.command()
def ui(
    host: str = HOST,
    port: int = PORT,
    data_dir: Optional[Path] = data_dir_option("jobs, uploads, results, examples"),
    api_key: Optional[str] = API_KEY,
) -> None:
    """Serve the editing page (and the HTTP API under /v1) on http://HOST:PORT/."""
    from audioedit.agents.ui import serve_ui

    console.print(f"audioedit page on http://{host}:{port}/  (API docs at /docs)")
    serve_ui(host=host, port=port, data_dir=data_dir, api_key=api_key)


@app.command()
def mcp(root: Path = typer.Option(Path("."), "--root", help="the only directory the tools may read and write")) -> None:
    """Run the MCP server on stdio (tools: edit_audio, plan_edit, describe_audio)."""
    from audioedit.agents.mcp_server import run_stdio

    run_stdio(root)


@app.command("batch")
def batch(
    manifest: Path = typer.Argument(..., help="JSONL: one {\"audio\", \"request\"[, \"id\", \"annotation\", \"stems\"]} per line"),
    out: Path = typer.Option(..., "--out", help="output folder: <id>.wav/.json/.jams per item and batch.jsonl"),
    request: Optional[str] = typer.Option(None, "--request", help="the request for every line that has none"),
    workers: int = typer.Option(1, "--workers"),
    ray: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP),
    resume: bool = typer.Option(True, "--resume/--no-resume", help="skip items whose outcome is already recorded"),
    planner: str = edit_option("planner", "--planner"),
    executor: str = edit_option("executor", "--executor"),
    verifier: str = edit_option("verifier", "--verifier"),
    seed: int = edit_option("seed", "--seed"),
) -> None:
    """Edit many recordings; resumable, with progress and a summary table (exit 1 if any item failed)."""
    from audioedit.agents.batch import run_batch

    options = edit_options(planner=planner, executor=executor, verifier=verifier, seed=seed)
    bar, progress = progress_bar("batch")
    try:
        with bar:
            summary = run_batch(manifest, out, request=request, workers=workers, ray_address=ray, resume=resume,
                                progress=progress, **options.edit_kwargs())
    except AudioEditError as exc:
        fail(exc)
    table = Table(title=f"batch: {summary.items} items, {summary.ran} run, {summary.skipped} already done, "
                        f"{summary.seconds:g} s")
    for col in ("id", "status", "steps ok", "seconds", "message"):
        table.add_column(col)
    for rec in summary.records:
        table.add_row(rec.id, rec.status, f"{rec.steps_ok}/{rec.steps}", f"{rec.seconds:g}", rec.message[:80])
    console.print(table)
    console.print(" ".join(f"{k}: {v}" for k, v in sorted(summary.by_status.items())))
    if any(r.status in ("failed", "error") for r in summary.records):
        raise typer.Exit(1)


@app.command("eval")
def eval_command(
    suite: str = typer.Option(..., "--suite", help="synth-v1 | synth-v1-declarative | lcr | sisec | esc50-sep | smartdj-goals | speech"),
    methods: str = typer.Option(..., "--methods", help="comma list of planned, planned-no-verifier, planned-stems, "
                                                          "one-shot, dsp, ldm, identity, oracle, peer"),
    out: Path = typer.Option(..., "--out", help="report folder (resumable: finished records are kept)"),
    limit: Optional[int] = typer.Option(None, "--limit", help="items per op (synth) or in total (lcr, sisec)"),
    ops: Optional[str] = typer.Option(None, "--ops", help="only items of these ops (comma list)"),
    workers: int = typer.Option(1, "--workers"),
    ray: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP),
    resume: bool = typer.Option(True, "--resume/--no-resume"),
    stems: bool = typer.Option(False, "--stems", help="give the stems to the methods"),
    data: Optional[str] = typer.Option(None, "--data", help="dev corpus folder (default $AUDIOEDIT_DATA_ROOT or ../shared/data/dev)"),
    cache: Optional[str] = typer.Option(None, "--cache", help="generated suite folder (default runs/bench-v1, runs/esc50-sep)"),
    ldm: Optional[str] = typer.Option(None, "--ldm", help="learned editor folder (default: the shipped one)"),
    clap: str = typer.Option("auto", "--clap", help="auto | none | CLAP YAML | small-CLAP checkpoint folder"),
    note: Optional[str] = typer.Option(None, "--note", help="a sentence for the report header"),
) -> None:
    """Benchmark methods on a suite: per-example JSONL + report.md / report.html with tables and plots."""
    import shlex

    from audioedit.evals.runner import main_eval

    if suite == "smartdj-goals":  # goal-only requests: evals/goals_suite.py
        from audioedit.evals.goals_suite import run_goal_suite, summary

        try:
            records = run_goal_suite(out, data, limit=limit, judge=None if clap in ("auto", "none") else clap)
        except AudioEditError as exc:
            fail(exc)
        console.print(f"{summary(records)}\nreport: {Path(out) / 'report.html'}")
        return
    command = "audioedit " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if suite == "speech":  # plain recordings of speech over noise: evals/speech_suite.py
        from audioedit.evals.speech_suite import main_speech

        try:
            console.print(main_speech(methods, out, limit, data, command=command))
        except AudioEditError as exc:
            fail(exc)
        return
    bar, progress = progress_bar(f"eval {suite}")
    try:
        with bar:
            summary = main_eval(suite, methods, out, limit, ops=ops.split(",") if ops else None, workers=workers,
                                ray_address=ray, resume=resume, stems=stems,
                                data_dir=data, cache_dir=cache, ldm_path=ldm, clap=clap, command=command, note=note,
                                progress=progress)
    except AudioEditError as exc:
        fail(exc)
    from audioedit.evals.report import load_run, plan_check_table

    checks = plan_check_table(load_run(out)[0])
    if checks:
        console.print(checks[0])
        for item, method, reference, planned, equal in checks[1]:
            same = equal == "yes"
            console.print(f"  {item:32s} {method:14s} {'equal' if same else 'DIFFERENT'}  {planned}"
                          + ("" if same else f"  (reference: {reference})"), soft_wrap=True)
    console.print(f"report: {summary.report_md}  {summary.report_html}")


def main() -> None:  # pragma: no cover - console entry point helper
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

