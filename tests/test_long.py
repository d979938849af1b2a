"""Long files edited as a stream (audioedit.agents.long, audioedit.stream): same output as the whole-file
path outside the crossfades, smooth joins, atomic output under SIGKILL, streamed BS.1770, limits."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audioedit.agents.long import XFADE_S
from audioedit.agents.pipeline import edit_request
from audioedit.audio import Audio, AudioLimits, load_audio
from audioedit.errors import UserInputError
from audioedit.metrics import integrated_lufs
from audioedit.stream import LoudnessMeter, open_checked, scan

RATE_HZ = 16000
REPO = Path(__file__).resolve().parents[1]


def _scene(folder: Path, duration_s: float = 120.0, noise: float = 0.02) -> tuple[Path, Path]:
    """Noise with a 1 s tone event every 4 s (car_horn / dog_bark alternating) and its JAMS."""
    rng = np.random.default_rng(0)
    t = np.arange(int(RATE_HZ * duration_s)) / RATE_HZ
    x = (rng.standard_normal((2, t.size)) * noise).astype(np.float32)
    data = []
    for k, onset_s in enumerate(np.arange(3.0, duration_s - 3, 4.0)):
        a, b = int(onset_s * RATE_HZ), int((onset_s + 1.0) * RATE_HZ)
        label, freq_hz = ("car_horn", 420.0) if k % 2 == 0 else ("dog_bark", 700.0)
        x[:, a:b] += 0.3 * np.sin(2 * np.pi * freq_hz * t[a:b]) * np.hanning(b - a)
        data.append({"time": float(onset_s), "duration": 1.0, "value": {"label": label, "role": "foreground"},
                     "confidence": 1.0})
    wav, jams = folder / "in.wav", folder / "in.jams"
    sf.write(wav, x.T, RATE_HZ, subtype="FLOAT")
    jams.write_text(json.dumps({"annotations": [{"namespace": "scaper", "data": data}]}))
    return wav, jams


def _edit(wav, jams, request, out, chunked):
    return edit_request(wav, request, out, annotation=jams, executor="dsp", verifier="acoustic", chunked=chunked)


@pytest.mark.parametrize("request_text", ["make the car horns 6 dB louder", "make it 3 dB quieter"])
def test_chunked_equals_whole_file_outside_crossfades(tmp_path, request_text):
    wav, jams = _scene(tmp_path)
    whole = _edit(wav, jams, request_text, tmp_path / "whole.wav", chunked=False)
    chunked = _edit(wav, jams, request_text, tmp_path / "chunked.wav", chunked=True)
    assert whole.status == chunked.status == "ok"
    assert len(chunked.report.chunks) >= 2 and all(c.steps == {"s1": "ok"} for c in chunked.report.chunks)
    a, b = load_audio(tmp_path / "whole.wav").samples, load_audio(tmp_path / "chunked.wav").samples
    assert a.shape == b.shape
    outside = np.ones(a.shape[1], bool)
    for c in chunked.report.chunks[1:]:
        join = int(round(c.output_start_s * RATE_HZ))
        outside[join - int(XFADE_S * RATE_HZ) : join + int(XFADE_S * RATE_HZ)] = False
    assert np.abs(a - b)[:, outside].max() <= 1e-6
    assert np.abs(a - load_audio(wav).samples).max() > 0.01  # the edit did something


@pytest.mark.parametrize("request_text", ["make it 3 dB quieter", "make it 10% faster"])
def test_no_discontinuity_at_chunk_joins(tmp_path, request_text):
    wav, jams = _scene(tmp_path, noise=0.1)
    outcome = _edit(wav, jams, request_text, tmp_path / "out.wav", chunked=True)
    assert outcome.status == "ok"
    y = load_audio(tmp_path / "out.wav").samples
    step = np.abs(np.diff(y, axis=1)).max(axis=0)  # step[i] = |y[i + 1] - y[i]|
    near, half = int(0.01 * RATE_HZ), int(XFADE_S * RATE_HZ) // 2
    for c in outcome.report.chunks[1:]:
        join = int(round(c.output_start_s * RATE_HZ))
        seams = [join - half - 1, join - 1, join, join + half - 1]  # where the pieces meet and the join itself
        around = np.delete(step[join - near : join + near], [i - (join - near) for i in seams])
        assert step[seams].max() <= around.max(), (c.index, step[seams], around.max())


def test_time_moving_edit_keeps_events_in_the_jams(tmp_path):
    wav, jams = _scene(tmp_path)
    outcome = _edit(wav, jams, "make it 25% faster", tmp_path / "out.wav", chunked=True)
    assert outcome.status == "ok" and len(outcome.report.chunks) >= 2
    written = json.loads((tmp_path / "out.jams").read_text())["annotations"][0]["data"]
    onsets = [d["time"] for d in written]
    expected = [o / 1.25 for o in np.arange(3.0, 117.0, 4.0)]
    assert np.allclose(onsets, expected, atol=0.01)
    assert abs(sf.info(str(tmp_path / "out.wav")).duration - 120.0 / 1.25) < 0.01


def test_killed_job_leaves_input_and_no_output_then_rerun_completes(tmp_path):
    wav, jams = _scene(tmp_path, duration_s=200.0)
    digest = hashlib.sha256(wav.read_bytes()).hexdigest()
    out = tmp_path / "out.wav"
    script = (
        "import os, signal, sys\n"
        "from audioedit.agents.pipeline import edit_request\n"
        "def progress(event, data):\n"
        "    if event == 'chunk_finished' and data['fraction'] >= 0.5:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        f"edit_request({str(wav)!r}, 'make it 3 dB quieter', {str(out)!r}, annotation={str(jams)!r},"
        " executor='dsp', verifier='acoustic', chunked=True, progress=progress)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True)
    assert proc.returncode == -9
    assert hashlib.sha256(wav.read_bytes()).hexdigest() == digest
    assert not out.exists() and not out.with_suffix(".json").exists() and not out.with_suffix(".jams").exists()
    (left,) = tmp_path.glob(".out.*.part")  # the killed writer's temporary file, hidden
    os.utime(left, (0, 0))  # ... untouched for long: the next writer of out.wav removes it
    outcome = _edit(wav, jams, "make it 3 dB quieter", out, chunked=True)
    assert not left.exists() and not list(tmp_path.glob(".out.*.part"))
    assert outcome.status == "ok" and out.exists() and len(outcome.report.chunks) >= 3
    assert np.allclose(load_audio(out).samples, load_audio(wav).samples * 10 ** (-3 / 20), atol=1e-6)


@pytest.mark.parametrize("channels,duration_s,block_s", [(2, 95.3, 7.3), (1, 12.0, 0.37), (6, 3.0, 1.0), (1, 0.2, 0.05)])
def test_streamed_loudness_equals_whole_file(tmp_path, channels, duration_s, block_s):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((channels, int(44100 * duration_s))) * 0.1).astype(np.float32)
    x[:, : x.shape[1] // 3] *= 0.003  # a quiet third: the gates matter
    sf.write(tmp_path / "a.wav", x.T, 44100, subtype="FLOAT")
    streamed = scan(open_checked(tmp_path / "a.wav"), loudness=True, block_s=block_s).lufs
    assert abs(streamed - integrated_lufs(Audio(x, 44100))) < 0.01
    meter = LoudnessMeter(44100, channels)
    for start in range(0, x.shape[1], 9999):
        meter.add(x[:, start : start + 9999])
    assert abs(meter.lufs() - integrated_lufs(Audio(x, 44100))) < 0.01


def test_streamed_normalize_lands_on_target(tmp_path):
    wav, jams = _scene(tmp_path)
    outcome = _edit(wav, jams, "normalize it to -20 LUFS", tmp_path / "out.wav", chunked=True)
    assert outcome.status == "ok"
    assert abs(integrated_lufs(load_audio(tmp_path / "out.wav")) - (-20.0)) < 0.5


def test_limit_errors_say_how_to_raise_them(tmp_path):
    wav, _ = _scene(tmp_path, duration_s=20.0)
    with pytest.raises(UserInputError, match="--max-duration"):
        open_checked(wav, AudioLimits(max_duration_s=10))
    with pytest.raises(UserInputError, match="--max-file-mb"):
        load_audio(wav, AudioLimits(max_file_bytes=1000))
    assert AudioLimits().max_duration_s == 3 * 3600


def test_long_inputs_stream_automatically(tmp_path, monkeypatch):
    from audioedit.agents import long as long_engine

    wav, jams = _scene(tmp_path, duration_s=20.0)
    monkeypatch.setattr(long_engine, "LONG_THRESHOLD_S", 10.0)
    outcome = _edit(wav, jams, "make it 3 dB quieter", tmp_path / "out.wav", chunked=None)
    assert outcome.report.chunks and outcome.status == "ok"
    monkeypatch.setattr(long_engine, "LONG_THRESHOLD_S", 30.0)
    assert not _edit(wav, jams, "make it 3 dB quieter", tmp_path / "out2.wav", chunked=None).report.chunks


def test_job_status_reports_chunk_progress_and_eta(tmp_path):
    import sqlite3

    from audioedit.agents.jobs import JobFiles, JobOptions, JobStore, _ProgressRecorder

    old = sqlite3.connect(tmp_path / "jobs.sqlite3")  # a store made before the chunks column existed
    old.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, request TEXT NOT NULL, options TEXT NOT "
                "NULL, files TEXT NOT NULL, created_at REAL NOT NULL, started_at REAL, finished_at REAL, runs INTEGER "
                "NOT NULL DEFAULT 0, steps TEXT NOT NULL DEFAULT '[]', result TEXT, error TEXT)")
    old.close()
    store = JobStore(tmp_path)
    store.create("j1", "make it 3 dB quieter", JobOptions(), JobFiles(audio="in.wav"))
    store.update("j1", status="running")
    recorder = _ProgressRecorder(store, "j1")
    recorder("planned", {"plan": {"steps": [{"id": "s1", "instruction": "quieter"}]}})
    recorder("chunk_finished", {"phase": 0, "phases": 1, "index": 9, "fraction": 0.25, "elapsed_s": 5.0, "eta_s": 15.0})
    status = store.get("j1")
    assert status.progress == 0.25 and status.eta_s == 15.0


def test_chunk_edges_are_quiet_and_outside_targeted_events():
    from audioedit.agents.chunks import next_edge
    from audioedit.scene import Event

    rate = 1000
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((1, 200 * rate)) * 0.1).astype(np.float32)
    x[:, 55 * rate : 56 * rate] *= 0.001  # the quietest second, inside a targeted event
    x[:, 52 * rate : 53 * rate] *= 0.01  # the next quietest, free
    horn = Event(id="foreground0_car_horn", label="car_horn", onset_s=54.5, offset_s=57.0)
    edge, note = next_edge(0, x.shape[1], x, 0, rate, [horn], [horn], 60.0, 10.0, 0.02)
    assert 52 * rate <= edge < 53 * rate and note == ""
    edge, _ = next_edge(0, x.shape[1], x, 0, rate, [horn], [], 60.0, 10.0, 0.02)  # untargeted: avoided too
    assert 52 * rate <= edge < 53 * rate
    everywhere = Event(id="background0_rain", label="rain", onset_s=0.0, offset_s=200.0)
    edge, note = next_edge(0, x.shape[1], x, 0, rate, [everywhere], [everywhere], 60.0, 10.0, 0.02)
    assert 55 * rate <= edge < 56 * rate and "background0_rain" in note  # unavoidable: said so
    assert next_edge(150 * rate, x.shape[1], x, 0, rate, [], [], 60.0, 10.0, 0.02)[0] == x.shape[1]


def test_streamed_peak_normalize_matches_the_in_memory_one(tmp_path):
    from audioedit.api import edit

    rng = np.random.default_rng(5)
    x = (rng.standard_normal((2, 20 * 8000)) * 0.05).astype(np.float32)
    src = tmp_path / "quiet.wav"
    sf.write(src, x.T, 8000)
    whole = edit(src, "normalize to -1 dB", tmp_path / "whole.wav", verifier="acoustic")
    streamed = edit_request(src, "normalize to -1 dB", tmp_path / "streamed.wav", executor="dsp", verifier="acoustic",
                            chunked=True)
    assert whole.report.status == streamed.report.status == "ok"
    assert abs(streamed.audio.peak_dbfs() + 1.0) < 0.01
    assert np.allclose(streamed.audio.samples, whole.audio.samples, atol=1e-5)
