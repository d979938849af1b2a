"""The trim registry op: wording, exact cuts with the events and stems following, silence at the ends,
checks that fail on a wrong output, and clear refusals."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from audioedit.agents.verifier import verify_acoustic
from audioedit.api import edit
from audioedit.audio import Audio, save_audio
from audioedit.errors import ExecutionError
from audioedit.evals.fixtures import street_scene
from audioedit.ops import trim
from audioedit.planner.rules import plan_rules
from audioedit.scene import Event, Scene
from audioedit.steps import EditStepAdapter

SR = 16000


@pytest.mark.parametrize("text,fields", [
    ("cut the first 3 seconds", {"start_s": 0.0, "end_s": 3.0, "keep": False}),
    ("trim off the last 2 s", {"last_s": 2.0, "keep": False}),
    ("chop 2 seconds off the end", {"last_s": 2.0}),
    ("trim 1.5 seconds from the beginning", {"start_s": 0.0, "end_s": 1.5}),
    ("remove the part between 0:04 and 0:06", {"start_s": 4.0, "end_s": 6.0, "keep": False}),
    ("delete 4-6 s", {"start_s": 4.0, "end_s": 6.0}),
    ("cut everything after 1:30", {"start_s": 90.0, "end_s": None}),
    ("cut out 500 ms to 2 s", {"start_s": 0.5, "end_s": 2.0}),
    ("keep only the first 10 seconds", {"start_s": 0.0, "end_s": 10.0, "keep": True}),
    ("keep the last 5 s", {"last_s": 5.0, "keep": True}),
    ("keep 5 s to 12 s", {"start_s": 5.0, "end_s": 12.0, "keep": True}),
    ("trim it to 10 seconds", {"start_s": 0.0, "end_s": 10.0, "keep": True}),
    ("trim the silence at the start", {"silence": "start"}),
    ("remove the trailing silence", {"silence": "end"}),
    ("cut the dead air at the end", {"silence": "end"}),
    ("trim the silence", {"silence": "both"}),
    ("trim the silence at the beginning and the end", {"silence": "both"}),
])
def test_trim_wording(text, fields):
    (step,) = plan_rules(text).steps
    assert step.op == "trim" and step.target.scope == "recording"
    assert {k: getattr(step, k) for k in fields} == fields
    assert EditStepAdapter.validate_json(step.model_dump_json()) == step


@pytest.mark.parametrize("text,op", [("remove the silences", "pauses"), ("cut the dead air", "pauses"),
                                     ("shorten the pauses to half a second", "pauses"), ("remove the dog", "remove")])
def test_pauses_and_sounds_are_not_trims(text, op):
    assert [s.op for s in plan_rules(text, sounds=("dog",)).steps] == [op]


def test_a_cut_in_the_middle_is_exact_and_moves_the_events_and_stems():
    scene = street_scene()
    events = {e.id: e for e in scene.events}
    step = trim.TrimStep(id="s1", instruction="x", start_s=1.0, end_s=2.0)
    assert trim.feasible(scene, step)[0]
    result = trim.execute(scene, step)
    after = result.scene
    removed = scene.audio.duration_s - after.audio.duration_s
    assert removed == pytest.approx(1.0 + trim.CROSSFADE_S, abs=1e-3)  # the join overlaps its crossfade
    x, y = scene.audio.samples, after.audio.samples
    assert np.array_equal(y[:, :SR - 400], x[:, :SR - 400])  # untouched before the join
    n = int(trim.CROSSFADE_S * SR)
    assert np.array_equal(y[:, SR:], x[:, 2 * SR + n:])  # and after it: the join's crossfade overlaps n frames
    for e in after.events:  # every event after the cut starts one second earlier; one inside it is clipped
        old = events[e.id]
        want = old.onset_s - 1.0 if old.onset_s >= 2.0 else min(old.onset_s, 1.0)
        assert e.onset_s == pytest.approx(want, abs=1e-3)
    assert np.allclose(sum(s.samples for s in after.stems.values()) + after.residual().samples, y, atol=1e-5)
    checks = verify_acoustic(scene, after, step, result.edited_spans_s).checks
    assert all(c.passed for c in checks), checks
    wrong = after.evolve(audio=Audio(y[:, ::-1].copy(), SR))
    failed = {c.name for c in verify_acoustic(scene, wrong, step, result.edited_spans_s).checks if not c.passed}
    assert failed == {"kept_max_abs_diff"}  # the right length, the wrong audio
    assert {c.name for c in verify_acoustic(scene, scene, step, result.edited_spans_s).checks if not c.passed} == {
        "duration_removed_s", "kept_max_abs_diff"}  # nothing done


def _padded(lead_s: float, tail_s: float) -> Audio:
    rng = np.random.default_rng(0)
    t = np.arange(int(2 * SR)) / SR
    tone = 0.3 * np.sin(2 * np.pi * 440 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    x = np.concatenate([np.zeros(int(lead_s * SR)), tone, np.zeros(int(tail_s * SR))])
    return Audio((x + rng.normal(0, 3e-4, x.size))[None], SR)  # a room-noise floor at about -70 dBFS


def test_silence_is_trimmed_at_the_asked_ends_only_and_nothing_audible_goes():
    audio = _padded(1.0, 2.0)
    for edges, want in (("start", 1.0 - trim.PAD_S), ("end", 2.0 - trim.PAD_S), ("both", 3.0 - 2 * trim.PAD_S)):
        step = trim.TrimStep(id="s1", instruction="x", silence=edges)
        result = trim.execute(Scene(audio), step)
        removed = audio.duration_s - result.scene.audio.duration_s
        assert removed == pytest.approx(want, abs=0.03), edges
        checks = {c.name: c for c in verify_acoustic(Scene(audio), result.scene, step, result.edited_spans_s).checks}
        assert all(c.passed for c in checks.values()), checks
        assert checks["removed_level_dbfs"].measured < -60
    loud_cut = trim.verify(Scene(audio), result.scene, step, [(0.0, 1.5)])  # a cut into the tone: heard
    assert not next(c for c in loud_cut if c.name == "removed_level_dbfs").passed


def test_no_silence_or_no_recording_left_is_a_clear_refusal():
    with pytest.raises(ExecutionError, match="no silence at the start"):
        trim.execute(Scene(_padded(0.0, 1.0)), trim.TrimStep(id="s1", instruction="x", silence="start"))
    scene = Scene(_padded(0.5, 0.5))  # 3 s
    ok, why = trim.feasible(scene, trim.TrimStep(id="s1", instruction="x", keep=True, start_s=5.0, end_s=8.0))
    assert not ok and "3.00 s long" in why
    ok, why = trim.feasible(scene, trim.TrimStep(id="s1", instruction="x", last_s=10.0))
    assert not ok and "leave nothing" in why
    with pytest.raises(ValueError):
        trim.TrimStep(id="s1", instruction="x", start_s=4.0, end_s=2.0)


def test_trimming_a_plain_file_end_to_end(tmp_path):
    src = save_audio(_padded(1.5, 1.0), tmp_path / "memo.wav")
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    outcome = edit(src, "trim the silence at the start and cut the last 0.5 seconds", tmp_path / "out.wav",
                   verifier="acoustic")
    assert outcome.report.status == "ok", outcome.report
    assert [s.backend for s in outcome.report.steps] == ["dsp.trim", "dsp.trim"]
    assert outcome.audio.duration_s == pytest.approx(4.5 - (1.5 - trim.PAD_S) - 0.5, abs=0.03)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest  # the input is never modified


def test_events_inside_a_cut_are_dropped():
    scene = Scene(_padded(1.0, 1.0), (Event(id="f0", label="click", onset_s=0.2, offset_s=0.4),
                                      Event(id="f1", label="tone", onset_s=1.0, offset_s=3.0)))
    after = trim.execute(scene, trim.TrimStep(id="s1", instruction="x", start_s=0.0, end_s=0.5)).scene
    assert [(e.id, e.onset_s) for e in after.events] == [("f1", 0.5)]


@pytest.mark.parametrize("request_text", ["remove 0:05 to 0:12", "trim the silence"])
def test_a_streamed_trim_writes_what_the_in_memory_one_does(tmp_path, request_text):
    from audioedit.agents.long import edit_long

    stereo = _padded(3.0, 2.0)
    stereo = Audio(np.concatenate([np.tile(stereo.samples, (1, 5)), 0.5 * np.tile(stereo.samples, (1, 5))]), SR)
    src = save_audio(stereo, tmp_path / "long.wav")  # 47.5 s, 2 channels
    whole = edit(src, request_text, tmp_path / "whole.wav", verifier="acoustic")
    streamed = edit_long(src, request_text, tmp_path / "streamed.wav", chunk_s=10.0, executor="dsp")
    assert whole.report.status == streamed.report.status == "ok", streamed.report
    checks = {c.name: c.passed for c in streamed.report.steps[0].attempts[-1].verdict.checks}
    assert checks and all(checks.values()), checks
    assert np.allclose(streamed.audio.samples, whole.audio.samples, atol=1e-6)


@pytest.mark.parametrize("text,reason", [("cut 6 to 4 s", "must be after"), ("cut the last 0 seconds", "greater than 0")])
def test_an_impossible_stretch_is_unresolved_with_its_reason(text, reason):
    plan = plan_rules(text)
    assert not plan.steps and reason in plan.unresolved[0].reason
