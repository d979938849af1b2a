"""The channels registry op: mono, stereo and a left/right swap, exact, refused when there is nothing to do."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.agents.verifier import verify_acoustic
from audioedit.api import edit
from audioedit.audio import Audio
from audioedit.ops import channels
from audioedit.planner.rules import plan_rules
from audioedit.scene import Scene

SR = 16000


@pytest.mark.parametrize("text,to", [("make it mono", "mono"), ("downmix to mono", "mono"), ("convert it to stereo", "stereo"),
                                     ("swap the left and right channels", "swap"), ("flip the stereo", "swap")])
def test_channels_wording(text, to):
    (step,) = plan_rules(text).steps
    assert (step.op, step.to) == ("channels", to)


def _stereo() -> Audio:
    rng = np.random.default_rng(0)
    return Audio(np.stack([rng.normal(0, 0.1, 2 * SR), rng.normal(0, 0.05, 2 * SR)]), SR)


@pytest.mark.parametrize("to,channels_out", [("mono", 1), ("swap", 2)])
def test_the_mapping_is_exact_and_checked(to, channels_out):
    scene = Scene(_stereo())
    step = channels.ChannelsStep(id="s1", instruction="x", to=to)
    result = channels.execute(scene, step)
    y, x = result.scene.audio.samples, scene.audio.samples
    assert y.shape[0] == channels_out
    assert np.allclose(y[0], x.mean(axis=0) if to == "mono" else x[1])
    checks = verify_acoustic(scene, result.scene, step, result.edited_spans_s).checks
    assert all(c.passed for c in checks), checks
    assert not all(c.passed for c in channels.verify(scene, scene, step, result.edited_spans_s))  # nothing done


def test_nothing_to_do_is_refused_and_a_plain_file_goes_mono(tmp_path):
    mono = Scene(Audio(_stereo().samples[:1], SR))
    for to, why in (("mono", "mono already"), ("swap", "no left and right")):
        ok, reason = channels.feasible(mono, channels.ChannelsStep(id="s1", instruction="x", to=to))
        assert not ok and why in reason
    outcome = edit(_stereo(), "make it mono", tmp_path / "mono.wav", verifier="acoustic")
    assert outcome.report.status == "ok" and outcome.audio.num_channels == 1
