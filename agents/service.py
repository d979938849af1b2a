"""The HTTP service (FastAPI + uvicorn): ``audioedit serve --host 127.0.0.1 --port 8000 --data-dir DIR``.

| route | what |
|---|---|
| POST /v1/jobs | multipart: ``audio`` file, ``request`` text, optional ``annotation`` file, optional ``stems`` (one .zip or several files named like ``foreground0_siren.wav``), optional ``options`` JSON (``JobOptions``) -> 202 ``{"id", "status", "links"}`` |
| GET /v1/jobs, /v1/jobs/{id} | job status with per-step progress (``JobStatus``) |
| GET /v1/jobs/{id}/audio, /report | the edited audio, the JSON ``EditReport`` (409 until the job is done) |
| POST /v1/plan | the same multipart fields -> the ``Plan`` (nothing is edited) |
| POST /v1/describe | ``audio`` (+ ``annotation``, ``stems``) -> the ``SceneDescription`` |
| GET /v1/tools/openai | the OpenAI tool (function) schema of ``edit_audio`` (``?all=true``: all three tools) |
| GET /healthz, /docs, /openapi.json | liveness, OpenAPI docs (no API key needed) |

Limits (``ServiceConfig``): a request body over ``max_upload_bytes`` gets 413 (FastAPI's ``max_body_size``); audio
longer than ``max_duration_s`` gets 400; ``workers`` jobs run at once and up to ``max_queued`` wait
(status ``queued``); beyond that ``POST /v1/jobs`` answers **429** with ``Retry-After``. Uploads are
saved under server-generated names (client file names only choose among known suffixes; stem names
must match ``<role><n>_<label>``), and no route reads a server file named by the client.
Errors are JSON ``{"detail": message, "error": type}``: 400 for a ``UserInputError`` (bad audio,
bad request, limits), 415 for a wrong content type, 401 without the API key when one is set
(``X-API-Key: KEY`` or ``Authorization: Bearer KEY``; ``AUDIOEDIT_API_KEY`` by default).
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import shutil
import tempfile
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from audioedit.audio import AudioLimits
from audioedit.errors import ExecutionError, PlanError, UserInputError
from audioedit.options import checked
from audioedit.scene import Scene

from audioedit.agents.jobs import JobFiles, JobOptions, JobRunner, JobStatus, JobStore, QueueFull
from audioedit.agents.uploads import ApiError, save_annotation_upload, save_audio_upload, save_stems_upload

log = logging.getLogger(__name__)
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_REQUEST_CHARS = 2000
HTTP_ERRORS = {401: "Unauthorized", 404: "NotFound", 409: "Conflict", 413: "PayloadTooLarge", 415: "UnsupportedMediaType"}


class ServiceConfig(BaseModel):
    data_dir: Path
    max_upload_bytes: int = Field(64 * 1024 * 1024, gt=0, description="whole request body")
    max_duration_s: float = Field(300.0, gt=0)
    workers: int = Field(2, ge=1, le=64, description="jobs running at once")
    max_queued: int = Field(100, ge=0, description="jobs waiting beyond the running ones; more -> 429")
    max_stems: int = Field(64, ge=1)
    api_key: str | None = Field(None, description="required in X-API-Key / Bearer when set; default $AUDIOEDIT_API_KEY")

    def limits(self) -> AudioLimits:
        return AudioLimits(max_file_bytes=self.max_upload_bytes, max_duration_s=self.max_duration_s)


class JobCreated(BaseModel):
    id: str
    status: str
    links: dict[str, str]


def parse_options(text: str | None) -> JobOptions:
    return checked(JobOptions, text)


def check_request(request: str) -> str:
    request = (request or "").strip()
    if not request:
        raise UserInputError("the request is empty; say what to change, e.g. 'remove the siren'")
    if len(request) > MAX_REQUEST_CHARS:
        raise UserInputError(f"the request has {len(request)} characters; the limit is {MAX_REQUEST_CHARS}")
    return request


# --------------------------------------------------------------------------------------------
# the app


class _App(FastAPI):
    """FastAPI whose 413 for a declared over-limit body is JSON like every other error (FastAPI's
    own ``max_body_size`` check, which also covers bodies without a Content-Length, answers in
    plain text)."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        limit = self.max_body_size
        if scope["type"] == "http" and limit is not None:
            declared = dict(scope.get("headers") or []).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > limit:
                response = JSONResponse({"detail": f"request body is {int(declared)} bytes; the limit is {limit} bytes",
                                         "error": "PayloadTooLarge"}, status_code=413)
                return await response(scope, receive, send)
        await super().__call__(scope, receive, send)


