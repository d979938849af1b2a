"""The HTTP service, running under uvicorn on 127.0.0.1, driven by httpx."""

from __future__ import annotations

import io
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from audioedit.agents.jobs import JobFiles, JobOptions, JobStore
from audioedit.agents.service import ServiceConfig, create_app
from audioedit.scene import save_scene
from audioedit.evals.fixtures import street_scene
from tests.http_util import serving


@contextmanager
def running_service(data_dir: Path, **config):
    with serving(create_app(ServiceConfig(data_dir=data_dir, **config))) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("inputs")
    wav, jams, stems = save_scene(street_scene(duration_s=10.0), folder / "street.wav")
    return {"audio": wav, "jams": jams, "stems": stems}


def upload(inputs: dict, *, audio_name: str = "street.wav", stems: str | None = "files") -> dict:
    files = [("audio", (audio_name, inputs["audio"].read_bytes(), "audio/wav")),
             ("annotation", ("street.jams", inputs["jams"].read_bytes(), "application/json"))]
    if stems == "files":
        files += [("stems", (p.name, p.read_bytes(), "audio/wav")) for p in sorted(inputs["stems"].iterdir())]
    elif stems == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for p in sorted(inputs["stems"].iterdir()):
                archive.write(p, f"street_events/{p.name}")
            archive.writestr("../../evil.txt", "ignored")
        files.append(("stems", ("stems.zip", buffer.getvalue(), "application/zip")))
    return files


def wait_done(client: httpx.Client, job_id: str, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.05)


def test_job_upload_poll_download(tmp_path, inputs):
    request = "drop the siren and make the car horn 6 dB louder"
    with running_service(tmp_path / "data") as client:
        created = client.post("/v1/jobs", files=upload(inputs), data={"request": request,
                                                                    "options": '{"output_format": "flac"}'})
        assert created.status_code == 202, created.text
        job = wait_done(client, created.json()["id"])
        assert job["status"] == "done" and job["result"] == "ok" and job["progress"] == 1.0
        assert [(s["step_id"], s["status"]) for s in job["steps"]] == [("s1", "ok"), ("s2", "ok")]
        audio = client.get(job["links"]["audio"])
        assert audio.status_code == 200 and audio.headers["content-type"].startswith("audio/flac")
        samples, sr = sf.read(io.BytesIO(audio.content), dtype="float32")
        assert sr == 16000 and len(samples) == 160000 and np.isfinite(samples).all()
        report = client.get(job["links"]["report"]).json()
        assert report["request"] == request and report["status"] == "ok"
        assert [s["op"] for s in report["plan"]["steps"]] == ["remove", "loudness"]
        assert client.get("/v1/jobs").json()[0]["id"] == job["id"]
        assert client.get("/v1/jobs/0123456789abcdef0123456789abcdef").status_code == 404
        assert client.get("/v1/jobs/..%2F..%2Fetc").status_code == 404


def test_stems_zip_and_hostile_file_names(tmp_path, inputs):
    data = tmp_path / "data"
    with running_service(data) as client:
        created = client.post("/v1/jobs", files=upload(inputs, audio_name="../../../../tmp/evil.wav", stems="zip"),
                              data={"request": "remove the dog"})
        assert created.status_code == 202, created.text
        job = wait_done(client, created.json()["id"])
        assert job["result"] == "ok"
        folder = data / "jobs" / job["id"]
        assert (folder / "input.wav").is_file()
        assert sorted(p.name for p in (folder / "stems").iterdir()) == sorted(p.name for p in inputs["stems"].iterdir())
        assert not any(p.name in ("evil.wav", "evil.txt") for p in tmp_path.rglob("*"))
        bad_stem = [("audio", ("a.wav", inputs["audio"].read_bytes(), "audio/wav")),
                    ("stems", ("../../etc/passwd", b"x", "audio/wav"))]
        response = client.post("/v1/jobs", files=bad_stem, data={"request": "remove the dog"})
        assert response.status_code == 400 and "expected names like foreground0_siren.wav" in response.json()["detail"]


