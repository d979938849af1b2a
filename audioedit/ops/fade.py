"""fade: fade the whole recording (or a sound with its own stem) in or out.

    >>> step = FadeStep(id="s1", instruction="Fade out the whole recording over the last 3 s.",
    ...                 target=EventRef(label="recording", scope="recording"), direction="out", duration_s=3.0)
    >>> window_s(step, 10.0)
    (7.0, 10.0)

Wording (``parse``): "fade it out", "add a fade-in", "fade out the last 3 s", "fade the music out over the last 3
seconds", "fade in over 2 s", "fade in the first 5 seconds", "fade out at 8 s". The fade lasts
``DEFAULT_S`` unless a length is given; a fade-in starts where the target starts, a fade-out ends
where it ends, unless a time is given. The gain follows a raised-cosine curve from 1 to 0 (out) or
0 to 1 (in); after a fade-out (before a fade-in) the target is silent.

Where it runs: the whole recording (mixture and every stem), or a target with stems (those stems;
the mixture changes by exactly their change). A sound without a stem cannot be faded alone: its
span also holds everything else, so the step is not feasible and says why.

Checks: ``fade_end_gain_db`` (the last tenth of the fade is at least ``MIN_DEPTH_DB`` down for a
fade-out; the first tenth for a fade-in), ``fade_monotonic`` (the gain moves one way through the
fade's quarters), ``unfaded_gain_db`` (unchanged before a fade-out / after a fade-in, ± 0.1 dB) and,
on a stem, ``rest_max_abs_diff``.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.backends import registry_backend
from audioedit.steps import EventRef, _Step, select_events

DEFAULT_S = 2.0
MIN_DEPTH_DB = 20.0
UNFADED_TOLERANCE_DB = 0.1


class FadeStep(_Step):
    op: Literal["fade"] = "fade"
    target: EventRef
    direction: Literal["in", "out"]
    duration_s: float = Field(DEFAULT_S, gt=0, le=3600)
    start_s: float | None = Field(None, ge=0, description="when the fade begins; None: at the target's start (in) or "
                                                          "so that it ends with the target (out)")


STEP = FadeStep
_NUM = r"(?P<n>\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)\b"
FADE_RE = re.compile(r"^(?:(?:slowly|gently|gradually|smoothly)\s+)?fade\b(?P<rest>.*)$|"
                     r"^(?P<x2>.+?)\s+should\s+fade\s+(?P<dir2>in|out)\b.*$")
DIR_RE = re.compile(r"\b(?P<dir>in|out|away|up|down)\b")
LENGTH_RE = re.compile(rf"\b(?:over|for|across|during|within|in)\s+(?:the\s+(?P<edge>last|first|final)\s+)?{_NUM}|"
                       rf"\bthe\s+(?P<edge2>last|first|final)\s+{_NUM.replace('<n>', '<n2>')}")
AT_RE = re.compile(r"\b(?:at|from|starting at|after)\s+(?P<t>\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)?\b")
FILLER_RE = re.compile(r"\b(?:fade(?:s|d)?|in|out|away|up|down|over|for|across|during|within|the|last|first|final|"
                       r"at|from|starting|after|slowly|gently|gradually|smoothly|end|start|beginning|seconds?|secs?|s)\b|"
                       r"\d+(?:\.\d+)?")


ADD_FADE_RE = re.compile(r"^(?:(?:add|apply|put|give(?: it)?|do|i want|we need)\s+)?(?:a|an|some)?\s*"
                         r"(?:(?P<n>\d+(?:\.\d+)?)[- ]?(?:s|sec|secs|seconds?)\s+)?"
                         r"(?:(?:slow|gentle|gradual|smooth|short|quick|long|nice)\s+)?(?=fade)")


def parse(text: str, source: str, builder) -> bool:
    """A fade clause -> one ``FadeStep`` per target; False when the clause is not a fade."""
    said = ADD_FADE_RE.match(text.strip())  # 'add a 3 second fade-out' -> 'fade out over 3 s'
    if said is not None:
        text = text.strip()[said.end():] + (f" over {said['n']} s" if said["n"] else "")
    text = re.sub(r"\bfade-?(in|out)\b", r"fade \1", text)
    m = FADE_RE.match(text)
    if m is None:
        return False
    rest = m["rest"] if m["rest"] is not None else m["dir2"]
    d = DIR_RE.search(rest or "")
    direction = "in" if d is not None and d["dir"] in ("in", "up") else "out"
    length = LENGTH_RE.search(text)
    duration_s = float((length["n"] or length["n2"]) if length else DEFAULT_S)
    edge = (length["edge"] or length["edge2"]) if length else None
    if length is None:
        builder.g.note(f"'{source}': no length given; a {DEFAULT_S:g} s fade")
    at = AT_RE.search(text)
    start_s = float(at["t"]) if at is not None else None
    if edge in ("first",) and direction == "out" or edge in ("last", "final") and direction == "in":
        builder.g.note(f"'{source}': a fade-{direction} over the {edge} {duration_s:g} s")
    phrase = m["x2"] if m["x2"] else FILLER_RE.sub(" ", text)
    refs = builder.g.refs(re.sub(r"\s+", " ", phrase).strip() or "it", source)
    for ref in refs or ():
        builder.add_step(FadeStep, source, instruction=instruction(ref, direction, duration_s), target=ref,
                         direction=direction, duration_s=duration_s, start_s=start_s)
    builder.last_verb = None
    return True


def instruction(target: EventRef, direction: str, duration_s: float) -> str:
    from audioedit.ops.apply import spoken

    return f"Fade {direction} {spoken(target)} over {duration_s:g} s."


def amount(step: FadeStep) -> str:
    return f"fade {step.direction}, {step.duration_s:g} s" + ("" if step.start_s is None else f" from {step.start_s:g} s")


def _span_s(scene, ref: EventRef, duration_s: float) -> tuple[float, float]:
    if ref.scope == "recording":
        return 0.0, duration_s
    events = select_events(scene.events, ref)
    return (min(e.onset_s for e in events), max(e.offset_s for e in events)) if events else (0.0, duration_s)


def window_s(step: FadeStep, duration_s: float, span_s: tuple[float, float] | None = None) -> tuple[float, float]:
    """The fade's (start, end) in seconds, inside the target's span (default: the whole file)."""
    a, b = span_s or (0.0, duration_s)
    if step.start_s is not None:
        start = step.start_s
    else:
        start = a if step.direction == "in" else max(a, b - step.duration_s)
    return start, min(b, start + step.duration_s)


def gain_curve(step: FadeStep, num_frames: int, sample_rate_hz: int, span_s: tuple[float, float]) -> np.ndarray:
    """Per-frame gain: 1 outside the fade's effect, a raised cosine through it, 0 beyond it."""
    start, end = window_s(step, num_frames / sample_rate_hz, span_s)
    i0, i1 = int(round(start * sample_rate_hz)), max(int(round(end * sample_rate_hz)), int(round(start * sample_rate_hz)) + 1)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(i1 - i0) / max(1, i1 - i0 - 1))  # 0 -> 1
    g = np.ones(num_frames)
    if step.direction == "out":
        g[i0:i1] = 1.0 - ramp[: max(0, min(i1, num_frames) - i0)]
        g[i1:int(round(span_s[1] * sample_rate_hz))] = 0.0
    else:
        g[int(round(span_s[0] * sample_rate_hz)):i0] = 0.0
        g[i0:i1] = ramp[: max(0, min(i1, num_frames) - i0)]
    return g


