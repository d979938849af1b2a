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
synth_app = typer.Typer(no_args_is_help=True, help="Paired editing data from sound banks (Scaper).")
app.add_typer(bench_app, name="bench")
app.add_typer(synth_app, name="synth")
train_app = typer.Typer(no_args_is_help=True, help="Train the models the project ships (resumable, CPU).")
app.add_typer(train_app, name="train")
RAY_HELP = "run on Ray: 'local', 'auto' or a cluster address (pip install 'audioedit[scale]')"
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
    executor: str = typer.Option("auto", "--executor", help="auto | dsp | ldm | region (DSP region edit even over overlapping events)"),
    verify: bool = typer.Option(True, "--verify/--no-verify"),
    verifier: str = typer.Option("clap", "--verifier", help="clap (acoustic measurements + CLAP similarity checks) | acoustic"),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON report instead of tables"),
    max_duration_s: float = typer.Option(3 * 3600.0, "--max-duration", help="refuse inputs longer than this (s)"),
    max_file_mb: Optional[float] = typer.Option(None, "--max-file-mb", help="refuse input files larger than this "
                                                "(MB; default by format: WAV 4096, FLAC 2048, OGG 1024, MP3 512)"),
    chunked: Optional[bool] = typer.Option(None, "--chunked/--whole", help="stream the file chunk by chunk "
                                           "(default: for inputs longer than 10 min)"),
) -> None:
    """Edit AUDIO as REQUEST asks and write OUTPUT plus a report."""
    from audioedit.agents.pipeline import edit_request
    from audioedit.audio import AudioLimits

    limits = AudioLimits(max_duration_s=max_duration_s,
                         max_file_bytes=None if max_file_mb is None else int(max_file_mb * 1024 * 1024))
    bar, progress = _chunk_bar(enabled=not as_json)
    try:
        with bar:
            outcome = edit_request(audio, request, output, annotation=annotation, stems=stems, planner=planner,
                                   executor=executor, verify=verify, seed=seed, limits=limits, verifier=verifier,
                                   chunked=chunked, progress=progress)
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
    from audioedit.agents.pipeline import plan_request

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
    from audioedit.evals.latency import run_latency_benchmark

    result = run_latency_benchmark(repeats=repeats, duration_s=duration_s)
    table = Table(title=f"latency, {duration_s:g} s 44.1 kHz stereo, {repeats} repeats")
    for col in ("stage", "p50 ms", "p95 ms", "target ms", "met"):
        table.add_column(col)
    for row in result.rows:
        table.add_row(row.stage, f"{row.p50_ms:.2f}", f"{row.p95_ms:.2f}", f"{row.target_ms:g}" if row.target_ms else "-",
                      "-" if row.target_ms is None else ("yes" if row.p95_ms < row.target_ms else "NO"))
    console.print(table)


@bench_app.command("long")
def bench_long(
    minutes: int = typer.Option(60, "--minutes", help="length of the long test file (the short one is 1 min)"),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="dev corpus (default: audioedit.paths)"),
    cache: Optional[Path] = typer.Option(None, "--cache", help="where the test files are built (default runs/long-bench)"),
    verifier: str = typer.Option("clap", "--verifier", help="clap | acoustic (passed to audioedit edit)"),
) -> None:
    """Time and peak RSS of long-file edits (fresh process per run): 1 min vs MINUTES min, with ratios."""
    from audioedit.paths import data_root as default_root, runs_dir
    from audioedit.evals.long_bench import TARGETS, run_bench, table

    try:
        runs, notes = run_bench(minutes, data_root or default_root(), cache or runs_dir() / "long-bench",
                                extra=("--verifier", verifier))
    except AudioEditError as exc:
        _fail(exc)
    wide = Console(width=max(console.width, 120))
    wide.print(table(runs, minutes))
    for note in notes:
        console.print(f"[yellow]•[/] {note}", highlight=False)
    console.print(TARGETS, highlight=False)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="jobs, uploads, results and the SQLite job table "
                                            "(default $AUDIOEDIT_DATA_DIR, else the user's cache folder)"),
    workers: int = typer.Option(2, "--workers", help="jobs running at once"),
    max_queued: int = typer.Option(100, "--max-queued", help="jobs waiting; more get HTTP 429"),
    max_upload_mb: float = typer.Option(64.0, "--max-upload-mb"),
    max_duration_s: float = typer.Option(300.0, "--max-duration"),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="AUDIOEDIT_API_KEY", help="require X-API-Key / Bearer"),
) -> None:
    """Run the HTTP service (FastAPI + uvicorn; OpenAPI docs at /docs)."""
    from audioedit.agents.service import serve as run_service

    run_service(host=host, port=port, data_dir=data_dir, workers=workers, max_queued=max_queued,
                max_upload_bytes=int(max_upload_mb * 1024 * 1024), max_duration_s=max_duration_s, api_key=api_key)


