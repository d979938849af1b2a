"""Acoustic verifier v1: does the scene after a step show what the step asked for?

``verify_acoustic(before, after, step, edited_spans_s)`` returns a ``Verdict`` whose ``Check``s
carry each measurement and its threshold. With stems on both sides it measures the stems
(exact); otherwise it measures the mixture around the targets. Every op also gets
``outside_span_max_abs_diff`` (the audio outside the edited spans is unchanged). The checks and
measurements themselves live in ``audioedit.agents.acoustic_checks``.

Checks per op (names as they appear in the verdict):

- loudness: ``stem_gain_db`` (stems) or ``span_gain_db`` (mixture: the span's level change, or the
  sound's if the bed under it stayed, whichever is closer) == gain_db ± tolerance.
- remove: ``target_removed``; stems: ``remaining_mixture_max_abs_diff`` (after == before - stem);
  mixture: ``target_energy_drop_db``, ``old_event_correlation`` (its limit allows for a bed that
  stays), ``background_kept_db``.
- add: ``added_event_count``, ``added_energy_rise_db``; stems: ``added_stem_level_db``.
- replace: ``target_removed``, ``added_event_count``, ``replacement_onset_diff_s``; stems:
  ``remaining_mixture_max_abs_diff``, ``replacement_level_db``; mixture: ``old_event_correlation``,
  ``span_change_db``, ``new_event_above_background_db``, ``replacement_level_db``.
- reorder: ``onset_order``; stems: ``stem_onset_order``, ``stem_shift_error_s``; mixture:
  ``xcorr_onset_order``, ``xcorr_onset_error_s``.
- speed: ``event_duration_ratio``; stems: ``duration_ratio`` (stem active spans), ``pitch_ratio``;
  mixture: ``envelope_duration_ratio``.
- move: ``event_onset_error_s``; stems: ``stem_shift_error_s``, ``remaining_mixture_max_abs_diff``;
  mixture: ``moved_old_place_db`` (fell), ``moved_new_place_db`` (rose), ``xcorr_onset_error_s``
  (``audioedit.agents.move_checks``).
- with stems, every op: ``stems_residual_max_abs_diff`` (the mixture was rebuilt from the stems).

Verifier v2: ``Verifier(config, clap="auto")`` is a callable with the agent loop's signature
``(before, after, step, edited_spans_s) -> Verdict``: the acoustic checks plus the CLAP checks of
``audioedit.clap.checks.step_clap_checks`` (remove: ``clap_target_drop`` and ``clap_others_kept``;
add: ``clap_added_rise``; replace: all three; move: ``clap_target_drop`` where the sound was and
``clap_added_rise`` where it went; loudness/speed/reorder: acoustic only). The CLAP
model is loaded lazily, once per process for the shipped one. Without a model it verifies
acoustically and says so in a ``clap_available`` check (passed, with the reason in its detail).
With stems on both sides the acoustic checks are exact and the CLAP checks are advisory (reported,
never failing the step). ``load_verifier_config()`` reads the calibrated thresholds from
``agents/verifier.yaml`` (written by ``audioedit bench verifier --calibrate``).
"""

from __future__ import annotations

import functools
import threading
import logging
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from audioedit.agents.acoustic_checks import OP_CHECKS, Measure, recording_checks
from audioedit.agents.move_checks import move_checks
from audioedit.protocols import AudioTextModel
from audioedit.report import Check, Verdict
from audioedit.scene import Scene
from audioedit.steps import AddStep, EditStep, MoveStep, on_recording, resolve_step

DEFAULT_CONFIG_PATH = Path(__file__).resolve().with_name("verifier.yaml")
CLAP_OPS = ("remove", "add", "replace", "move")
SIGNAL_CHECKS = frozenset({"target_energy_drop_db", "old_event_correlation", "background_kept_db", "span_change_db",
                           "new_event_above_background_db", "replacement_level_db", "added_energy_rise_db"})
