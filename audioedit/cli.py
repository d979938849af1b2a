"""The ``audioedit`` command line (typer + rich). Subsystems are imported inside each command.

Exit codes: 0 done (ok or partial), 1 the edit failed, 2 bad input (nothing was done).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from audioedit.errors import AudioEditError, UserInputError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Declarative, text-guided audio editing.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print their figures.")
app.add_typer(bench_app, name="bench")
console = Console()
err = Console(stderr=True)


def _fail(exc: Exception) -> None:
    code = 2 if isinstance(exc, UserInputError) else 1
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


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
    planner: str = typer.Option("rules", "--planner", help="rules | llm"),
    executor: str = typer.Option("auto", "--executor", help="auto | dsp | ldm"),
    verify: bool = typer.Option(True, "--verify/--no-verify"),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON report instead of tables"),
    max_duration_s: float = typer.Option(600.0, "--max-duration", help="refuse inputs longer than this (s)"),
    max_file_mb: float = typer.Option(512.0, "--max-file-mb", help="refuse input files larger than this (MB)"),
) -> None:
    """Edit AUDIO as REQUEST asks and write OUTPUT plus a report."""
    from agents.pipeline import edit_request
    from audioedit.audio import AudioLimits

    limits = AudioLimits(max_duration_s=max_duration_s, max_file_bytes=int(max_file_mb * 1024 * 1024))
    try:
        outcome = edit_request(audio, request, output, annotation=annotation, stems=stems, planner=planner,
                               executor=executor, verify=verify, seed=seed, limits=limits)
    except AudioEditError as exc:
        _fail(exc)
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


def _print_steps(report) -> None:
    table = Table(title="steps")
    for col in ("step", "status", "backend", "attempts", "checks"):
        table.add_column(col)
    for step in report.steps:
        last = step.attempts[-1]
        checks = last.error or "; ".join(
            f"{'✓' if c.passed else '✗'} {c.name}={c.measured if c.measured is None else round(c.measured, 3)} ({c.threshold})"
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
    planner: str = typer.Option("rules", "--planner"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Plan REQUEST against AUDIO without editing (a table, or JSON with --json)."""
    from agents.pipeline import plan_request

    try:
        result = plan_request(audio, request, annotation=annotation, stems=stems, planner=planner)
    except AudioEditError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        console.print(_plan_table(result))
        _print_plan_notes(result)
    if not result.steps:
        raise typer.Exit(2)


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
        _fail(exc)
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


@bench_app.command("latency")
def bench_latency(
    repeats: int = typer.Option(20, "--repeats"),
    duration_s: float = typer.Option(10.0, "--duration"),
) -> None:
    """Per-stage p50/p95 latency for a 44.1 kHz stereo input (planner, one DSP step, 3-step edit with I/O)."""
    from evals.latency import run_latency_benchmark

    result = run_latency_benchmark(repeats=repeats, duration_s=duration_s)
    table = Table(title=f"latency, {duration_s:g} s 44.1 kHz stereo, {repeats} repeats")
    for col in ("stage", "p50 ms", "p95 ms", "target ms", "met"):
        table.add_column(col)
    for row in result.rows:
        table.add_row(row.stage, f"{row.p50_ms:.2f}", f"{row.p95_ms:.2f}", f"{row.target_ms:g}" if row.target_ms else "-",
                      "-" if row.target_ms is None else ("yes" if row.p95_ms < row.target_ms else "NO"))
    console.print(table)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    data_dir: Path = typer.Option(Path("audioedit_data"), "--data-dir", help="jobs, uploads, results and the SQLite job table"),
    workers: int = typer.Option(2, "--workers", help="jobs running at once"),
    max_queued: int = typer.Option(100, "--max-queued", help="jobs waiting; more get HTTP 429"),
    max_upload_mb: float = typer.Option(64.0, "--max-upload-mb"),
    max_duration_s: float = typer.Option(300.0, "--max-duration"),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="AUDIOEDIT_API_KEY", help="require X-API-Key / Bearer"),
) -> None:
    """Run the HTTP service (FastAPI + uvicorn; OpenAPI docs at /docs)."""
    from agents.service import serve as run_service

    run_service(host=host, port=port, data_dir=data_dir, workers=workers, max_queued=max_queued,
                max_upload_bytes=int(max_upload_mb * 1024 * 1024), max_duration_s=max_duration_s, api_key=api_key)


@app.command()
def mcp(root: Path = typer.Option(Path("."), "--root", help="the only directory the tools may read and write")) -> None:
    """Run the MCP server on stdio (tools: edit_audio, plan_edit, describe_audio)."""
    from agents.mcp_server import run_stdio

    run_stdio(root)


def main() -> None:  # pragma: no cover - console entry point helper
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