@app.command()
def ui(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="jobs, uploads, results, examples "
                                            "(default $AUDIOEDIT_DATA_DIR, else the user's cache folder)"),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="AUDIOEDIT_API_KEY"),
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
    executor: str = typer.Option("auto", "--executor"),
    verifier: str = typer.Option("clap", "--verifier"),
) -> None:
    """Edit many recordings; resumable, with progress and a summary table (exit 1 if any item failed)."""
    from audioedit.agents.batch import run_batch

    bar, progress = _progress_bar("batch")
    try:
        with bar:
            summary = run_batch(manifest, out, request=request, workers=workers, ray_address=ray, resume=resume,
                                progress=progress, executor=executor, verifier=verifier)
    except AudioEditError as exc:
        _fail(exc)
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
    suite: str = typer.Option(..., "--suite", help="synth-v1 | synth-v1-declarative | lcr | sisec | smartdj-goals | speech"),
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
    cache: Optional[str] = typer.Option(None, "--cache", help="synth benchmark folder (default runs/bench-v1)"),
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
            records = run_goal_suite(out, data, limit=limit)
        except AudioEditError as exc:
            _fail(exc)
        console.print(f"{summary(records)}\nreport: {Path(out) / 'report.html'}")
        return
    command = "audioedit " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if suite == "speech":  # plain recordings of speech over noise: evals/speech_suite.py
        from audioedit.evals.speech_suite import main_speech

        try:
            console.print(main_speech(methods, out, limit, data, command=command))
        except AudioEditError as exc:
            _fail(exc)
        return
    bar, progress = _progress_bar(f"eval {suite}")
    try:
        with bar:
            summary = main_eval(suite, methods, out, limit, ops=ops.split(",") if ops else None, workers=workers,
                                ray_address=ray, resume=resume, stems=stems,
                                data_dir=data, cache_dir=cache, ldm_path=ldm, clap=clap, command=command, note=note,
                                progress=progress)
    except AudioEditError as exc:
        _fail(exc)
    from audioedit.evals.report import load_run, plan_check_table

    checks = plan_check_table(load_run(out)[0])
    if checks:
        console.print(checks[0])
        for item, method, reference, planned, equal in checks[1]:
            same = equal == "yes"
            console.print(f"  {item:32s} {method:14s} {'equal' if same else 'DIFFERENT'}  {planned}"
                          + ("" if same else f"  (reference: {reference})"), soft_wrap=True)
    console.print(f"report: {summary.report_md}  {summary.report_html}")


@train_app.command("clap")
def train_clap(
    config: Path = typer.Option(Path("configs/clap/cpu.yaml"), "--config"),
    out: Path = typer.Option(Path("runs/clap"), "--out", help="run folder: checkpoints, log, loss curve"),
    resume: bool = typer.Option(True, "--resume/--no-resume"),
    seed: Optional[int] = typer.Option(None, "--seed", help="override the config's seed"),
) -> None:
    """Train the small CLAP (export with `python -m audioedit.clap.export --run OUT`)."""
    from audioedit.clap.train import train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        console.print(f"last checkpoint: {train(config, out, resume=resume, seed=seed)}")
    except AudioEditError as exc:  # e.g. OUT holds a run of another model
        _fail(exc)