class Service:
    """What the routes share: the config, the job store, the worker pool."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.api_key = config.api_key or os.environ.get("AUDIOEDIT_API_KEY") or None
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_root = config.data_dir / "tmp"
        self.tmp_root.mkdir(exist_ok=True)
        self.store = JobStore(config.data_dir)
        self.runner = JobRunner(self.store, workers=config.workers, max_queued=config.max_queued,
                                limits=config.limits())

    def save_inputs(self, folder: Path, audio: UploadFile, annotation: UploadFile | None,
                    stems: list[UploadFile] | None) -> JobFiles:
        limit = self.config.max_upload_bytes
        return JobFiles(
            audio=save_audio_upload(audio, folder, "input", limit),
            annotation=save_annotation_upload(annotation, folder, limit) if annotation else None,
            stems=save_stems_upload(stems, folder, self.config.max_stems, self.config.max_upload_bytes) if stems else None,
        )

    def load(self, folder: Path, files: JobFiles) -> Scene:
        """The Scene of saved inputs; a ``UserInputError`` names the upload, not the server path."""
        from audioedit.agents.pipeline import analyze

        try:
            return analyze(folder / files.audio, folder / files.annotation if files.annotation else None,
                           folder / files.stems if files.stems else None, self.config.limits())
        except UserInputError as exc:
            raise UserInputError(str(exc).replace(f"{folder}{os.sep}", "")) from None

    def job(self, job_id: str) -> JobStatus:
        job = self.store.get(job_id) if JOB_ID.match(job_id) else None
        if job is None:
            raise ApiError(404, f"no job {job_id!r}")
        return job

    def finished_file(self, job_id: str, name: str) -> Path:
        job = self.job(job_id)
        if job.status == "failed":
            raise ApiError(409, f"job {job_id} failed: {job.error}")
        if job.status != "done":
            raise ApiError(409, f"job {job_id} is {job.status}; poll /v1/jobs/{job_id} until it is done")
        path = self.store.job_dir(job_id) / name
        if not path.is_file():
            raise ApiError(409, f"job {job_id} has no {name} (the edit's result is {job.result})")
        return path


def service(http: Request) -> Service:
    return http.app.state.service


def require_key(http: Request) -> None:
    """401 unless the request carries the API key (when one is configured)."""
    api_key = service(http).api_key
    if api_key is None:
        return
    given = http.headers.get("x-api-key") or ""
    auth = http.headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        given = given or auth[7:].strip()
    if not hmac.compare_digest(given.encode(), api_key.encode()):
        raise ApiError(401, "missing or wrong API key: send X-API-Key or Authorization: Bearer",
                       {"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])


@router.post("/jobs", status_code=202, response_model=JobCreated, summary="Upload audio + a request; start an edit job")
def create_job(
    http: Request,
    audio: UploadFile = File(..., description="the recording (wav, flac, ogg, mp3, aiff)"),
    request: str = Form(..., description="what to change, in plain language"),
    annotation: UploadFile | None = File(None, description="JAMS or onset/offset/label .txt"),
    stems: list[UploadFile] | None = File(None, description="one .zip, or files named like foreground0_siren.wav"),
    options: str | None = Form(None, description=f"JSON object with any of {sorted(JobOptions.model_fields)}"),
) -> JobCreated:
    svc = service(http)
    opts, text = parse_options(options), check_request(request)
    if not svc.runner.has_room():
        raise QueueFull(f"the job queue is full ({svc.config.max_queued} waiting); retry later")
    job_id = uuid.uuid4().hex
    folder = svc.store.job_dir(job_id)
    folder.mkdir()
    try:
        files = svc.save_inputs(folder, audio, annotation, stems)
        svc.load(folder, files)  # reject bad audio / annotation / stems now, with the reason
        svc.store.create(job_id, text, opts, files)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    svc.runner.submit(job_id)
    return JobCreated(id=job_id, status="queued", links={"self": f"/v1/jobs/{job_id}"})


@router.get("/jobs", response_model=list[JobStatus], summary="Recent jobs, newest first")
def list_jobs(http: Request, limit: int = 50) -> list[JobStatus]:
    return service(http).store.recent(max(1, min(limit, 500)))


@router.get("/jobs/{job_id}", response_model=JobStatus, summary="Job status with per-step progress")
def get_job(http: Request, job_id: str) -> JobStatus:
    return service(http).job(job_id)


@router.get("/jobs/{job_id}/audio", summary="The edited audio", response_class=FileResponse)
def get_audio(http: Request, job_id: str) -> FileResponse:
    svc = service(http)
    fmt = svc.job(job_id).options.output_format
    return FileResponse(svc.finished_file(job_id, f"out.{fmt}"), media_type=f"audio/{fmt}", filename=f"{job_id}.{fmt}")


@router.get("/jobs/{job_id}/report", summary="The JSON edit report")
def get_report(http: Request, job_id: str) -> FileResponse:
    return FileResponse(service(http).finished_file(job_id, "out.json"), media_type="application/json")


@router.post("/plan", summary="Plan a request against an upload (nothing is edited)")
def plan(
    http: Request,
    audio: UploadFile = File(...),
    request: str = Form(...),
    annotation: UploadFile | None = File(None),
    stems: list[UploadFile] | None = File(None),
    options: str | None = Form(None, description='JSON, e.g. {"planner": "llm"}'),
) -> dict:
    from audioedit.agents.pipeline import plan_request

    svc = service(http)
    opts, text = parse_options(options), check_request(request)
    with tempfile.TemporaryDirectory(dir=svc.tmp_root) as tmp:
        scene = svc.load(Path(tmp), svc.save_inputs(Path(tmp), audio, annotation, stems))
        result = plan_request(scene, text, planner=opts.planner)
    return result.model_dump(mode="json")


@router.post("/describe", summary="The scene description of an upload (events, times, levels)")
def describe(
    http: Request,
    audio: UploadFile = File(...),
    annotation: UploadFile | None = File(None),
    stems: list[UploadFile] | None = File(None),
) -> dict:
    from audioedit.agents.pipeline import describe_scene

    svc = service(http)
    with tempfile.TemporaryDirectory(dir=svc.tmp_root) as tmp:
        scene = svc.load(Path(tmp), svc.save_inputs(Path(tmp), audio, annotation, stems))
    return describe_scene(scene).model_dump(mode="json")


@router.get("/tools/openai", summary="OpenAI tool (function) schema for edit_audio")
def tools_schema(all: bool = False) -> Any:  # noqa: A002 - the query parameter's name
    from audioedit.agents.tools import openai_tool, openai_tools

    return {"tools": openai_tools()} if all else openai_tool("edit_audio")


def _error(status: int, exc: Exception, headers: dict | None = None) -> JSONResponse:
    name = HTTP_ERRORS.get(status, "Error") if isinstance(exc, ApiError) else type(exc).__name__
    message = exc.message if isinstance(exc, ApiError) else str(exc)
    return JSONResponse({"detail": message, "error": name}, status_code=status, headers=headers)


def create_app(config: ServiceConfig) -> FastAPI:
    """The FastAPI app; jobs live in ``config.data_dir`` and run on a pool started with the app."""
    svc = Service(config)

    @asynccontextmanager
    async def lifespan(_app: Any):
        svc.runner.start()
        yield
        svc.runner.stop()

    app = _App(title="audioedit", version="0.1.0", lifespan=lifespan, max_body_size=config.max_upload_bytes,
               description="Declarative, text-guided audio editing: upload audio + a request, get the "
                           "edited audio and a report of every step and check.")
    app.state.service = svc
    app.add_exception_handler(UserInputError, lambda _r, exc: _error(400, exc))
    app.add_exception_handler(PlanError, lambda _r, exc: _error(503, exc))
    app.add_exception_handler(ExecutionError, lambda _r, exc: _error(500, exc))
    app.add_exception_handler(QueueFull, lambda _r, exc: _error(429, exc, {"Retry-After": "5"}))
    app.add_exception_handler(ApiError, lambda _r, exc: _error(exc.status, exc, exc.headers))
    app.add_api_route("/healthz", lambda: {"ok": True}, include_in_schema=False)
    app.include_router(router)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, data_dir: str | Path | None = None, **config: Any) -> None:
    """Run the service with uvicorn until interrupted; ``data_dir`` default: ``audioedit.paths.runtime_dir()``."""
    import uvicorn

    from audioedit.paths import runtime_dir

    app = create_app(ServiceConfig(data_dir=runtime_dir(data_dir), **config))
    uvicorn.run(app, host=host, port=port, log_level="info")