def test_plan_describe_tools_and_docs(tmp_path, inputs):
    with running_service(tmp_path / "data") as client:
        plan = client.post("/v1/plan", files=upload(inputs, stems=None), data={"request": "remove the siren"})
        assert plan.status_code == 200, plan.text
        step = plan.json()["steps"][0]
        assert step["op"] == "remove" and step["target"]["event_ids"] == ["foreground0_siren"]
        scene = client.post("/v1/describe", files=upload(inputs, stems=None)).json()
        assert scene["duration_s"] == 10.0 and {e["label"] for e in scene["events"]} == {"street", "siren", "car_horn", "dog_bark"}
        tool = client.get("/v1/tools/openai").json()
        assert tool["type"] == "function" and tool["function"]["name"] == "edit_audio"
        assert {"audio", "request"} <= set(tool["function"]["parameters"]["required"])
        assert len(client.get("/v1/tools/openai", params={"all": True}).json()["tools"]) == 3
        assert client.get("/docs").status_code == 200
        assert "/v1/jobs" in client.get("/openapi.json").json()["paths"]
        assert not list((tmp_path / "data" / "tmp").iterdir())  # plan/describe uploads are cleaned up


def test_bad_input_gets_4xx_and_the_server_keeps_running(tmp_path, inputs):
    with running_service(tmp_path / "data", max_upload_bytes=1_000_000) as client:
        big = client.post("/v1/describe", files={"audio": ("big.wav", b"\0" * 1_200_000, "audio/wav")})
        assert big.status_code == 413 and "limit is 1000000 bytes" in big.json()["detail"]
        corrupt = client.post("/v1/jobs", files={"audio": ("x.wav", b"RIFF" + b"\x01" * 4000, "audio/wav")},
                              data={"request": "remove the siren"})
        assert corrupt.status_code == 400
        assert "cannot read 'input.wav' as audio" in corrupt.json()["detail"]
        assert str(tmp_path) not in corrupt.json()["detail"]  # no server paths in messages
        html = client.post("/v1/describe", files={"audio": ("x.html", b"<html>", "text/html")})
        assert html.status_code == 415
        empty = client.post("/v1/jobs", files=upload(inputs, stems=None), data={"request": "  "})
        assert empty.status_code == 400 and "request is empty" in empty.json()["detail"]
        options = client.post("/v1/jobs", files=upload(inputs, stems=None),
                              data={"request": "remove the siren", "options": '{"planner": "magic"}'})
        assert options.status_code == 400 and "planner" in options.json()["detail"]
        assert not list((tmp_path / "data" / "jobs").iterdir())  # rejected uploads leave nothing behind
        assert client.get("/healthz").json() == {"ok": True}


def test_api_key_and_full_queue(tmp_path, inputs):
    with running_service(tmp_path / "data", api_key="s3cret", max_queued=0) as client:
        assert client.get("/v1/jobs").status_code == 401
        assert client.get("/v1/jobs", headers={"X-API-Key": "wrong"}).status_code == 401
        assert client.get("/v1/jobs", headers={"X-API-Key": "s3cret"}).status_code == 200
        auth = {"Authorization": "Bearer s3cret"}
        assert client.get("/v1/tools/openai", headers=auth).status_code == 200
        full = client.post("/v1/jobs", files=upload(inputs, stems=None), data={"request": "remove the siren"}, headers=auth)
        assert full.status_code == 429 and full.headers["retry-after"] == "5"


def test_restart_keeps_finished_jobs_and_requeues_interrupted_ones(tmp_path, inputs):
    data = tmp_path / "data"
    with running_service(data) as client:
        job_id = client.post("/v1/jobs", files=upload(inputs), data={"request": "remove the siren"}).json()["id"]
        assert wait_done(client, job_id)["result"] == "ok"
    # a job the previous process was running when it stopped
    store = JobStore(data)
    folder = store.job_dir("f" * 32)
    folder.mkdir()
    (folder / "input.wav").write_bytes(inputs["audio"].read_bytes())
    (folder / "annotation.jams").write_bytes(inputs["jams"].read_bytes())
    store.create("f" * 32, "make the dog 3 dB quieter", JobOptions(),
                 JobFiles(audio="input.wav", annotation="annotation.jams"))
    store.update("f" * 32, status="running", runs=1)
    store.close()
    with running_service(data) as client:
        kept = client.get(f"/v1/jobs/{job_id}").json()
        assert kept["status"] == "done" and client.get(f"/v1/jobs/{job_id}/audio").status_code == 200
        resumed = wait_done(client, "f" * 32)
        assert resumed["status"] == "done" and resumed["runs"] == 2 and resumed["result"] == "ok"
