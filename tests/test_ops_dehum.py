"""The dehum registry op: finds 50 / 60 Hz mains hum, notches it out, keeps the rest, refuses when there is none."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.agents.verifier import verify_acoustic
from audioedit.audio import Audio
from audioedit.evals.metrics import si_sdr
from audioedit.ops import dehum
from audioedit.planner.rules import plan_rules
from audioedit.scene import Scene

SR = 16000


def _program(seconds: float = 6.0, channels: int = 1) -> np.ndarray:
    """Band-limited noise bursts with a 220 Hz tone: no steady peak at a mains harmonic."""
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * SR)) / SR
    from scipy import signal

    noise = signal.sosfilt(signal.butter(2, [100 / (SR / 2), 4000 / (SR / 2)], "bandpass", output="sos"),
                           rng.standard_normal((channels, t.size)))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 0.7 * t)
    return 0.1 * noise * envelope + 0.05 * np.sin(2 * np.pi * 220 * t) * envelope


def _hum(n: int, mains: float, harmonics=(1, 2, 3, 5), level: float = 0.02) -> np.ndarray:
    t = np.arange(n) / SR
    return sum(level / k * np.sin(2 * np.pi * k * mains * t + k) for k in harmonics)


@pytest.mark.parametrize("text,mains", [("remove the hum", None), ("get rid of the 50 Hz hum", 50),
                                        ("reduce the mains buzz", None), ("kill the electrical hum", None),
                                        ("dehum it", None), ("remove the 60 cycle hum from the recording", 60)])
def test_dehum_wording(text, mains):
    (step,) = plan_rules(text).steps
    assert (step.op, step.mains_hz, step.target.scope) == ("dehum", mains, "recording")


@pytest.mark.parametrize("mains,channels", [(50, 1), (60.4, 2)])
def test_hum_is_found_and_removed_and_the_rest_kept(mains, channels):
    clean = _program(channels=channels)
    noisy = clean + _hum(clean.shape[1], mains)
    scene = Scene(Audio(noisy, SR))
    (hum,) = dehum.find_hums(noisy, SR)
    assert hum.mains_hz == round(mains / 10) * 10 and abs(hum.f0_hz - mains) < 0.2
    assert len(hum.harmonics_hz) >= 3
    step = dehum.DehumStep(id="s1", instruction="x")
    assert dehum.feasible(scene, step)[0]
    result = dehum.execute(scene, step)
    checks = {c.name: c for c in verify_acoustic(scene, result.scene, step, result.edited_spans_s).checks}
    assert all(c.passed for c in checks.values()), checks
    out = result.scene.audio.samples
    for ch in range(channels):
        assert si_sdr(out[ch], clean[ch]) > si_sdr(noisy[ch], clean[ch]) + 10
    undone = {c.name: c.passed for c in dehum.verify(scene, scene, step, result.edited_spans_s)}
    assert undone == {"hum_prominence_db": False, "rest_level_change_db": True}


def test_a_fifty_and_a_sixty_hertz_hum_both_go():
    clean = _program()
    noisy = clean + _hum(clean.shape[1], 50.0) + _hum(clean.shape[1], 60.0, harmonics=(1, 2))
    assert sorted(h.mains_hz for h in dehum.find_hums(noisy, SR)) == [50, 60]
    scene, step = Scene(Audio(noisy, SR)), dehum.DehumStep(id="s1", instruction="x")
    result = dehum.execute(scene, step)
    assert all(c.passed for c in dehum.verify(scene, result.scene, step, result.edited_spans_s))
    assert si_sdr(result.scene.audio.samples[0], clean[0]) > si_sdr(noisy[0], clean[0]) + 10


def test_no_hum_is_a_clear_refusal_and_the_named_mains_must_be_there():
    clean = _program()
    ok, why = dehum.feasible(Scene(Audio(clean, SR)), dehum.DehumStep(id="s1", instruction="x"))
    assert not ok and "no mains hum found" in why
    fifty = Scene(Audio(clean + _hum(clean.shape[1], 50.0), SR))
    ok, why = dehum.feasible(fifty, dehum.DehumStep(id="s1", instruction="x", mains_hz=60))
    assert not ok and "60 Hz" in why
