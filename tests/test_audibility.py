"""An add the verifier cannot hear is retried louder, within the level range its plan gives (agents/audibility.py)."""

from __future__ import annotations

import pytest

from audioedit.agents.audibility import RAISE_DB, louder, unheard
from audioedit.agents.loop import LoopConfig, run_steps
from audioedit.bank import starter_bank
from audioedit.evals.fixtures import street_scene
from audioedit.report import Check, Verdict
from audioedit.steps import AddStep, Plan


def _verdict(*failed: str) -> Verdict:
    checks = [Check(name="added_event_count", measured=1, threshold="== 1", passed=True)]
    return Verdict.of("s1", checks + [Check(name=n, measured=0.1, threshold=">= 0.6", passed=False) for n in failed])


def _add(snr_db: float = -12.0, max_snr_db: float | None = 0.0) -> AddStep:
    return AddStep(id="s1", instruction="Add a car horn.", sound="car_horn", snr_db=snr_db, max_snr_db=max_snr_db)


def test_only_audibility_failures_count_as_unheard():
    assert unheard(_verdict("clap_added_rise")) == ["clap_added_rise"]
    assert unheard(_verdict("clap_added_rise", "added_energy_rise_db")) == ["added_energy_rise_db", "clap_added_rise"]
    assert unheard(_verdict("clap_added_rise", "clap_added_margin")) == []  # another class rose more: not a level matter
    assert unheard(_verdict()) == [] and unheard(None) == []


def test_louder_raises_by_a_step_up_to_the_top_of_the_range_and_never_past_it():
    step, why = louder(_add(-12.0, 0.0), _verdict("clap_added_rise"))
    assert step.snr_db == -12.0 + RAISE_DB and "-12 -> -6" in why and "clap_added_rise" in why
    assert louder(_add(-3.0, 0.0), _verdict("clap_added_rise"))[0].snr_db == 0.0  # capped
    assert louder(_add(0.0, 0.0), _verdict("clap_added_rise")) is None  # at the top: no louder retry
    assert louder(_add(-12.0, None), _verdict("clap_added_rise")) is None  # the user's level: fixed
    assert louder(_add(-12.0, 0.0), _verdict("added_event_count")) is None
    assert louder(_add(-12.0, 0.0), _verdict()) is None


def _hears_from(min_snr_db: float):
    """A verifier that hears the added sound only at ``min_snr_db`` or louder (it reads the step it is given)."""
    def verify(before, after, step, spans):
        heard = step.snr_db >= min_snr_db
        return Verdict.of(step.id, [Check(name="clap_added_rise", measured=float(step.snr_db), threshold=f">= {min_snr_db}",
                                          passed=heard)])
    return verify


def _run(step: AddStep, verifier, **config):
    scene = street_scene(with_stems=False).evolve(events_from="annotation")
    return run_steps(scene, Plan(request="x", steps=[step]), bank=starter_bank(),
                     config=LoopConfig(max_attempts=3, **config), verifier=verifier)


def test_an_unheard_add_is_retried_louder_and_the_output_is_louder():
    before = street_scene(with_stems=False)
    edited, (report,) = _run(_add(-12.0, 0.0), _hears_from(-3.0))
    assert report.status == "ok" and len(report.attempts) == 3
    assert [a.verdict.checks[0].measured for a in report.attempts] == [-12.0, -6.0, 0.0]
    assert report.attempts[1].strategy.startswith("louder: -12 -> -6") and report.attempts[2].strategy.startswith("louder: -6 -> +0")
    new = [e for e in edited.events if e.label == "car_horn" and e.id not in {x.id for x in before.events}]
    assert len(new) == 1
    from audioedit.executor.dsp.common import rms_db

    sr = edited.audio.sample_rate_hz
    a, b = int(new[0].onset_s * sr), int(new[0].offset_s * sr)
    assert new[0].level_db == pytest.approx(rms_db(before.audio.samples[:, a:b]), abs=1.0)  # 0 dB: as loud as the mixture there


@pytest.mark.parametrize("step,config", [(_add(-12.0, None), {}), (_add(-12.0, 0.0), {"louder_retries": False})])
def test_no_range_or_no_louder_retries_keeps_the_level_and_the_step_fails(step, config):
    _, (report,) = _run(step, _hears_from(-3.0), **config)
    assert report.status == "failed"
    assert all(a.verdict is None or a.verdict.checks[0].measured == -12.0 for a in report.attempts)
    assert not any(a.strategy.startswith("louder") for a in report.attempts)


def test_still_unheard_at_the_top_of_the_range_fails_and_says_the_level_was_kept():
    _, (report,) = _run(_add(-8.0, -4.0), _hears_from(0.0))
    assert report.status == "failed"
    assert [a.verdict.checks[0].measured for a in report.attempts if a.verdict] == [-8.0, -4.0, -4.0]
    assert report.attempts[2].strategy.startswith("kept at -4 dB")


def test_goal_plans_give_each_add_its_level_range_and_atomic_adds_none():
    from audioedit.planner.goals import plan_goal_request
    from audioedit.planner.rules import plan_rules
    from audioedit.planner.scene_kb import load_kb

    kb = load_kb()
    plan = plan_goal_request("make it sound like a race car competition", sounds=("car_engine", "speech", "car_horn"))
    adds = [s for s in plan.steps if s.op == "add"]
    assert adds and all(s.max_snr_db == max(s.snr_db, kb.max_snr_db) for s in adds)
    assert kb.max_snr_db == 0.0
    atomic = plan_rules("add a dog bark at -20 dB", None, ("dog_bark",)).steps[0]
    assert atomic.op == "add" and atomic.snr_db == -20 and atomic.max_snr_db is None


def test_a_sound_may_set_its_own_top_but_never_below_its_level():
    from audioedit.planner.scene_kb import SceneSound

    assert SceneSound(label="wind", snr_db=-10).max_level_db(0.0) == 0.0
    assert SceneSound(label="wind", snr_db=-10, max_snr_db=-6).max_level_db(0.0) == -6.0
    assert SceneSound(label="race_car", snr_db=2).max_level_db(0.0) == 2.0


def test_the_plan_preview_shows_the_level_range():
    from audioedit.agents.pipeline import _amount

    assert _amount(_add(-12.0, 0.0)) == "1 x car_horn, -12 dB SNR (up to +0 dB if not heard)"
    assert _amount(_add(-12.0, None)) == "1 x car_horn, -12 dB SNR"
