"""Requests people type about a whole plain recording: loudness normalisation, cleaning it up, echo."""

from __future__ import annotations

import pytest

from audioedit.planner.rules import plan_rules
from audioedit.scene import SceneDescription

PLAIN = SceneDescription(duration_s=12.0, sample_rate_hz=16000, num_channels=1, events=[], has_stems=False,
                         events_from="detected")


@pytest.mark.parametrize("text,lufs", [
    ("normalize the volume", -16.0), ("normalize the audio", -16.0), ("normalise the overall volume", -16.0),
    ("normalize it", -16.0), ("normalize the recording to -14 LUFS", -14.0), ("make it as loud as a podcast", -16.0),
    ("normalize for broadcast", -23.0),  # "even out the volume" is the level op (tests/test_ops_level.py)
])
def test_normalize_wording_reaches_the_whole_recording(text, lufs):
    plan = plan_rules(text)
    assert not plan.unresolved, plan.unresolved
    (step,) = plan.steps
    assert (step.op, step.target.scope, step.lufs) == ("normalize", "recording", lufs)


@pytest.mark.parametrize("text", ["clean it up", "clean up the audio", "enhance the audio"])
def test_cleaning_up_a_plain_recording_keeps_the_voice(text):
    (step,) = plan_rules(text, PLAIN).steps
    assert (step.op, step.target.scope) == ("remove", "background")


@pytest.mark.parametrize("text", ["remove the echo", "reduce the reverb", "get rid of the room echo"])
def test_echo_is_no_sound_to_remove_and_says_so(text):
    plan = plan_rules(text, PLAIN)
    assert not plan.steps and "(dereverberation) is not supported" in plan.unresolved[0].reason


@pytest.mark.parametrize("text,peak", [("normalize to -1 dB", -1.0), ("peak normalize it", -1.0),
                                       ("normalize the peaks to -0.5 dBFS", -0.5), ("normalize to 0 dB", 0.0)])
def test_peak_normalisation_wording(text, peak):
    (step,) = plan_rules(text).steps
    assert (step.op, step.lufs, step.peak_dbfs) == ("normalize", None, peak)


@pytest.mark.parametrize("text,clauses", [
    ("turn the guitar and the dog bark down by 6 dB", ["turn the guitar and the dog bark down by 6 dB"]),
    ("turn the guitar and remove the dog", ["turn the guitar", "remove the dog"]),
])
def test_a_particle_after_a_list_keeps_the_list_in_one_clause(text, clauses):
    from audioedit.planner.clauses import split_request

    assert split_request(text)[1] == clauses
