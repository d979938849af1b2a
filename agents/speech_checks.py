"""Verifier checks for the speech backends (``speech.layers``, ``speech.pauses``).

Layer steps (the speech or the background edited, re-mixed):

- ``layer_gain_db``: the edited layer's gain, measured as ``after - other layer`` against the
  layer, both from the split of the input: the asked gain ± 1 dB (remove: <= -30 dB).
- ``other_layer_kept_db``: the layer that was not edited, measured on an independent split of the
  output: its level changed by at most ``KEPT_TOLERANCE_DB`` (for replace: the speech); a layer
  ``NEGLIGIBLE_DB`` under the recording there only has to stay that small.
- ``speech_kept_fraction`` (every step but removing the speech): of the voice detector's speech
  frames in the input's speech layer, the fraction still detected as speech in the output >= 0.9.
- ``output_level_db`` (removing the background): the output at most 30 dB below the input (the voice is left; a
  speech layer that was silent before passes ``other_layer_kept_db`` silent after).
- ``speech_removed_db`` (removing the speech): the speech layer of the output's own split is at
  least 10 dB below the input's.

A step that removes all the speech (``removes_all_speech``) but ran on another backend (the learned
editor) gets ``other_layer_kept_db`` and ``speech_removed_db`` too, after its own backend's checks
(``speech_removal_checks``, added by ``agents.loop``): the general verifier passed learned-editor
outputs that left the talkers in (reports/verifier/README.md, session 12).

The layer checks measure inside the edited spans (the whole recording for a whole-layer step), at
most ``MAX_MEASURED_S`` of them: the central window of the spans' total, so verifying a long
recording costs a bounded split of the output, not a second split of all of it.

Effect steps (eq, reverb, pitch on a layer): the op's own checks on the edited layer (the input's split;
after = the output minus the other layer), ``other_layer_kept_db`` and, on the speech, ``speech_kept_fraction``.

Move steps (a voice moved in time): the acoustic checks of ``audioedit.agents.move_checks``.

Pause steps: ``longest_pause_s`` (the longest gap between speech segments in the output, except
the edges) <= ``max_pause_s`` + 0.05 s; ``speech_kept_fraction`` (voice-detector speech time after
over before) >= 0.95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioedit.metrics import power_db
from audioedit.ops.registry import get
from audioedit.report import Check, Verdict
from audioedit.scene import Event, Scene
from audioedit.steps import EditStep, EventRef, LoudnessStep, PausesStep, RemoveStep, ReplaceStep

KEPT_TOLERANCE_DB = 3.0
NEGLIGIBLE_DB = 20.0   # a layer this far under the recording in the edited spans only has to stay there
MAX_REMOVED_DB = 30.0  # removing the background leaves the voice: the output is at most this far below the input
PAUSE_TOLERANCE_S = 0.05
MAX_MEASURED_S = 20.0


def verify_speech(before: Scene, after: Scene, step: EditStep, edited_spans_s: list[tuple[float, float]]) -> Verdict:
    if isinstance(step, PausesStep):
        return Verdict.of(step.id, _pause_checks(before, after, step))
    if step.op == "move":  # a voice moved: measured where it left and where it went (agents/move_checks.py)
        from audioedit.agents.verifier import verify_acoustic

        return verify_acoustic(before, after, step, edited_spans_s)
    spans = edited_spans_s or [(0.0, before.audio.duration_s)]
    if get(step.op) is not None:  # an effect on a layer
        return Verdict.of(step.id, _effect_checks(before, after, step, _central(spans, MAX_MEASURED_S)))
    return Verdict.of(step.id, _layer_checks(before, after, step, _central(spans, MAX_MEASURED_S)))


def _speech_time_s(audio) -> float:
    from audioedit.executor.speech.vad import detect_speech

    return sum(s.offset_s - s.onset_s for s in detect_speech(audio))


def speech_kept_fraction(before: Scene, after: Scene, minimum: float) -> Check:
    t_before, t_after = _speech_time_s(before.audio), _speech_time_s(after.audio)
    frac = 1.0 if t_before == 0 else t_after / t_before
    return Check(name="speech_kept_fraction", measured=round(frac, 3), threshold=f">= {minimum}", passed=frac >= minimum,
                 detail=f"voice-detector speech {t_before:.2f} s before, {t_after:.2f} s after")


def _central(spans: list[tuple[float, float]], max_s: float) -> list[tuple[float, float]]:
    """The parts of ``spans`` inside the central ``max_s`` seconds of their total (all of them if shorter)."""
    total = sum(b - a for a, b in spans)
    lo, hi = (total - max_s) / 2, (total + max_s) / 2
    out, t = [], 0.0
    for a, b in spans:
        s, e = max(a, a + lo - t), min(b, a + hi - t)
        if e > s:
            out.append((s, e))
        t += b - a
    return out if total > max_s else list(spans)


def _cut(audio, spans: list[tuple[float, float]]):
    """The audio inside ``spans`` (without the edit's 10 ms ramps at their edges), end to end."""
    from audioedit.executor.speech.layers import RAMP_S

    inner = [(a + RAMP_S, b - RAMP_S) for a, b in spans if b - a > 4 * RAMP_S] or spans  # the ramps excluded
    return audio.with_samples(np.concatenate([audio.slice_s(a, b).samples for a, b in inner], axis=1))


def removes_all_speech(scene: Scene, step: EditStep) -> bool:
    """A remove step on the speech layer, or on speech events with no other voice over them (what
    ``speech.layers`` would take), in a scene without stems (stem edits are verified exactly)."""
    from audioedit.executor.speech.layers import SPEECH_LABELS, layer_scope
    from audioedit.steps import resolve_step

    if not isinstance(step, RemoveStep) or scene.stems is not None or layer_scope(step.target) != "speech":
        return False
    if step.target.scope == "speech":
        return True
    targets = resolve_step(step, scene)
    ids = {e.id for e in targets}
    return bool(targets) and not any(e.label in SPEECH_LABELS and e.id not in ids and any(e.overlaps(t) for t in targets)
                                     for e in scene.events)


def speech_removal_checks(before: Scene, after: Scene, edited_spans_s: list[tuple[float, float]]) -> list[Check]:
    """The speech checks of a speech removal that another backend (the learned editor) ran: the removal
    check and ``other_layer_kept_db``, on the split of the input and an independent split of the output
    (not ``layer_gain_db``: it compares the output with the split's own result)."""
    from audioedit.executor.speech.layers import split_layers

    if after.audio.samples.shape != before.audio.samples.shape:
        return [Check(name="same_shape", measured=None, threshold="the input's shape", passed=False)]
    spans = _central(edited_spans_s or [(0.0, before.audio.duration_s)], MAX_MEASURED_S)
    lb = split_layers(before.audio)
    lb_speech, lb_rest, out = _cut(lb.speech, spans), _cut(lb.rest, spans), _cut(after.audio, spans)
    la = split_layers(out)
    measured = f"{sum(b - a for a, b in spans):.1f} s of the edited spans"
    recording_db = power_db(_cut(before.audio, spans).samples)
    return [_kept_check(lb_rest, la.rest, "rest", measured, recording_db), speech_removed_check(removal_measures(lb_speech, lb_rest, out, la, baselines=False))]


def _kept_check(before, after, layer: str, measured: str, recording_db: float) -> Check:
    """The layer's level change. A layer ``NEGLIGIBLE_DB`` or more below the recording there (``recording_db``)
    only has to stay that small: a split of the output hears it in other company, so its level change
    measures the split, not the edit (a cough's trace in the speech layer after a voice ended)."""
    level_b, level_a = power_db(before.samples), power_db(after.samples)
    kept = level_a - level_b
    detail = f"the {layer} on an independent split of the output ({measured})"
    if level_b < recording_db - NEGLIGIBLE_DB:
        return Check(name="other_layer_kept_db", measured=round(kept, 2),
                     threshold=f"<= +{KEPT_TOLERANCE_DB:g} ({level_b - recording_db:.0f} dB under the recording there)",
                     passed=kept <= KEPT_TOLERANCE_DB, detail=detail)
    return Check(name="other_layer_kept_db", measured=round(kept, 2), threshold=f"0 ± {KEPT_TOLERANCE_DB:g}",
                 passed=abs(kept) <= KEPT_TOLERANCE_DB, detail=detail)


def _layer_checks(before: Scene, after: Scene, step: EditStep, spans: list[tuple[float, float]]) -> list[Check]:
    from audioedit.executor.speech.layers import split_layers, step_scope

    if after.audio.samples.shape != before.audio.samples.shape:
        return [Check(name="same_shape", measured=None, threshold="the input's shape", passed=False)]
    scope, _ = step_scope(step)
    lb = split_layers(before.audio)  # the execution's split (cached), cut to the measured spans
    lb_speech, lb_rest, out = _cut(lb.speech, spans), _cut(lb.rest, spans), _cut(after.audio, spans)
    target_b, other_b = (lb_speech, lb_rest) if scope == "speech" else (lb_rest, lb_speech)
    la = split_layers(out)  # an independent split of the output, inside the measured spans only
    other_a = la.rest if scope == "speech" else la.speech
    measured = f"{sum(b - a for a, b in spans):.1f} s of the edited spans"
    checks = []
    if not isinstance(step, ReplaceStep):
        gain = power_db(out.samples - other_b.samples) - power_db(target_b.samples)
        want = step.gain_db if isinstance(step, LoudnessStep) else None
        ok = gain <= -30 if want is None else abs(gain - want) <= 1.0
        checks.append(Check(name="layer_gain_db", measured=round(gain, 2), threshold="<= -30" if want is None else f"{want:g} ± 1",
                            passed=bool(ok), detail=f"the {scope} layer, against the split of the input ({measured})"))
    recording_db = power_db(_cut(before.audio, spans).samples)
    checks.append(_kept_check(other_b, other_a, "rest" if scope == "speech" else "speech", measured, recording_db))
    if scope == "background" and isinstance(step, RemoveStep):  # the voice it keeps must be there
        left = power_db(out.samples) - recording_db
        checks.append(Check(name="output_level_db", measured=round(left, 2), threshold=f">= {-MAX_REMOVED_DB:g}",
                            passed=left >= -MAX_REMOVED_DB, detail="the output against the input: a voice is left"))
    removes_speech = scope == "speech" and isinstance(step, (RemoveStep, ReplaceStep))
    if removes_speech:
        checks.append(speech_removed_check(removal_measures(lb_speech, lb_rest, out, la, baselines=False)))
    else:
        checks.append(_speech_frames_kept(lb_speech, out, 0.9))
    return checks


def _effect_checks(before: Scene, after: Scene, step: EditStep, spans: list[tuple[float, float]]) -> list[Check]:
    """An effect on a layer (a sound in the rest layer: the background inside its spans): the op's own checks on
    that layer inside the measured spans (the input's split; after = output - the other layer), then
    ``other_layer_kept_db`` on an independent split of the output and, on the speech, ``speech_kept_fraction``."""
    from audioedit.executor.speech.layers import layer_scope, split_layers

    if after.audio.samples.shape != before.audio.samples.shape:
        return [Check(name="same_shape", measured=None, threshold="the input's shape", passed=False)]
    scope = layer_scope(step.target) or "background"
    lb = split_layers(before.audio)
    speech_b, rest_b, inp, out = (_cut(a, spans) for a in (lb.speech, lb.rest, before.audio, after.audio))
    target_b, other_b = (speech_b, rest_b) if scope == "speech" else (rest_b, speech_b)
    whole = [(0.0, inp.duration_s)]
    as_stem = Event(id="layer", label=scope, onset_s=0.0, offset_s=inp.duration_s)
    on_stem = step.model_copy(update={"target": EventRef(label=scope, event_ids=["layer"])})
    own = get(step.op).verify(Scene(inp, (as_stem,), {"layer": target_b}, "stems"),
                              Scene(out, (as_stem,), {"layer": out.with_samples(out.samples - other_b.samples)}, "stems"),
                              on_stem, whole)
    la = split_layers(out)
    other_a = la.rest if scope == "speech" else la.speech
    measured = f"{sum(b - a for a, b in spans):.1f} s of the edited spans"
    checks = [c for c in own if c.name != "rest_max_abs_diff"]  # the other layer is measured independently below
    checks.append(_kept_check(other_b, other_a, "rest" if scope == "speech" else "speech", measured, power_db(inp.samples)))
    if scope == "speech":
        checks.append(_speech_frames_kept(speech_b, out, 0.9))
    return checks


@dataclass(frozen=True)
class RemovalMeasures:
    """What a speech-removal check measures, from the input's split (the execution's) and independent
    splits of the output and of the input's rest layer (the rest is what a removal should leave: what the
    re-split hears as speech in it (music, a dog) is a baseline, not residual speech)."""

    in_speech_db: float        # the input's speech layer
    out_speech_db: float       # the speech layer of the output's split
    rest_speech_db: float      # the speech layer of the input's rest layer's split
    in_rest_db: float          # the input's rest layer
    out_rest_db: float         # the rest layer of the output's split
    vad_kept: float            # of the VAD's speech frames in the input's speech layer, the share heard in the output
    vad_kept_over_rest: float  # the same over the frames the VAD does not hear in the input's rest layer


def removal_measures(speech_in, rest_in, out, out_layers=None, *, baselines: bool = True) -> RemovalMeasures:
    """``RemovalMeasures`` of an output ``out`` against the input's layers (Audio, the same spans).
    ``baselines=False``: only what the shipped checks use (no split of the rest, no voice detector; NaN)."""
    from audioedit.executor.speech.layers import split_layers
    from audioedit.executor.speech.vad import speech_probabilities

    la = out_layers or split_layers(out)
    if not baselines:
        nan = float("nan")
        return RemovalMeasures(in_speech_db=power_db(speech_in.samples), out_speech_db=power_db(la.speech.samples),
                               rest_speech_db=nan, in_rest_db=power_db(rest_in.samples), out_rest_db=power_db(la.rest.samples),
                               vad_kept=nan, vad_kept_over_rest=nan)
    lr = split_layers(rest_in)
    ref, base, got = (speech_probabilities(a) > 0.5 for a in (speech_in, rest_in, out))
    n = min(ref.size, base.size, got.size)
    ref, base, got = ref[:n], base[:n], got[:n]
    return RemovalMeasures(
        in_speech_db=power_db(speech_in.samples), out_speech_db=power_db(la.speech.samples),
        rest_speech_db=power_db(lr.speech.samples), in_rest_db=power_db(rest_in.samples),
        out_rest_db=power_db(la.rest.samples), vad_kept=_share(got, ref), vad_kept_over_rest=_share(got, ref & ~base))


def _share(got: np.ndarray, ref: np.ndarray) -> float:
    total = int(ref.sum())
    return 0.0 if total == 0 else float((got & ref).sum()) / total


def speech_removed_check(m: RemovalMeasures) -> Check:
    """``speech_removed_db``: the speech layer of the output's own split at least 10 dB below the input's."""
    drop = m.in_speech_db - m.out_speech_db
    return Check(name="speech_removed_db", measured=round(drop, 2), threshold=">= 10", passed=drop >= 10)


def _speech_frames_kept(speech_before, after, minimum: float) -> Check:
    """Of the 32 ms frames where the voice detector hears speech in the input's speech layer, the
    fraction where it still hears speech in the output."""
    from audioedit.executor.speech.vad import speech_probabilities

    ref, got = speech_probabilities(speech_before) > 0.5, speech_probabilities(after) > 0.5
    n = min(ref.size, got.size)
    total = int(ref[:n].sum())
    frac = 1.0 if total == 0 else float((ref[:n] & got[:n]).sum()) / total
    return Check(name="speech_kept_fraction", measured=round(frac, 3), threshold=f">= {minimum}", passed=frac >= minimum,
                 detail=f"{total} speech frames (32 ms) in the input's speech layer")


def _pause_checks(before: Scene, after: Scene, step: PausesStep) -> list[Check]:
    from audioedit.executor.speech.vad import PAUSE_VAD, detect_speech

    segs = detect_speech(after.audio, PAUSE_VAD)  # the cutter's own detector settings
    gaps = [b.onset_s - a.offset_s for a, b in zip(segs, segs[1:])]
    longest = max(gaps, default=0.0)
    limit = step.max_pause_s + PAUSE_TOLERANCE_S
    return [Check(name="longest_pause_s", measured=round(longest, 3), threshold=f"<= {limit:g}", passed=longest <= limit,
                  detail=f"{len(segs)} speech segments in the output"),
            speech_kept_fraction(before, after, 0.95)]