def feasible(scene, step: FadeStep) -> tuple[bool, str]:
    from audioedit.ops.apply import whole_or_stems

    return whole_or_stems(scene, step.target, "fade")


def execute(scene, step: FadeStep):
    from audioedit.result import StepResult

    sr, n = scene.audio.sample_rate_hz, scene.audio.num_frames
    span = _span_s(scene, step.target, scene.audio.duration_s)
    g = gain_curve(step, n, sr, span)
    x = scene.audio.samples.astype(np.float64)
    if step.target.scope == "recording":
        stems = {k: s.with_samples(s.samples * g) for k, s in scene.stems.items()} if scene.stems is not None else None
        after = scene.evolve(audio=scene.audio.with_samples(x * g), stems=stems)
    else:
        stems, y = dict(scene.stems), x.copy()
        for ev in select_events(scene.events, step.target):
            old = scene.stems[ev.id].samples.astype(np.float64)
            stems[ev.id] = scene.stems[ev.id].with_samples(old * g)
            y += old * g - old
        after = scene.evolve(audio=scene.audio.with_samples(y), stems=stems)
    start, end = window_s(step, scene.audio.duration_s, span)
    edited = (start, span[1]) if step.direction == "out" else (span[0], end)
    return StepResult(scene=after, edited_spans_s=[edited], backend=registry_backend("fade"),
                      notes=[f"fade {step.direction} {start:.2f}-{end:.2f} s on {step.target.describe()}"])


def _ratio_db(before: np.ndarray, after: np.ndarray) -> float:
    from audioedit.metrics import power_db

    return power_db(after) - power_db(before) if before.size else 0.0


def verify(before, after, step: FadeStep, edited_spans_s) -> list:
    from audioedit.ops.apply import layer
    from audioedit.ops.measure import check, rest_unchanged

    sr = before.audio.sample_rate_hz
    span = _span_s(before, step.target, before.audio.duration_s)
    start, end = window_s(step, before.audio.duration_s, span)
    (t0, r0), (t1, r1) = layer(before, step.target, edited_spans_s), layer(after, step.target, edited_spans_s)
    i0, i1 = int(start * sr), int(end * sr)
    tenth = max(1, (i1 - i0) // 10)
    edge = slice(i1 - tenth, i1) if step.direction == "out" else slice(i0, i0 + tenth)
    depth = _ratio_db(t0[:, edge], t1[:, edge])
    quarters = [_ratio_db(t0[:, a:a + max(1, (i1 - i0) // 4)], t1[:, a:a + max(1, (i1 - i0) // 4)])
                for a in range(i0, i1 - (i1 - i0) // 4 + 1, max(1, (i1 - i0) // 4))][:4]
    monotonic = all(b <= a + 0.5 for a, b in zip(quarters, quarters[1:])) if step.direction == "out" else \
        all(b >= a - 0.5 for a, b in zip(quarters, quarters[1:]))
    kept = slice(0, i0) if step.direction == "out" else slice(i1, None)
    unfaded = _ratio_db(t0[:, kept], t1[:, kept]) if t0[:, kept].size else 0.0
    checks = [check("fade_end_gain_db", depth, f"<= -{MIN_DEPTH_DB:g}", depth <= -MIN_DEPTH_DB,
                    f"the {'last' if step.direction == 'out' else 'first'} tenth of {start:.2f}-{end:.2f} s"),
              check("fade_monotonic", float(monotonic), "== 1", monotonic,
                    "gain per quarter of the fade: " + ", ".join(f"{q:.1f}" for q in quarters) + " dB"),
              check("unfaded_gain_db", unfaded, f"0 ± {UNFADED_TOLERANCE_DB:g}", abs(unfaded) <= UNFADED_TOLERANCE_DB)]
    if step.target.scope != "recording":
        checks.append(rest_unchanged(r0, r1))
    return checks
