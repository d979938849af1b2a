"""Dataset runs: ``synth_pairs`` (n paired examples over a set of ops) and ``synth_benchmark``
(the fixed, versioned evaluation split), serial, on a local process pool, or on Ray.

Example ``i`` always gets ``example_seed(seed, i)``, so a dataset does not depend on the number
of workers or the backend, and re-running into the same folder skips the complete examples
(resume). The manifest (``manifest.jsonl``) is rewritten from the example folders at the end.

    >>> summary = synth_pairs("starter", ["remove", "loudness"], n=4, out_dir="data/pairs", seed=0)  # doctest: +SKIP
    >>> summary.written, summary.pairs_per_s                                                       # doctest: +SKIP

Ray (``pip install 'audioedit[scale]'``): ``ray_address="local"`` starts a local instance,
``"auto"`` joins the running cluster, anything else is passed to ``ray.init(address=...)``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from audioedit.audio import write_text_atomic
from audioedit.errors import UserInputError
from audioedit.tasks import run_tasks as fan_out
from audioedit.steps import OPS

from audioedit.synth.banks import SynthBank, open_bank
from audioedit.synth.manifest import MANIFEST_NAME, ExampleRecord, complete_names, example_seed, write_manifest
from audioedit.synth.pairs import PairOptions
from audioedit.synth.scenes import SceneSpec

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


class ExampleTask(BaseModel):
    """One example to build: ``kind`` pair (with ``op``) or declarative."""

    index: int
    name: str
    kind: Literal["pair", "declarative"] = "pair"
    op: str = "declarative"
    seed: int


class Failure(BaseModel):
    name: str
    op: str
    error: str


class SynthSummary(BaseModel):
    out_dir: str
    manifest: str
    requested: int
    written: int = Field(description="examples built by this run")
    skipped: int = Field(description="complete examples already in out_dir (resume)")
    failed: int
    failures: list[Failure] = Field(default_factory=list)
    by_op: dict[str, int] = Field(default_factory=dict, description="examples in the manifest per op")
    overlapping: int = Field(0, description="examples in the manifest marked overlap")
    seconds: float
    pairs_per_s: float = Field(description="examples built by this run per wall-clock second")
    backend: str = Field(description="serial | process | ray")
    workers: int


class BenchmarkSpec(BaseModel):
    """A versioned benchmark split: what it holds and the seed it regenerates from."""

    version: str
    seed: int
    n_per_op: int = 50
    n_declarative: int = 50
    duration_s: float = 10.0
    sample_rate_hz: int = 16000
    overlap_share: float = 0.3


BENCHMARKS: dict[str, BenchmarkSpec] = {"v1": BenchmarkSpec(version="v1", seed=20240601)}


# --------------------------------------------------------------------------------------------
# one task (runs in a worker)


@functools.lru_cache(maxsize=4)
def _worker_bank(root: str, name: str) -> SynthBank:
    bank = SynthBank(root, name=name)
    return bank


def run_task(bank_root: str, bank_name: str, task_json: str, out_dir: str, opts_json: str) -> dict:
    """Build one example; returns ``{"name", "ok", "record" | "error"}`` (never raises, so one
    bad example does not stop a run)."""
    from audioedit.synth.declarative import make_declarative
    from audioedit.synth.pairs import make_pair

    task = ExampleTask.model_validate_json(task_json)
    try:
        bank = _worker_bank(bank_root, bank_name)
        opts = PairOptions.model_validate_json(opts_json)
        if task.kind == "declarative":
            record = make_declarative(bank, task.seed, out_dir, task.name, opts)
        else:
            record = make_pair(bank, task.op, task.seed, out_dir, task.name, opts)
        return {"name": task.name, "ok": True, "record": record.model_dump(mode="json")}
    except Exception as exc:  # reported in the summary with the example's name
        log.warning("example %s (%s) failed: %s", task.name, task.op, exc)
        return {"name": task.name, "ok": False, "op": task.op, "error": f"{type(exc).__name__}: {exc}"}


# --------------------------------------------------------------------------------------------
# running many


def _parse_ops(ops: str | list[str]) -> list[str]:
    if isinstance(ops, str):
        ops = list(OPS) if ops == "all" else [o.strip() for o in ops.split(",") if o.strip()]
    bad = [o for o in ops if o not in OPS]
    if bad or not ops:
        raise UserInputError(f"unknown ops {bad or ops}; accepted: 'all' or a list from {list(OPS)}")
    return list(ops)


def run_tasks(bank: SynthBank, tasks: list[ExampleTask], out_dir: str | os.PathLike, opts: PairOptions,
              workers: int = 1, ray_address: str | None = None, progress: Progress | None = None) -> SynthSummary:
    """Build ``tasks`` into ``out_dir`` (skipping complete ones), write the manifest, summarise."""
    if workers < 1:
        raise UserInputError(f"workers={workers}: must be >= 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = complete_names(out_dir)
    todo = [t for t in tasks if t.name not in done]
    args = [(str(bank.root), bank.name, t.model_dump_json(), str(out_dir), opts.model_dump_json()) for t in todo]
    start = time.perf_counter()
    backend = "ray" if ray_address is not None else "process" if workers > 1 and len(args) > 1 else "serial"
    results = []
    # fork: workers inherit the parent's imported Scaper/soxbindings instead of re-importing them
    # (spawn cost ~3 s per worker and halved the throughput); the synth path starts no threads.
    for k, result in enumerate(fan_out(run_task, args, workers=workers, ray_address=ray_address, start_method="fork"), 1):
        results.append(result)
        if progress:
            progress(k, len(args))
    seconds = time.perf_counter() - start
    manifest = write_manifest(out_dir, [t.name for t in tasks])
    return _summarise(out_dir, manifest, tasks, results, len(tasks) - len(todo), seconds, backend, workers)


def _summarise(out_dir: Path, manifest: Path, tasks: list[ExampleTask], results: list[dict], skipped: int,
               seconds: float, backend: str, workers: int) -> SynthSummary:
    failures = [Failure(name=r["name"], op=r.get("op", ""), error=r["error"]) for r in results if not r["ok"]]
    written = sum(1 for r in results if r["ok"])
    records = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    return SynthSummary(
        out_dir=str(out_dir), manifest=str(manifest), requested=len(tasks), written=written, skipped=skipped,
        failed=len(failures), failures=sorted(failures, key=lambda f: f.name),
        by_op=dict(sorted(Counter(r["op"] for r in records).items())),
        overlapping=sum(1 for r in records if r["overlap"]), seconds=round(seconds, 3),
        pairs_per_s=round(written / seconds, 3) if seconds > 0 else 0.0, backend=backend, workers=workers,
    )


def synth_pairs(
    bank: str | os.PathLike | SynthBank,
    ops: str | list[str],
    n: int,
    out_dir: str | os.PathLike,
    seed: int = 0,
    workers: int = 1,
    ray_address: str | None = None,
    duration_s: float = 10.0,
    sample_rate_hz: int = 16000,
    options: PairOptions | None = None,
    progress: Progress | None = None,
) -> SynthSummary:
    """``n`` paired examples cycling through ``ops`` ("all" or a list), example ``i`` seeded by
    ``example_seed(seed, i)``, written to ``out_dir/<i:06d>/`` with ``manifest.jsonl``."""
    bank = open_bank(bank)
    ops = _parse_ops(ops)
    if n < 0:
        raise UserInputError(f"n={n}: must be >= 0")
    opts = options or PairOptions()
    opts = opts.model_copy(update={"scene": opts.scene.model_copy(
        update={"duration_s": duration_s, "sample_rate_hz": sample_rate_hz})})
    tasks = [ExampleTask(index=i, name=f"{i:06d}", op=ops[i % len(ops)], seed=example_seed(seed, i)) for i in range(n)]
    return run_tasks(bank, tasks, out_dir, opts, workers=workers, ray_address=ray_address, progress=progress)


def benchmark_tasks(spec: BenchmarkSpec, n_per_op: int, n_declarative: int) -> list[ExampleTask]:
    tasks = []
    for k, op in enumerate(OPS):
        for j in range(n_per_op):
            index = k * 100_000 + j
            tasks.append(ExampleTask(index=index, name=f"{op}-{j:04d}", op=op, seed=example_seed(spec.seed, index)))
    for j in range(n_declarative):
        index = len(OPS) * 100_000 + j
        tasks.append(ExampleTask(index=index, name=f"declarative-{j:04d}", kind="declarative",
                                 seed=example_seed(spec.seed, index)))
    return tasks


def synth_benchmark(
    bank: str | os.PathLike | SynthBank,
    out_dir: str | os.PathLike,
    version: str = "v1",
    workers: int = 1,
    ray_address: str | None = None,
    n_per_op: int | None = None,
    n_declarative: int | None = None,
    progress: Progress | None = None,
) -> SynthSummary:
    """The fixed benchmark split ``version`` (``BENCHMARKS``): ``n_per_op`` examples of each op
    and ``n_declarative`` declarative ones, regenerated byte-identically from the version's seed
    for the same bank. ``n_per_op`` / ``n_declarative`` override the sizes (for quick checks)."""
    if version not in BENCHMARKS:
        raise UserInputError(f"unknown benchmark version {version!r}; accepted: {sorted(BENCHMARKS)}")
    spec = BENCHMARKS[version]
    bank = open_bank(bank)
    n_per_op = spec.n_per_op if n_per_op is None else n_per_op
    n_declarative = spec.n_declarative if n_declarative is None else n_declarative
    opts = PairOptions(scene=SceneSpec(duration_s=spec.duration_s, sample_rate_hz=spec.sample_rate_hz),
                       overlap_share=spec.overlap_share)
    out_dir = Path(out_dir)
    meta = {"benchmark": spec.model_dump(), "bank": bank.name, "bank_labels": bank.describe(),
            "n_per_op": n_per_op, "n_declarative": n_declarative, "manifest": MANIFEST_NAME}
    write_text_atomic(out_dir / "benchmark.json", json.dumps(meta, indent=1, sort_keys=True))
    tasks = benchmark_tasks(spec, n_per_op, n_declarative)
    return run_tasks(bank, tasks, out_dir, opts, workers=workers, ray_address=ray_address, progress=progress)


def load_records(out_dir: str | os.PathLike) -> list[ExampleRecord]:
    """The complete example records of a dataset folder, by name."""
    from audioedit.synth.manifest import read_record

    out_dir = Path(out_dir)
    return [r for name in sorted(complete_names(out_dir)) if (r := read_record(out_dir / name)) is not None]


class Throughput(BaseModel):
    """Pairs per second for one backend (``warmup`` examples first, not counted)."""

    backend: str
    workers: int
    n: int
    seconds: float
    pairs_per_s: float
    failed: int
    cpu_s: float | None = Field(None, description="CPU seconds (user + system) of this process and its reaped "
                                                   "worker processes during the run; None on Ray, whose workers "
                                                   "are not this process's children")

    @property
    def cpu_s_per_pair(self) -> float | None:
        written = self.n - self.failed
        return None if self.cpu_s is None or written <= 0 else self.cpu_s / written


def _cpu_s() -> float:
    """User + system CPU seconds of this process and of its terminated, waited-for children."""
    import resource

    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def measure_throughput(
    bank: str | os.PathLike | SynthBank,
    out_dir: str | os.PathLike,
    n: int = 40,
    workers: int = 2,
    ray_address: str | None = None,
    duration_s: float = 10.0,
    sample_rate_hz: int = 16000,
    seed: int = 0,
) -> Throughput:
    """Time ``synth_pairs`` over all six ops into a fresh ``out_dir`` (pool or Ray start-up
    included, which is what a user waits for)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UserInputError(f"throughput needs an empty out dir; {str(out_dir)!r} has files")
    cpu0 = _cpu_s()
    summary = synth_pairs(bank, "all", n, out_dir, seed=seed, workers=workers, ray_address=ray_address,
                          duration_s=duration_s, sample_rate_hz=sample_rate_hz)
    cpu = None if ray_address is not None else round(_cpu_s() - cpu0, 3)  # the pool's workers are joined by now
    return Throughput(backend=summary.backend, workers=workers, n=n, seconds=summary.seconds,
                      pairs_per_s=summary.pairs_per_s, failed=summary.failed, cpu_s=cpu)
