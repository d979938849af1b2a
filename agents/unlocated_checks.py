"""Verifier checks for a step on a sound that detection did not find (``EventRef.unlocated``, run by
``audioedit.executor.unlocated``: the learned editor over the whole recording).

There is no span to measure the sound in, so the checks measure what changed where: the level
change ``after - before`` (dB) of every 1 s window, every 0.5 s, over the searched span (the whole
recording unless the request gave a time window); windows silent in the input are skipped.

- remove: ``most_changed_second_drop_db`` >= 3 dB (somewhere the level fell: the editor found
  something to remove; 3 dB as for any removal) and ``unchanged_seconds_fraction`` >= 0.5 (at least
  half of the windows changed by less than 3 dB: not everything was removed); ``speech_kept_fraction``
  >= 0.9 (the voice detector's speech time, after over before; 1 when there is no speech);
  ``clap_target_drop`` in the most-changed second when the small CLAP knows the sound (its calibrated
  threshold; reported, never failing, while that threshold is -inf).
- loudness by G dB: ``most_changed_second_gain_db`` moved the asked way by at least min(3, |G|/2) dB and at
  most |G| + 2 dB (the editor found a layer to re-level, and no more than asked), and
  ``unchanged_seconds_fraction`` as for remove.
- keep only: ``most_kept_second_db`` >= -6 dB (somewhere the output keeps the input's level: the kept
  sound) and ``removed_seconds_fraction`` >= 0.5 (at least half of the windows lost 6 dB or more: the
  other sounds went).

Every step also gets ``outside_span_max_abs_diff`` (the audio outside the edited spans is unchanged).
A failing first check says in its detail what a user needs to know ("the learned editor did not find
a rooster to remove").
"""

from __future__ import annotations

import numpy as np

from audioedit.agents.speech_checks import speech_kept_fraction
from audioedit.agents.verifier import VerifierConfig
from audioedit.agents.acoustic_checks import Measure
from audioedit.metrics import power_db
from audioedit.report import Check, Verdict
from audioedit.scene import Scene
from audioedit.steps import EditStep, LoudnessStep, unlocated_span_s

WINDOW_S = 1.0
HOP_S = 0.5
SILENT_DB = -80.0  # windows quieter than this in the input are not measured
MIN_DROP_DB = 3.0  # remove: the most-changed second fell by at least this
UNCHANGED_DB = 3.0  # a second whose level moved less than this is unchanged ...
MIN_UNCHANGED_FRACTION = 0.5  # ... and at least this fraction of them must be (the rest of the recording kept)
KEPT_DB = -6.0  # keep only: the most-kept second within this of its input level
REMOVED_DB = 6.0  # keep only: a second that lost at least this was removed ...
MIN_REMOVED_FRACTION = 0.5  # ... and at least this fraction of them must be
MAX_GAIN_EXCESS_DB = 2.0  # loudness: the most-changed second at most |gain| + this
SPEECH_KEPT = 0.9


def window_changes_db(before: Scene, after: Scene, span_s: tuple[float, float]) -> list[tuple[float, float]]:
    """``(window start s, level change dB)`` of each 1 s window (every 0.5 s) inside ``span_s``."""
    sr, (a, b) = before.audio.sample_rate_hz, span_s
    out = []
    for start in np.arange(a, max(b - WINDOW_S, a) + 1e-9, HOP_S):
        i, j = int(round(start * sr)), int(round(min(start + WINDOW_S, b) * sr))
        level = power_db(before.audio.samples[:, i:j])
        if level > SILENT_DB:
            out.append((float(start), power_db(after.audio.samples[:, i:j]) - level))
    return out


