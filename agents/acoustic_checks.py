"""The acoustic checks of each op and the measurements behind them (``audioedit.agents.verifier`` runs them).

``OP_CHECKS[type(step)](measure, step, targets, stems) -> list[Check]``; ``Measure`` holds one
(before, after) pair and measures levels, spans, onsets and durations on the stems or the mixture.
The check names and what they measure are listed in ``audioedit.agents.verifier``'s docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from audioedit.report import Check
from audioedit.scene import Event, Scene, active_span_s
from audioedit.metrics import integrated_lufs, level_db
from audioedit.steps import (WINDOW_RAMP_S, AddStep, EditStep, LoudnessStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep,
                             recording_window)

if TYPE_CHECKING:
    from audioedit.agents.verifier import VerifierConfig

HOP_S = 0.01
MUTED_DB = -40.0  # a muted stretch of the recording: at least this far down
SILENT_DBFS = -90.0


# --- per op -----------------------------------------------------------------------------------


def _loudness(m: Measure, step: LoudnessStep, targets: list[Event], stems: bool) -> list[Check]:
    tol = m.cfg.loudness_tolerance_db_stems if stems else m.cfg.loudness_tolerance_db_mixture
    checks = []
    for ev in targets:
        if stems:
            if ev.id not in m.after.stems:
                checks.append(_fail("stem_gain_db", f"{step.gain_db:g} ± {tol:g}", f"{ev.id}: stem missing after"))
                continue
            gain = m.level(m.after.stems[ev.id].samples, ev) - m.level(m.before.stems[ev.id].samples, ev)
            name, detail = "stem_gain_db", ev.id
        else:  # the span scaled as a whole (a region edit), or the sound alone over a bed that stays
            span = m.level(m.after.audio.samples, ev) - m.level(m.before.audio.samples, ev)
            sound = m.sound_gain_db(ev)
            gain, name = min((span, sound), key=lambda g: abs(g - step.gain_db)), "span_gain_db"
            detail = ev.id if sound == span else f"{ev.id}: the span {span:+.1f} dB, the sound over the bed around it {sound:+.1f} dB"
        checks.append(_check(name, gain, f"{step.gain_db:g} ± {tol:g}", abs(gain - step.gain_db) <= tol, detail))
    return checks


def _remove(m: Measure, step: RemoveStep, targets: list[Event], stems: bool) -> list[Check]:
    checks = [m.removed(targets)]
    if stems:
        return checks + [m.remaining(targets, [])]
    for ev in targets:
        checks += [m.energy_drop(ev), m.old_correlation(ev)]
        kept = m.background_kept(ev)
        if kept:
            checks.append(kept)
    return checks


def _add(m: Measure, step: AddStep, targets: list[Event], stems: bool) -> list[Check]:
    new = m.new_events(step.sound)
    expected = 1 if step.role == "background" and step.at_s is None else step.count
    checks = [_check("added_event_count", len(new), f"== {expected}", len(new) == expected)]
    expected_rise = 10 * np.log10(1 + 10 ** (step.snr_db / 10))
    floor = min(m.cfg.add_min_rise_db, 0.5 * expected_rise)
    tol = m.cfg.add_level_tolerance_db
    for ev in new:
        rise = m.level(m.after.audio.samples, ev) - m.level(m.before.audio.samples, ev)
        checks.append(_check("added_energy_rise_db", rise, f">= {floor:.2f}", rise >= floor, ev.id))
        if m.before.stems is not None and m.after.stems is not None:
            if ev.id not in m.after.stems:
                checks.append(_fail("added_stem_level_db", f"{step.snr_db:g} ± {tol:g}", f"{ev.id}: no stem"))
                continue
            rel = m.level(m.after.stems[ev.id].samples, ev) - m.reference_db(ev)
            checks.append(_check("added_stem_level_db", rel, f"{step.snr_db:g} ± {tol:g}", abs(rel - step.snr_db) <= tol, ev.id))
    return checks


def _replace(m: Measure, step: ReplaceStep, targets: list[Event], stems: bool) -> list[Check]:
    new = m.new_events(step.sound)
    checks = [m.removed(targets), _check("added_event_count", len(new), f"== {len(targets)}", len(new) == len(targets))]
    tol, onset_tol = m.cfg.add_level_tolerance_db, m.cfg.onset_tolerance_s
    if stems:
        checks.append(m.remaining(targets, [e for e in new if e.id in m.after.stems]))
    for ev in targets:
        match = min(new, key=lambda e: abs(e.onset_s - ev.onset_s), default=None)
        if match is None:
            continue
        diff = abs(match.onset_s - ev.onset_s)
        checks.append(_check("replacement_onset_diff_s", diff, f"<= {onset_tol:g}", diff <= onset_tol, match.id))
        if stems and match.id in m.after.stems:
            new_db = m.level(m.after.stems[match.id].samples, match)
            if step.snr_db is None:
                want, ref = m.level(m.before.stems[ev.id].samples, ev), 0.0
            else:
                rest = m.after.audio.samples - m.after.stems[match.id].samples
                want, ref = step.snr_db, m.level(rest, match)
            checks.append(_check("replacement_level_db", new_db - ref, f"{want:.2f} ± {tol:g}", abs(new_db - ref - want) <= tol, match.id))
        elif not stems:
            checks += [m.old_correlation(ev), m.span_change(ev)]
            bg = m.background_db(ev)
            if bg is not None:
                above = m.level(m.after.audio.samples, match) - bg
                checks.append(_check("new_event_above_background_db", above, f">= {m.cfg.add_min_rise_db:g}",
                                     above >= m.cfg.add_min_rise_db, match.id))
            if step.snr_db is None:
                got, want = m.event_level_db(m.after, match), m.event_level_db(m.before, ev)
                checks.append(_check("replacement_level_db", got, f"{want:.2f} ± {tol:g}", abs(got - want) <= tol, match.id))
    return checks


def _reorder(m: Measure, step: ReorderStep, targets: list[Event], stems: bool) -> list[Check]:
    asked = [ev.id for ev in targets]
    after_events = {e.id: e for e in m.after.events}
    missing = [i for i in asked if i not in after_events]
    if missing:
        return [_fail("onset_order", "== asked order", f"events missing after the edit: {missing}")]
    order = sorted(asked, key=lambda i: after_events[i].onset_s)
    checks = [_check("onset_order", float(order == asked), "== 1", order == asked, f"got {order}, asked {asked}")]
    tol = m.cfg.onset_tolerance_s
    if stems:
        spans_before = {i: active_span_s(m.before.stems[i]) for i in asked}
        spans_after = {i: active_span_s(m.after.stems[i]) if i in m.after.stems else None for i in asked}
        if any(s is None for s in spans_after.values()):
            return checks + [_fail("stem_onset_order", "== 1", "a target stem is missing or silent after the edit")]
        stem_order = sorted(asked, key=lambda i: spans_after[i][0])
        checks.append(_check("stem_onset_order", float(stem_order == asked), "== 1", stem_order == asked, f"got {stem_order}"))
        err = max(abs((spans_after[i][0] - spans_before[i][0]) - (after_events[i].onset_s - ev.onset_s))
                  for i, ev in zip(asked, targets))
        checks.append(_check("stem_shift_error_s", err, f"<= {tol:g}", err <= tol))
        return checks
    found = {ev.id: m.locate(ev) for ev in targets}
    found_order = sorted(asked, key=lambda i: found[i])
    checks.append(_check("xcorr_onset_order", float(found_order == asked), "== 1", found_order == asked,
                         "found at " + ", ".join(f"{i} {found[i]:.3f} s" for i in asked)))
    err = max(abs(found[i] - after_events[i].onset_s) for i in asked)
    checks.append(_check("xcorr_onset_error_s", err, f"<= {tol:g}", err <= tol))
    return checks


def _speed(m: Measure, step: SpeedStep, targets: list[Event], stems: bool) -> list[Check]:
    tol, want = m.cfg.speed_tolerance, 1 / step.factor
    threshold = f"{want:.3f} ± {tol * 100:g} %"
    checks = []
    after_events = {e.id: e for e in m.after.events}
    for ev in targets:
        new = after_events.get(ev.id)
        ratio = new.duration_s / ev.duration_s if new is not None else 0.0
        checks.append(_check("event_duration_ratio", ratio, threshold, abs(ratio / want - 1) <= tol, ev.id))
        if stems:
            before_stem, after_stem = m.before.stems[ev.id], m.after.stems.get(ev.id)
            span_b, span_a = active_span_s(before_stem), active_span_s(after_stem) if after_stem is not None else None
            if span_b is None or span_a is None:
                checks.append(_fail("duration_ratio", threshold, f"{ev.id}: stem silent or missing"))
                continue
            ratio = (span_a[1] - span_a[0]) / (span_b[1] - span_b[0])
            checks.append(_check("duration_ratio", ratio, threshold, abs(ratio / want - 1) <= tol, ev.id))
            pitch_want = 1.0 if step.keep_pitch else step.factor
            pr = _centroid_hz(after_stem, span_a) / max(_centroid_hz(before_stem, span_b), 1e-9)
            checks.append(_check("pitch_ratio", pr, f"{pitch_want:.3f} ± {m.cfg.pitch_tolerance * 100:g} %",
                                 abs(pr / pitch_want - 1) <= m.cfg.pitch_tolerance, ev.id))
        else:
            ratio = m.envelope_duration(m.after, ev, use_spans=True) / max(m.envelope_duration(m.before, ev), 1e-9)
            checks.append(_check("envelope_duration_ratio", ratio, threshold, abs(ratio / want - 1) <= tol, ev.id))
    return checks


# --- measurements ----------------------------------------------------------------------------


def recording_checks(before: Scene, after: Scene, step: EditStep, cfg: VerifierConfig) -> list[Check]:
    """Whole-recording loudness and speed, measured on the whole file: the integrated loudness change
    or the duration ratio (the registry ops, normalize among them, measure themselves); on a stretch of
    time, ``window_checks``."""
    if (window := recording_window(step)) is not None:
        return window_checks(before, after, step, window, cfg)
    if isinstance(step, SpeedStep):
        ratio = after.audio.duration_s / before.audio.duration_s
        want = 1 / step.factor
        return [_check("duration_ratio", ratio, f"{want:.4g} ± {cfg.speed_tolerance:.0%}",
                       abs(ratio / want - 1) <= cfg.speed_tolerance)]
    lufs_before, lufs_after = integrated_lufs(before.audio), integrated_lufs(after.audio)
    if isinstance(step, LoudnessStep):
        tol = cfg.recording_gain_tolerance_db
        if not np.isfinite(lufs_before):  # digital silence (or below BS.1770's -70 LUFS gate): compare RMS
            gain = level_db(after.audio.samples) - level_db(before.audio.samples)
            if level_db(before.audio.samples) <= cfg.silence_db:
                return [_check("silent_input", level_db(before.audio.samples), f"<= {cfg.silence_db:g} dBFS", True,
                               "the input is silent: the gain was applied, there is no level to measure")]
            return [_check("rms_gain_db", gain, f"{step.gain_db:g} ± {tol:g}", abs(gain - step.gain_db) <= tol)]
        gain = lufs_after - lufs_before
        return [_check("integrated_gain_db", gain, f"{step.gain_db:g} ± {tol:g}", abs(gain - step.gain_db) <= tol)]
    return [_fail("recording_op", "loudness | speed", f"'{step.op}' on the whole recording is not measured")]


def window_checks(before: Scene, after: Scene, step: EditStep, window: tuple[float, float | None],
                  cfg: VerifierConfig) -> list[Check]:
    """A gain or a mute on a stretch of the recording: ``outside_span_max_abs_diff`` (the rest sample-identical),
    ``window_gain_db`` (the stretch's power ratio inside its ramps: the asked gain ± the tolerance, a mute
    at most ``MUTED_DB``)."""
    duration = before.audio.duration_s
    a, b = window[0], duration if window[1] is None else min(window[1], duration)
    m = Measure(before, after, [(a, b)], cfg)
    checks = [m.preservation()]
    if checks[0].measured is None:
        return checks
    inner_a, inner_b = a + WINDOW_RAMP_S, b - WINDOW_RAMP_S
    x, y = before.audio.slice_s(inner_a, inner_b).samples, after.audio.slice_s(inner_a, inner_b).samples
    gain = level_db(y) - level_db(x)
    if isinstance(step, LoudnessStep):
        tol = cfg.recording_gain_tolerance_db
        checks.append(_check("window_gain_db", gain, f"{step.gain_db:g} ± {tol:g}", abs(gain - step.gain_db) <= tol,
                             f"{a:.2f}-{b:.2f} s"))
    else:
        silent = level_db(y) <= SILENT_DBFS  # a stretch that was silent already is muted too
        checks.append(_check("window_gain_db", gain, f"<= {MUTED_DB:g}", gain <= MUTED_DB or silent, f"{a:.2f}-{b:.2f} s muted"))
    return checks


def _check(name: str, measured: float, threshold: str, passed: bool, detail: str = "") -> Check:
    return Check(name=name, measured=round(float(measured), 6), threshold=threshold, passed=bool(passed), detail=detail)


def _fail(name: str, threshold: str, detail: str) -> Check:
    return Check(name=name, measured=None, threshold=threshold, passed=False, detail=detail)


def _centroid_hz(audio, span: tuple[float, float]) -> float:
    """Power-weighted spectral centroid (Hz) of ``audio`` over ``span`` (robust to faint
    broadband stretch artefacts, which a magnitude-weighted centroid over-counts)."""
    x = audio.slice_s(*span).samples.mean(axis=0)
    power = np.square(np.abs(np.fft.rfft(x)))
    freqs = np.fft.rfftfreq(len(x), 1 / audio.sample_rate_hz)
    return float((power * freqs).sum() / max(power.sum(), 1e-20))


class Measure:
    """Measurements on one (before, after) pair; frames are ``round(seconds * rate)``."""

    def __init__(self, before: Scene, after: Scene, spans_s: list[tuple[float, float]], cfg: VerifierConfig):
        self.before, self.after, self.cfg = before, after, cfg
        self.sr = before.audio.sample_rate_hz
        self.spans = [(self.f(a), self.f(b)) for a, b in spans_s]

    def f(self, seconds: float) -> int:
        return int(min(max(round(seconds * self.sr), 0), self.before.audio.num_frames))

    def level(self, x: np.ndarray, ev: Event) -> float:
        a = self.f(ev.onset_s)
        return level_db(x[:, a : max(self.f(ev.offset_s), a + 1)])

    # -- every op
    def preservation(self) -> Check:
        x, y = self.before.audio, self.after.audio
        if x.samples.shape != y.samples.shape or x.sample_rate_hz != y.sample_rate_hz:
            return _fail("outside_span_max_abs_diff", f"<= {self.cfg.preservation_max_abs:g}",
                         f"shape changed: {x.samples.shape}@{x.sample_rate_hz} -> {y.samples.shape}@{y.sample_rate_hz}")
        mask = np.ones(x.num_frames, bool)
        for a, b in self.spans:
            mask[a:b] = False
        diff = float(np.max(np.abs(x.samples[:, mask] - y.samples[:, mask]), initial=0.0))
        return _check("outside_span_max_abs_diff", diff, f"<= {self.cfg.preservation_max_abs:g}",
                      diff <= self.cfg.preservation_max_abs, f"{int(mask.sum())} frames outside the edited spans")

    def residual(self) -> Check:
        diff = float(np.max(np.abs(self.after.residual().samples - self.before.residual().samples), initial=0.0))
        tol = self.cfg.stems_consistency_max_abs
        return _check("stems_residual_max_abs_diff", diff, f"<= {tol:g}", diff <= tol, "mixture minus stems, after vs before")

    # -- remove / replace
    def removed(self, targets: list[Event]) -> Check:
        ids = {e.id for e in self.after.events} | set(self.after.stems or {})
        left = [t.id for t in targets if t.id in ids]
        return _check("target_removed", len(left), "== 0 left", not left, f"still present: {left}" if left else "")

    def remaining(self, removed: list[Event], added: list[Event]) -> Check:
        want = self.before.audio.samples - sum((self.before.stems[e.id].samples for e in removed), np.zeros(1))
        got = self.after.audio.samples - sum((self.after.stems[e.id].samples for e in added), np.zeros(1))
        diff = float(np.max(np.abs(got - want)))
        tol = self.cfg.stems_consistency_max_abs
        return _check("remaining_mixture_max_abs_diff", diff, f"<= {tol:g}", diff <= tol, "after vs before minus target stems")

    def energy_drop(self, ev: Event) -> Check:
        drop = self.level(self.before.audio.samples, ev) - self.level(self.after.audio.samples, ev)
        bg = self.background_db(ev)
        expected = self.level(self.before.audio.samples, ev) - bg if bg is not None else np.inf
        floor = min(self.cfg.remove_min_drop_db, self.cfg.remove_min_drop_fraction * expected)
        return _check("target_energy_drop_db", drop, f">= {floor:.2f}", drop >= floor, f"{ev.id}; expected {expected:.1f} dB")

    def old_correlation(self, ev: Event) -> Check:
        """How much the span after still looks like the span before. Over a bed that stays, a perfect
        removal still correlates ``c0 = bed / span`` (in amplitude) with the input, so the limit is
        halfway from there to an untouched span when that is above ``old_event_max_correlation``."""
        a, b = self.f(ev.onset_s), self.f(ev.offset_s)
        pad = self.f(0.1)
        ref = self.before.audio.samples[:, a:b].mean(axis=0)
        search = self.after.audio.samples[:, max(a - pad, 0) : b + pad].mean(axis=0)
        corr = float(np.max(_ncc(ref, search), initial=0.0))
        limit, detail = self.cfg.old_event_max_correlation, ev.id
        bg = self.background_db(ev)
        if bg is not None and bg > self.cfg.silence_db:
            c0 = float(min(1.0, 10 ** ((bg - self.level(self.before.audio.samples, ev)) / 20)))
            if (1 + c0) / 2 > limit:
                limit, detail = (1 + c0) / 2, f"{ev.id}; over a bed that stays a removal correlates {c0:.2f}"
        return _check("old_event_correlation", corr, f"<= {limit:.2f}", corr <= limit, detail)

    def sound_gain_db(self, ev: Event) -> float:
        """The gain of ``ev``'s sound on the mixture if the bed under it stayed: the span's power change
        with the bed around it (``background_db``) taken out of both sides, when the span stands at least
        3 dB above the bed; the span's own level change otherwise."""
        before, after = self.level(self.before.audio.samples, ev), self.level(self.after.audio.samples, ev)
        bg = self.background_db(ev)
        if bg is None or bg <= self.cfg.silence_db or before < bg + 3.0:
            return after - before
        p_bed, p_before, p_after = (10 ** (v / 10) for v in (bg, before, after))
        return float(10 * np.log10(max(p_after - p_bed, 1e-3 * (p_before - p_bed)) / (p_before - p_bed)))

    def span_change(self, ev: Event) -> Check:
        a, b = self.f(ev.onset_s), self.f(ev.offset_s)
        x, y = self.before.audio.samples[:, a:b], self.after.audio.samples[:, a:b]
        change = level_db(y - x) - level_db(x)
        floor = self.cfg.replace_min_change_db
        return _check("span_change_db", change, f">= {floor:g}", change >= floor, f"{ev.id}: difference energy vs original")

    def background_kept(self, ev: Event) -> Check | None:
        bg = self.background_db(ev)
        if bg is None or bg <= self.cfg.silence_db:
            return None
        diff = self.level(self.after.audio.samples, ev) - bg
        tol = self.cfg.background_tolerance_db
        return _check("background_kept_db", diff, f"0 ± {tol:g}", abs(diff) <= tol, f"{ev.id}: span vs background {bg:.1f} dBFS")

    def background_db(self, ev: Event) -> float | None:
        """Level of the audio around ``ev`` (within ``context_s``) away from foreground events and
        edited spans, measured in ``before``; None when there is none."""
        x = self.before.audio.samples
        mask = np.zeros(x.shape[1], bool)
        mask[self.f(ev.onset_s - self.cfg.context_s) : self.f(ev.offset_s + self.cfg.context_s)] = True
        margin = self.cfg.event_margin_s
        for e in list(self.before.events) + list(self.after.events):
            if e.role == "foreground" or e.id == ev.id:
                mask[self.f(e.onset_s - margin) : self.f(e.offset_s + margin)] = False
        for a, b in self.spans:
            mask[a:b] = False
        return level_db(x[:, mask]) if mask.sum() >= self.f(0.05) else None

    def event_level_db(self, scene: Scene, ev: Event) -> float:
        """The event's own level: span power minus the background power around it."""
        span_p = 10 ** (self.level(scene.audio.samples, ev) / 10)
        bg = self.background_db(ev)
        bg_p = 10 ** (bg / 10) if bg is not None else 0.0
        return 10 * float(np.log10(max(span_p - bg_p if span_p > 2 * bg_p else span_p, 1e-12)))

    # -- add
    def new_events(self, label: str) -> list[Event]:
        old = {e.id for e in self.before.events}
        return [e for e in self.after.events if e.id not in old and e.label == label]

    def reference_db(self, ev: Event) -> float:
        level = self.level(self.before.audio.samples, ev)
        return level if level > -100 else level_db(self.before.audio.samples)

    # -- reorder / speed
    def locate(self, ev: Event, span_s: tuple[float, float] | None = None) -> float:
        """Where ``ev``'s original audio (or that of ``span_s``) best matches in ``after`` (normalised
        cross-correlation), s."""
        a, b = (self.f(ev.onset_s), self.f(ev.offset_s)) if span_s is None else (self.f(span_s[0]), self.f(span_s[1]))
        ref = self.before.audio.samples[:, a:b].mean(axis=0)
        return float(np.argmax(_ncc(ref, self.after.audio.samples.mean(axis=0)))) / self.sr

    def envelope_duration(self, scene: Scene, ev: Event, use_spans: bool = False) -> float:
        """Length (s) of the part of ``ev``'s segment (and, after, of the edited spans touching it)
        louder than halfway (in dB) between the background and the peak (at most 20 dB below
        the peak, so faint stretch smear does not count), on 10 ms frames."""
        a, b = self.f(ev.onset_s - self.cfg.event_margin_s / 2), self.f(ev.offset_s + self.cfg.event_margin_s / 2)
        if use_spans:
            for s, e in self.spans:
                if s < b and a < e:
                    a, b = min(a, s), max(b, e)
        x = np.abs(scene.audio.samples[:, a:b]).max(axis=0)
        hop = max(1, self.f(HOP_S))
        n = len(x) // hop
        if n == 0:
            return 0.0
        frames = 10 * np.log10(np.mean(np.square(x[: n * hop].reshape(n, hop), dtype=np.float64), axis=1) + 1e-12)
        peak, bg = frames.max(), self.background_db(ev)
        threshold = max((peak + bg) / 2, peak - 20) if bg is not None else peak - 20
        active = np.flatnonzero(frames >= threshold)
        return (active[-1] - active[0] + 1) * hop / self.sr if active.size else 0.0


def _ncc(ref: np.ndarray, search: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of ``ref`` at every offset inside ``search`` (1-D)."""
    from scipy.signal import correlate

    if len(ref) == 0 or len(search) < len(ref):
        return np.zeros(1)
    corr = correlate(search, ref, mode="valid", method="fft")
    energy = np.cumsum(np.concatenate([[0.0], np.square(search, dtype=np.float64)]))
    window = energy[len(ref):] - energy[: len(search) - len(ref) + 1]
    ncc = corr / (np.sqrt(np.maximum(window, 1e-20)) * max(float(np.linalg.norm(ref)), 1e-12))
    ncc[window < 1e-6 * max(float(window.max()), 1e-20)] = 0.0  # (near-)silent windows: FFT noise, not a match
    return np.clip(ncc, -1.0, 1.0)


OP_CHECKS = {LoudnessStep: _loudness, RemoveStep: _remove, AddStep: _add, ReplaceStep: _replace,
             ReorderStep: _reorder, SpeedStep: _speed}
