"""Exact DSP executor: all six ops on stems and on the mixture, sample-exact outside the edited
spans, feasibility and error cases, rough timing."""

from __future__ import annotations

import time

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.errors import ExecutionError
from audioedit.scene import Event, Scene, active_span_s
from audioedit.steps import AddStep, EventRef, LoudnessStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep
from audioedit.executor.dsp import execute_dsp, mixture_feasible
from audioedit.executor.dsp.toy import ToneBank, ToyEvent, toy_scene
from audioedit.result import SoundSource, StepResult

FORMATS = [(44100, 2), (16000, 1)]


def ref(label: str, **kw) -> EventRef:
    return EventRef(label=label, **kw)


STEPS = {
    "loudness": LoudnessStep(id="s1", instruction="beep 6 dB louder", target=ref("beep"), gain_db=6.0),
    "remove": RemoveStep(id="s1", instruction="remove the knock", target=ref("knock")),
    "faster": SpeedStep(id="s1", instruction="beep faster", target=ref("beep"), factor=1.25),
    "slower": SpeedStep(id="s1", instruction="beep slower", target=ref("beep"), factor=0.8),
    "rate": SpeedStep(id="s1", instruction="beep slower, pitch down", target=ref("beep"), factor=0.8, keep_pitch=False),
    "reorder": ReorderStep(id="s1", instruction="whistle before beep", targets=[ref("whistle"), ref("beep")]),
    "add": AddStep(id="s1", instruction="add a dog at 2 s", sound="dog", at_s=2.0),
    "add3": AddStep(id="s1", instruction="add three dogs", sound="dog", count=3),
    "add_bg": AddStep(id="s1", instruction="add rain", sound="rain", role="background", snr_db=-6.0),
    "replace": ReplaceStep(id="s1", instruction="knock -> bell", target=ref("knock"), sound="bell"),
}


def run(scene: Scene, step, mode="auto", seed=0) -> StepResult:
    return execute_dsp(scene, step, bank=ToneBank(), rng=np.random.default_rng(seed), mode=mode)


def outside_mask(scene: Scene, result: StepResult) -> np.ndarray:
    sr = scene.audio.sample_rate_hz
    mask = np.ones(scene.audio.num_frames, bool)
    for a, b in result.edited_spans_s:
        mask[round(a * sr) : round(b * sr)] = False
    return mask


@pytest.mark.parametrize("sr,channels", FORMATS)
@pytest.mark.parametrize("with_stems", [True, False])
@pytest.mark.parametrize("name", list(STEPS))
def test_every_op_is_sample_exact_outside_its_spans(sr, channels, with_stems, name):
    scene = toy_scene(sr, channels, with_stems=with_stems)
    result = run(scene, STEPS[name])
    assert result.backend == ("dsp.stems" if with_stems else "dsp.mixture")
    after = result.scene.audio
    assert after.samples.shape == scene.audio.samples.shape and after.sample_rate_hz == sr
    assert np.all(np.isfinite(after.samples))
    mask = outside_mask(scene, result)
    assert mask.sum() > 0.5 * len(mask) or name == "add_bg"
    assert np.array_equal(scene.audio.samples[:, mask], after.samples[:, mask])
    assert not np.array_equal(scene.audio.samples, after.samples)  # something did change
    if with_stems:  # the mixture is rebuilt from the stems, the residual kept
        assert np.allclose(result.scene.residual().samples, scene.residual().samples, atol=1e-5)
        assert set(result.scene.stems) == {e.id for e in result.scene.events}
    for ev in result.scene.events:  # JSON-safe
        Event.model_validate_json(ev.model_dump_json())


# --- stems ------------------------------------------------------------------------------------


def scene_with_residual(sr=16000, channels=1) -> Scene:
    """Stems that do not explain the whole mixture (a faint residual everywhere)."""
    scene = toy_scene(sr, channels)
    residual = 0.001 * np.random.default_rng(5).standard_normal(scene.audio.samples.shape)
    return scene.evolve(audio=scene.audio.with_samples(scene.audio.samples + residual))


def test_stems_loudness_scales_the_stem_and_keeps_the_residual():
    scene = scene_with_residual()
    result = run(scene, STEPS["loudness"])
    old, new = scene.stems["foreground0_beep"].samples, result.scene.stems["foreground0_beep"].samples
    np.testing.assert_allclose(new, old * 10 ** (6 / 20), rtol=1e-5)
    np.testing.assert_allclose(result.scene.audio.samples, scene.audio.samples - old + new, atol=1e-6)
    ev = result.scene.event("foreground0_beep")
    assert ev.level_db == pytest.approx(scene.event("foreground0_beep").level_db + 6.0, abs=0.05)
    assert result.edited_spans_s == [pytest.approx((1.0, 1.8), abs=1e-3)]


