"""Many recordings, one request each (or one for all): ``audioedit batch MANIFEST.jsonl --out DIR``.

The manifest has one JSON object per line: ``{"audio": "a.wav", "request": "make it quieter"}``
plus optional ``"id"``, ``"annotation"``, ``"stems"``; relative paths are read from the
manifest's folder, and ``request`` may be left out when one is given for all. Each item is edited
by the pipeline into ``DIR/<id>.wav`` (+ ``.json`` report, ``.jams``), written atomically, and its
outcome appended to ``DIR/batch.jsonl``. A rerun skips the items whose outcome is recorded (a
killed run leaves no partial output: the item runs again); items that raised are retried.
The items run serially, on a process pool (``workers``) or on Ray (``ray_address``), through the
same engine as the synth and eval runners (``audioedit.tasks``).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from audioedit.audio import write_text_atomic
from audioedit.errors import UserInputError
from audioedit.options import EditOptions, checked
from audioedit.tasks import run_tasks

RECORDS = "batch.jsonl"
SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


class BatchItem(BaseModel):
    id: str
    audio: str
    request: str
    annotation: str | None = None
    stems: str | None = None


class BatchRecord(BaseModel):
    id: str
    status: str = Field(description="ok | partial | failed (the pipeline's) | error (bad input or a crash)")
    seconds: float
    steps_ok: int = 0
    steps: int = 0
    output: str | None = None
    message: str = ""


class BatchSummary(BaseModel):
    out_dir: str
    items: int
    ran: int
    skipped: int = Field(description="outcomes already recorded by an earlier run (resume)")
    by_status: dict[str, int]
    seconds: float
    records: list[BatchRecord]


def load_manifest(path: str | Path, request: str | None = None) -> list[BatchItem]:
    """The manifest's items, paths made absolute; ``UserInputError`` naming the line on any problem."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"batch manifest not found: {str(path)!r}")
    items, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            row.setdefault("request", request)
            row.setdefault("id", SAFE_ID.sub("_", Path(str(row.get("audio", ""))).stem) or f"item{n}")
            for key in ("audio", "annotation", "stems"):
                if row.get(key):
                    row[key] = str((path.parent / row[key]).resolve())
            item = BatchItem.model_validate(row)
        except (json.JSONDecodeError, ValidationError, TypeError, AttributeError) as exc:
            raise UserInputError(f"{path.name} line {n}: {exc}; each line needs 'audio' and 'request' "
                                 "(or --request for all)") from None
        if item.id in seen:
            raise UserInputError(f"{path.name} line {n}: the id {item.id!r} is used twice; give each line an 'id'")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise UserInputError(f"batch manifest {path.name} has no items")
    return items


def recorded(out_dir: Path) -> dict[str, BatchRecord]:
    """The outcomes a previous run recorded (a line cut short by a kill is ignored)."""
    records = {}
    path = out_dir / RECORDS
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        try:
            rec = BatchRecord.model_validate_json(line)
        except ValidationError:
            continue
        records[rec.id] = rec
    return records


def edit_item(item_json: str, out_dir: str, options_json: str) -> dict:
    """Edit one item (in a worker); returns a ``BatchRecord`` as a dict and never raises."""
    from audioedit.agents.pipeline import edit_request

    item, options = BatchItem.model_validate_json(item_json), EditOptions.model_validate_json(options_json)
    start = time.perf_counter()
    output = Path(out_dir) / f"{item.id}.wav"
    try:
        outcome = edit_request(item.audio, item.request, output, annotation=item.annotation, stems=item.stems,
                               **options.edit_kwargs())
    except Exception as exc:  # noqa: BLE001 - one bad item is a record, not the end of the batch
        return BatchRecord(id=item.id, status="error", seconds=round(time.perf_counter() - start, 3),
                           message=f"{type(exc).__name__}: {exc}"[:500]).model_dump()
    steps = outcome.report.steps
    failed = [m for m in outcome.report.messages if m.startswith(("step ", "unresolved"))]
    return BatchRecord(id=item.id, status=outcome.status, seconds=round(time.perf_counter() - start, 3),
                       steps_ok=sum(s.status == "ok" for s in steps), steps=len(steps),
                       output=str(output) if outcome.status != "failed" else None,
                       message="; ".join(failed)[:500]).model_dump()


def run_batch(manifest: str | Path, out_dir: str | Path, *, request: str | None = None, workers: int = 1,
              ray_address: str | None = None, resume: bool = True, progress: Callable[[int, int], None] | None = None,
              **edit_options) -> BatchSummary:
    """Edit every item of ``manifest`` into ``out_dir`` with ``edit_options`` (``EditOptions`` fields)."""
    options = checked(EditOptions, edit_options)
    items = load_manifest(manifest, request)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = {k: r for k, r in recorded(out).items() if r.status != "error"} if resume else {}
    if not resume:
        write_text_atomic(out / RECORDS, "")
    todo = [i for i in items if i.id not in done]
    tasks = [(i.model_dump_json(), str(out), options.model_dump_json()) for i in todo]
    start = time.perf_counter()
    fresh: dict[str, BatchRecord] = {}
    with (out / RECORDS).open("a", encoding="utf-8") as log:
        for k, result in enumerate(run_tasks(edit_item, tasks, workers=workers, ray_address=ray_address), 1):
            rec = BatchRecord.model_validate(result)
            log.write(rec.model_dump_json() + "\n")
            log.flush()
            fresh[rec.id] = rec
            if progress:
                progress(k, len(tasks))
    records = [fresh.get(i.id) or done[i.id] for i in items]
    return BatchSummary(out_dir=str(out), items=len(items), ran=len(todo), skipped=len(items) - len(todo),
                        by_status=dict(Counter(r.status for r in records)),
                        seconds=round(time.perf_counter() - start, 2), records=records)
