"""Bounded load test of the HTTP service: N concurrent edit jobs on 127.0.0.1.

    .venv/bin/python benchmarks/load_test.py --jobs 50 --duration 5 --workers 2

Starts ``audioedit serve`` in a subprocess on a free port with a temporary data directory (or uses
``--url``), submits ``--jobs`` uploads of a ``--duration``-second street scene at once, each with a
different request ("make the <label> <n> dB quieter"), polls every job to the end, downloads its
audio and report, and prints throughput and latency percentiles. It fails (exit 1) when a job is
lost (never finishes, or its id is unknown), fails, or is mixed up: its report's request, planned
target and gain must be the ones that job asked for, and its audio must last as long as its input.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LABELS = ("siren", "car_horn", "dog_bark")


def make_inputs(folder: Path, duration_s: float) -> dict:
    from audioedit.scene import save_scene
    from audioedit.evals.fixtures import street_events, street_scene

    scene = street_scene(duration_s=duration_s, events=street_events(duration_s))
    wav, jams, stems = save_scene(scene, folder / "scene.wav")
    return {"audio": wav.read_bytes(), "jams": jams.read_bytes(),
            "stems": [(p.name, p.read_bytes()) for p in sorted(stems.iterdir())]}


def job_request(index: int) -> tuple[str, str, float]:
    label = LABELS[index % len(LABELS)]
    gain_db = float(1 + index % 30)
    return f"make the {label.replace('_', ' ')} {gain_db:g} dB quieter", label, -gain_db


async def run_job(client: httpx.AsyncClient, index: int, inputs: dict, duration_s: float, timeout_s: float) -> dict:
    request, label, gain_db = job_request(index)
    files = [("audio", ("scene.wav", inputs["audio"], "audio/wav")),
             ("annotation", ("scene.jams", inputs["jams"], "application/json"))]
    files += [("stems", (name, data, "audio/wav")) for name, data in inputs["stems"]]
    start = time.perf_counter()
    created = await client.post("/v1/jobs", files=files, data={"request": request})
    if created.status_code != 202:
        return {"index": index, "problem": f"submit: HTTP {created.status_code} {created.text[:200]}"}
    job_id = created.json()["id"]
    while True:
        status = await client.get(f"/v1/jobs/{job_id}")
        if status.status_code != 200:
            return {"index": index, "problem": f"job {job_id} lost: HTTP {status.status_code}"}
        job = status.json()
        if job["status"] in ("done", "failed"):
            break
        if time.perf_counter() - start > timeout_s:
            return {"index": index, "problem": f"job {job_id} still {job['status']} after {timeout_s} s"}
        await asyncio.sleep(0.1)
    latency_s = time.perf_counter() - start
    if job["status"] != "done" or job["result"] != "ok":
        return {"index": index, "problem": f"job {job_id}: {job['status']} / {job['result']} {job.get('error')}"}
    report = (await client.get(f"/v1/jobs/{job_id}/report")).json()
    audio = await client.get(f"/v1/jobs/{job_id}/audio")
    samples, sr = sf.read(io.BytesIO(audio.content), dtype="float32")
    step = report["plan"]["steps"][0]
    problems = []
    if report["request"] != request or job["request"] != request:
        problems.append(f"request mix-up: asked {request!r}, report says {report['request']!r}")
    if step["op"] != "loudness" or step["target"]["label"] != label or abs(step["gain_db"] - gain_db) > 1e-6:
        problems.append(f"plan mix-up: asked {label} {gain_db} dB, planned {step}")
    if abs(len(samples) / sr - duration_s) > 0.01 or not np.isfinite(samples).all():
        problems.append(f"audio: {len(samples) / sr:.3f} s, expected {duration_s} s")
    return {"index": index, "id": job_id, "latency_s": latency_s, "problem": "; ".join(problems) or None}


def start_service(data_dir: Path, workers: int, jobs: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "audioedit.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(data_dir), "--workers", str(workers), "--max-queued", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the service did not start within 60 s")


async def load(url: str, jobs: int, inputs: dict, duration_s: float, timeout_s: float) -> tuple[list[dict], float]:
    limits = httpx.Limits(max_connections=jobs, max_keepalive_connections=jobs)
    async with httpx.AsyncClient(base_url=url, timeout=timeout_s, limits=limits) as client:
        start = time.perf_counter()
        results = await asyncio.gather(*(run_job(client, i, inputs, duration_s, timeout_s) for i in range(jobs)))
        return list(results), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of audio per job")
    parser.add_argument("--workers", type=int, default=2, help="service worker pool size (when started here)")
    parser.add_argument("--url", default=None, help="use a running service instead of starting one")
    parser.add_argument("--timeout", type=float, default=300.0, help="per-job limit, seconds")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="audioedit-load-") as tmp:
        inputs = make_inputs(Path(tmp), args.duration)
        proc = None
        url = args.url
        if url is None:
            proc, url = start_service(Path(tmp) / "data", args.workers, args.jobs)
        try:
            results, wall_s = asyncio.run(load(url, args.jobs, inputs, args.duration, args.timeout))
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    problems = [r for r in results if r["problem"]]
    latencies = np.array([r["latency_s"] for r in results if "latency_s" in r])
    ids = [r["id"] for r in results if "id" in r]
    print(f"jobs: {args.jobs} x {args.duration:g} s audio, workers: {args.workers if args.url is None else '?'}")
    print(f"wall time: {wall_s:.2f} s   throughput: {len(latencies) / wall_s:.2f} jobs/s "
          f"({len(latencies) * args.duration / wall_s:.1f} s of audio per s)")
    if len(latencies):
        print(f"latency (submit -> done): p50 {np.percentile(latencies, 50):.2f} s  p95 {np.percentile(latencies, 95):.2f} s  "
              f"max {latencies.max():.2f} s")
    print(f"finished and verified: {len(results) - len(problems)}/{args.jobs}; distinct job ids: {len(set(ids))}")
    for r in problems:
        print(f"  job {r['index']}: {r['problem']}")
    ok = not problems and len(set(ids)) == args.jobs
    print("PASS: no job lost or mixed up" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