def test_stems_remove_drops_stem_and_event():
    scene = scene_with_residual()
    result = run(scene, STEPS["remove"])
    assert "foreground1_knock" not in result.scene.stems
    assert "foreground1_knock" not in {e.id for e in result.scene.events}
    want = scene.audio.samples - scene.stems["foreground1_knock"].samples
    np.testing.assert_allclose(result.scene.audio.samples, want, atol=1e-6)


@pytest.mark.parametrize("factor,keep_pitch", [(1.25, True), (0.8, True), (2.0, False)])
def test_stems_speed_changes_duration_at_the_same_onset(factor, keep_pitch):
    scene = toy_scene(16000, 1)
    step = SpeedStep(id="s1", instruction="x", target=ref("beep"), factor=factor, keep_pitch=keep_pitch)
    result = run(scene, step)
    span = active_span_s(result.scene.stems["foreground0_beep"])
    assert span[0] == pytest.approx(1.0, abs=0.02)
    assert (span[1] - span[0]) == pytest.approx(0.8 / factor, rel=0.05)
    ev = result.scene.event("foreground0_beep")
    assert (ev.onset_s, ev.offset_s) == pytest.approx((1.0, 1.0 + 0.8 / factor), abs=1e-6)


def test_stems_reorder_swaps_time_slots_exactly():
    scene = toy_scene(16000, 1)
    result = run(scene, STEPS["reorder"])
    sr = 16000
    whistle, beep = result.scene.event("foreground2_whistle"), result.scene.event("foreground0_beep")
    assert (whistle.onset_s, beep.onset_s) == pytest.approx((1.0, 4.5))
    moved = result.scene.stems["foreground2_whistle"].samples[:, round(1.0 * sr) : round(1.8 * sr)]
    np.testing.assert_array_equal(moved, scene.stems["foreground2_whistle"].samples[:, round(4.5 * sr) : round(5.3 * sr)])
    assert result.scene.event("foreground1_knock").onset_s == 3.0  # untouched


def test_reorder_with_three_targets_follows_the_listed_order():
    scene = toy_scene(16000, 1)
    step = ReorderStep(id="s1", instruction="x", targets=[ref("knock"), ref("whistle"), ref("beep")])
    for mode in ("stems", "mixture"):
        result = run(scene, step, mode=mode)
        onsets = [result.scene.event(i).onset_s for i in ("foreground1_knock", "foreground2_whistle", "foreground0_beep")]
        assert onsets == pytest.approx([1.0, 3.0, 4.5])


def test_stems_add_makes_a_new_event_and_stem_at_the_asked_level():
    scene = toy_scene(16000, 1)
    result = run(scene, STEPS["add"])
    new = [e for e in result.scene.events if e.source == "edit"]
    assert len(new) == 1 and new[0].label == "dog" and new[0].onset_s == pytest.approx(2.0, abs=0.01)
    stem = result.scene.stems[new[0].id]
    a, b = round(new[0].onset_s * 16000), round(new[0].offset_s * 16000)
    rel = 20 * np.log10(np.sqrt(np.mean(stem.samples[:, a:b] ** 2)) / np.sqrt(np.mean(scene.audio.samples[:, a:b] ** 2)))
    assert rel == pytest.approx(6.0, abs=0.1)


def test_add_background_covers_the_whole_scene_and_random_adds_avoid_events():
    scene = toy_scene(16000, 1)
    bg = run(scene, STEPS["add_bg"]).scene
    rain = [e for e in bg.events if e.label == "rain"][0]
    assert rain.role == "background" and rain.onset_s < 0.05 and rain.offset_s > 5.9
    dogs = [e for e in run(scene, STEPS["add3"]).scene.events if e.label == "dog"]
    assert len(dogs) == 3
    fg = [e for e in scene.events if e.role == "foreground"]
    assert not any(d.overlaps(e) for d in dogs for e in fg)


def test_add_is_deterministic_per_seed():
    scene = toy_scene(16000, 1, with_stems=False)
    a, b = run(scene, STEPS["add3"], seed=3), run(scene, STEPS["add3"], seed=3)
    assert np.array_equal(a.scene.audio.samples, b.scene.audio.samples)


def test_stems_replace_keeps_onset_and_level():
    scene = toy_scene(16000, 1)
    result = run(scene, STEPS["replace"])
    assert "foreground1_knock" not in result.scene.stems
    bell = [e for e in result.scene.events if e.label == "bell"][0]
    assert bell.source == "edit" and bell.onset_s == pytest.approx(3.0, abs=0.01)
    assert bell.duration_s == pytest.approx(0.6, abs=0.05)
    assert bell.level_db == pytest.approx(scene.event("foreground1_knock").level_db, abs=0.5)


# --- mixture ----------------------------------------------------------------------------------


