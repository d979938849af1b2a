"""The command line: real subprocess for the entry point, typer's runner for the rest."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from audioedit.cli import app
from audioedit.scene import save_scene
from audioedit.evals.fixtures import street_scene

runner = CliRunner()


def test_entry_point_help():
    for module in ("audioedit.cli", "audioedit"):  # ``python -m audioedit``: audioedit/__main__.py
        proc = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "edit" in proc.stdout and "demo" in proc.stdout, (module, proc.stderr)


def test_describe_command(tmp_path):
    wav, jams_path, _ = save_scene(street_scene(), tmp_path / "in.wav")
    result = runner.invoke(app, ["describe", str(wav), "--annotation", str(jams_path), "--json"])
    assert result.exit_code == 0, result.output
    described = json.loads(result.stdout)
    assert described["events_from"] == "annotation" and "siren" in {e["label"] for e in described["events"]}
    assert {"integrated_lufs", "loudness_range_lu", "mains_hum_hz"} <= set(described["measurements"])
    result = runner.invoke(app, ["describe", str(wav), "--annotation", str(jams_path)])
    assert result.exit_code == 0 and "siren:" in result.output and "measured: " in result.output
    result = runner.invoke(app, ["describe", str(tmp_path / "missing.wav")])
    assert result.exit_code != 0 and "not found" in result.output


def test_edit_and_plan_commands(tmp_path):
    wav, jams_path, stems = save_scene(street_scene(), tmp_path / "in.wav")
    result = runner.invoke(app, ["plan", str(wav), "remove the siren", "--annotation", str(jams_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["steps"][0]["op"] == "remove"
    out = tmp_path / "out.flac"
    result = runner.invoke(app, ["edit", str(wav), "remove the siren", "-o", str(out), "--annotation", str(jams_path),
                                 "--stems", str(stems), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "ok" and out.is_file()
    result = runner.invoke(app, ["edit", str(wav), "remove the siren", "-o", str(out), "--annotation", str(jams_path),
                                 "--verifier", "nope"])
    assert result.exit_code == 2 and "unknown verifier" in result.output


def test_bad_input_exit_codes(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"garbage" * 100)
    result = runner.invoke(app, ["edit", str(bad), "remove the siren", "-o", str(tmp_path / "o.wav")])
    assert result.exit_code == 2 and "cannot read" in result.output
    wav, jams_path, _ = save_scene(street_scene(), tmp_path / "in.wav")
    result = runner.invoke(app, ["edit", str(wav), "remove the siren", "-o", str(wav), "--annotation", str(jams_path)])
    assert result.exit_code == 2 and "input file" in result.output
    result = runner.invoke(app, ["edit", str(wav), "remove the siren", "-o", str(tmp_path / "o.wav"), "--max-duration", "5"])
    assert result.exit_code == 2 and "limit is 5 s" in result.output
    result = runner.invoke(app, ["plan", str(wav), "make it sparkle", "--annotation", str(jams_path)])
    assert result.exit_code == 2 and "unresolved" in result.output


def test_demo(tmp_path):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    for name in ("before.wav", "after.wav", "after.json", "before_after.png", "before.jams"):
        assert (tmp_path / "demo" / name).is_file()
    report = json.loads((tmp_path / "demo" / "after.json").read_text())
    assert [s["op"] for s in report["plan"]["steps"]] == ["remove", "loudness", "add"]
    assert report["status"] == "ok"


def test_synth_pairs_command(tmp_path):
    result = runner.invoke(app, ["synth", "pairs", "--out", str(tmp_path / "pairs"), "--n", "3", "--ops", "remove,loudness"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "pairs" / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(line)["op"] for line in lines] == ["remove", "loudness", "remove"]


def test_bench_verifier_calibrates_for_a_named_clap_at_a_chosen_rate(tmp_path):
    import yaml

    from audioedit.agents.verifier import load_verifier_config

    out = tmp_path / "verifier.yaml"
    result = runner.invoke(app, ["bench", "verifier", "--calibrate", "--n", "6", "--seed", "3", "--sample-rate", "22050",
                                 "--clap-config", "configs/clap/debug.yaml", "--out", str(out)])
    assert result.exit_code == 0, result.output
    provenance = yaml.safe_load(out.read_text())["provenance"]
    assert "22050 Hz" in provenance["data"] and provenance["command"].endswith("--clap-config configs/clap/debug.yaml")
    assert load_verifier_config(out).clap_model == "configs/clap/debug.yaml"
    result = runner.invoke(app, ["bench", "verifier", "--n", "6", "--clap-config", "configs/clap/debug.yaml"])
    assert result.exit_code == 2 and "--config" in result.output  # thresholds belong to their CLAP