CLAP_FIELDS = {"clap_target_drop": ("clap_min_drop", "clap_confirm_drop"),
               "clap_added_rise": ("clap_min_rise", "clap_confirm_rise"),
               "clap_added_margin": ("clap_min_margin", "clap_confirm_margin"),
               "clap_others_kept": ("clap_min_kept", "clap_confirm_kept")}
log = logging.getLogger(__name__)


class VerifierConfig(BaseModel):
    loudness_tolerance_db_stems: float = 1.0
    loudness_tolerance_db_mixture: float = 2.0
    speed_tolerance: float = 0.05
    recording_gain_tolerance_db: float = 0.5
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
    # verifier v2 (``Verifier``): CLAP checks; calibrated values in agents/verifier.yaml
    use_clap: bool = True
    clap_model: str | None = None  # a CLAP config YAML (``audioedit.clap.load_clap``); None = the shipped small CLAP
    clap_min_drop: float = 1.0
    clap_min_rise: float = 1.0
    clap_min_margin: float = -1.0
    clap_min_kept: float = float("-inf")  # the other sounds in the span: smallest presence change (calibrated)
    clap_context_s: float = 0.25
    clap_threads: int = 1
    # mixture-only: failed signal checks (SIGNAL_CHECKS, confounded by overlapping events) are
    # overruled when every CLAP check reaches these (inf = never)
    clap_confirm_drop: float = float("inf")
    clap_confirm_rise: float = float("inf")
    clap_confirm_margin: float = float("-inf")
    clap_confirm_kept: float = float("-inf")


def verify_acoustic(
    before: Scene,
    after: Scene,
    step: EditStep,
    edited_spans_s: list[tuple[float, float]],
    config: VerifierConfig | None = None,
) -> Verdict:
    from audioedit.ops.registry import get

    cfg, op = config or VerifierConfig(), get(step.op)
    if op is None and on_recording(step):
        return Verdict.of(step.id, recording_checks(before, after, step, cfg))
    if op is not None and getattr(op, "CHANGES_SHAPE", False):  # a new length or channel count: the op measures itself
        return Verdict.of(step.id, op.verify(before, after, step, edited_spans_s))
    m = Measure(before, after, edited_spans_s, cfg)
    checks = [m.preservation()]
    if not checks[0].passed and checks[0].measured is None:
        return Verdict.of(step.id, checks)
    if op is not None:  # registry ops measure their own effect
        return Verdict.of(step.id, checks + op.verify(before, after, step, edited_spans_s))
    targets = list({ev.id: ev for ev in resolve_step(step, before)}.values())
    if not targets and not isinstance(step, AddStep):
        checks.append(Check(name="targets_found", measured=0, threshold=">= 1", passed=False,
                            detail=f"no event of the step in the scene before; labels {before.labels()}"))
        return Verdict.of(step.id, checks)
    stems = before.stems is not None and after.stems is not None and all(t.id in before.stems for t in targets)
    if stems:
        checks.append(m.residual())
    checks += {**OP_CHECKS, MoveStep: move_checks}[type(step)](m, step, targets, stems)
    return Verdict.of(step.id, checks)


def load_verifier_config(path: str | os.PathLike | None = None) -> VerifierConfig:
    """``VerifierConfig`` from a YAML (``{thresholds: {...}, provenance: {...}}`` or a flat mapping);
    ``None`` = ``agents/verifier.yaml`` when it exists, else the built-in defaults."""
    import yaml

    from audioedit.errors import UserInputError

    p = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if not p.is_file():
        if path is not None:
            raise UserInputError(f"verifier config not found: {str(p)!r}; pass a YAML with a 'thresholds' mapping")
        return VerifierConfig()
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return VerifierConfig(**(data.get("thresholds", data) if isinstance(data, dict) else {}))