def verify_unlocated(before: Scene, after: Scene, step: EditStep, edited_spans_s: list[tuple[float, float]],
                     verifier=None) -> Verdict:
    """The checks above; ``verifier``: the loop's verifier (its CLAP and config are used when it has them)."""
    config = getattr(verifier, "config", None) or VerifierConfig()
    checks = [Measure(before, after, edited_spans_s, config).preservation()]
    if not checks[0].passed and checks[0].measured is None:
        return Verdict.of(step.id, checks)
    ref = step.target
    name = ref.label.replace("_", " ")
    changes = window_changes_db(before, after, unlocated_span_s(ref, before.audio.duration_s))
    if not changes:
        return Verdict.of(step.id, checks + [Check(name="audible_seconds", measured=0, threshold=">= 1", passed=False,
                                                   detail=f"the recording is silent where the {name} was looked for")])
    if ref.complement:
        return Verdict.of(step.id, checks + _keep_only(changes, name))
    if isinstance(step, LoudnessStep):
        return Verdict.of(step.id, checks + _loudness(changes, name, step.gain_db))
    drop_at, drop = min(changes, key=lambda c: c[1])
    found = -drop >= MIN_DROP_DB
    checks.append(_check("most_changed_second_drop_db", -drop, f">= {MIN_DROP_DB:g}", found,
                         f"at {drop_at:g}-{drop_at + WINDOW_S:g} s" if found else
                         f"the learned editor did not find a {name} to remove (no second lost {MIN_DROP_DB:g} dB)"))
    checks.append(_unchanged(changes, f"the learned editor removed more than the {name}"))
    checks.append(speech_kept_fraction(before, after, SPEECH_KEPT))
    return Verdict.of(step.id, checks + _clap_drop(verifier, before, after, ref.label, (drop_at, drop_at + WINDOW_S)))


def _loudness(changes: list[tuple[float, float]], name: str, gain_db: float) -> list[Check]:
    sign = 1.0 if gain_db > 0 else -1.0
    at, moved = max(changes, key=lambda c: sign * c[1])
    least, most = min(3.0, abs(gain_db) / 2), abs(gain_db) + MAX_GAIN_EXCESS_DB
    ok = least <= sign * moved <= most
    way = "louder" if gain_db > 0 else "quieter"
    detail = (f"at {at:g}-{at + WINDOW_S:g} s" if ok else
              f"the learned editor did not find a {name} to make {way}" if sign * moved < least else
              f"a second changed by more than the {gain_db:+g} dB asked")
    return [_check("most_changed_second_gain_db", moved, f"{sign * least:+g} to {sign * most:+g}", ok, detail),
            _unchanged(changes, f"the learned editor changed more than the {name}")]


def _keep_only(changes: list[tuple[float, float]], name: str) -> list[Check]:
    at, kept = max(changes, key=lambda c: c[1])
    removed = float(np.mean([c <= -REMOVED_DB for _, c in changes]))
    return [_check("most_kept_second_db", kept, f">= {KEPT_DB:g}", kept >= KEPT_DB,
                   f"at {at:g}-{at + WINDOW_S:g} s" if kept >= KEPT_DB else
                   f"the learned editor did not find a {name} to keep (every second lost more than {-KEPT_DB:g} dB)"),
            _check("removed_seconds_fraction", removed, f">= {MIN_REMOVED_FRACTION:g}", removed >= MIN_REMOVED_FRACTION,
                   f"of {len(changes)} one-second windows (every {HOP_S:g} s), the share that lost {REMOVED_DB:g} dB or more"
                   + ("" if removed >= MIN_REMOVED_FRACTION else
                      f": the learned editor did not single out a {name} (the other sounds were not removed)"))]


def _unchanged(changes: list[tuple[float, float]], failure: str) -> Check:
    frac = float(np.mean([abs(c) < UNCHANGED_DB for _, c in changes]))
    ok = frac >= MIN_UNCHANGED_FRACTION
    return _check("unchanged_seconds_fraction", frac, f">= {MIN_UNCHANGED_FRACTION:g}", ok,
                  f"of {len(changes)} one-second windows (every {HOP_S:g} s), the share that moved less than {UNCHANGED_DB:g} dB" + ("" if ok else f": {failure}"))


def _clap_drop(verifier, before: Scene, after: Scene, label: str, window_s: tuple[float, float]) -> list[Check]:
    """``clap_target_drop`` in the most-changed second, when the CLAP knows the sound (else it has no say)."""
    from audioedit.clap.captions import CORE_KEYS, sound_class

    model = getattr(verifier, "clap", None)
    if model is None or label not in CORE_KEYS:
        return []
    from audioedit.clap.checks import ClapCheckConfig, clap_step_checks

    cfg = ClapCheckConfig(min_drop=verifier.config.clap_min_drop, context_s=verifier.config.clap_context_s)
    return clap_step_checks(model, before.audio, after.audio, "remove", window_s, old_label=sound_class(label).name, cfg=cfg)


def _check(name: str, measured: float, threshold: str, passed: bool, detail: str) -> Check:
    return Check(name=name, measured=round(float(measured), 3), threshold=threshold, passed=bool(passed), detail=detail)
