"""reverb: put a sound (or the whole recording) in a room.

    >>> step = ReverbStep(id="s1", instruction="Add a small room's reverb to the whole recording.",
    ...                   target=EventRef(label="recording", scope="recording"), room="small_room")
    >>> step.params()
    (0.3, 0.25)

``room`` presets set ``room_size`` (0-1, Freeverb's) and ``wet_level`` (0-1); explicit values
override them. The effect is pedalboard's Reverb (dry 1.0), then the output is levelled to the
input's RMS. Checks: ``ir_rt60_s`` (the RT60 of the applied reverb's impulse response, Schroeder
T20), ``wet_ratio_db`` (the diffuse sound added to the target, relative to its direct sound),
``level_change_db`` and, on a layer, ``rest_max_abs_diff`` (everything else unchanged).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audioedit.steps import EventRef, _Step

Room = Literal["small_room", "medium_room", "large_hall", "church", "outdoor"]
# room -> (room_size, wet_level)
ROOMS: dict[str, tuple[float, float]] = {
    "small_room": (0.3, 0.25), "medium_room": (0.55, 0.3), "large_hall": (0.8, 0.35),
    "church": (0.95, 0.45), "outdoor": (0.15, 0.1),
}
MIN_RT60_S = 0.1
MIN_WET_RATIO_DB = -25.0
LEVEL_TOLERANCE_DB = 1.0
TAIL_S = 1.5


class ReverbStep(_Step):
    op: Literal["reverb"] = "reverb"
    target: EventRef
    room: Room | None = Field("medium_room", description="preset: small_room | medium_room | large_hall | church | outdoor")
    room_size: float | None = Field(None, ge=0, le=1, description="Freeverb room size; overrides the preset's")
    wet_level: float | None = Field(None, ge=0, le=1, description="reverb level; overrides the preset's")

    def params(self) -> tuple[float, float]:
        size, wet = ROOMS[self.room or "medium_room"]
        return (self.room_size if self.room_size is not None else size,
                self.wet_level if self.wet_level is not None else wet)


STEP = ReverbStep


def instruction(target: EventRef, room: str | None) -> str:
    from audioedit.ops.apply import spoken

    return f"Add {(room or 'medium_room').replace('_', ' ')} reverb to {spoken(target)}."


def amount(step: ReverbStep) -> str:
    size, wet = step.params()
    return f"{step.room or 'custom'}: room size {size:g}, wet {wet:g}"


def _board(step: ReverbStep):
    import pedalboard

    size, wet = step.params()
    return pedalboard.Reverb(room_size=size, wet_level=wet, dry_level=1.0, damping=0.5, width=1.0)


def process(step: ReverbStep):
    """The effect as ``(samples (channels, frames), sr) -> samples``, levelled to the input RMS."""
    from audioedit.ops.measure import match_level

    def run(x, sr):
        y = _board(step)(x.astype("float32"), sr, reset=True).astype("float64")
        return match_level(y, x)
    return run


def impulse_rt60_s(step: ReverbStep, sr: int) -> float:
    import numpy as np

    from audioedit.ops.measure import rt60_s

    ir = np.zeros((1, int(3 * sr)), np.float32)
    ir[0, 0] = 1.0
    out = _board(step)(ir, sr, reset=True).astype(np.float64)
    out[0, 0] -= 1.0  # the dry path: keep the reverberant part
    return rt60_s(out, sr)


def feasible(scene, step: ReverbStep) -> tuple[bool, str]:
    from audioedit.ops.apply import effect_feasible

    return effect_feasible(scene, step.target, TAIL_S)


def execute(scene, step: ReverbStep):
    from audioedit.ops.apply import execute_effect

    size, wet = step.params()
    return execute_effect(scene, step, process(step), TAIL_S, f"reverb room size {size:g}, wet {wet:g}")


def verify(before, after, step: ReverbStep, edited_spans_s) -> list:
    from audioedit.ops.apply import measured_target
    from audioedit.metrics import power_db
    from audioedit.ops.measure import check, wet_ratio_db

    sr = before.audio.sample_rate_hz
    t0, t1, kept = measured_target(before, after, step, edited_spans_s)
    rt60 = impulse_rt60_s(step, sr)
    checks = [check("ir_rt60_s", rt60, f">= {MIN_RT60_S:g}", rt60 >= MIN_RT60_S, "RT60 of the applied reverb's impulse response")]
    ratio = wet_ratio_db(t0, t1)
    checks.append(check("wet_ratio_db", ratio, f">= {MIN_WET_RATIO_DB:g}", ratio >= MIN_WET_RATIO_DB,
                        "diffuse sound added to the target, relative to its direct sound"))
    change = power_db(t1) - power_db(t0)
    checks.append(check("level_change_db", change, f"0 ± {LEVEL_TOLERANCE_DB:g}", abs(change) <= LEVEL_TOLERANCE_DB))
    return checks + kept
