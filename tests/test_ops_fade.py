"""The fade registry op: wording, execution on the whole recording and on stems, checks that can fail."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.agents.verifier import verify_acoustic
from audioedit.audio import Audio
from audioedit.ops import fade
from audioedit.scene import Scene
from audioedit.steps import EditStepAdapter, EventRef, whole_recording
from audioedit.evals.fixtures import street_scene
from audioedit.planner.rules import plan_rules

SR = 16000


def _noise(seconds: float, channels: int = 1) -> Audio:
    return Audio(np.random.default_rng(0).standard_normal((channels, int(SR * seconds))) * 0.1, SR)


@pytest.mark.parametrize("text,direction,seconds", [
    ("fade it out", "out", 2.0), ("fade out the last 3 s", "out", 3.0), ("fade in over 4 seconds", "in", 4.0),
    ("please fade the whole thing out slowly over 5 sec", "out", 5.0), ("the recording should fade in", "in", 2.0),
    ("add a fade-out", "out", 2.0), ("add a 3 second fade out", "out", 3.0), ("add a slow fade in", "in", 2.0),
])
def test_fade_wording(text, direction, seconds):
    (step,) = plan_rules(text).steps
    assert (step.op, step.direction, step.duration_s, step.target.scope) == ("fade", direction, seconds, "recording")
    assert EditStepAdapter.validate_json(step.model_dump_json()) == step


def test_a_fade_in_and_a_fade_out():
    assert [(s.op, s.direction) for s in plan_rules("add a fade in and a fade out").steps] == [("fade", "in"), ("fade", "out")]


def test_fade_out_on_the_whole_recording_measures_the_fade():
    scene = Scene(_noise(6.0, 2))
    step = fade.FadeStep(id="s1", instruction="x", target=whole_recording(), direction="out", duration_s=2.0)
    result = fade.execute(scene, step)
    y, x = result.scene.audio.samples, scene.audio.samples
    assert np.array_equal(y[:, : 4 * SR], x[:, : 4 * SR])  # untouched before the fade
    assert np.max(np.abs(y[:, -SR // 10 :])) < 0.02 * np.max(np.abs(x))
    checks = {c.name: c for c in verify_acoustic(scene, result.scene, step, result.edited_spans_s).checks}
    assert all(c.passed for c in checks.values()), checks
    undone = {c.name: c.passed for c in fade.verify(scene, scene, step, [(4.0, 6.0)])}
    assert not undone["fade_end_gain_db"]  # an edit that did nothing fails


def test_fade_in_of_a_stem_leaves_the_rest_unchanged():
    scene = street_scene()
    step = fade.FadeStep(id="s1", instruction="x", target=EventRef(label="siren", event_ids=["foreground0_siren"]),
                         direction="in", duration_s=1.0)
    assert fade.feasible(scene, step)[0]
    result = fade.execute(scene, step)
    assert all(c.passed for c in fade.verify(scene, result.scene, step, result.edited_spans_s))
    rest0 = scene.audio.samples - scene.stems["foreground0_siren"].samples
    rest1 = result.scene.audio.samples - result.scene.stems["foreground0_siren"].samples
    assert np.max(np.abs(rest1 - rest0)) < 1e-6
    no_stems = scene.evolve(stems=None)
    ok, why = fade.feasible(no_stems, step)
    assert not ok and "no stem" in why
