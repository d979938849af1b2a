"""``audioedit batch``: many recordings edited, resumable after a kill, a summary, on Ray when asked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audioedit.agents.batch import load_manifest, recorded, run_batch
from audioedit.cli import app
from audioedit.errors import UserInputError
from audioedit.scene import save_scene
from audioedit.evals.fixtures import street_scene

ROOT = Path(__file__).resolve().parents[1]


def _manifest(folder: Path, n: int, bad: bool = False) -> Path:
    lines = []
    for i in range(n):
        wav, jams, _ = save_scene(street_scene(duration_s=8.0, seed=i), folder / f"rec{i}.wav")
        lines.append({"audio": wav.name, "annotation": jams.name} if i % 2 else {"audio": wav.name})
    if bad:
        (folder / "broken.wav").write_bytes(b"RIFF not audio")
        lines.append({"audio": "broken.wav"})
    path = folder / "manifest.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


def test_batch_edits_every_item_and_resumes(tmp_path):
    manifest = _manifest(tmp_path, 4, bad=True)
    out = tmp_path / "out"
    summary = run_batch(manifest, out, request="make it 3 dB quieter", verifier="acoustic")
    assert summary.by_status == {"ok": 4, "error": 1}
    assert all((out / f"rec{i}.wav").is_file() and (out / f"rec{i}.json").is_file() for i in range(4))
    assert "cannot read" in next(r for r in summary.records if r.id == "broken").message
    again = run_batch(manifest, out, request="make it 3 dB quieter", verifier="acoustic")
    assert again.skipped == 4 and again.ran == 1  # the error is retried, the rest is not redone


def test_manifest_errors_name_the_line(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"audio": "a.wav"}\n{"audio": "a.wav", "request": "x"}\n')
    with pytest.raises(UserInputError, match="line 1"):
        load_manifest(path)
    with pytest.raises(UserInputError, match="used twice"):
        load_manifest(path, request="make it quieter")


def test_batch_cli_summary_and_ray(tmp_path):
    manifest = _manifest(tmp_path, 2)
    result = CliRunner().invoke(app, ["batch", str(manifest), "--out", str(tmp_path / "out"), "--request",
                                      "make it quieter", "--verifier", "acoustic", "--ray", "local", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "ok: 2" in result.output and "rec1" in result.output


@pytest.mark.slow
def test_killed_batch_leaves_no_partial_output_and_reruns(tmp_path):
    manifest = _manifest(tmp_path, 6)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "audioedit.cli", "batch", str(manifest), "--out", str(out), "--request",
           "speed the whole thing up by 10%", "--verifier", "acoustic"]
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(recorded(out)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = recorded(out)
    assert 2 <= len(done) < 6
    assert all(not p.name.startswith(".") for p in out.iterdir())  # no temporary files left behind
    assert {p.stem for p in out.glob("*.wav")} <= set(done)  # every audio file written belongs to a finished item
    finish = CliRunner().invoke(app, ["batch", str(manifest), "--out", str(out), "--request",
                                      "speed the whole thing up by 10%", "--verifier", "acoustic"])
    assert finish.exit_code == 0, finish.output
    assert len(recorded(out)) == 6 and f"{len(done)} already done" in finish.output