_CLAP_LOAD_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load_clap_cached(spec: str | None):
    """(model or None, reason): the CLAP a config names, or the shipped small CLAP; once per process."""
    try:
        from audioedit.clap import default_clap, load_clap
        from audioedit.clap.checks import CachedClap
        from audioedit.clap.small import SHIPPED_DIR

        if spec is None:
            shipped = default_clap()  # the process's one instance, shared with detection
            if shipped is None:
                return None, f"no shipped CLAP weights in {SHIPPED_DIR}"
            return CachedClap(shipped), f"shipped small CLAP ({SHIPPED_DIR.name})"
        return CachedClap(load_clap(spec)), f"CLAP from {spec}"
    except Exception as exc:  # noqa: BLE001 - any load failure degrades to acoustic-only, reported in the verdict
        log.warning("CLAP unavailable, verifying acoustically only: %s", exc)
        return None, f"CLAP failed to load: {exc}"


def step_sounds(before: Scene, step: EditStep) -> set[str]:
    """The labels a step's CLAP checks ask about: its targets' and the sound it adds or puts in."""
    from audioedit.errors import AudioEditError

    sounds = {step.sound} if getattr(step, "sound", None) else set()
    try:
        return sounds | {e.label for e in resolve_step(step, before)}
    except (AudioEditError, KeyError, ValueError):
        return sounds


@functools.lru_cache(maxsize=1)
def default_verifier() -> Verifier:
    """The agent loop's default: ``Verifier`` with ``agents/verifier.yaml`` and the shipped
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

    def __init__(self, config: VerifierConfig | None = None, clap: AudioTextModel | Literal["auto"] | None = "auto"):
        self.config = config or load_verifier_config()
        self._clap, self._why, self._loaded = None, "", False
        self.trained: frozenset[str] | None = None  # the classes the loaded CLAP was trained on, when known
        if clap is None or not self.config.use_clap:
            self._why, self._loaded = "CLAP disabled" + (" by config (use_clap: false)" if clap is not None else ""), True
        elif not isinstance(clap, str):
            from audioedit.clap.checks import CachedClap

            self._clap, self._why, self._loaded = CachedClap(clap, self.config.clap_threads), f"CLAP {clap.name}", True

    @property
    def clap(self):
        """The (cached-text) CLAP model, loaded on first use, or None."""
        if not self._loaded:
            with _CLAP_LOAD_LOCK:  # the service's workers share one verifier and one CLAP
                if not self._loaded:
                    self._clap, self._why = _load_clap_cached(self.config.clap_model)
                    if self._clap is not None:
                        self._clap.threads = self.config.clap_threads
                        from audioedit.clap import trained_classes

                        self.trained = trained_classes(self.config.clap_model)
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
        unheard = self.unheard_sounds(before, step)
        if unheard:  # the CLAP never heard these sounds: its checks are reported, never a veto nor an overrule
            note = f"advisory: the CLAP was never trained on {', '.join(unheard)}; "
            return Verdict.of(step.id, verdict.checks + [c if c.passed else c.model_copy(
                update={"passed": True, "detail": note + c.detail}) for c in clap])
        if not mixture:  # the stem checks measure the edit exactly: CLAP is reported, not a veto
            clap = [c if c.passed else c.model_copy(update={"passed": True, "detail": "advisory: the stems verify "
                                                            "this step exactly; " + c.detail}) for c in clap]
        if mixture and not verdict.passed and clap_confirms(verdict.failed(), clap, self.config):
            note = "advisory on the mixture: overruled because every CLAP check reaches its confirm threshold; "
            acoustic = [c if c.passed else c.model_copy(update={"passed": True, "detail": note + c.detail}) for c in verdict.checks]
            return Verdict.of(step.id, acoustic + clap)
        return Verdict.of(step.id, verdict.checks + clap)

    def unheard_sounds(self, before: Scene, step: EditStep) -> list[str]:
        """The sounds of ``step`` the loaded CLAP was never trained on: its checks on them are advisory."""
        if self.clap is None or self.trained is None:
            return []
        from audioedit.clap.captions import sound_class

        return sorted({sound_class(label).key for label in step_sounds(before, step)} - self.trained)  # aliases: their class

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
                              min_margin=self.config.clap_min_margin, min_kept=self.config.clap_min_kept,
                              context_s=self.config.clap_context_s)
        return step_clap_checks(model, before, after, step, cfg)