@train_app.command("editor")
def train_editor(
    config: Path = typer.Option(Path("configs/editor/cpu.yaml"), "--config"),
    out: Path = typer.Option(Path("runs/editor"), "--out", help="run folder: checkpoint, log, loss curve"),
    resume: bool = typer.Option(True, "--resume/--no-resume"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps"),
    time_limit_s: Optional[float] = typer.Option(None, "--time-limit", help="stop (with a checkpoint) after this many s"),
    data: Optional[list[Path]] = typer.Option(None, "--data", help="a folder from `audioedit synth pairs` whose "
                                              "scenes are cut into training pairs (repeatable)"),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="the dev corpus (default $AUDIOEDIT_DATA_ROOT, "
                                             "else ../shared/data/dev beside the repo)"),
) -> None:
    """Train the learned editor (export with `python -m audioedit.executor.ldm.export`)."""
    from audioedit.executor.ldm.train import train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    console.print(train(config, out, resume=resume, max_steps=max_steps, time_limit_s=time_limit_s,
                        data_dirs=[str(d) for d in data] if data else None, data_root=data_root))


def _progress_bar(description: str):
    """A rich progress bar and the ``progress(done, total)`` callback that drives it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=err)
    task = bar.add_task(description, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def _print_synth_summary(summary) -> None:
    console.print(f"{summary.written} written, {summary.skipped} already there, {summary.failed} failed "
                  f"({summary.pairs_per_s:.2f} examples/s, {summary.backend} x{summary.workers})")
    table = Table(title="examples in the dataset")
    table.add_column("op")
    table.add_column("examples", justify="right")
    for op, count in sorted(summary.by_op.items()):
        table.add_row(op, str(count))
    table.add_row("overlapping", str(summary.overlapping))
    console.print(table)
    for failure in summary.failures[:10]:
        console.print(f"[red]failed[/] {failure}", highlight=False, soft_wrap=True)


BANK_HELP = "'starter', a Scaper-layout folder (foreground/<label>/, background/<label>/), or the dev corpus folder"


@synth_app.command("pairs")
def synth_pairs_command(
    out: Path = typer.Option(..., "--out", help="dataset folder (resumable)"),
    bank: str = typer.Option("starter", "--bank", help=BANK_HELP),
    ops: str = typer.Option("all", "--ops", help="'all' or a comma list of add,remove,replace,reorder,loudness,speed"),
    n: int = typer.Option(100, "--n"),
    seed: int = typer.Option(0, "--seed"),
    workers: int = typer.Option(1, "--workers"),
    ray: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP),
    duration_s: float = typer.Option(10.0, "--duration"),
    sample_rate_hz: int = typer.Option(16000, "--sample-rate"),
) -> None:
    """Paired examples (source, target, step, instruction) for the six ops, with a JSONL manifest."""
    from audioedit.synth import synth_pairs

    op_list = ops if ops == "all" else [o.strip() for o in ops.split(",")]
    bar, progress = _progress_bar("pairs")
    try:
        with bar:
            summary = synth_pairs(bank, op_list, n, out, seed=seed, workers=workers, ray_address=ray,
                                  duration_s=duration_s, sample_rate_hz=sample_rate_hz, progress=progress)
    except AudioEditError as exc:
        _fail(exc)
    _print_synth_summary(summary)
    if summary.failed:
        raise typer.Exit(1)


@synth_app.command("benchmark")
def synth_benchmark_command(
    out: Path = typer.Option(..., "--out"),
    bank: str = typer.Option("starter", "--bank", help=BANK_HELP),
    version: str = typer.Option("v1", "--version"),
    workers: int = typer.Option(1, "--workers"),
    ray: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP),
) -> None:
    """The fixed, versioned benchmark split (50 examples per op + 50 declarative), byte-identical per bank."""
    from audioedit.synth import synth_benchmark

    bar, progress = _progress_bar(f"benchmark {version}")
    try:
        with bar:
            summary = synth_benchmark(bank, out, version=version, workers=workers, ray_address=ray, progress=progress)
    except AudioEditError as exc:
        _fail(exc)
    _print_synth_summary(summary)
    if summary.failed:
        raise typer.Exit(1)


@bench_app.command("synth")
def bench_synth(
    n: int = typer.Option(60, "--n", help="pairs per backend"),
    workers: int = typer.Option(2, "--workers"),
    bank: str = typer.Option("starter", "--bank", help=BANK_HELP),
    ray: bool = typer.Option(True, "--ray/--no-ray", help="also measure a local Ray instance"),
) -> None:
    """Paired-data throughput (pairs/s) for 10 s 16 kHz mono examples: serial, process pool, Ray."""
    import tempfile

    from audioedit.synth import measure_throughput

    runs = [("serial", 1, None), ("process pool", workers, None)]
    if ray:
        from importlib.util import find_spec

        if find_spec("ray") is not None:
            runs.append(("ray (local)", workers, "local"))
        else:
            console.print("ray is not installed (pip install 'audioedit[scale]'): no Ray figure")
    table = Table(title=f"synth throughput, {n} pairs of 10 s 16 kHz mono per backend (start-up included)")
    for col in ("backend", "workers", "seconds", "pairs/s", "failed"):
        table.add_column(col)
    with tempfile.TemporaryDirectory(prefix="synth-throughput-") as tmp:
        for k, (name, count, address) in enumerate(runs):
            t = measure_throughput(bank, Path(tmp) / str(k), n=n, workers=count, ray_address=address)
            table.add_row(name, str(count), f"{t.seconds:.2f}", f"{t.pairs_per_s:.2f}", str(t.failed))
    console.print(table)


@bench_app.command("requests")
def bench_requests(
    table: Optional[Path] = typer.Option(None, "--table", help="a request table YAML (default: evals/tables/user_requests.yaml)"),
    planner: str = typer.Option("rules", "--planner"),
) -> None:
    """Exact-plan accuracy on requests in people's own words (plain recordings, descriptions, complements)."""
    from audioedit.evals.request_table import TABLE, format_result, run_table

    console.print(format_result(run_table(table or TABLE, backend=planner)), soft_wrap=True)


