"""Where a whole-signal effect (reverb, EQ) can run on a scene, and running it there.

- the target's scope is ``recording``             -> the whole mixture (and every stem, so they stay consistent);
  with a time window ("the second half")         -> that stretch of the mixture, like a region below
- every target event has a stem                   -> those stems; the mixture changes by exactly their change
- annotated targets, each alone in its span       -> the event's span on the mixture (+ the effect's tail,
  up to the next event), with 10 ms crossfades; everything outside is sample-identical
- otherwise (detected events, overlaps, no events) -> not feasible, with the reason

``Process`` maps float ``(channels, frames)`` samples at a sample rate to the same shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from audioedit.errors import ExecutionError
from audioedit.scene import EXACT_SOURCES, Event, Scene
from audioedit.steps import EventRef, select_events

Process = Callable[[np.ndarray, int], np.ndarray]
MARGIN_S = 0.05
XFADE_S = 0.01
STRETCH_ID = "stretch"  # the region of a time window of the recording


def spoken(ref: EventRef) -> str:
    """'the whole recording', 'the speech', 'the dog bark', 'everything except the dog bark' (for instructions)."""
    if ref.scope != "events":
        return ref.describe()
    name = f"the {ref.label.replace('_', ' ')}"
    return f"everything except {name}" if ref.complement else name


def whole(ref: EventRef) -> bool:
    return ref.scope == "recording"


def plan_region(scene: Scene, ref: EventRef, tail_s: float) -> tuple[str, list[Event], str]:
    """(mode, targets, reason): mode is ``recording``, ``stems``, ``region`` or ``""`` (not feasible)."""
    if whole(ref) and (ref.start_s is not None or ref.end_s is not None):  # a stretch of time: a region of the mixture
        end_s = scene.audio.duration_s if ref.end_s is None else min(ref.end_s, scene.audio.duration_s)
        start_s = ref.start_s or 0.0
        if end_s - start_s <= 2 * XFADE_S:
            return "", [], f"{ref.describe()} is not inside the recording ({scene.audio.duration_s:.2f} s long)"
        stretch = Event(id=STRETCH_ID, label=ref.label, onset_s=start_s, offset_s=end_s)
        return "region", [stretch], f"{ref.describe()}: DSP on that stretch of the mixture" + (
            " (the stems are dropped)" if scene.has_stems else "")
    if whole(ref):
        return "recording", [], "the whole recording: DSP on the mixture" + (" and every stem" if scene.has_stems else "")
    if ref.scope != "events" or ref.complement:
        return "", [], f"{ref.describe()} is not a layer this effect can isolate; apply it to the whole recording"
    targets = select_events(scene.events, ref)
    if not targets:
        return "", [], f"no event matches {ref.describe()!r}; the scene has labels {scene.labels()}"
    if scene.stems is not None and all(t.id in scene.stems for t in targets):
        return "stems", targets, f"stems for {[t.id for t in targets]}: the effect on those layers only"
    if scene.events_from not in EXACT_SOURCES:
        return "", targets, (f"the events were {scene.events_from} (not annotated) and there are no stems, so "
                             f"{ref.describe()} cannot be separated from the rest; pass stems or apply it to the "
                             "whole recording")
    for t in targets:
        others = [e for e in scene.events if e.id != t.id and e.overlaps(t, MARGIN_S)]
        if others:
            return "", targets, (f"{t.id} overlaps {[e.id for e in others]} and there are no stems: the effect would "
                                 "change them too; pass stems or apply it to the whole recording")
    return "region", targets, "annotated event alone in its span: effect on that span of the mixture"


def whole_or_stems(scene: Scene, ref: EventRef, verb: str) -> tuple[bool, str]:
    """(feasible, reason) for an edit that can run on the whole recording or on the target's stems but
    not on a region of the mixture (fade, pan: a region also holds the other sounds, which would change
    with the target)."""
    mode, _, why = plan_region(scene, ref, 0.0)
    if mode in ("recording", "stems"):
        return True, why
    return False, (f"{ref.describe()} has no stem: its span also holds the other sounds, which would {verb} with it; "
                   f"pass the stems or {verb} the whole recording")


def run(scene: Scene, ref: EventRef, process: Process, tail_s: float) -> tuple[Scene, list[tuple[float, float]], str]:
    """Apply ``process`` where ``plan_region`` allows; returns (scene after, edited spans, mode)."""
    mode, targets, why = plan_region(scene, ref, tail_s)
    sr = scene.audio.sample_rate_hz
    x = scene.audio.samples.astype(np.float64)
    if mode == "":
        raise ExecutionError(why)
    if mode == "recording":
        stems = None
        if scene.stems is not None:
            stems = {k: s.with_samples(process(s.samples.astype(np.float64), sr)) for k, s in scene.stems.items()}
            rest = process(scene.residual().samples.astype(np.float64), sr)
            y = sum(s.samples.astype(np.float64) for s in stems.values()) + rest
        else:
            y = process(x, sr)
        return scene.evolve(audio=scene.audio.with_samples(y), stems=stems), [(0.0, scene.audio.duration_s)], mode
    if mode == "stems":
        stems = dict(scene.stems)
        y = x.copy()
        for t in targets:
            old = scene.stems[t.id].samples.astype(np.float64)
            new = process(old, sr)
            stems[t.id] = scene.stems[t.id].with_samples(new)
            y += new - old
        return scene.evolve(audio=scene.audio.with_samples(y), stems=stems), [(0.0, scene.audio.duration_s)], mode
    y = x.copy()
    spans = []
    for t in targets:
        a, b = _region(scene, t, tail_s)
        seg = process(x[:, a:b], sr)
        w = _window(b - a, int(XFADE_S * sr))
        y[:, a:b] = x[:, a:b] + (seg - x[:, a:b]) * w
        spans.append((a / sr, b / sr))
    stems = None if any(t.id == STRETCH_ID for t in targets) else scene.stems  # a stretch of every stem: not kept
    return scene.evolve(audio=scene.audio.with_samples(y), stems=stems), sorted(spans), mode


def _region(scene: Scene, t: Event, tail_s: float) -> tuple[int, int]:
    sr, n = scene.audio.sample_rate_hz, scene.audio.num_frames
    later = [e.onset_s for e in scene.events if e.id != t.id and e.onset_s >= t.offset_s]
    end_s = min([t.offset_s + tail_s, *[o - MARGIN_S for o in later]])
    a = max(0, int((t.onset_s - MARGIN_S / 2) * sr))
    return a, min(n, max(a + 1, int(max(end_s, t.offset_s) * sr)))


def _window(n: int, ramp: int) -> np.ndarray:
    w = np.ones(n)
    ramp = min(ramp, n // 2)
    if ramp:
        w[:ramp] = np.linspace(0, 1, ramp)
        w[n - ramp:] = np.linspace(1, 0, ramp)
    return w


def layer(scene: Scene, ref: EventRef, spans_s: list[tuple[float, float]]) -> tuple[np.ndarray | None, np.ndarray]:
    """(the target's signal, the rest) for measurement: the stem(s) on ``stems``, the spans' audio on a region
    edit, the mixture for the whole recording (rest = zeros)."""
    mode, targets, _ = plan_region(scene, ref, 0.0)
    x = scene.audio.samples.astype(np.float64)
    if mode == "stems":
        target = sum(scene.stems[t.id].samples.astype(np.float64) for t in targets)
        return target, x - target
    if mode == "region" or (mode == "" and targets):
        sr = scene.audio.sample_rate_hz
        mask = np.zeros(x.shape[1], bool)
        for a, b in spans_s:
            mask[int(a * sr):int(b * sr)] = True
        return x[:, mask], x[:, ~mask]
    return x, np.zeros_like(x)


def measured_target(before: Scene, after: Scene, step, spans_s: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, list]:
    """(the target before, after, [the check that everything else is unchanged] when the target is not the whole
    recording): what an effect's ``verify`` measures (``layer``)."""
    from audioedit.ops.measure import rest_unchanged

    t0, r0 = layer(before, step.target, spans_s)
    t1, r1 = layer(after, step.target, spans_s)
    return t0, t1, ([] if step.target.scope == "recording" else [rest_unchanged(r0, r1)])


def effect_feasible(scene: Scene, ref: EventRef, tail_s: float) -> tuple[bool, str]:
    """(feasible, reason) of a whole-signal effect (eq, reverb, pitch) on ``ref``: where ``plan_region`` allows."""
    mode, _, why = plan_region(scene, ref, tail_s)
    return bool(mode), why


def execute_effect(scene: Scene, step, process: Process, tail_s: float, what: str):
    """Run an effect step where ``plan_region`` allows; its backend is ``dsp.<op>.<mode>``."""
    from audioedit.backends import registry_backend
    from audioedit.result import StepResult

    after, spans, mode = run(scene, step.target, process, tail_s)
    return StepResult(scene=after, edited_spans_s=spans, backend=registry_backend(step.op, mode),
                      notes=[f"{what} on {step.target.describe()} ({mode})"])
