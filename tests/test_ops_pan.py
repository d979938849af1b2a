"""The pan registry op (and fade beside it through the pipeline): wording, execution, checks that can fail."""

from __future__ import annotations

import numpy as np
import pytest

import audioedit
from audioedit.audio import Audio, load_audio
from audioedit.ops import pan
from audioedit.scene import Scene, save_scene
from audioedit.steps import whole_recording
from audioedit.evals.fixtures import street_scene
from audioedit.planner.rules import plan_rules

SR = 16000


def _noise(seconds: float, channels: int = 1) -> Audio:
    return Audio(np.random.default_rng(0).standard_normal((channels, int(SR * seconds))) * 0.1, SR)


@pytest.mark.parametrize("text,position", [
    ("move the dog to the left", -pan.SIDE), ("pan the siren slightly right", pan.SLIGHT),
    ("put the speech hard left", -1.0), ("centre the speech", 0.0), ("pan it all the way to the right", 1.0),
])
def test_pan_wording(text, position):
    (step,) = plan_rules(text).steps
    assert step.op == "pan" and step.position == pytest.approx(position)


def test_pan_makes_mono_stereo_with_constant_power():
    scene = Scene(_noise(2.0, 1))
    step = pan.PanStep(id="s1", instruction="x", target=whole_recording(), position=-1.0)
    result = pan.execute(scene, step)
    y = result.scene.audio.samples
    assert y.shape[0] == 2 and np.max(np.abs(y[1])) < 1e-9  # hard left: nothing on the right
    assert np.mean(y**2) * 2 == pytest.approx(np.mean(scene.audio.samples**2) * 2, rel=1e-6)  # power kept
    assert all(c.passed for c in pan.verify(scene, result.scene, step, result.edited_spans_s))
    assert not all(c.passed for c in pan.verify(scene, scene.evolve(audio=Audio(np.repeat(scene.audio.samples, 2, 0), SR)),
                                                 step, []))
    assert not pan.feasible(Scene(_noise(1.0, 6)), step)[0]


def test_fade_and_pan_through_the_pipeline(tmp_path):
    wav, jams, stems = save_scene(street_scene(num_channels=2), tmp_path / "street.wav")
    out = audioedit.edit(wav, "move the dog to the left and fade out the last 2 seconds", tmp_path / "o.wav",
                         annotation=jams, stems=stems, verifier="acoustic")
    assert [s.status for s in out.report.steps] == ["ok", "ok"], out.report.messages
    after = load_audio(tmp_path / "o.wav")
    assert after.num_channels == 2 and np.max(np.abs(after.samples[:, -SR // 20 :])) < 1e-3
    no_stems = audioedit.edit(wav, "move the dog to the left", tmp_path / "p.wav", annotation=jams, verifier="acoustic")
    assert no_stems.report.status == "failed" and "no stem" in " ".join(no_stems.report.messages)
