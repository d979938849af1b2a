"""Steady-noise reduction for recordings without speech (``dsp.denoise``): the split, its checks and
the route "remove the background noise" takes when the voice detector hears no voice."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from audioedit.audio import Audio, load_audio
from audioedit.metrics import si_sdr
from audioedit.scene import Scene
from audioedit.steps import EventRef, LoudnessStep, RemoveStep

BANK = Path(__file__).resolve().parents[1] / "audioedit" / "assets" / "bank"
RATE_HZ = 22_050
needs_vad = pytest.mark.skipif(importlib.util.find_spec("silero_vad") is None, reason="silero-vad is not installed")


def _field_recording(seconds: float = 8.0, snr_db: float = 0.0) -> tuple[Audio, np.ndarray]:
    """Two real bird calls over the bank's running water, ``snr_db`` apart in total level: (mix, the birds)."""
    n = int(seconds * RATE_HZ)
    water = load_audio(BANK / "background" / "running_water" / "running_water_real_01.flac").to_mono().resample(RATE_HZ)
    bed = np.resize(water.samples[0], n)
    birds = np.zeros(n, np.float32)
    for k, at_s in ((1, 1.0), (2, 4.5)):
        call = load_audio(BANK / "foreground" / "bird" / f"bird_real_0{k}.flac").to_mono().resample(RATE_HZ).samples[0]
        i = int(at_s * RATE_HZ)
        m = min(call.size, n - i)
        birds[i : i + m] += call[:m]
    bed = bed * np.sqrt(np.sum(birds**2) / np.sum(bed**2) / 10 ** (snr_db / 10))
    return Audio((birds + bed)[None].astype(np.float32), RATE_HZ), birds


def _step(op: str):
    target = EventRef(label="background", scope="background")
    if op == "remove":
        return RemoveStep(id="s1", instruction="Remove the background.", target=target)
    return LoudnessStep(id="s1", instruction="Turn the background down.", target=target, gain_db=-6.0)


def test_split_is_exact_and_keeps_the_calls_while_the_floor_goes():
    from audioedit.executor.dsp.denoise import split_noise

    mix, birds = _field_recording()
    split = split_noise(mix)
    np.testing.assert_allclose(split.foreground.samples + split.noise.samples, mix.samples, atol=1e-5)
    before, after = si_sdr(mix.samples[0], birds), si_sdr(split.foreground.samples[0], birds)
    assert after > before + 6, (before, after)


@pytest.mark.parametrize("op", ["remove", "loudness"])
def test_checks_pass_the_reduction_and_fail_an_unchanged_or_gutted_output(op):
    from audioedit.agents.denoise_checks import verify_denoise
    from audioedit.executor.dsp.denoise import execute_denoise

    mix, _ = _field_recording()
    scene = Scene(audio=mix)
    step = _step(op)
    done = execute_denoise(scene, step)
    assert verify_denoise(scene, done.scene, step).passed
    unchanged = verify_denoise(scene, scene, step)
    assert not unchanged.passed and [c.name for c in unchanged.checks if not c.passed] == ["noise_floor_change_db"]
    gutted = verify_denoise(scene, scene.evolve(audio=mix.with_samples(mix.samples * 0.1)), step)
    assert "foreground_kept_db" in [c.name for c in gutted.checks if not c.passed]


@needs_vad
def test_remove_the_background_noise_without_speech_routes_to_denoise_end_to_end():
    from audioedit.api import edit

    mix, birds = _field_recording()
    outcome = edit(mix, "remove the background noise", verifier="acoustic")
    step = outcome.report.steps[0]
    assert (outcome.report.status, step.backend) == ("ok", "dsp.denoise")
    assert si_sdr(outcome.audio.samples[0], birds) > si_sdr(mix.samples[0], birds) + 6
    assert [a.backend for a in step.attempts] == ["dsp.denoise"]  # no voice: the speech/rest split is not tried
    assert any("steady noise floor" in note for note in step.attempts[-1].notes)


@needs_vad
def test_a_steady_noise_named_by_the_user_gets_the_floor_route_after_the_learned_editor():
    from audioedit.backends import Backend
    from audioedit.executor.router import routes

    mix, _ = _field_recording()
    water = RemoveStep(id="s1", instruction="Remove the running water.",
                       target=EventRef(label="running_water", unlocated=True))
    assert [r.backend for r in routes(Scene(audio=mix), water, ldm_available=True)] == [Backend.LDM, Backend.DSP_DENOISE]
    dog = RemoveStep(id="s1", instruction="Remove the dog.", target=EventRef(label="dog_bark", unlocated=True))
    assert [r.backend for r in routes(Scene(audio=mix), dog, ldm_available=True)] == [Backend.LDM]
    speech = load_audio(BANK / "foreground" / "speech" / "speech_real_01.flac").to_mono().resample(RATE_HZ).samples[0]
    podcast = mix.with_samples(mix.samples + np.resize(speech, mix.num_frames)[None])
    # with a voice in it, the floor is not the way: the rest layer (everything but the speech) is
    assert [r.backend for r in routes(Scene(audio=podcast), water, ldm_available=True)] == [Backend.LDM, Backend.SPEECH_REST]


def test_denoise_eval_smoke_on_a_tiny_fake_corpus(tmp_path):
    """``python -m audioedit.evals.denoise_eval`` on a two-clip stand-in for ESC-50 and Moodist."""
    from audioedit.evals.denoise_eval import main
    from tests.tiny_corpus import events_over_beds

    events_over_beds(tmp_path)
    out = tmp_path / "rows.json"
    main(["--data-root", str(tmp_path), "--n", "3", "--no-planned", "--json", str(out)])
    rows = json.loads(out.read_text())
    split = [r for r in rows if r["method"] == "split"]
    assert len(split) == 3 and all(r["si_sdri_db"] > 3 for r in split)


@needs_vad
def test_the_music_under_the_voice_is_no_noise_floor_without_a_voice():
    from audioedit.executor.router import routes, unavailable
    from audioedit.planner.rules import plan_rules

    mix, _ = _field_recording()  # birds over a steady noise, no voice
    music = plan_rules("turn the music down", Scene(audio=mix)).steps[0]
    noise = plan_rules("turn the background noise down", Scene(audio=mix)).steps[0]
    assert (music.target.scope, music.target.label, noise.target.scope, noise.target.label) == (
        "background", "music", "background", "background")
    assert [r.backend for r in routes(Scene(audio=mix), noise)] == ["dsp.denoise"]
    assert routes(Scene(audio=mix), music) == []  # the floor is not the music: refused, not an 'ok' on the noise
    assert "hears no voice" in unavailable(Scene(audio=mix), music, "auto", False)
