"""How people ask for loudness normalisation, read as one whole-recording ``normalize`` step."""

from __future__ import annotations

import pytest

from audioedit.planner.rules import plan_rules


@pytest.mark.parametrize("text,lufs", [
    ("normalize the volume", -16.0), ("normalize the audio", -16.0), ("normalise the overall volume", -16.0),
    ("normalize it", -16.0), ("normalize the recording to -14 LUFS", -14.0), ("make it as loud as a podcast", -16.0),
    ("normalize for broadcast", -23.0), ("even out the volume", -16.0),
])
def test_normalize_wording_reaches_the_whole_recording(text, lufs):
    plan = plan_rules(text)
    assert not plan.unresolved, plan.unresolved
    (step,) = plan.steps
    assert (step.op, step.target.scope, step.lufs) == ("normalize", "recording", lufs)