def test_mixture_loudness_is_a_gain_over_the_span():
    scene = toy_scene(16000, 1, with_stems=False)
    result = run(scene, STEPS["loudness"])
    sr = 16000
    inner = slice(round(0.99 * sr), round(1.81 * sr))
    np.testing.assert_allclose(result.scene.audio.samples[:, inner], scene.audio.samples[:, inner] * 10 ** 0.3, rtol=1e-5)
    (a, b), = result.edited_spans_s
    assert a < 1.0 and b > 1.8 and b - a < 0.9


def test_mixture_remove_fills_with_background_not_silence():
    scene = toy_scene(44100, 2, with_stems=False)
    result = run(scene, STEPS["remove"])
    sr = 44100
    span = result.scene.audio.samples[:, round(3.0 * sr) : round(3.6 * sr)]
    level = 20 * np.log10(np.sqrt(np.mean(span**2)))
    assert level == pytest.approx(-32.0, abs=2.0)  # the background level, not the knock's -14 or silence
    assert "foreground1_knock" not in {e.id for e in result.scene.events}
    assert result.scene.stems is None


def test_mixture_speed_keeps_total_length_and_onset():
    scene = toy_scene(16000, 1, with_stems=False)
    for step, want in ((STEPS["faster"], 0.64), (STEPS["slower"], 1.0)):
        ev = run(scene, step).scene.event("foreground0_beep")
        assert (ev.onset_s, ev.duration_s) == pytest.approx((1.0, want), abs=1e-6)


def overlapping_scene(with_stems: bool) -> Scene:
    events = (ToyEvent("beep", 1.0, 0.8, 440.0), ToyEvent("bark", 1.5, 0.6, 900.0), ToyEvent("whistle", 4.0, 0.8, 2000.0),
              ToyEvent("tick", 5.3, 0.5, 3000.0))
    return toy_scene(16000, 1, with_stems=with_stems, events=events)


def test_mixture_infeasible_for_overlapping_events_but_stems_work():
    scene = overlapping_scene(with_stems=False)
    step = LoudnessStep(id="s1", instruction="x", target=ref("beep"), gain_db=-6.0)
    ok, reason = mixture_feasible(scene, step)
    assert not ok and "foreground1_bark" in reason and "isolated" in reason
    with pytest.raises(ExecutionError, match="foreground1_bark"):
        run(scene, step)
    with pytest.raises(ExecutionError, match="isolated"):
        run(overlapping_scene(with_stems=True), step, mode="mixture")
    assert run(overlapping_scene(with_stems=True), step).backend == "dsp.stems"
    assert mixture_feasible(scene, AddStep(id="s2", instruction="x", sound="dog", at_s=1.2)) == (True, "")


def test_region_mode_edits_the_overlapped_region_and_says_so():
    """The naive baseline: the beep's region is re-levelled with the bark inside it."""
    from audioedit.executor.router import routes

    scene = overlapping_scene(with_stems=False)
    step = LoudnessStep(id="s1", instruction="x", target=ref("beep"), gain_db=-6.0)
    assert [r.backend for r in routes(scene, step, "region")] == ["dsp.region"]
    assert routes(scene, step, "dsp") == []
    result = run(scene, step, mode="region")
    assert result.backend == "dsp.region" and "foreground1_bark" in result.notes[-1]
    sr, x, y = 16000, scene.audio.samples, result.scene.audio.samples
    inside = slice(round(1.2 * sr), round(1.7 * sr))  # beep + bark: both 6 dB down
    assert np.allclose(y[:, inside], x[:, inside] * 10 ** (-6 / 20), atol=1e-6)
    a, b = result.edited_spans_s[0]
    assert np.array_equal(y[:, : round(a * sr)], x[:, : round(a * sr)])
    isolated = LoudnessStep(id="s2", instruction="x", target=ref("whistle"), gain_db=3.0)
    assert run(scene, isolated, mode="region").backend == "dsp.mixture"  # exact where it can be


def test_mixture_infeasible_when_there_is_no_room():
    scene = overlapping_scene(with_stems=False)
    slower = SpeedStep(id="s1", instruction="x", target=ref("whistle"), factor=0.5)
    ok, reason = mixture_feasible(scene, slower)
    assert not ok and "foreground3_tick" in reason
    assert mixture_feasible(scene, slower.model_copy(update={"factor": 1.5}))[0]
    # the long whistle cannot take the short tick's slot: it would run past the end
    swap = ReorderStep(id="s1", instruction="x", targets=[ref("tick"), ref("whistle")])
    ok, reason = mixture_feasible(scene, swap)
    assert not ok and "foreground2_whistle" in reason


