"""Edit jobs for the HTTP service: a SQLite store in the data directory and a bounded worker pool.

Layout of the data directory::

    DIR/jobs.sqlite3           one row per job (status, request, options, per-step progress, error)
    DIR/jobs/<id>/input.<ext>  the upload (server-generated names only), annotation.*, stems/
    DIR/jobs/<id>/out.<ext>    the edited audio, out.json (the report), out.jams

Job life cycle: ``queued -> running -> done | failed``. ``done`` means the pipeline returned an
outcome; its own verdict (``ok | partial | failed``) is ``result``. ``JobRunner`` runs at most
``workers`` jobs at once; at most ``max_queued`` wait (``QueueFull`` beyond that -> HTTP 429).
On start, jobs left ``queued`` or ``running`` by a previous process are queued again (a job
interrupted ``MAX_RUNS`` times is marked failed with the reason), so a restart loses none.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from audioedit.audio import AudioLimits
from audioedit.errors import AudioEditError
from audioedit.options import EditOptions
from audioedit.protocols import Bank

log = logging.getLogger(__name__)
JobState = Literal["queued", "running", "done", "failed"]
MAX_RUNS = 2  # a job whose runs were cut off by restarts this many times is failed, not retried

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    options TEXT NOT NULL,
    files TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    runs INTEGER NOT NULL DEFAULT 0,
    steps TEXT NOT NULL DEFAULT '[]',
    result TEXT,
    error TEXT,
    chunks TEXT
)
"""


class JobOptions(EditOptions):
    """Per-job options (the ``options`` JSON form field of ``POST /v1/jobs``): the edit options and
    the output format."""

    model_config = ConfigDict(extra="forbid")

    output_format: Literal["wav", "flac", "ogg"] = "wav"


class StepProgress(BaseModel):
    step_id: str
    instruction: str
    status: Literal["pending", "running", "ok", "failed", "skipped"] = "pending"


class JobFiles(BaseModel):
    """Server-side file names of a job, relative to its folder (never taken from the client)."""

    audio: str
    annotation: str | None = None
    stems: str | None = None


class JobStatus(BaseModel):
    """What ``GET /v1/jobs/{id}`` returns."""

    id: str
    status: JobState
    request: str
    options: JobOptions
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    runs: int = 0
    steps: list[StepProgress] = Field(default_factory=list)
    progress: float = Field(0.0, description="finished steps / planned steps, or for a long file edited in chunks "
                                             "the fraction of chunks done (1.0 when done)")
    eta_s: float | None = Field(None, description="long files: estimated seconds left (from the chunks' pace)")
    result: Literal["ok", "partial", "failed"] | None = Field(None, description="the edit's own status")
    error: str | None = None
    links: dict[str, str] = Field(default_factory=dict)


class JobStore:
    """Jobs in ``<data_dir>/jobs.sqlite3``; safe to use from several threads."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.jobs_dir = self.data_dir / "jobs"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.data_dir / "jobs.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(jobs)")}
            if "chunks" not in columns:  # a store made before long files were streamed
                self._db.execute("ALTER TABLE jobs ADD COLUMN chunks TEXT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def create(self, job_id: str, request: str, options: JobOptions, files: JobFiles) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, status, request, options, files, created_at) VALUES (?, 'queued', ?, ?, ?, ?)",
                (job_id, request, options.model_dump_json(), files.model_dump_json(), time.time()),
            )

    def update(self, job_id: str, **fields: Any) -> None:
        if "steps" in fields:
            fields["steps"] = json.dumps([s.model_dump() for s in fields["steps"]])
        names = ", ".join(f"{k} = ?" for k in fields)
        with self._lock:
            self._db.execute(f"UPDATE jobs SET {names} WHERE id = ?", (*fields.values(), job_id))

    def _row(self, job_id: str) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()

    def get(self, job_id: str) -> JobStatus | None:
        row = self._row(job_id)
        return None if row is None else _status(row)

    def files(self, job_id: str) -> JobFiles:
        return JobFiles.model_validate_json(self._row(job_id)["files"])

    def recent(self, limit: int = 50) -> list[JobStatus]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [_status(r) for r in rows]

    def unfinished(self) -> list[str]:
        """Jobs a previous process left queued or running, oldest first; runs cut off twice are failed."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, status, runs FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at"
            ).fetchall()
        again = []
        for row in rows:
            if row["status"] == "running" and row["runs"] >= MAX_RUNS:
                self.update(row["id"], status="failed", finished_at=time.time(),
                            error=f"interrupted by a server restart {row['runs']} times; not retried again")
                continue
            self.update(row["id"], status="queued", steps=[])
            again.append(row["id"])
        return again


