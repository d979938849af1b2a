"""A detected sound over a bed taken down to the bed (``dsp.suppress``): the split, the step and the route
a detected sound takes in a recording without speech, stems or annotation."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.errors import ExecutionError
from audioedit.metrics import power_db
from audioedit.scene import Event, EventSource, EventsFrom, Scene
from audioedit.steps import EventRef, LoudnessStep, RemoveStep

RATE_HZ = 16_000
needs_vad = pytest.mark.skipif(importlib.util.find_spec("silero_vad") is None, reason="silero-vad is not installed")
SPAN_S = (3.0, 5.0)


def _street(seconds: float = 10.0) -> tuple[Audio, np.ndarray, np.ndarray]:
    """A two-tone horn 20 dB above a pink-ish noise bed, in stereo: (mix, bed, horn), both mono."""
    rng = np.random.default_rng(0)
    n = int(seconds * RATE_HZ)
    bed = np.cumsum(rng.standard_normal(n)) * 0.002
    bed = (bed - np.convolve(bed, np.ones(400) / 400, mode="same")) + 0.01 * rng.standard_normal(n)
    t = np.arange(n) / RATE_HZ
    horn = np.zeros(n)
    i, j = int(SPAN_S[0] * RATE_HZ), int(SPAN_S[1] * RATE_HZ)
    horn[i:j] = np.sin(2 * np.pi * 440 * t[i:j]) + 0.7 * np.sin(2 * np.pi * 554 * t[i:j])
    horn *= np.sqrt(np.mean(bed[i:j] ** 2) * 100 / np.mean(horn[i:j] ** 2))  # +20 dB inside the span
    mix = np.stack([bed + horn, 0.8 * (bed + horn)]).astype(np.float32)
    return Audio(mix, RATE_HZ), bed, horn


def _scene(audio: Audio, events_from=EventsFrom.DETECTED) -> Scene:
    ev = Event(id="foreground0_car_horn", label="car_horn", onset_s=SPAN_S[0], offset_s=SPAN_S[1],
               source=EventSource.DETECTED if events_from == EventsFrom.DETECTED else EventSource.ANNOTATION)
    return Scene(audio=audio, events=(ev,), events_from=events_from)


def _step(op: str):
    ref = EventRef(label="car_horn", event_ids=["foreground0_car_horn"])
    if op == "remove":
        return RemoveStep(id="s1", instruction="Remove the car horn.", target=ref)
    return LoudnessStep(id="s1", instruction="Make the car horn 6 dB quieter.", target=ref, gain_db=-6.0)


def test_the_split_is_exact_and_leaves_the_outside_untouched():
    from audioedit.executor.dsp.suppress import split_sound

    mix, _, _ = _street()
    split = split_sound(mix, [SPAN_S])
    np.testing.assert_allclose(split.sound.samples + split.rest.samples, mix.samples, atol=1e-6)
    i, j = int(SPAN_S[0] * RATE_HZ), int(SPAN_S[1] * RATE_HZ)
    assert not split.sound.samples[:, :i].any() and not split.sound.samples[:, j:].any()


def test_remove_takes_the_horn_down_to_the_bed_and_keeps_the_bed():
    from audioedit.executor.dsp.suppress import execute_suppress

    mix, bed, horn = _street()
    result = execute_suppress(_scene(mix), _step("remove"))
    out = result.scene.audio.samples[0].astype(np.float64)
    i, j = int(SPAN_S[0] * RATE_HZ), int(SPAN_S[1] * RATE_HZ)
    # the horn's share of the output inside the span, by projection on the horn
    left = out[i:j] - bed[i:j]
    assert power_db(left) - power_db(horn[i:j]) < -15
    assert abs(power_db(out[i:j]) - power_db(bed[i:j])) < 3  # the bed is still there, near its level
    # what is left where the horn was is bed-level noise, not a faint copy of the horn
    assert abs(np.dot(out[i:j], horn[i:j])) / np.linalg.norm(out[i:j]) / np.linalg.norm(horn[i:j]) < 0.2
    assert result.scene.events == () and result.backend == "dsp.suppress"
    assert np.array_equal(result.scene.audio.samples[:, : i - RATE_HZ], mix.samples[:, : i - RATE_HZ])
    np.testing.assert_allclose(result.scene.audio.samples[1], 0.8 * result.scene.audio.samples[0], atol=1e-5)


def test_loudness_re_levels_what_stands_above_the_bed():
    from audioedit.executor.dsp.suppress import execute_suppress

    mix, bed, horn = _street()
    out = execute_suppress(_scene(mix), _step("loudness")).scene.audio.samples[0].astype(np.float64)
    i, j = int(SPAN_S[0] * RATE_HZ), int(SPAN_S[1] * RATE_HZ)
    gain = float(np.dot(out[i:j] - bed[i:j], horn[i:j]) / np.dot(horn[i:j], horn[i:j]))
    assert abs(20 * np.log10(gain) + 6) < 1.0, gain


def test_a_sound_that_fills_the_recording_is_refused():
    from audioedit.executor.dsp.suppress import split_sound

    mix, _, _ = _street(4.0)
    with pytest.raises(ExecutionError, match="fills the recording"):
        split_sound(mix, [(0.0, 4.0)])


@needs_vad
def test_routes_a_detected_sound_without_speech_before_the_editor_and_never_an_annotated_one():
    from audioedit.executor.router import routes

    mix, _, _ = _street()
    detected = [r.backend for r in routes(_scene(mix), _step("remove"), ldm_available=True)]
    assert detected == ["dsp.suppress", "ldm"]
    assert [r.backend for r in routes(_scene(mix), _step("remove"), preference="ldm", ldm_available=True)] == [
        "ldm", "dsp.suppress"]
    assert [r.backend for r in routes(_scene(mix), _step("remove"), preference="dsp")] == ["dsp.suppress"]
    annotated = [r.backend for r in routes(_scene(mix, EventsFrom.ANNOTATION), _step("remove"), ldm_available=True)]
    assert "dsp.suppress" not in annotated


def test_suppress_eval_smoke_on_a_tiny_fake_corpus(tmp_path):
    """``python -m audioedit.evals.suppress_eval`` on a two-clip stand-in for ESC-50 and Moodist."""
    import json

    from audioedit.evals.suppress_eval import main
    from tests.tiny_corpus import events_over_beds

    events_over_beds(tmp_path)
    out = tmp_path / "rows.json"
    main(["--data-root", str(tmp_path), "--n", "3", "--methods", "identity,suppress", "--no-verify", "--json", str(out)])
    rows = json.loads(out.read_text())
    suppressed = [r for r in rows if r["method"] == "suppress"]
    assert len(suppressed) == 6 and all(r["si_sdri_db"] > 3 for r in suppressed)


@needs_vad
def test_a_sound_detected_over_most_of_the_recording_is_a_bed_not_a_sound_over_one():
    """Rain detected everywhere but where a dog barks: not suppressed against the dog; its noise floor is
    taken down everywhere before the learned editor edits only the detected spans."""
    from audioedit.executor.router import routes

    mix, _, _ = _street()
    rain = tuple(Event(id=f"background{k}_rain", label="rain", onset_s=a, offset_s=b, source=EventSource.DETECTED)
                 for k, (a, b) in enumerate(((0.0, 2.9), (5.1, 10.0))))
    scene = Scene(audio=mix, events=rain, events_from=EventsFrom.DETECTED)
    step = RemoveStep(id="s1", instruction="Remove the rain.", target=EventRef(label="rain", event_ids=[e.id for e in rain]))
    assert [r.backend for r in routes(scene, step, ldm_available=True)] == ["dsp.denoise", "ldm"]
    one_shower = Scene(audio=mix, events=rain[:1], events_from=EventsFrom.DETECTED)
    shower = step.model_copy(update={"target": EventRef(label="rain", event_ids=[rain[0].id])})
    assert [r.backend for r in routes(one_shower, shower, ldm_available=True)] == ["dsp.suppress", "ldm", "dsp.denoise"]
