"""channels: make the recording mono or stereo, or swap its left and right channels.

    >>> from audioedit.planner.rules import plan_rules
    >>> [(s.op, s.to) for s in plan_rules("make it mono").steps]
    [('channels', 'mono')]

Wording (``parse``): "make it mono", "convert to mono", "downmix to mono", "make it stereo", "swap the left and
right channels", "flip the stereo". Mono is the mean of the channels; stereo copies a mono recording to two
channels; a swap exchanges the first two. The mixture and every stem change alike; events keep their times. A
recording already in the asked form is refused with the reason.

Checks: ``channel_count`` (the asked count) and ``channel_max_abs_diff`` (every output channel equal to what the
asked mapping of the input gives, <= 1e-6).
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.backends import registry_backend
from audioedit.steps import EventRef, _Step, whole_recording

CHANGES_SHAPE = True  # the verifier compares the asked mapping, not the same samples
TOLERANCE = 1e-6


class ChannelsStep(_Step):
    op: Literal["channels"] = "channels"
    target: EventRef = Field(default_factory=whole_recording)
    to: Literal["mono", "stereo", "swap"] = Field(description="mono (mean of the channels) | stereo | swap left and right")


STEP = ChannelsStep
_IT = r"(?:\s+(?:it|this|the (?:recording|audio|file|clip|track|mix|song)))?"
CHANNELS_RES = (
    (re.compile(rf"^(?:make|convert|turn|change|render|downmix|mix(?: it)? down|sum|collapse|bounce){_IT}\s+"
                r"(?:(?:down\s+)?(?:to|into)\s+)?(?:a\s+)?(?P<to>mono|stereo)(?:\s+(?:file|track|recording))?$"), None),
    (re.compile(r"^(?P<to>mono|stereo)(?:\s+please)?$"), None),
    (re.compile(r"^(?:swap|switch|flip|exchange|reverse)\s+(?:the\s+)?(?:left and right|right and left|stereo|"
                r"channels|stereo channels|left and right channels)(?:\s+channels)?$"), "swap"),
)


def parse(text: str, source: str, builder) -> bool:
    text = text.strip().rstrip(".!").strip()
    for pattern, to in CHANNELS_RES:
        m = pattern.match(text)
        if m is None:
            continue
        to = to or m["to"]
        builder.add_step(ChannelsStep, source, instruction=instruction(to), to=to)
        builder.last_verb = None
        return True
    return False


def instruction(to: str) -> str:
    return {"mono": "Make the recording mono.", "stereo": "Make the recording stereo.",
            "swap": "Swap the left and right channels."}[to]


def amount(step: ChannelsStep) -> str:
    return step.to


def mapped(samples: np.ndarray, to: str) -> np.ndarray:
    """``samples`` (channels, frames) as ``to`` asks."""
    if to == "mono":
        return samples.mean(axis=0, keepdims=True)
    if to == "stereo":
        return np.repeat(samples[:1], 2, axis=0)
    return np.concatenate([samples[1::-1], samples[2:]], axis=0)


def _channels_wanted(to: str, before: int) -> int:
    return {"mono": 1, "stereo": 2, "swap": before}[to]


def feasible(scene, step: ChannelsStep) -> tuple[bool, str]:
    n = scene.audio.num_channels
    if step.target.scope != "recording":
        return False, "channels are changed for the whole recording, not for one sound"
    if step.to == "mono" and n == 1:
        return False, "the recording is mono already"
    if step.to == "stereo" and n != 1:
        return False, f"the recording has {n} channels already; 'make it stereo' copies a mono recording to two"
    if step.to == "swap" and n < 2:
        return False, "the recording is mono: there are no left and right channels to swap"
    return True, f"{n} channel(s) -> {_channels_wanted(step.to, n)} (exact)"


def execute(scene, step: ChannelsStep):
    from audioedit.result import StepResult

    audio = scene.audio
    stems = None if scene.stems is None else {k: s.with_samples(mapped(s.samples, step.to)) for k, s in scene.stems.items()}
    after = scene.evolve(audio=audio.with_samples(mapped(audio.samples, step.to)), stems=stems)
    return StepResult(scene=after, edited_spans_s=[(0.0, audio.duration_s)], backend=registry_backend("channels"),
                      notes=[f"{audio.num_channels} channel(s) -> {after.audio.num_channels} ({step.to})"])


def verify(before, after, step: ChannelsStep, edited_spans_s) -> list:
    from audioedit.ops.measure import check

    want = mapped(before.audio.samples.astype(np.float64), step.to)
    got = after.audio.samples.astype(np.float64)
    n = got.shape[0]
    checks = [check("channel_count", n, f"== {want.shape[0]}", n == want.shape[0])]
    diff = float(np.max(np.abs(got - want))) if got.shape == want.shape else float(np.max(np.abs(want)) + 1.0)
    checks.append(check("channel_max_abs_diff", diff, f"<= {TOLERANCE:g}", diff <= TOLERANCE and got.shape == want.shape,
                        "every output channel against the asked mapping of the input"))
    return checks
