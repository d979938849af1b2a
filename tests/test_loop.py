"""The agent loop's retries: a retry must differ from the attempt before it."""

from __future__ import annotations

from audioedit.agents.loop import LoopConfig, run_steps
from audioedit.report import Check, Verdict
from audioedit.steps import EventRef, LoudnessStep, Plan
from audioedit.evals.fixtures import street_scene


def _always_fails(before, after, step, spans):
    return Verdict.of(step.id, [Check(name="strict", measured=1.0, threshold="< 0", passed=False)])


def test_a_deterministic_backend_is_not_retried_with_new_seeds():
    scene = street_scene(with_stems=False)
    scene = scene.evolve(events_from="annotation")
    step = LoudnessStep(id="s1", instruction="Make the siren 6 dB louder.", target=EventRef(label="siren"), gain_db=6)
    _, (report,) = run_steps(scene, Plan(request="x", steps=[step]), bank=None, config=LoopConfig(max_attempts=3),
                             verifier=_always_fails)
    assert report.status == "failed"
    assert [a.backend for a in report.attempts] == ["dsp.mixture", "dsp.mixture"]
    assert report.attempts[0].verdict is not None and "same output as attempt 1" in report.attempts[1].error
    assert report.attempts[1].verdict is None  # the repeat is not verified again


def test_a_backend_that_raises_the_same_error_twice_is_not_tried_a_third_time():
    import numpy as np

    from audioedit.audio import Audio
    from audioedit.ops.trim import TrimStep
    from audioedit.scene import Scene

    tone = Audio(0.2 * np.sin(np.linspace(0, 2000, 32000))[None], 16000)  # no silence at either end
    step = TrimStep(id="s1", instruction="Trim the silence at both ends.", silence="both")
    _, (report,) = run_steps(Scene(tone), Plan(request="", steps=[step]), bank=None, config=LoopConfig(max_attempts=3))
    assert report.status == "failed" and len(report.attempts) == 2
    assert all("no silence" in a.error for a in report.attempts)