def _status(row: sqlite3.Row) -> JobStatus:
    steps = [StepProgress.model_validate(s) for s in json.loads(row["steps"])]
    done = sum(s.status in ("ok", "failed", "skipped") for s in steps)
    progress = 1.0 if row["status"] == "done" else (done / len(steps) if steps else 0.0)
    chunks = json.loads(row["chunks"]) if "chunks" in row.keys() and row["chunks"] else None
    eta_s = None
    if chunks is not None and row["status"] == "running":
        progress, eta_s = max(progress, chunks["fraction"]), chunks.get("eta_s")
    links = {"self": f"/v1/jobs/{row['id']}"}
    if row["status"] == "done":
        links["report"] = f"/v1/jobs/{row['id']}/report"
        if row["result"] != "failed":
            links["audio"] = f"/v1/jobs/{row['id']}/audio"
    return JobStatus(
        id=row["id"], status=row["status"], request=row["request"],
        options=JobOptions.model_validate_json(row["options"]), created_at=row["created_at"],
        started_at=row["started_at"], finished_at=row["finished_at"], runs=row["runs"], steps=steps,
        progress=round(progress, 4), eta_s=eta_s, result=row["result"], error=row["error"], links=links,
    )


class QueueFull(Exception):
    """More than ``max_queued`` jobs are waiting."""


class JobRunner:
    """A bounded pool of worker threads running queued jobs through ``audioedit.agents.pipeline.edit_request``."""

    def __init__(self, store: JobStore, *, workers: int = 2, max_queued: int = 100,
                 limits: AudioLimits | None = None, bank: Bank | None = None) -> None:
        self.store = store
        self.max_queued = max_queued
        self.limits = limits
        self.bank = bank
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads = [threading.Thread(target=self._work, name=f"audioedit-job-{i}", daemon=True)
                         for i in range(workers)]

    def start(self) -> list[str]:
        """Start the workers and queue the jobs a previous process left unfinished (returned)."""
        again = self.store.unfinished()
        for job_id in again:
            self._queue.put(job_id)
        for thread in self._threads:
            thread.start()
        if again:
            log.info("re-queued %d unfinished job(s) from the data directory", len(again))
        return again

    def stop(self) -> None:
        """Ask the workers to stop after their current job (a job cut off is re-queued on restart)."""
        for _ in self._threads:
            self._queue.put(None)

    def has_room(self) -> bool:
        return self._queue.qsize() < self.max_queued

    def submit(self, job_id: str) -> None:
        """Queue a stored job. Callers check ``has_room`` first (a soft limit: a job already in the
        store is always queued, never dropped)."""
        self._queue.put(job_id)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                self.run(job_id)
            except Exception:  # keep the worker alive whatever one job does
                log.exception("job %s crashed the worker loop", job_id)

    def run(self, job_id: str) -> None:
        """Run one job to ``done`` or ``failed``, recording per-step progress as it goes."""
        job = self.store.get(job_id)
        if job is None or job.status not in ("queued", "running"):
            return
        self.store.update(job_id, status="running", started_at=time.time(), runs=job.runs + 1, steps=[], chunks=None)
        folder = self.store.job_dir(job_id)
        files = self.store.files(job_id)
        opts = job.options
        output = folder / f"out.{opts.output_format}"
        progress = _ProgressRecorder(self.store, job_id)
        from audioedit.agents.pipeline import edit_request

        try:
            outcome = edit_request(
                folder / files.audio, job.request, output,
                annotation=folder / files.annotation if files.annotation else None,
                stems=folder / files.stems if files.stems else None,
                **opts.edit_kwargs(), bank=self.bank, progress=progress, limits=self.limits,
            )
        except AudioEditError as exc:
            self.store.update(job_id, status="failed", finished_at=time.time(), error=f"{type(exc).__name__}: {exc}")
            return
        except Exception as exc:
            log.exception("job %s failed", job_id)
            self.store.update(job_id, status="failed", finished_at=time.time(),
                              error=f"internal error ({type(exc).__name__}: {exc})")
            return
        steps = progress.steps
        final = {s.step_id: s.status for s in outcome.report.steps}
        steps = [s.model_copy(update={"status": final.get(s.step_id, s.status)}) for s in steps]
        self.store.update(job_id, status="done", finished_at=time.time(), result=outcome.status, steps=steps)


class _ProgressRecorder:
    """The ``progress`` callback of ``edit_request``: keeps the step list in the store current."""

    def __init__(self, store: JobStore, job_id: str) -> None:
        self.store, self.job_id = store, job_id
        self.steps: list[StepProgress] = []

    def __call__(self, event: str, data: dict) -> None:
        if event == "chunk_finished":
            self.store.update(self.job_id, chunks=json.dumps(data))
            return
        if event == "planned":
            self.steps = [StepProgress(step_id=s["id"], instruction=s["instruction"]) for s in data["plan"]["steps"]]
        elif event in ("step_started", "step_finished"):
            status = "running" if event == "step_started" else data.get("status", "ok")
            self.steps = [s.model_copy(update={"status": status}) if s.step_id == data["step_id"] else s
                          for s in self.steps]
        else:
            return
        self.store.update(self.job_id, steps=self.steps)
