"""The benchmark runner: every (item, method) of a suite -> one JSONL record, resumable; then the report.

    summary = main_eval("synth-v1", ["planned", "one-shot", "identity", "oracle"], "reports/synth-v1", limit=5)

``run_eval`` writes ``results.jsonl`` (one record per item x method: status, metrics, stage timings
analyze / plan / execute / verify, backends) and ``vectors.jsonl`` (CLAP embeddings and class
posteriors, for FAD and IS; large, not meant for the repo) into ``out_dir``, plus a few
before/after spectrograms under ``figures/``. Records already in ``results.jsonl`` are skipped
(resume); records with status ``error`` are retried. Items fan out on a local process pool
(``workers``) or on Ray (``ray_address``: ``local`` | ``auto`` | a cluster address).

Command line (the ``audioedit eval`` command calls ``main_eval``)::

    audioedit eval --suite synth-v1 --methods planned,one-shot,identity,oracle --out reports/synth-v1 --limit 5
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from audioedit.audio import write_text_atomic
from audioedit.errors import UserInputError
from audioedit.tasks import run_tasks

from audioedit.evals.methods import METHODS
from audioedit.evals.records import EvalRecord
from audioedit.evals.suites import EvalItem, Suite, item_source, item_target, load_suite

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
RESULTS, VECTORS = "results.jsonl", "vectors.jsonl"
FIGURE_METHODS = ("oracle", "planned", "one-shot", "peer")


class EvalOptions(BaseModel):
    """What the workers need besides the items (JSON-serialisable for process pools and Ray)."""

    methods: list[str]
    out_dir: str
    ldm_path: str | None = None
    clap: str | None = "auto"
    planner: str = "rules"
    labels: list[str] = Field(default_factory=list)
    figure_methods: list[str] = Field(default_factory=lambda: list(FIGURE_METHODS))


class EvalSummary(BaseModel):
    suite: str
    methods: list[str]
    out_dir: str
    items: int
    records: int = Field(description="records in results.jsonl after the run")
    written: int = Field(description="records written by this run")
    resumed: int = Field(description="records already present and skipped")
    by_status: dict[str, int] = Field(default_factory=dict)
    seconds: float
    notes: list[str] = Field(default_factory=list)
    skipped: str | None = None
    report_md: str | None = None
    report_html: str | None = None


# --------------------------------------------------------------------------------------------
# one item (runs in a worker)


@lru_cache(maxsize=2)
def _resources(options_json: str):
    from audioedit.evals.methods import make_context
    from audioedit.evals.metrics import ZeroShotClassifier
    from audioedit.evals.scoring import resolve_clap

    opts = EvalOptions.model_validate_json(options_json)
    ctx = make_context(opts.methods, opts.ldm_path, opts.planner)
    clap, clap_note = resolve_clap(opts.clap)
    classifier = ZeroShotClassifier(clap, opts.labels) if clap is not None and opts.labels else None
    return ctx, clap, classifier, clap_note


def evaluate_item(item_json: str, methods: list[str], options_json: str, figures: bool = False) -> dict:
    """All ``methods`` on one item: ``{"records": [EvalRecord JSON, ...], "vectors": [...]}`` (never raises)."""
    from audioedit.evals.methods import run_method
    from audioedit.evals.scoring import score_output, target_vectors

    item = EvalItem.model_validate_json(item_json)
    opts = EvalOptions.model_validate_json(options_json)
    base = {"suite": item.suite, "item": item.id, "op": item.op, "subtype": item.subtype, "overlap": item.overlap}
    try:
        ctx, clap, classifier, _ = _resources(options_json)
        source = item_source(item)
        target = item_target(item, source)
        tvec = target_vectors(target, clap, classifier)
    except Exception as exc:  # the item itself is broken: one error record per method
        err = f"{type(exc).__name__}: {exc}"
        return {"records": [EvalRecord(**base, method=m, status="error", reason=err).to_json_dict() for m in methods],
                "vectors": []}
    records, vectors = [], ([{"item": item.id, "method": "target"} | tvec] if tvec else [])
    for method in methods:
        try:
            result = run_method(method, item, ctx, source, target)
            rec = EvalRecord(**base, method=method, status=result.status, reason=result.reason[:500],
                             timings_s={k: round(v, 4) for k, v in result.timings_s.items()},
                             backends=result.backends, steps=result.steps)
            if result.plan_check is not None:
                rec.plan_check = result.plan_check
            if result.audio is not None:
                scores, vec = score_output(item, source, target, result.audio, clap=clap, classifier=classifier,
                                           target_vectors=tvec)
                rec.metrics = {k: (None if v is None else round(float(v), 4)) for k, v in scores.items()}
                if vec:
                    vectors.append({"item": item.id, "method": method} | vec)
                if figures and method in opts.figure_methods:
                    rec.figure = _figure(item, source, result.audio, method, rec.metrics, Path(opts.out_dir))
        except Exception as exc:  # recorded, retried on resume
            log.warning("item %s method %s: %s", item.id, method, exc)
            rec = EvalRecord(**base, method=method, status="error", reason=f"{type(exc).__name__}: {exc}",
                             trace=traceback.format_exc(limit=3)[-800:])
        records.append(rec.to_json_dict())
    return {"records": records, "vectors": vectors}


def _figure(item: EvalItem, source, output, method: str, metrics: dict, out_dir: Path) -> str:
    from audioedit.viz import before_after_png

    rel = Path("figures") / f"{item.id}-{method}.png"
    title = f"{item.id} [{method}] {item.request[:90]!r}  LSD {metrics.get('lsd') or 0:.2f}"
    spans = [(a, b, "") for a, b in item.edit_spans_s]
    path = before_after_png(source, output.conform(source), out_dir / rel, spans, title=title)
    shrink_png(path)
    return rel.as_posix()


def shrink_png(path: Path, scale: float = 0.5, colors: int = 32) -> None:
    """Downscale and palette-quantise a PNG in place (spectrograms: ~5x smaller)."""
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").resize((int(im.width * scale), int(im.height * scale)), Image.LANCZOS)
    small.quantize(colors=colors).save(path, optimize=True)


# --------------------------------------------------------------------------------------------
# the run


def read_records(out_dir: str | Path) -> list[dict]:
    """The records of ``out_dir/results.jsonl``, each validated as an ``EvalRecord`` (a malformed line raises)."""
    path = Path(out_dir) / RESULTS
    if not path.is_file():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [EvalRecord.model_validate_json(line).to_json_dict() for line in lines]


def _latest(records: list[dict]) -> list[dict]:
    """One record per (item, method): the last written."""
    return list({(r["item"], r["method"]): r for r in records}.values())


def run_eval(suite: str | Suite, methods: list[str], out_dir: str | Path, limit: int | None = None, workers: int = 1,
             ray_address: str | None = None, resume: bool = True, *, progress: Progress | None = None,
             stems: bool = False, data_dir: str | None = None, cache_dir: str | None = None,
             ldm_path: str | None = None, clap: str | None = "auto", planner: str = "rules",
             spectrograms_per_op: int = 1, ops: list[str] | None = None) -> EvalSummary:
    """Evaluate ``methods`` on ``suite`` (a name or a loaded ``Suite``) into ``out_dir``; see the module
    docstring. ``ops``: only the items of these ops."""
    start = time.perf_counter()
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise UserInputError(f"unknown methods {bad or methods}; accepted: {', '.join(METHODS)}")
    if isinstance(suite, str):
        suite = load_suite(suite, limit=limit, stems=stems, data_dir=data_dir, cache_dir=cache_dir)
    if ops:
        unknown = sorted(set(ops) - {i.op for i in suite.items})
        if unknown:
            raise UserInputError(f"suite {suite.name!r} has no items of ops {unknown}; "
                                 f"its ops: {sorted({i.op for i in suite.items})}")
        suite = suite.model_copy(update={"items": [i for i in suite.items if i.op in ops]})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    existing = read_records(out) if resume else []
    if not resume:
        for name in (RESULTS, VECTORS):
            (out / name).unlink(missing_ok=True)
    done = {(r["item"], r["method"]) for r in existing if r.get("status") != "error"}
    opts = EvalOptions(methods=list(methods), out_dir=str(out), ldm_path=ldm_path, clap=clap, planner=planner,
                       labels=suite.labels)
    per_op: Counter = Counter()
    tasks = []
    for item in suite.items:
        per_op[item.op] += 1
        todo = [m for m in methods if (item.id, m) not in done]
        if todo:
            figures = suite.redistributable and per_op[item.op] <= spectrograms_per_op
            tasks.append((item.model_dump_json(), todo, opts.model_dump_json(), figures))
    written = 0
    with open(out / RESULTS, "a", encoding="utf-8") as rf, open(out / VECTORS, "a", encoding="utf-8") as vf:
        for n, result in enumerate(run_tasks(evaluate_item, tasks, workers=workers, ray_address=ray_address), start=1):
            for rec in result["records"]:
                rf.write(json.dumps(rec) + "\n")
                written += 1
            for vec in result["vectors"]:
                vf.write(json.dumps(vec) + "\n")
            rf.flush()
            vf.flush()
            if progress:
                progress(n, len(tasks))
    records = _latest(read_records(out))
    from audioedit.evals.scoring import clap_description

    return EvalSummary(suite=suite.name, methods=list(methods), out_dir=str(out), items=len(suite.items),
                       records=len(records), written=written,
                       resumed=sum((i.id, m) in done for i in suite.items for m in methods),
                       by_status=dict(Counter(r.get("status", "?") for r in records)),
                       seconds=round(time.perf_counter() - start, 1),
                       notes=[clap_description(clap), ldm_description(ldm_path)],
                       skipped=suite.skipped)


def ldm_description(ldm_path: str | None = None) -> str:
    """Which learned editor checkpoint(s) the run used (training step and examples seen of each)."""
    if ldm_path == "none":
        return "learned editor disabled (--ldm none)"
    from audioedit.executor.router import LazyEditor
    from audioedit.paths import shown

    described = []
    for folder in LazyEditor(ldm_path).paths:
        info = folder / "info.json"
        data = json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}
        described.append(f"{shown(folder)} ({', '.join(f'{k} {v}' for k, v in data.items()) or 'no info.json'})")
    routed = ", routed by trained labels" if len(described) > 1 else ""
    return f"learned editor{routed}: " + "; ".join(described)


def main_eval(suite: str | Suite, methods: list[str] | str, out: str | Path, limit: int | None = None, *,
              ops: list[str] | None = None, workers: int = 1, ray_address: str | None = None, resume: bool = True,
              stems: bool = False,
              data_dir: str | None = None,
              cache_dir: str | None = None, ldm_path: str | None = None, clap: str | None = "auto",
              planner: str = "rules", command: str | None = None, note: str | None = None,
              progress: Progress | None = None) -> EvalSummary:
    """Run the suite and write ``report.md`` / ``report.html`` (with plots) into ``out``; returns the summary.

    ``command``: the command line for the report header (default: this process's ``sys.argv``);
    ``note``: a sentence for the header (e.g. why ``limit`` was used).
    """
    from audioedit.evals.report import write_report

    methods = [m.strip() for m in methods.split(",")] if isinstance(methods, str) else list(methods)
    command = command or " ".join(shlex.quote(a) for a in sys.argv)
    summary = run_eval(suite, methods, out, limit=limit, workers=workers, ray_address=ray_address, resume=resume,
                       progress=progress, stems=stems, data_dir=data_dir, cache_dir=cache_dir, ldm_path=ldm_path,
                       clap=clap, planner=planner, ops=ops)
    meta = {"command": command, "suite": summary.suite, "methods": methods, "limit": limit, "ops": ops, "stems": stems,
            "seconds": summary.seconds, "notes": summary.notes, "skipped": summary.skipped, "items": summary.items,
            "extra_notes": [note] if note else []}
    write_text_atomic(Path(out) / "run.json", json.dumps(meta, indent=1))
    md, html = write_report(out, meta)
    return summary.model_copy(update={"report_md": str(md), "report_html": str(html)})
