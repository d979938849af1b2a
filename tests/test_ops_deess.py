"""The ``deess`` op: sibilance tamed where the band above 4.5 kHz flares up (audioedit/ops/deess.py)."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.ops import deess
from audioedit.planner.rules import plan_rules
from audioedit.scene import Scene
from audioedit.steps import whole_recording

RATE = 32000


def sibilant_voice(rate: int = RATE) -> np.ndarray:
    """A low 'voice' (harmonics of 150 Hz) with a faint hiss, and three 'esses': 80 ms of high-band noise 20 dB
    over the hiss."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(0)
    t = np.arange(3 * rate) / rate
    voice = sum(0.05 / k * np.sin(2 * np.pi * 150 * k * t) for k in range(1, 10))
    hiss = sosfilt(butter(4, 5000 / (rate / 2), "highpass", output="sos"), rng.standard_normal(t.size))
    gain = np.full(t.size, 0.003)
    for start in (0.5, 1.4, 2.3):
        gain[int(start * rate): int((start + 0.08) * rate)] = 0.03
    return voice + hiss * gain


def test_the_esses_are_turned_down_and_the_voice_is_kept():
    x = sibilant_voice()
    step = deess.DeessStep(id="s1", instruction="", target=whole_recording())
    scene = Scene(Audio(x[None].astype(np.float32), RATE))
    assert deess.feasible(scene, step)[0]
    result = deess.execute(scene, step)
    y = result.scene.audio.samples[0].astype(np.float64)
    ess = slice(int(0.52 * RATE), int(0.56 * RATE))
    hx, hy = (deess.split_bands(s[None], RATE)[0][0, ess] for s in (x, y))
    assert 10 * np.log10(np.mean(hy**2) / np.mean(hx**2)) < -6  # the ess's band, 20 dB over the hiss: cut
    quiet = slice(int(1.0 * RATE), int(1.2 * RATE))  # voice and faint hiss only: untouched
    assert np.max(np.abs(y[quiet] - x[quiet])) < 1e-3
    checks = {c.name: c for c in deess.verify(scene, result.scene, step, result.edited_spans_s)}
    assert all(c.passed for c in checks.values()), checks
    unchanged = {c.name: c for c in deess.verify(scene, scene, step, result.edited_spans_s)}
    assert not unchanged["sibilant_peak_change_db"].passed


def test_a_recording_without_the_band_is_refused():
    x = Audio(sibilant_voice()[None].astype(np.float32), RATE).resample(8000)
    ok, why = deess.feasible(Scene(x), deess.DeessStep(id="s1", instruction="", target=whole_recording()))
    assert not ok and "no sibilant band" in why


@pytest.mark.parametrize("text, label", [
    ("reduce the sibilance", "recording"), ("de-ess the voice", "speech"), ("tame the harsh s sounds", "recording"),
    ("reduce the sibilance on the voice", "speech"),
])
def test_wording(text, label):
    (step,) = plan_rules(text).steps
    assert (step.op, step.target.label) == ("deess", label)


def test_a_recording_without_sibilance_is_not_sent_to_the_voice_layer_either():
    from audioedit.executor.router import routes, unavailable

    t = np.arange(2 * RATE) / RATE
    voice = sum(0.05 / k * np.sin(2 * np.pi * 150 * k * t) for k in range(1, 10))  # nothing above 1.4 kHz
    scene = Scene(Audio(voice[None].astype(np.float32), RATE))
    (step,) = plan_rules("de-ess the voice").steps
    assert routes(scene, step) == [] and "no sibilant band" in unavailable(scene, step, "auto", False)