def test_mixture_reorder_moves_the_audio():
    scene = toy_scene(16000, 1, with_stems=False)
    result = run(scene, STEPS["reorder"])
    sr = 16000
    seg = scene.audio.samples[:, round(4.5 * sr) : round(5.3 * sr)]
    got = result.scene.audio.samples[:, round(1.0 * sr) : round(1.8 * sr)]
    np.testing.assert_array_equal(got[:, 400:-400], seg[:, 400:-400])


# --- errors and protocol ----------------------------------------------------------------------


def test_errors_name_the_reference_and_the_labels():
    scene = toy_scene(16000, 1)
    with pytest.raises(ExecutionError, match=r"siren.*beep"):
        run(scene, RemoveStep(id="s1", instruction="x", target=ref("siren")))
    with pytest.raises(ExecutionError, match="foreground9_x"):
        run(scene, RemoveStep(id="s1", instruction="x", target=ref("beep", event_ids=["foreground9_x"])))
    with pytest.raises(ExecutionError, match="no stems"):
        run(toy_scene(16000, 1, with_stems=False), STEPS["loudness"], mode="stems")
    with pytest.raises(ExecutionError, match="sound bank"):
        execute_dsp(scene, STEPS["add"], bank=None, rng=np.random.default_rng(0))
    with pytest.raises(ExecutionError, match="dog"):
        execute_dsp(scene, STEPS["add"], bank=ToneBank(missing=("dog",)), rng=np.random.default_rng(0))
    with pytest.raises(ExecutionError, match="at_s=9"):
        run(scene, AddStep(id="s1", instruction="x", sound="dog", at_s=9.0))


def test_event_ids_select_the_target():
    scene = toy_scene(16000, 1)
    step = LoudnessStep(id="s1", instruction="x", target=ref("whatever", event_ids=["foreground2_whistle"]), gain_db=-6)
    result = run(scene, step)
    assert result.edited_spans_s == [pytest.approx((4.5, 5.3), abs=1e-3)]


def test_tone_bank_implements_the_protocol():
    assert isinstance(ToneBank(), SoundSource)
    clip = ToneBank().clip("dog", np.random.default_rng(0), like=Audio.silence(1, 44100, 2), min_duration_s=1.5)
    assert clip.num_channels == 2 and clip.sample_rate_hz == 44100 and clip.duration_s >= 1.5


def test_timing_on_ten_seconds_of_44k_stereo():
    scene = toy_scene(44100, 2, duration_s=10.0)
    mix = toy_scene(44100, 2, duration_s=10.0, with_stems=False)
    timings = {}
    for name in ("loudness", "remove", "faster", "reorder", "add", "replace"):
        for label, sc in (("stems", scene), ("mixture", mix)):
            start = time.perf_counter()
            run(sc, STEPS[name])
            timings[f"{name}/{label}"] = time.perf_counter() - start
    print({k: round(v * 1000, 1) for k, v in timings.items()})
    slow = {k: v for k, v in timings.items() if v > (0.6 if "faster" in k else 0.3)}  # generous: shared 2-core box
    assert not slow, slow


def test_mixture_ops_at_the_file_edges_and_without_background():
    events = (ToyEvent("beep", 0.0, 0.8, 440.0), ToyEvent("beep", 2.0, 0.5, 440.0), ToyEvent("whistle", 3.5, 0.5, 2000.0))
    scene = toy_scene(16000, 1, with_stems=False, events=events, duration_s=4.0, background_db=None)
    steps = [
        LoudnessStep(id="s1", instruction="x", target=ref("beep"), gain_db=-6.0),  # both beeps, one at 0 s
        RemoveStep(id="s1", instruction="x", target=ref("whistle")),  # ends at the end of the audio
        SpeedStep(id="s1", instruction="x", target=ref("whistle"), factor=1.5),
        ReplaceStep(id="s1", instruction="x", target=ref("beep", select="first"), sound="bell"),
    ]
    for step in steps:
        result = run(scene, step)
        mask = outside_mask(scene, result)
        assert np.array_equal(scene.audio.samples[:, mask], result.scene.audio.samples[:, mask])
        assert result.edited_spans_s[0][0] >= 0.0 and result.edited_spans_s[-1][1] <= 4.0
    removed = run(scene, steps[1])
    assert np.all(removed.scene.audio.samples[:, round(3.6 * 16000) :] == 0.0)  # its background is silence
    assert len([e for e in run(scene, steps[0]).scene.events if e.level_db is not None and e.label == "beep"]) == 2


def test_merge_spans_is_one_union_for_frames_and_seconds():
    from audioedit.spans import merge_spans

    assert merge_spans([(5, 9), (0, 3), (3, 4), (8, 12), (6, 6)]) == [(0, 4), (5, 12)]
    assert merge_spans([(1.5, 2.0), (0.0, 1.0), (0.5, 1.5)]) == [(0.0, 2.0)]