@bench_app.command("planner")
def bench_planner(
    bench: Path = typer.Option(Path("runs/bench-v1"), "--bench", help="a synth benchmark folder (manifest.jsonl)"),
    backend: str = typer.Option("rules", "--backend", help="rules | llm"),
    limit: Optional[int] = typer.Option(None, "--limit", help="at most N examples per op (and declarative)"),
    failures: int = typer.Option(0, "--failures", help="also print up to N failed examples"),
) -> None:
    """Planner accuracy on a synth benchmark split: exact plan, op, targets, amount, latency per op."""
    from audioedit.evals.planner_accuracy import accuracy_rows, planner_accuracy

    try:
        acc = planner_accuracy(bench, backend=backend, limit=limit)
    except AudioEditError as exc:
        _fail(exc)
    table = Table(title=f"planner accuracy ({backend}) on {bench}" + (f", <= {limit} per op" if limit else ""))
    for col in ("op", "n", "exact", "op", "targets", "amount", "mean ms"):
        table.add_column(col)
    for r in accuracy_rows(acc):
        table.add_row(r.op, str(r.n), f"{r.exact:.1%}", f"{r.op_acc:.1%}", f"{r.target_acc:.1%}", f"{r.amount_acc:.1%}",
                      f"{r.latency_ms_mean:.2f}")
    console.print(table)
    console.print("declarative rows: exact = step sequence (op, targets, amounts); op = op sequence", highlight=False)
    for s in acc.failures()[:failures]:
        console.print(f"[bold]{s.name}[/] {s.instruction!r}\n  {s.why}\n  expected {s.expected}\n  planned  {s.planned}",
                      highlight=False, soft_wrap=True)


