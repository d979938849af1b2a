"""A failed learned-editor attempt is retried with the other editor of the routed pair (#20): the shipped editor's
failure goes to the broad editor once, a sound the shipped editor never heard is never offered to it, and any later
attempt repeats the routed editor, which the loop records as a repeat. Both exports are the committed ones
(reports/lcr, session 13 part 2)."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.agents.loop import LoopConfig, run_steps
from audioedit.evals.fixtures import street_scene
from audioedit.executor.router import LazyEditor, routes
from audioedit.report import Check, Verdict
from audioedit.scene import Event
from audioedit.steps import EventRef, Plan, RemoveStep


@pytest.fixture(scope="module")
def routed():
    return LazyEditor()  # the shipped cpu editor, then the broad one


def _always_fails(before, after, step, spans):
    return Verdict.of(step.id, [Check(name="strict", measured=1.0, threshold="< 0", passed=False)])


def _overlapped(label: str, onset_s: float = 1.0):
    """The street scene (annotated, no stems) with ``label`` over its siren: only the learned editor can run it."""
    scene = street_scene(with_stems=False)
    extra = Event(id=f"extra_{label}", label=label, onset_s=onset_s, offset_s=onset_s + 1.0)
    return scene.evolve(events=(*scene.events, extra), events_from="annotation")


def _remove(label: str) -> RemoveStep:
    return RemoveStep(id="s1", instruction=f"remove the {label}", target=EventRef(label=label))


def test_a_failed_shipped_editor_attempt_is_retried_once_with_the_broad_editor(routed):
    scene, step = _overlapped("dog_bark", 1.5), _remove("siren")
    assert [r.backend for r in routes(scene, step, "auto", True)] == ["ldm"]
    _, (report,) = run_steps(scene, Plan(request="x", steps=[step]), bank=None, config=LoopConfig(max_attempts=3),
                             ldm=routed, verifier=_always_fails)
    first, second, third = report.attempts
    assert [a.backend for a in report.attempts] == ["ldm"] * 3
    assert first.verdict is not None and second.verdict is not None and second.error is None  # both verified
    assert "retry with the other learned editor" in second.strategy and "(broad)" in second.strategy
    assert second.notes[0].startswith("learned editor") and "instead of" in second.notes[0]
    assert "other learned editor" not in first.strategy
    assert third.verdict is None and "same output as attempt 1" in third.error  # the routed editor again: a repeat


def test_a_sound_the_shipped_editor_never_heard_is_not_offered_to_it(routed):
    scene, step = _overlapped("rooster"), _remove("rooster")
    assert routed.editor_for(scene, step)[0] is routed.editor(1)
    assert routed.retry(scene, step, 1) == (routed, "")  # the routed (broad) editor again
    _, (report,) = run_steps(scene, Plan(request="x", steps=[step]), bank=None, config=LoopConfig(max_attempts=3),
                             ldm=routed, verifier=_always_fails)
    assert len(report.attempts) == 2 and "same output as attempt 1" in report.attempts[1].error


def test_the_retry_differs_from_the_first_output_and_later_attempts_repeat_it(routed):
    scene, step = _overlapped("dog_bark", 1.5), _remove("siren")
    out = {}
    for tried in range(3):
        runner, _ = routed.retry(scene, step, tried)
        out[tried] = runner.execute(scene, step, bank=None, rng=np.random.default_rng(tried)).scene.audio.samples
    assert routed.retry(scene, step, 0) == (routed, "") and routed.retry(scene, step, 2) == (routed, "")
    assert not np.array_equal(out[0], out[1])
    assert np.array_equal(out[0], out[2])  # the one-step sampler: one output whatever the seed


def test_an_editor_without_retries_keeps_the_repeat_detection():
    class OneStep:  # a deterministic editor that knows no other way to run
        def execute(self, scene, step, *, bank, rng):
            from audioedit.result import StepResult

            return StepResult(scene=scene.evolve(audio=scene.audio.with_samples(scene.audio.samples * 0.5)),
                              backend="ldm", edited_spans_s=[(1.0, 3.0)], notes=[])

    scene, step = _overlapped("dog_bark", 1.5), _remove("siren")
    _, (report,) = run_steps(scene, Plan(request="x", steps=[step]), bank=None, config=LoopConfig(max_attempts=3),
                             ldm=OneStep(), verifier=_always_fails)
    assert len(report.attempts) == 2 and "same output as attempt 1" in report.attempts[1].error
