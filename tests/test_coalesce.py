"""Every non-speech sound edited alike becomes one background-layer step, before the steps on the voices
(planner/coalesce.py, reports/lcr session 16); nothing else changes."""

from __future__ import annotations

from audioedit.planner import make_plan
from audioedit.scene import Event, SceneDescription

EVENTS = [Event(id="f0_speech", label="speech", onset_s=0, offset_s=5), Event(id="f1_speech", label="speech", onset_s=0, offset_s=5),
          Event(id="f2_guitar", label="guitar", onset_s=0, offset_s=5), Event(id="f3_dog_bark", label="dog_bark", onset_s=0, offset_s=5)]


def _scene(events_from: str = "annotation", events=EVENTS) -> SceneDescription:
    return SceneDescription(duration_s=5.0, sample_rate_hz=16000, num_channels=1, events=list(events), has_stems=False,
                            events_from=events_from)


def _summary(plan):
    return [(s.op, s.target.scope, getattr(s, "gain_db", None)) for s in plan.steps]


def test_removing_every_sound_but_the_voices_is_one_background_step():
    plan = make_plan("remove the guitar and the dog bark", _scene())
    assert _summary(plan) == [("remove", "background", None)]
    assert plan.steps[0].target.event_ids == ["f2_guitar", "f3_dog_bark"] and "background layer" in plan.assumptions[-1]


def test_the_background_step_comes_before_the_voices():
    plan = make_plan("make the speech 6 dB louder and turn the guitar and the dog bark down by 6 dB", _scene())
    assert _summary(plan) == [("loudness", "background", -6.0), ("loudness", "events", 6.0)]
    assert [s.id for s in plan.steps] == ["s1", "s2"]


def test_partial_or_unequal_edits_and_plain_recordings_are_left_alone():
    assert _summary(make_plan("remove the guitar", _scene())) == [("remove", "events", None)]
    unequal = make_plan("make the guitar 6 dB quieter and the dog bark 3 dB quieter", _scene())
    assert [s.target.scope for s in unequal.steps] == ["events", "events"]
    detected = make_plan("remove the guitar and the dog bark", _scene("detected"))
    assert [s.target.scope for s in detected.steps] == ["events", "events"]
    no_voice = make_plan("remove the guitar and the dog bark", _scene(events=EVENTS[2:]))
    assert [s.target.scope for s in no_voice.steps] == ["events", "events"]
