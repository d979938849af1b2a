"""``audioedit bench ...``: the benchmarks that print their figures."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from audioedit.cli_common import BANK_HELP, console, fail
from audioedit.errors import AudioEditError, UserInputError

bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print their figures.")


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
        fail(exc)
    wide = Console(width=max(console.width, 120))
    wide.print(table(runs, minutes))
    for note in notes:
        console.print(f"[yellow]•[/] {note}", highlight=False)
    console.print(TARGETS, highlight=False)


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
    for col in ("backend", "workers", "seconds", "pairs/s", "CPU s / pair", "failed"):
        table.add_column(col)
    with tempfile.TemporaryDirectory(prefix="synth-throughput-") as tmp:
        for k, (name, count, address) in enumerate(runs):
            t = measure_throughput(bank, Path(tmp) / str(k), n=n, workers=count, ray_address=address)
            per_pair = "–" if t.cpu_s_per_pair is None else f"{t.cpu_s_per_pair:.3f}"
            table.add_row(name, str(count), f"{t.seconds:.2f}", f"{t.pairs_per_s:.2f}", per_pair, str(t.failed))
    console.print(table)
    console.print("CPU s / pair: this process and its pool workers (user + system; not counted on Ray): "
                  "less sensitive than wall time to other jobs on the machine", highlight=False)


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
        fail(exc)
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
    calibration: str = typer.Option("balanced", "--calibration",
                                    help="with --calibrate: balanced | tpr95 (reports/verifier/README.md)"),
    bank: str = typer.Option("starter", "--bank", help="the sounds of the synth pairs: " + BANK_HELP
                             + " (the broad classes: python -m audioedit.evals.broad_bank)"),
) -> None:
    """Verifier balanced accuracy (correct vs failed edits, mixture-only scenes), acoustic vs acoustic + CLAP."""
    import tempfile

    from audioedit.agents.verifier import VerifierConfig, load_verifier_config
    from audioedit.evals.verifier_accuracy import pair_folders, verifier_accuracy, write_config
    from audioedit.evals.verifier_calibration import CALIBRATIONS
    from audioedit.synth import open_bank, synth_pairs

    try:
        if calibrate and bench is not None and (bench / "benchmark.json").is_file():
            raise UserInputError(f"{bench} is a benchmark split: calibrate on a separate synth set (--n/--seed)")
        if calibration not in CALIBRATIONS:
            raise UserInputError(f"unknown --calibration {calibration!r} (accepted: {', '.join(CALIBRATIONS)})")
        if clap_config and not calibrate:
            raise UserInputError("--clap-config picks the CLAP to calibrate for; to measure it, pass the "
                                 "thresholds --calibrate wrote (they name their CLAP) with --config")
        cfg = VerifierConfig(clap_model=str(clap_config) if clap_config else None) if calibrate else load_verifier_config(config)
        sounds = open_bank(bank)
        with tempfile.TemporaryDirectory(prefix="verifier-bench-") as tmp:
            root = bench or Path(tmp)
            if bench is None:
                synth_pairs(sounds, "all", n, root, seed=seed, sample_rate_hz=sample_rate_hz)
            acc = verifier_accuracy(pair_folders(root, limit), sounds, cfg, clap=None if no_clap else "auto",
                                    seed=seed, calibrate=calibrate, method=calibration)
    except AudioEditError as exc:
        fail(exc)
    data = f"{bench}" + (f", <= {limit} per op" if limit else "") if bench else f"{n} synth pairs ({bank} bank, seed {seed}, {sample_rate_hz} Hz)"
    if calibrate:
        command = "audioedit bench verifier --calibrate " + (f"--bench {bench}" if bench else f"--n {n} --seed {seed} --sample-rate {sample_rate_hz}")
        command += f" --bank {bank}" if bank != "starter" else ""
        command += f" --clap-config {clap_config}" if clap_config else ""
        command += f" --calibration {calibration}" if calibration != "balanced" else ""
        write_config(out, acc["config"], acc["calibration"], {"data": data, "command": command, "clap": acc["clap"]})
        console.print(f"calibrated thresholds written to {out} (the tables below are over the whole calibration set)")
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
    if acc["checks"]:
        checks = Table(title="each CLAP check alone at its threshold (cases that measured it)")
        for col in ("check", "threshold", "correct", "failed", "TPR", "TNR", "bal. acc"):
            checks.add_column(col)
        for name, r in acc["checks"].items():
            checks.add_row(name, f"{r['threshold']:g}", str(r["n_correct"]), str(r["n_failed"]),
                           *(f"{r[k]:.1%}" for k in ("tpr", "tnr", "balanced_accuracy")))
        console.print(checks)
    if calibrate and "clap" in acc["calibration"]:
        cal = acc["calibration"]["clap"]
        dropped = [f"{k} ({v['dropped']})" for k, v in cal.items() if isinstance(v, dict) and "dropped" in v]
        console.print(f"CLAP thresholds fitted on {cal['pairs']['fit']} pairs: balanced accuracy {cal['balanced_accuracy_fit']:.1%}; "
                      f"on the {cal['pairs']['held_out']} held-out pairs: {cal['balanced_accuracy_held_out']:.1%}; "
                      f"dropped: {', '.join(dropped) or 'none'}", highlight=False)
    if acc["clap_ms_mean"] is not None:
        console.print(f"CLAP checks: {acc['clap_ms_mean']:.0f} ms per step on average", highlight=False)
