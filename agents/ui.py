"""``audioedit ui``: the editing page, served by the HTTP service's own FastAPI app.

The page (``agents/ui_page/index.html``, plain HTML + JS, no build step) talks to the same
``/v1`` API chat integrations use; this module adds what only a person needs:

| route | what |
|---|---|
| GET / | the page |
| GET /ui/examples | example recordings (composed from the starter bank at start-up) with requests |
| GET /ui/examples/{name}/{file} | an example's audio, annotation or stems zip |
| POST /v1/preview | like /v1/plan, plus per step the resolved span, amount and the backend the router would pick |
| GET /v1/jobs/{id}/input | the uploaded audio (the "before" player) |
| GET /v1/jobs/{id}/spectrogram.png | before/after spectrograms with the edited spans marked |
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel

from audioedit.agents.service import ApiError, ServiceConfig, check_request, create_app, parse_options, require_key, service

PAGE = Path(__file__).with_name("ui_page") / "index.html"
EXAMPLE_FILES = {"audio.wav": "audio/wav", "annotation.jams": "application/json", "stems.zip": "application/zip"}


class Example(BaseModel):
    name: str
    title: str
    request: str
    files: dict[str, str]  # field name -> URL


def build_examples(folder: Path) -> list[Example]:
    """Compose the example scenes into ``folder`` once (deterministic), and describe them."""
    from audioedit.demo import DEMO_REQUEST, VOICE_MEMO_REQUEST, compose_street_scene, compose_voice_memo

    street = folder / "street"
    if not (street / "stems.zip").is_file():
        wav, jams_path, stems = compose_street_scene(street / "build", seed=0)
        (street / "audio.wav").write_bytes(wav.read_bytes())
        (street / "annotation.jams").write_bytes(jams_path.read_bytes())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for stem in sorted(stems.iterdir()):
                archive.write(stem, stem.name)
        (street / "stems.zip").write_bytes(buffer.getvalue())
    memo = folder / "memo" / "audio.wav"
    if not memo.is_file():
        compose_voice_memo(memo)
    base = "/ui/examples/street"
    return [
        Example(name="voice-memo", title="A plain voice memo: hum, kitchen noise, silence (no annotation)",
                request=VOICE_MEMO_REQUEST, files={"audio": "/ui/examples/memo/audio.wav"}),
        Example(name="street-stems", title="Street scene with stems (exact edits)", request=DEMO_REQUEST,
                files={"audio": f"{base}/audio.wav", "annotation": f"{base}/annotation.jams", "stems": f"{base}/stems.zip"}),
        Example(name="street-mixture", title="Same street scene, mixture + annotation only",
                request="make the car horn 6 dB louder and remove the footsteps",
                files={"audio": f"{base}/audio.wav", "annotation": f"{base}/annotation.jams"}),
    ]


ui_router = APIRouter()
api_router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])


@ui_router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


@ui_router.get("/ui/examples", response_model=list[Example], summary="Example recordings and requests")
def examples(http: Request) -> list[Example]:
    return http.app.state.examples


@ui_router.get("/ui/examples/{name}/{file}", summary="A file of an example", response_class=FileResponse)
def example_file(http: Request, name: str, file: str) -> FileResponse:
    folder = http.app.state.examples_dir
    if name not in {p.name for p in folder.iterdir()} or file not in EXAMPLE_FILES:
        raise ApiError(404, f"no example file {name}/{file}")
    return FileResponse(folder / name / file, media_type=EXAMPLE_FILES[file], filename=f"{name}-{file}")


@api_router.post("/preview", summary="Plan + what the router would do with each step (nothing is edited)")
def preview(
    http: Request,
    audio: UploadFile = File(...),
    request: str = Form(...),
    annotation: UploadFile | None = File(None),
    stems: list[UploadFile] | None = File(None),
    options: str | None = Form(None),
) -> dict[str, Any]:
    from audioedit.agents.pipeline import prepare, preview_plan

    svc = service(http)
    opts, text = parse_options(options), check_request(request)
    with tempfile.TemporaryDirectory(dir=svc.tmp_root) as tmp:
        scene = svc.load(Path(tmp), svc.save_inputs(Path(tmp), audio, annotation, stems))
        scene, plan = prepare(scene, text, planner=opts.planner)
        rows = preview_plan(scene, plan, opts.executor)
    return {"plan": plan.model_dump(mode="json"), "steps": [r.model_dump(mode="json") for r in rows]}


@api_router.get("/jobs/{job_id}/input", summary="The uploaded audio", response_class=FileResponse)
def job_input(http: Request, job_id: str) -> FileResponse:
    svc = service(http)
    svc.job(job_id)
    name = svc.store.files(job_id).audio
    return FileResponse(svc.store.job_dir(job_id) / name, filename=f"{job_id}-input{Path(name).suffix}")


@api_router.get("/jobs/{job_id}/spectrogram.png", summary="Before/after spectrograms", response_class=FileResponse)
def job_spectrogram(http: Request, job_id: str) -> FileResponse:
    from audioedit.audio import load_audio
    from audioedit.viz import before_after_png

    svc = service(http)
    report = json.loads(svc.finished_file(job_id, "out.json").read_text())
    folder = svc.store.job_dir(job_id)
    png = folder / "spectrogram.png"
    if not png.is_file():
        after = svc.finished_file(job_id, f"out.{svc.job(job_id).options.output_format}")
        spans = [(a, b, s["step_id"]) for s in report["steps"] if s["status"] == "ok"
                 for a, b in s["attempts"][-1]["edited_spans_s"]]
        before = load_audio(folder / svc.store.files(job_id).audio)
        before_after_png(before, load_audio(after), png, spans, title=report["request"])
    return FileResponse(png, media_type="image/png")


def create_ui_app(config: ServiceConfig) -> FastAPI:
    """The service app plus the page and its routes."""
    app = create_app(config)
    app.state.examples_dir = config.data_dir / "examples"
    app.state.examples = build_examples(app.state.examples_dir)
    app.include_router(api_router)
    app.include_router(ui_router)
    return app


def serve_ui(host: str = "127.0.0.1", port: int = 8000, data_dir: str | Path | None = None, **config: Any) -> None:
    """Serve the page and the API; ``data_dir`` default: ``audioedit.paths.runtime_dir()`` (the user's cache)."""
    import uvicorn

    from audioedit.paths import runtime_dir

    uvicorn.run(create_ui_app(ServiceConfig(data_dir=runtime_dir(data_dir), **config)), host=host, port=port,
                log_level="info")
