"""The ``declick`` op: clicks found by their prediction error and filled in (audioedit/ops/declick.py)."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.metrics import si_sdr
from audioedit.ops import declick
from audioedit.planner.rules import plan_rules
from audioedit.scene import Scene
from audioedit.steps import whole_recording

RATE = 16000


def voiced() -> np.ndarray:
    """A real voice (a starter-bank speech clip, 4 s): its prediction error has a pulse at every glottal
    closure, which must not count as clicks."""
    from tests.tiny_corpus import bank_clip

    return bank_clip("foreground/speech", 1, 4.0).astype(np.float64)


def with_clicks(x: np.ndarray, count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y, rms = x.copy(), np.sqrt(np.mean(x**2))
    where = np.sort(rng.choice(np.arange(500, x.size - 500, 400), size=count, replace=False))
    for p in where:
        w = int(rng.integers(1, 12))
        y[p : p + w] += rng.choice([-1, 1]) * rms * rng.uniform(2, 8) * np.exp(-np.arange(w) / 3)
    return y, where


def test_a_voice_has_no_clicks_and_added_ones_are_found():
    x = voiced()
    assert len(declick.find_clicks(x, RATE)) <= 2  # its glottal pulses are not clicks
    y, where = with_clicks(x, 15)
    found = declick.find_clicks(y, RATE)
    assert sum(any(a - 3 <= p <= b + 3 for a, b in found) for p in where) >= 14


def test_declicking_restores_the_signal_and_changes_nothing_else():
    x = voiced()
    y, _ = with_clicks(x, 15)
    step = declick.DeclickStep(id="s1", instruction="", target=whole_recording())
    scene = Scene(Audio(y[None].astype(np.float32), RATE))
    assert declick.feasible(scene, step)[0]
    result = declick.execute(scene, step)
    z = result.scene.audio.samples[0].astype(np.float64)
    assert si_sdr(z, x) > si_sdr(y, x) + 6
    assert np.mean(np.abs(z - y) > 1e-7) < 0.01  # only the clicks' samples
    checks = {c.name: c for c in declick.verify(scene, result.scene, step, result.edited_spans_s)}
    assert all(c.passed for c in checks.values()), checks


def test_checks_fail_on_an_unchanged_output_and_a_clean_recording_is_refused():
    y, _ = with_clicks(voiced(), 10)
    step = declick.DeclickStep(id="s1", instruction="", target=whole_recording())
    scene = Scene(Audio(y[None].astype(np.float32), RATE))
    checks = {c.name: c for c in declick.verify(scene, scene, step, [(0.0, scene.audio.duration_s)])}
    assert not checks["clicks_left"].passed
    t = np.arange(2 * RATE) / RATE
    chord = sum(0.05 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    ok, why = declick.feasible(Scene(Audio(chord[None].astype(np.float32), RATE)), step)
    assert not ok and "no clicks found" in why


@pytest.mark.parametrize("text, op", [
    ("remove the clicks", "declick"), ("remove the clicks and pops", "declick"), ("get rid of the crackle", "declick"),
    ("remove the mouth clicks", "declick"), ("declick it", "declick"),
    ("remove the mouse clicks", "remove"), ("remove the clock ticking", "remove"),  # sounds that click
])
def test_wording(text, op):
    (step,) = plan_rules(text).steps
    assert step.op == op
