"""``audioedit synth ...`` and ``audioedit train ...``: paired data and the trained models."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from audioedit.cli_common import BANK_HELP, RAY_HELP, console, fail, progress_bar
from audioedit.errors import AudioEditError

synth_app = typer.Typer(no_args_is_help=True, help="Paired editing data from sound banks (Scaper).")
train_app = typer.Typer(no_args_is_help=True, help="Train the models the project ships (resumable, CPU).")


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
        fail(exc)


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
    bar, progress = progress_bar("pairs")
    try:
        with bar:
            summary = synth_pairs(bank, op_list, n, out, seed=seed, workers=workers, ray_address=ray,
                                  duration_s=duration_s, sample_rate_hz=sample_rate_hz, progress=progress)
    except AudioEditError as exc:
        fail(exc)
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

    bar, progress = progress_bar(f"benchmark {version}")
    try:
        with bar:
            summary = synth_benchmark(bank, out, version=version, workers=workers, ray_address=ray, progress=progress)
    except AudioEditError as exc:
        fail(exc)
    _print_synth_summary(summary)
    if summary.failed:
        raise typer.Exit(1)
