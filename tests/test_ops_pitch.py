"""The pitch registry op: wording, a measured shift of the asked size with the duration kept, checks that fail."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.agents.verifier import verify_acoustic
from audioedit.audio import Audio
from audioedit.ops import pitch
from audioedit.planner.rules import plan_rules
from audioedit.scene import Scene
from audioedit.steps import EditStepAdapter, whole_recording

SR = 16000


@pytest.mark.parametrize("text,semitones", [
    ("pitch it down 3 semitones", -3.0), ("raise the pitch by an octave", 12.0), ("lower the pitch a bit", -1.0),
    ("make it deeper", -2.0), ("pitch shift up a whole tone", 2.0), ("shift the pitch up 5 semitones", 5.0),
    ("pitch down", -2.0),
])
def test_pitch_wording(text, semitones):
    (step,) = plan_rules(text).steps
    assert (step.op, step.semitones, step.target.scope) == ("pitch", semitones, "recording")
    assert EditStepAdapter.validate_json(step.model_dump_json()) == step


def _notes(seconds: float = 3.0) -> np.ndarray:
    """A harmonic tone stepping through three notes, over a little noise."""
    t = np.arange(int(seconds * SR)) / SR
    f0 = np.select([t < 1, t < 2], [220.0, 277.2], 329.6)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(0.2 / k * np.sin(k * phase) for k in range(1, 6))
    return (x + np.random.default_rng(0).normal(0, 0.002, t.size))[None]


@pytest.mark.parametrize("semitones", [-3.0, 4.0])
def test_the_shift_is_measured_and_the_duration_kept(semitones):
    scene = Scene(Audio(_notes(), SR))
    step = pitch.PitchStep(id="s1", instruction="x", target=whole_recording(), semitones=semitones)
    result = pitch.execute(scene, step)
    assert result.scene.audio.samples.shape == scene.audio.samples.shape
    checks = {c.name: c for c in verify_acoustic(scene, result.scene, step, result.edited_spans_s).checks}
    assert all(c.passed for c in checks.values()), checks
    assert abs(checks["pitch_shift_semitones"].measured - semitones) <= 0.25
    wrong = step.model_copy(update={"semitones": -semitones})  # the output, judged against the opposite request
    assert not {c.name: c for c in pitch.verify(scene, result.scene, wrong, result.edited_spans_s)}[
        "pitch_shift_semitones"].passed
