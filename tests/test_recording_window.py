"""A stretch of time of the whole recording as a target: 'make the first 5 seconds quieter', 'mute 0:03 to
0:05', 'make the second half sound like a telephone'; exact outside the stretch, refused for ops without one."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.agents.verifier import verify_acoustic
from audioedit.api import edit
from audioedit.audio import Audio
from audioedit.executor.dsp import whole
from audioedit.executor.router import routes, unavailable
from audioedit.planner.rules import plan_rules
from audioedit.scene import Scene, SceneDescription
from audioedit.steps import EventRef, LoudnessStep, RemoveStep, recording_window, whole_recording

SR = 16000
SCENE = SceneDescription(duration_s=12.0, sample_rate_hz=SR, num_channels=1, events=[], has_stems=False,
                         events_from="none")


@pytest.mark.parametrize("text,op,window", [
    ("make the first 5 seconds quieter", "loudness", (0.0, 5.0)),
    ("mute from 3 to 5 seconds", "remove", (3.0, 5.0)),
    ("silence 0:03 to 0:05", "remove", (3.0, 5.0)),
    ("turn the volume up in the second half", "loudness", (6.0, None)),
    ("make the last 3 seconds 6 dB louder", "loudness", (9.0, None)),
    ("make the second half sound like a telephone", "eq", (6.0, None)),
])
def test_stretches_of_the_recording_are_read_as_windows(text, op, window):
    (step,) = plan_rules(text, SCENE).steps
    assert step.op == op and recording_window(step) == window


def test_the_whole_recording_still_cannot_be_removed_and_cuts_stay_trims():
    assert not plan_rules("mute it", SCENE).steps
    assert [s.op for s in plan_rules("remove the first 5 seconds", SCENE).steps] == ["trim"]


def _tone(seconds: float = 6.0) -> Audio:
    t = np.arange(int(seconds * SR)) / SR
    return Audio((0.2 * np.sin(2 * np.pi * 330 * t) + np.random.default_rng(0).normal(0, 0.02, t.size))[None], SR)


def _windowed(start_s: float, end_s: float | None) -> EventRef:
    return whole_recording().model_copy(update={"start_s": start_s, "end_s": end_s})


@pytest.mark.parametrize("step", [
    LoudnessStep(id="s1", instruction="x", target=_windowed(1.0, 3.0), gain_db=-6.0),
    RemoveStep(id="s1", instruction="x", target=_windowed(2.0, None)),
])
def test_a_gain_or_a_mute_on_a_stretch_is_exact_outside_it_and_measured_inside(step):
    scene = Scene(_tone())
    assert [r.backend for r in routes(scene, step)] == ["dsp.whole"]
    result = whole.execute(scene, step)
    x, y = scene.audio.samples, result.scene.audio.samples
    a = int(step.target.start_s * SR)
    assert np.array_equal(y[:, :a], x[:, :a])
    checks = {c.name: c for c in verify_acoustic(scene, result.scene, step, result.edited_spans_s).checks}
    assert all(c.passed for c in checks.values()), checks
    everywhere = scene.evolve(audio=scene.audio.with_samples(x * 10 ** (-6 / 20)))  # the whole file changed instead
    wrong = {c.name: c.passed for c in verify_acoustic(scene, everywhere, step, result.edited_spans_s).checks}
    assert not wrong["outside_span_max_abs_diff"]


def test_ops_without_a_stretch_say_so():
    from audioedit.ops.pan import PanStep

    step = PanStep(id="s1", instruction="x", target=_windowed(0.0, 3.0), position=-0.7)
    scene = Scene(_tone())
    assert routes(scene, step) == []
    assert "not on a stretch of time" in unavailable(scene, step, "auto", False)


def test_an_effect_on_a_stretch_end_to_end():
    outcome = edit(_tone(), "make the second half sound like a telephone", verifier="acoustic")
    assert outcome.report.status == "ok", outcome.report
    x, y = _tone().samples, outcome.audio.samples
    half = 3 * SR - int(0.05 * SR)  # the region starts half a margin before the stretch
    assert np.array_equal(y[:, :half], x[:, :half])
    assert not np.allclose(y[:, 4 * SR:], x[:, 4 * SR:], atol=1e-3)


def test_a_stretch_across_chunks_of_a_streamed_file(tmp_path):
    from audioedit.agents.long import edit_long
    from audioedit.audio import save_audio

    x = _tone(30.0)
    src = save_audio(x, tmp_path / "long.wav")
    outcome = edit_long(src, "make 8 s to 17 s quieter", tmp_path / "out.wav", chunk_s=10.0, executor="dsp")
    assert outcome.report.status == "ok", outcome.report
    y = outcome.audio.samples
    for a, b, want in ((0.0, 7.9, 0.0), (8.1, 16.9, -6.0), (17.1, 30.0, 0.0)):
        i, j = int(a * SR), int(b * SR)
        gain = 10 * np.log10(np.mean(y[:, i:j] ** 2) / np.mean(x.samples[:, i:j] ** 2))
        assert abs(gain - want) < 0.05, (a, b, gain)
