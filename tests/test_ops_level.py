"""The ``level`` op: the volume evened out (audioedit/ops/level.py)."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.metrics import integrated_lufs, loudness_range_lu
from audioedit.ops import level
from audioedit.planner.rules import plan_rules
from audioedit.scene import Scene
from audioedit.steps import whole_recording

RATE = 16000


def phrases(levels_dbfs: list[float], seed: int = 0) -> Audio:
    """Speech-like phrases (noise with a 4 Hz syllable envelope), 2.5 s each at the given RMS levels,
    with 0.5 s of near-silence (-70 dBFS) between them."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(2.5 * RATE)) / RATE
    parts = []
    for db in levels_dbfs:
        x = rng.standard_normal(t.size) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
        parts += [x / np.sqrt(np.mean(x**2)) * 10 ** (db / 20), 10 ** (-70 / 20) * rng.standard_normal(RATE // 2)]
    return Audio(np.concatenate(parts)[None].astype(np.float32), RATE)


def test_loudness_range_of_two_levels_is_their_difference():
    audio = phrases([-20.0] * 4 + [-32.0] * 4)
    assert loudness_range_lu(audio) == pytest.approx(12.0, abs=1.0)
    assert loudness_range_lu(Audio(np.zeros((1, RATE), np.float32), RATE)) == 0.0


@pytest.mark.parametrize("ratio", [2.0, 3.0, 5.0])
def test_levelling_shrinks_the_range_keeps_the_loudness_and_never_lifts_the_pauses(ratio):
    audio = phrases([-20.0, -22.0, -34.0, -33.0, -21.0, -35.0, -20.0, -32.0])
    step = level.LevelStep(id="s1", instruction="", target=whole_recording(), ratio=ratio)
    ok, _ = level.feasible(Scene(audio), step)
    assert ok
    result = level.execute(Scene(audio), step)
    checks = {c.name: c for c in level.verify(Scene(audio), result.scene, step, result.edited_spans_s)}
    assert all(c.passed for c in checks.values()), checks
    before, after = loudness_range_lu(audio), loudness_range_lu(result.scene.audio)
    assert after < before * (0.45 if ratio >= 3 else 0.7)  # ~12 LU spread cut by 1 - 1/ratio
    assert abs(integrated_lufs(result.scene.audio) - integrated_lufs(audio)) < 0.5
    y = result.scene.audio.samples[0]
    pause = slice(int(2.6 * RATE), int(2.9 * RATE))  # the first pause, after a loud phrase
    assert np.sqrt(np.mean(y[pause] ** 2)) < 10 ** (-55 / 20)  # held near its own level, not raised to the speech


def test_an_unchanged_output_fails_the_range_check():
    audio = phrases([-20.0, -34.0] * 3)
    step = level.LevelStep(id="s1", instruction="", target=whole_recording())
    checks = {c.name: c for c in level.verify(Scene(audio), Scene(audio), step, [(0.0, audio.duration_s)])}
    assert not checks["loudness_range_lu"].passed and checks["integrated_lufs_change"].passed


def test_an_even_recording_is_refused_with_its_loudness_range():
    audio = phrases([-20.0] * 6)
    ok, why = level.feasible(Scene(audio), level.LevelStep(id="s1", instruction="", target=whole_recording()))
    assert not ok and "already even" in why and "LU" in why


@pytest.mark.parametrize("text, ratio, scope", [
    ("even out the volume", 3.0, "recording"),
    ("level the volume a little", 2.0, "recording"),
    ("make the volume more consistent", 3.0, "recording"),
    ("compress the voice heavily", 5.0, "speech"),
    ("apply some compression", 3.0, "recording"),
    ("reduce the dynamic range", 3.0, "recording"),
    ("make the quiet parts louder and the loud parts quieter", 3.0, "recording"),
])
def test_wording(text, ratio, scope):
    (step,) = plan_rules(text).steps
    assert step.op == "level" and step.ratio == ratio and step.target.scope == scope


def test_normalize_is_still_normalize():
    (step,) = plan_rules("normalize to -16 LUFS").steps
    assert step.op == "normalize"


def test_even_out_the_volume_of_a_plain_recording_end_to_end(tmp_path):
    from audioedit.api import edit

    audio = phrases([-20.0, -34.0, -21.0, -33.0, -20.0, -35.0])
    outcome = edit(audio, "even out the volume", seed=0)
    (step,) = outcome.report.steps
    assert outcome.report.status == "ok" and step.op == "level"
    assert loudness_range_lu(outcome.audio) < 0.8 * loudness_range_lu(audio)