@bench_app.command("verifier")
def bench_verifier(
    n: int = typer.Option(60, "--n", help="synth pairs to build (cycling through the six ops)"),
    seed: int = typer.Option(11, "--seed", help="synth seed (use another seed to calibrate than to measure)"),
    bench: Optional[Path] = typer.Option(None, "--bench", help="measure on this synth folder (manifest.jsonl) instead"),
    limit: Optional[int] = typer.Option(None, "--limit", help="with --bench: at most N pairs per op"),
    calibrate: bool = typer.Option(False, "--calibrate", help="calibrate the thresholds on this set and write --out"),
    out: Path = typer.Option(Path("agents/verifier.yaml"), "--out", help="YAML written by --calibrate"),
    config: Optional[Path] = typer.Option(None, "--config", help="verifier thresholds YAML (default: agents/verifier.yaml)"),
    no_clap: bool = typer.Option(False, "--no-clap", help="acoustic checks only"),
    clap_config: Optional[Path] = typer.Option(None, "--clap-config",
                                               help="with --calibrate: the CLAP to calibrate for (default: the shipped one)"),
    sample_rate_hz: int = typer.Option(16000, "--sample-rate", help="sample rate of the synth pairs built here"),
) -> None:
    """Verifier balanced accuracy (correct vs failed edits, mixture-only scenes), acoustic vs acoustic + CLAP."""
    import tempfile

    from audioedit.agents.verifier import VerifierConfig, load_verifier_config
    from audioedit.evals.verifier_accuracy import pair_folders, verifier_accuracy, write_config
    from audioedit.synth import open_bank, synth_pairs

    try:
        if calibrate and bench is not None and (bench / "benchmark.json").is_file():
            raise UserInputError(f"{bench} is a benchmark split: calibrate on a separate synth set (--n/--seed)")
        if clap_config and not calibrate:
            raise UserInputError("--clap-config picks the CLAP to calibrate for; to measure it, pass the "
                                 "thresholds --calibrate wrote (they name their CLAP) with --config")
        cfg = VerifierConfig(clap_model=str(clap_config) if clap_config else None) if calibrate else load_verifier_config(config)
        bank = open_bank("starter")
        with tempfile.TemporaryDirectory(prefix="verifier-bench-") as tmp:
            root = bench or Path(tmp)
            if bench is None:
                synth_pairs(bank, "all", n, root, seed=seed, sample_rate_hz=sample_rate_hz)
            acc = verifier_accuracy(pair_folders(root, limit), bank, cfg, clap=None if no_clap else "auto",
                                    seed=seed, calibrate=calibrate)
    except AudioEditError as exc:
        _fail(exc)
    data = f"{bench}" + (f", <= {limit} per op" if limit else "") if bench else f"{n} synth pairs (starter bank, seed {seed}, {sample_rate_hz} Hz)"
    if calibrate:
        command = "audioedit bench verifier --calibrate " + (f"--bench {bench}" if bench else f"--n {n} --seed {seed} --sample-rate {sample_rate_hz}")
        command += f" --clap-config {clap_config}" if clap_config else ""
        write_config(out, acc["config"], acc["calibration"], {"data": data, "command": command, "clap": acc["clap"]})
        console.print(f"calibrated thresholds written to {out} (in-sample figures below)")
    table = Table(title=f"verifier balanced accuracy on {data}; CLAP: {acc['clap']}")
    for col in ("op", "correct", "failed", "acoustic TPR", "TNR", "bal. acc", "+CLAP TPR", "TNR", "bal. acc"):
        table.add_column(col)
    for r in acc["table"]:
        a, c = r["acoustic"], r["clap"]
        table.add_row(r["op"], str(r["correct"]), str(r["failed"]), *(f"{x:.1%}" for x in (a["tpr"], a["tnr"], a["bal"], c["tpr"], c["tnr"], c["bal"])))
    console.print(table)
    kinds = Table(title="share passed per case kind (correct kinds should pass, failed kinds should not)")
    for col in ("kind", "label", "n", "acoustic", "+CLAP"):
        kinds.add_column(col)
    for r in acc["kinds"]:
        kinds.add_row(r["kind"], "correct" if r["correct"] else "failed", str(r["n"]), f"{r['acoustic_pass']:.1%}", f"{r['clap_pass']:.1%}")
    console.print(kinds)
    if acc["clap_ms_mean"] is not None:
        console.print(f"CLAP checks: {acc['clap_ms_mean']:.0f} ms per step on average", highlight=False)


def main() -> None:  # pragma: no cover - console entry point helper
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
