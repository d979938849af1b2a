"""Planner accuracy on a small synth benchmark split (audioedit.evals.planner_accuracy), with the real rules planner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from audioedit.errors import UserInputError
from audioedit.scene import load_scene
from audioedit.steps import EditStepAdapter, Plan, RemoveStep, Unresolved
from audioedit.evals.planner_accuracy import planner_accuracy, score_plan
from audioedit.synth.run import load_records, synth_benchmark

PER_OP = 2
RULES_FLOOR = 0.9  # measured: 12/12 on this split, 300/300 on the full v1 six-op split


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    summary = synth_benchmark("starter", out, version="v1", n_per_op=PER_OP, n_declarative=0)
    assert summary.failed == 0
    return out


def _example(bench, op: str):
    record = next(r for r in load_records(bench) if r.op == op)
    folder = bench / record.name
    scene = load_scene(folder / "source.wav", annotation=folder / "source.jams").describe()
    return record, scene, EditStepAdapter.validate_python(record.steps[0])


def test_rules_planner_meets_the_floor_on_a_small_split(bench) -> None:
    acc = planner_accuracy(bench, backend="rules")
    assert len(acc.examples) == 6 * PER_OP
    assert {r.op for r in acc.per_op} == {"add", "remove", "replace", "reorder", "loudness", "speed"}
    assert acc.six_op is not None and acc.six_op.n == 6 * PER_OP
    assert acc.six_op.exact >= RULES_FLOOR, [(s.name, s.instruction, s.why) for s in acc.failures()]
    assert acc.declarative is None
    assert all(s.latency_ms > 0 for s in acc.examples)
    assert planner_accuracy(bench, limit=1).six_op.n == 6


def test_ground_truth_step_scores_exact(bench) -> None:
    record, scene, step = _example(bench, "loudness")
    plan = Plan(request=record.instruction, steps=[step])
    assert score_plan(plan, [step], scene).exact


def test_wrong_plans_are_scored_wrong(bench) -> None:
    record, scene, step = _example(bench, "loudness")
    request = record.instruction
    wrong_gain = step.model_copy(update={"gain_db": step.gain_db + 3.0})
    score = score_plan(Plan(request=request, steps=[wrong_gain]), [step], scene)
    assert not score.exact and score.op_ok and score.target_ok and not score.amount_ok

    other = next(e for e in scene.events if e.id not in step.target.event_ids)
    wrong_target = step.model_copy(update={"target": step.target.model_copy(
        update={"label": other.label, "event_ids": [other.id]})})
    score = score_plan(Plan(request=request, steps=[wrong_target]), [step], scene)
    assert not score.exact and score.op_ok and not score.target_ok

    wrong_op = RemoveStep(id="s1", instruction="Remove it.", target=step.target)
    score = score_plan(Plan(request=request, steps=[wrong_op]), [step], scene)
    assert not score.exact and not score.op_ok

    extra = step.model_copy(update={"id": "s2"})
    score = score_plan(Plan(request=request, steps=[step, extra]), [step], scene)
    assert not score.exact and score.op_ok and "2 steps" in score.why

    left_over = Plan(request=request, steps=[step], unresolved=[Unresolved(text="keep everything else", reason="?")])
    score = score_plan(left_over, [step], scene)
    assert not score.exact and score.why.startswith("unresolved")


def test_add_time_tolerance_and_sequence_order(bench) -> None:
    record, scene, step = _example(bench, "add")
    if step.role == "background":
        step = step.model_copy(update={"role": "foreground", "at_s": 4.0})
    near = step.model_copy(update={"at_s": step.at_s + 0.5})
    far = step.model_copy(update={"at_s": step.at_s + 2.0})
    assert score_plan(Plan(request="add it at 4 s", steps=[near]), [step], scene).exact
    assert not score_plan(Plan(request="add it at 4 s", steps=[far]), [step], scene).exact
    in_third = step.model_copy(update={"at_s": 8.0})
    assert score_plan(Plan(request="add it near the end", steps=[in_third]), [step.model_copy(
        update={"at_s": 7.2})], scene).exact
    _, scene2, loud = _example(bench, "loudness")
    remove = RemoveStep(id="s2", instruction="Remove it.", target=loud.target)
    right = score_plan(Plan(request="x", steps=[loud, remove]), [loud, remove], scene2)
    swapped = score_plan(Plan(request="x", steps=[remove, loud]), [loud, remove], scene2)
    assert right.exact and right.op_sequence_ok
    assert not swapped.exact and not swapped.op_sequence_ok


def test_cli_prints_the_table(bench) -> None:
    from audioedit.cli import app

    result = CliRunner().invoke(app, ["bench", "planner", "--bench", str(bench), "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "six ops" in result.output and "speed" in result.output


@pytest.mark.slow
def test_bench_verifier_on_a_benchmark_folder(bench) -> None:
    """``audioedit bench verifier --bench runs/bench-v1``, the README's command, on this small split."""
    from audioedit.cli import app

    result = CliRunner().invoke(app, ["bench", "verifier", "--bench", str(bench), "--limit", "1", "--no-clap"])
    assert result.exit_code == 0, result.output
    assert "balanced accuracy" in result.output.lower() and str(bench) in result.output


def test_missing_bench_is_a_user_error(tmp_path) -> None:
    with pytest.raises(UserInputError, match="manifest"):
        planner_accuracy(tmp_path)
