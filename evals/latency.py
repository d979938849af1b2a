"""Latency benchmark: per-stage p50/p95 on a synthetic 44.1 kHz stereo street scene.

Stages: load (read + annotation), plan (rules planner), one DSP step per op on the mixture path
(``dsp.<op>``), verify (acoustic verifier of the loudness step), and a full 3-step edit including
reading the input and writing audio + report. Run with ``audioedit bench latency``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel

REQUEST = "remove the siren, make the car horn 6 dB louder and add a bird at 8 s"
# one request per op, each planned to a single step on the fixture scene
OP_REQUESTS = {
    "loudness": "make the car horn 6 dB louder",
    "remove": "remove the siren",
    "speed": "speed up the siren by 1.25x",
    "reorder": "swap the car horn and the dog bark",
    "add": "add a bird at 8.5 s",
    "replace": "replace the car horn with a bell",
}
TARGETS_MS = {"plan": 10.0, "edit_3_steps_with_io": 1000.0, "speech.split_60s": 5000.0} | {
    f"dsp.{op}": 100.0 for op in OP_REQUESTS}


class LatencyRow(BaseModel):
    stage: str
    p50_ms: float
    p95_ms: float
    target_ms: float | None = None


class LatencyResult(BaseModel):
    duration_s: float
    repeats: int
    rows: list[LatencyRow]


def _measure(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    fn()  # warm-up: imports, numba/FFT plans, file cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def run_latency_benchmark(repeats: int = 20, duration_s: float = 10.0) -> LatencyResult:
    from audioedit.agents.pipeline import edit_request
    from audioedit.agents.verifier import verify_acoustic
    from audioedit.bank import starter_bank
    from audioedit.scene import load_scene, save_scene
    from audioedit.evals.fixtures import street_events, street_scene
    from audioedit.executor.dsp import execute_dsp
    from audioedit.planner import make_plan

    bank = starter_bank()
    scene = street_scene(sample_rate_hz=44100, num_channels=2, duration_s=duration_s, with_stems=False,
                         events=street_events(duration_s))  # the 10 s events, scaled to --duration
    rng = np.random.default_rng(0)
    description = scene.describe()
    requests = OP_REQUESTS | {"add": f"add a bird at {0.85 * duration_s:g} s"}  # 8.5 s in the 10 s scene
    steps = {op: make_plan(text, description, sounds=bank.labels()).steps[0] for op, text in requests.items()}
    step = steps["loudness"]
    with tempfile.TemporaryDirectory() as tmp:
        wav, jams_path, _ = save_scene(scene, Path(tmp) / "in.wav", with_stems=False)
        out = Path(tmp) / "out.wav"
        result = execute_dsp(scene, step, bank=bank, rng=rng, mode="mixture")
        stages: dict[str, Callable[[], object]] = {
            "load": lambda: load_scene(wav, annotation=jams_path),
            "plan": lambda: make_plan(REQUEST, description, sounds=bank.labels()),
            **{
                f"dsp.{op}": (lambda s=s: execute_dsp(scene, s, bank=bank, rng=rng, mode="mixture"))
                for op, s in steps.items()
            },
            "verify": lambda: verify_acoustic(scene, result.scene, step, result.edited_spans_s),
            "edit_3_steps_with_io": lambda: edit_request(wav, REQUEST, out, annotation=jams_path, bank=bank),
        }
        rows = []
        for name, fn in stages.items():
            p50, p95 = _measure(fn, repeats)
            rows.append(LatencyRow(stage=name, p50_ms=p50, p95_ms=p95, target_ms=TARGETS_MS.get(name)))
    rows.append(speech_split_latency(repeats=min(repeats, 3)))
    return LatencyResult(duration_s=duration_s, repeats=repeats, rows=rows)


def speech_split_latency(repeats: int = 3, duration_s: float = 60.0) -> LatencyRow:
    """The speech/rest layer split (DeepFilterNet3, ``audioedit.executor.speech.layers``) of a 60 s 44.1 kHz
    stereo street scene, uncached each time."""
    from audioedit.evals.fixtures import street_scene
    from audioedit.executor.speech import layers

    audio = street_scene(sample_rate_hz=44100, num_channels=2, duration_s=duration_s, with_stems=False).audio

    def split():
        layers._CACHE.clear()
        return layers.split_layers(audio)

    p50, p95 = _measure(split, repeats)
    return LatencyRow(stage="speech.split_60s", p50_ms=p50, p95_ms=p95, target_ms=TARGETS_MS["speech.split_60s"])
