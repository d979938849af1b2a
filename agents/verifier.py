"""Acoustic verifier v1: does the scene after a step show what the step asked for?

``verify_acoustic(before, after, step, edited_spans_s)`` returns a ``Verdict`` whose ``Check``s
carry each measurement and its threshold. With stems on both sides it measures the stems
(exact); otherwise it measures the mixture around the targets. Every op also gets
``outside_span_max_abs_diff`` (the audio outside the edited spans is unchanged).

Checks per op (names as they appear in the verdict):

- loudness: ``stem_gain_db`` (stems) or ``span_gain_db`` (mixture) == gain_db ± tolerance.
- remove: ``target_removed``; stems: ``remaining_mixture_max_abs_diff`` (after == before - stem);
  mixture: ``target_energy_drop_db``, ``old_event_correlation``, ``background_kept_db``.
- add: ``added_event_count``, ``added_energy_rise_db``; stems: ``added_stem_level_db``.
- replace: ``target_removed``, ``added_event_count``, ``replacement_onset_diff_s``; stems:
  ``remaining_mixture_max_abs_diff``, ``replacement_level_db``; mixture: ``old_event_correlation``,
  ``span_change_db``, ``new_event_above_background_db``, ``replacement_level_db``.
- reorder: ``onset_order``; stems: ``stem_onset_order``, ``stem_shift_error_s``; mixture:
  ``xcorr_onset_order``, ``xcorr_onset_error_s``.
- speed: ``event_duration_ratio``; stems: ``duration_ratio`` (stem active spans), ``pitch_ratio``;
  mixture: ``envelope_duration_ratio``.
- with stems, every op: ``stems_residual_max_abs_diff`` (the mixture was rebuilt from the stems).

Verifier v2: ``Verifier(config, clap="auto")`` is a callable with the agent loop's signature
``(before, after, step, edited_spans_s) -> Verdict``: the acoustic checks plus the CLAP checks of
``audioedit.clap.checks.step_clap_checks`` (remove: ``clap_target_drop``; add: ``clap_added_rise``;
replace: both; loudness/speed/reorder: acoustic only). The CLAP model is loaded lazily, once per
process for the shipped one. Without a model it verifies acoustically and says so in a
``clap_available`` check (passed, with the reason in its detail). ``load_verifier_config()`` reads
the calibrated thresholds from ``configs/verifier/default.yaml`` (written by
``audioedit bench verifier --calibrate``).
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from audioedit.report import Check, Verdict
from audioedit.scene import Event, Scene, active_span_s
from audioedit.steps import AddStep, EditStep, LoudnessStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep, resolve_step

HOP_S = 0.01
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[1] / "configs" / "verifier" / "default.yaml"
CLAP_OPS = ("remove", "add", "replace")
SIGNAL_CHECKS = frozenset({"target_energy_drop_db", "old_event_correlation", "background_kept_db", "span_change_db",
                           "new_event_above_background_db", "replacement_level_db", "added_energy_rise_db"})
CLAP_FIELDS = {"clap_target_drop": ("clap_min_drop", "clap_confirm_drop"),
               "clap_added_rise": ("clap_min_rise", "clap_confirm_rise"),
               "clap_added_margin": ("clap_min_margin", "clap_confirm_margin")}
log = logging.getLogger(__name__)


class VerifierConfig(BaseModel):
    loudness_tolerance_db_stems: float = 1.0
    loudness_tolerance_db_mixture: float = 2.0
    speed_tolerance: float = 0.05
    pitch_tolerance: float = 0.1
    preservation_max_abs: float = 1e-6
    stems_consistency_max_abs: float = 1e-4
    remove_min_drop_db: float = 3.0
    remove_min_drop_fraction: float = 0.7
    background_tolerance_db: float = 4.0
    old_event_max_correlation: float = 0.5
    add_min_rise_db: float = 1.0
    add_level_tolerance_db: float = 2.0
    replace_min_change_db: float = -3.0
    onset_tolerance_s: float = 0.05
    silence_db: float = -80.0
    context_s: float = 1.0
    event_margin_s: float = 0.05
    # verifier v2 (``Verifier``): CLAP checks; calibrated values in configs/verifier/default.yaml
    use_clap: bool = True
    clap_model: str | None = None  # a CLAP config YAML (``audioedit.clap.load_clap``); None = the shipped small CLAP
    clap_min_drop: float = 1.0
    clap_min_rise: float = 1.0
    clap_min_margin: float = -1.0
    clap_context_s: float = 0.25
    clap_threads: int = 1
    # mixture-only: failed signal checks (SIGNAL_CHECKS, confounded by overlapping events) are
    # overruled when every CLAP check reaches these (inf = never)
    clap_confirm_drop: float = float("inf")
    clap_confirm_rise: float = float("inf")
    clap_confirm_margin: float = float("-inf")


def verify_acoustic(
    before: Scene,
    after: Scene,
    step: EditStep,
    edited_spans_s: list[tuple[float, float]],
    config: VerifierConfig | None = None,
) -> Verdict:
    cfg = config or VerifierConfig()
    m = _Measure(before, after, edited_spans_s, cfg)
    checks = [m.preservation()]
    if not checks[0].passed and checks[0].measured is None:
        return Verdict.of(step.id, checks)
    targets = list({ev.id: ev for ev in resolve_step(step, before)}.values())
    if not targets and not isinstance(step, AddStep):
        checks.append(Check(name="targets_found", measured=0, threshold=">= 1", passed=False,
                            detail=f"no event of the step in the scene before; labels {before.labels()}"))
        return Verdict.of(step.id, checks)
    stems = before.stems is not None and after.stems is not None and all(t.id in before.stems for t in targets)
    if stems:
        checks.append(m.residual())
    op = {LoudnessStep: _loudness, RemoveStep: _remove, AddStep: _add, ReplaceStep: _replace,
          ReorderStep: _reorder, SpeedStep: _speed}[type(step)]
    checks += op(m, step, targets, stems)
    return Verdict.of(step.id, checks)


def load_verifier_config(path: str | os.PathLike | None = None) -> VerifierConfig:
    """``VerifierConfig`` from a YAML (``{thresholds: {...}, provenance: {...}}`` or a flat mapping);
    ``None`` = ``configs/verifier/default.yaml`` when it exists, else the built-in defaults."""
    import yaml

    from audioedit.errors import UserInputError

    p = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if not p.is_file():
        if path is not None:
            raise UserInputError(f"verifier config not found: {str(p)!r}; pass a YAML with a 'thresholds' mapping")
        return VerifierConfig()
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return VerifierConfig(**(data.get("thresholds", data) if isinstance(data, dict) else {}))


@functools.lru_cache(maxsize=4)
def _load_clap_cached(spec: str | None):
    """(model or None, reason): the CLAP a config names, or the shipped small CLAP; once per process."""
    try:
        from audioedit.clap import load_clap
        from audioedit.clap.checks import CachedClap
        from audioedit.clap.small import SHIPPED_DIR

        if spec is None:
            if not (SHIPPED_DIR / "model.safetensors").is_file():
                return None, f"no shipped CLAP weights in {SHIPPED_DIR}"
            spec_dict = {"type": "small", "config": {"checkpoint": str(SHIPPED_DIR)}}
            return CachedClap(load_clap(spec_dict)), f"shipped small CLAP ({SHIPPED_DIR.name})"
        return CachedClap(load_clap(spec)), f"CLAP from {spec}"
    except Exception as exc:  # noqa: BLE001 - any load failure degrades to acoustic-only, reported in the verdict
        log.warning("CLAP unavailable, verifying acoustically only: %s", exc)
        return None, f"CLAP failed to load: {exc}"


@functools.lru_cache(maxsize=1)
def default_verifier() -> Verifier:
    """The agent loop's default: ``Verifier`` with ``configs/verifier/default.yaml`` and the shipped
    CLAP (loaded on the first remove/add/replace step), one per process."""
    return Verifier()


def clap_confirms(failed: list[Check], clap: list[Check], cfg: VerifierConfig) -> bool:
    """True when only signal checks failed and every CLAP check reaches its confirm threshold."""
    scored = [c for c in clap if c.name in CLAP_FIELDS and c.measured is not None]
    return (bool(scored) and all(c.name in SIGNAL_CHECKS for c in failed)
            and all(c.measured >= getattr(cfg, CLAP_FIELDS[c.name][1]) for c in scored))


class Verifier:
    """Acoustic + CLAP verifier, callable as ``verifier(before, after, step, edited_spans_s)``.

    ``clap``: ``"auto"`` (the model ``config.clap_model`` names, or the shipped small CLAP),
    a ``ClapModel``, or ``None`` (acoustic only). ``config`` defaults to ``load_verifier_config()``.
    """

    def __init__(self, config: VerifierConfig | None = None, clap="auto"):
        self.config = config or load_verifier_config()
        self._clap, self._why, self._loaded = None, "", False
        if clap is None or not self.config.use_clap:
            self._why, self._loaded = "CLAP disabled" + (" by config (use_clap: false)" if clap is not None else ""), True
        elif not isinstance(clap, str):
            from audioedit.clap.checks import CachedClap

            self._clap, self._why, self._loaded = CachedClap(clap, self.config.clap_threads), f"CLAP {clap.name}", True

    @property
    def clap(self):
        """The (cached-text) CLAP model, loaded on first use, or None."""
        if not self._loaded:
            self._clap, self._why = _load_clap_cached(self.config.clap_model)
            if self._clap is not None:
                self._clap.threads = self.config.clap_threads
            self._loaded = True
        return self._clap

    def __call__(self, before: Scene, after: Scene, step: EditStep, edited_spans_s: list[tuple[float, float]]) -> Verdict:
        return self.verify(before, after, step, edited_spans_s)

    def verify(self, before: Scene, after: Scene, step: EditStep, edited_spans_s: list[tuple[float, float]]) -> Verdict:
        verdict = verify_acoustic(before, after, step, edited_spans_s, self.config)
        if step.op not in CLAP_OPS or (not verdict.passed and self.clap_needless(verdict)):
            return verdict
        clap = self.clap_checks(before, after, step)
        mixture = before.stems is None or after.stems is None
        if mixture and not verdict.passed and clap_confirms(verdict.failed(), clap, self.config):
            note = "advisory on the mixture: overruled because every CLAP check reaches its confirm threshold; "
            acoustic = [c if c.passed else c.model_copy(update={"passed": True, "detail": note + c.detail}) for c in verdict.checks]
            return Verdict.of(step.id, acoustic + clap)
        return Verdict.of(step.id, verdict.checks + clap)

    @staticmethod
    def clap_needless(verdict: Verdict) -> bool:
        """The output cannot be compared (shape changed, no targets): CLAP adds nothing."""
        return any(c.measured is None and c.name in ("outside_span_max_abs_diff", "targets_found") for c in verdict.failed())

    def clap_checks(self, before: Scene, after: Scene, step: EditStep) -> list[Check]:
        """The CLAP checks of ``step`` (or one passed ``clap_available`` check saying why there are none)."""
        model = self.clap
        if model is None:
            return [Check(name="clap_available", measured=None, threshold="a CLAP model", passed=True,
                          detail=f"acoustic checks only: {self._why}")]
        from audioedit.clap.checks import ClapCheckConfig, step_clap_checks

        cfg = ClapCheckConfig(min_drop=self.config.clap_min_drop, min_rise=self.config.clap_min_rise,
                              min_margin=self.config.clap_min_margin, context_s=self.config.clap_context_s)
        return step_clap_checks(model, before, after, step, cfg)


# --- per op -----------------------------------------------------------------------------------


def _loudness(m: _Measure, step: LoudnessStep, targets: list[Event], stems: bool) -> list[Check]:
    tol = m.cfg.loudness_tolerance_db_stems if stems else m.cfg.loudness_tolerance_db_mixture
    checks = []
    for ev in targets:
        if stems:
            if ev.id not in m.after.stems:
                checks.append(_fail("stem_gain_db", f"{step.gain_db:g} ± {tol:g}", f"{ev.id}: stem missing after"))
                continue
            gain = m.level(m.after.stems[ev.id].samples, ev) - m.level(m.before.stems[ev.id].samples, ev)
            name = "stem_gain_db"
        else:
            gain, name = m.level(m.after.audio.samples, ev) - m.level(m.before.audio.samples, ev), "span_gain_db"
        checks.append(_check(name, gain, f"{step.gain_db:g} ± {tol:g}", abs(gain - step.gain_db) <= tol, ev.id))
    return checks


def _remove(m: _Measure, step: RemoveStep, targets: list[Event], stems: bool) -> list[Check]:
    checks = [m.removed(targets)]
    if stems:
        return checks + [m.remaining(targets, [])]
    for ev in targets:
        checks += [m.energy_drop(ev), m.old_correlation(ev)]
        kept = m.background_kept(ev)
        if kept:
            checks.append(kept)
    return checks


def _add(m: _Measure, step: AddStep, targets: list[Event], stems: bool) -> list[Check]:
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


def _replace(m: _Measure, step: ReplaceStep, targets: list[Event], stems: bool) -> list[Check]:
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


def _reorder(m: _Measure, step: ReorderStep, targets: list[Event], stems: bool) -> list[Check]:
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


def _speed(m: _Measure, step: SpeedStep, targets: list[Event], stems: bool) -> list[Check]:
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


def _check(name: str, measured: float, threshold: str, passed: bool, detail: str = "") -> Check:
    return Check(name=name, measured=round(float(measured), 6), threshold=threshold, passed=bool(passed), detail=detail)


def _fail(name: str, threshold: str, detail: str) -> Check:
    return Check(name=name, measured=None, threshold=threshold, passed=False, detail=detail)


def _db(x: np.ndarray) -> float:
    return 20 * float(np.log10(max(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0, 1e-6)))


def _centroid_hz(audio, span: tuple[float, float]) -> float:
    """Power-weighted spectral centroid (Hz) of ``audio`` over ``span`` (robust to faint
    broadband stretch artefacts, which a magnitude-weighted centroid over-counts)."""
    x = audio.slice_s(*span).samples.mean(axis=0)
    power = np.square(np.abs(np.fft.rfft(x)))
    freqs = np.fft.rfftfreq(len(x), 1 / audio.sample_rate_hz)
    return float((power * freqs).sum() / max(power.sum(), 1e-20))


class _Measure:
    """Measurements on one (before, after) pair; frames are ``round(seconds * rate)``."""

    def __init__(self, before: Scene, after: Scene, spans_s: list[tuple[float, float]], cfg: VerifierConfig):
        self.before, self.after, self.cfg = before, after, cfg
        self.sr = before.audio.sample_rate_hz
        self.spans = [(self.f(a), self.f(b)) for a, b in spans_s]

    def f(self, seconds: float) -> int:
        return int(min(max(round(seconds * self.sr), 0), self.before.audio.num_frames))

    def level(self, x: np.ndarray, ev: Event) -> float:
        a = self.f(ev.onset_s)
        return _db(x[:, a : max(self.f(ev.offset_s), a + 1)])

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
        a, b = self.f(ev.onset_s), self.f(ev.offset_s)
        pad = self.f(0.1)
        ref = self.before.audio.samples[:, a:b].mean(axis=0)
        search = self.after.audio.samples[:, max(a - pad, 0) : b + pad].mean(axis=0)
        corr = float(np.max(_ncc(ref, search), initial=0.0))
        limit = self.cfg.old_event_max_correlation
        return _check("old_event_correlation", corr, f"<= {limit:g}", corr <= limit, ev.id)

    def span_change(self, ev: Event) -> Check:
        a, b = self.f(ev.onset_s), self.f(ev.offset_s)
        x, y = self.before.audio.samples[:, a:b], self.after.audio.samples[:, a:b]
        change = _db(y - x) - _db(x)
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
        return _db(x[:, mask]) if mask.sum() >= self.f(0.05) else None

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
        return level if level > -100 else _db(self.before.audio.samples)

    # -- reorder / speed
    def locate(self, ev: Event) -> float:
        """Where ``ev``'s original audio best matches in ``after`` (normalised cross-correlation), s."""
        a, b = self.f(ev.onset_s), self.f(ev.offset_s)
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
