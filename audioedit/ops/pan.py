"""pan: place a sound (or the whole recording) left or right in the stereo image.

    >>> round(float(pan_gains(-1.0)[0]), 3), round(float(pan_gains(-1.0)[1]), 3)   # hard left
    (1.414, 0.0)
    >>> [round(float(g), 3) for g in pan_gains(0.0)]                               # centre: unchanged
    [1.0, 1.0]

``position`` runs from -1 (hard left) through 0 (centre) to +1 (hard right). Wording (``parse``):
"move the bird to the left" (``SIDE``), "pan the speech slightly right" (``SLIGHT``), "put the dog hard
left" / "all the way to the right" (1.0), "centre the voice" (0). Constant-power law: with
θ = (position + 1) π/4 the left and right gains are √2·cos θ and √2·sin θ, so the centre leaves the
sound as it was and the power summed over both channels stays the same everywhere.

A mono input becomes stereo (both channels the same before the pan: the report says so); more than
two channels are refused. Where it runs: the whole recording, or a target with stems (the mixture
changes by exactly the panned stems' change); a sound without a stem cannot be moved alone.

Checks: ``channel_balance_db`` (right minus left level of the target) within ``BALANCE_TOLERANCE_DB``
of the law's value, ``power_change_db`` (the target's power summed over channels, ± 0.5 dB of the
law's: 0 for a centred or mono source), and on a stem ``rest_max_abs_diff``.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.backends import registry_backend
from audioedit.steps import EventRef, _Step, select_events

SIDE = 0.7
SLIGHT = 0.3
BALANCE_TOLERANCE_DB = 1.0
POWER_TOLERANCE_DB = 0.5
MAX_BALANCE_DB = 40.0  # a hard pan is measured as at least this one-sided


class PanStep(_Step):
    op: Literal["pan"] = "pan"
    target: EventRef
    position: float = Field(ge=-1, le=1, description="-1 hard left, 0 centre, +1 hard right")


STEP = PanStep
PAN_RE = re.compile(
    r"^(?:move|pan|put|place|shift|push|send|bring)\s+(?P<x>.+?)\s+(?:to(?:wards)?\s+|over\s+to\s+|on\s+|into\s+)?"
    r"(?:the\s+)?(?P<how>hard\s+|fully\s+|all the way (?:to the\s+)?|slightly\s+|a (?:bit|little)\s+(?:to the\s+)?|"
    r"more\s+(?:to the\s+)?)?(?P<side>left|right|centre|center|middle)(?:\s+(?:side|channel|speaker))?$"
    r"|^(?:centre|center)\s+(?P<c>.+)$"
)


def parse(text: str, source: str, builder) -> bool:
    m = PAN_RE.match(text.strip())
    if m is None:
        return False
    if m["c"]:
        phrase, position = m["c"], 0.0
    else:
        how, side = (m["how"] or "").strip(), m["side"]
        size = 1.0 if how.startswith(("hard", "fully", "all")) else SLIGHT if how.startswith(("slightly", "a ")) else SIDE
        position, phrase = (0.0 if side in ("centre", "center", "middle") else size * (-1 if side == "left" else 1)), m["x"]
        if not how and side in ("left", "right"):
            builder.g.note(f"'{source}': '{side}' read as position {position:+g} (of -1 hard left .. +1 hard right)")
    refs = builder.g.refs(phrase, source)
    for ref in refs or ():
        builder.add_step(PanStep, source, instruction=instruction(ref, position), target=ref, position=position)
    builder.last_verb = None
    return True


def instruction(target: EventRef, position: float) -> str:
    where = "to the centre" if position == 0 else f"{abs(position):g} to the {'left' if position < 0 else 'right'}"
    from audioedit.ops.apply import spoken

    return f"Pan {spoken(target)} {where}."


def amount(step: PanStep) -> str:
    return f"position {step.position:+g}"


def pan_gains(position: float) -> np.ndarray:
    theta = (position + 1) * np.pi / 4
    return np.sqrt(2) * np.array([np.cos(theta), np.sin(theta)])


def expected_balance_db(position: float) -> float:
    left, right = pan_gains(position)
    return float(np.clip(20 * np.log10(max(right, 1e-9) / max(left, 1e-9)), -MAX_BALANCE_DB, MAX_BALANCE_DB))


def feasible(scene, step: PanStep) -> tuple[bool, str]:
    if scene.audio.num_channels > 2:
        return False, f"the recording has {scene.audio.num_channels} channels; panning works on mono or stereo"
    from audioedit.ops.apply import whole_or_stems

    return whole_or_stems(scene, step.target, "move")


def _stereo(x: np.ndarray) -> np.ndarray:
    return np.repeat(x, 2, axis=0) if x.shape[0] == 1 else x


def execute(scene, step: PanStep):
    from audioedit.result import StepResult

    g = pan_gains(step.position)[:, None]
    x = _stereo(scene.audio.samples.astype(np.float64))
    stems = {k: s.with_samples(_stereo(s.samples.astype(np.float64))) for k, s in (scene.stems or {}).items()} or None
    if step.target.scope == "recording":
        y = x * g
        stems = {k: s.with_samples(s.samples * g) for k, s in stems.items()} if stems else None
    else:
        y = x.copy()
        for ev in select_events(scene.events, step.target):
            old = stems[ev.id].samples
            stems[ev.id] = stems[ev.id].with_samples(old * g)
            y += old * g - old
    notes = [f"pan {step.target.describe()} to {step.position:+g}"]
    if scene.audio.num_channels == 1:
        notes.append("the mono input became stereo (both channels equal before the pan)")
    after = scene.evolve(audio=scene.audio.with_samples(y), stems=stems)
    return StepResult(scene=after, edited_spans_s=[(0.0, scene.audio.duration_s)], backend=registry_backend("pan"), notes=notes)


def _target(scene, ref: EventRef) -> np.ndarray:
    from audioedit.ops.apply import layer

    return _stereo(layer(scene, ref, [])[0])


def verify(before, after, step: PanStep, edited_spans_s) -> list:
    from audioedit.metrics import power_db
    from audioedit.ops.measure import check, rest_unchanged

    t0, t1 = _target(before, step.target), _target(after, step.target)
    if t1.shape[0] != 2:
        return [check("stereo_output", t1.shape[0], "== 2", False, "the pan did not produce two channels")]
    balance = float(np.clip(power_db(t1[1:]) - power_db(t1[:1]), -MAX_BALANCE_DB, MAX_BALANCE_DB))
    balance0 = float(np.clip(power_db(t0[1:]) - power_db(t0[:1]), -MAX_BALANCE_DB, MAX_BALANCE_DB))
    want = float(np.clip(balance0 + expected_balance_db(step.position), -MAX_BALANCE_DB, MAX_BALANCE_DB))
    power = power_db(t1) - power_db(t0)
    per_channel = np.mean(np.square(t0), axis=1)
    expected_power = 10 * np.log10((pan_gains(step.position) ** 2 @ per_channel + 1e-20) / (per_channel.sum() + 1e-20))
    checks = [check("channel_balance_db", balance, f"{want:+.1f} ± {BALANCE_TOLERANCE_DB:g}",
                    abs(balance - want) <= BALANCE_TOLERANCE_DB, "right minus left level of the target"),
              check("power_change_db", power, f"{expected_power:+.2f} ± {POWER_TOLERANCE_DB:g}",
                    abs(power - expected_power) <= POWER_TOLERANCE_DB,
                    "0 for a centred source; a source louder on one side gains or loses what the law gives that side")]
    if step.target.scope != "recording":
        x0 = _stereo(before.audio.samples.astype(np.float64))
        checks.append(rest_unchanged(x0 - t0, after.audio.samples.astype(np.float64) - t1))
    return checks
