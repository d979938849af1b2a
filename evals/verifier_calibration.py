"""The verifier's CLAP thresholds from labelled measurements (``audioedit bench verifier --calibrate``).

``Measured`` holds one labelled case's acoustic verdict and raw CLAP measurements
(``audioedit.evals.verifier_accuracy`` builds and measures the cases); thresholds are applied
afterwards, so every method below is scored on the same measurements. ``calibrate_clap`` fits each
check on half the pairs and judges it alone on the other half (reports/verifier/README.md).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from audioedit.agents.verifier import CLAP_FIELDS, SIGNAL_CHECKS, VerifierConfig

CONFIRM_GRID = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, float("inf"))


@dataclass
class Measured:
    name: str
    op: str
    kind: str
    correct: bool
    acoustic_passed: bool
    acoustic_failed: list[str]
    clap: dict[str, list[float]] = field(default_factory=dict)
    clap_ms: float = 0.0

    def passed(self, cfg: VerifierConfig | None) -> bool:
        """The verdict ``Verifier`` gives with ``cfg`` (None: acoustic only), from the stored measurements."""
        if cfg is None or not self.clap:
            return self.acoustic_passed
        values = [(getattr(cfg, CLAP_FIELDS[name][0]), getattr(cfg, CLAP_FIELDS[name][1]), v)
                  for name, vals in self.clap.items() for v in vals]
        if not all(v >= low for low, _, v in values):
            return False
        if self.acoustic_passed:
            return True
        return all(n in SIGNAL_CHECKS for n in self.acoustic_failed) and all(v >= high for _, high, v in values)


def rates(rows: list[Measured], thresholds: VerifierConfig | None) -> tuple[float, float, float]:
    good = [r.passed(thresholds) for r in rows if r.correct]
    bad = [not r.passed(thresholds) for r in rows if not r.correct]
    tpr = float(np.mean(good)) if good else float("nan")
    tnr = float(np.mean(bad)) if bad else float("nan")
    return tpr, tnr, float(np.nanmean([tpr, tnr]))



# A check's minimum may not contradict its name: a "drop" that accepts a rise, or a "rise" that
# accepts a fall, checks nothing. A check whose own balanced accuracy on the held-out half of the
# calibration set is below MIN_SEPARATION does not separate correct from failed edits: it is dropped
# (its minimum becomes -inf: still measured and reported, never a veto).
FLOORS = {"clap_min_drop": 0.0, "clap_min_rise": 0.0}
MIN_SEPARATION = 0.6
CALIBRATION_TPR = 0.95  # method "tpr95": the share of correct edits each check lets pass
CALIBRATIONS = ("balanced", "tpr95")


def held_out(name: str) -> bool:
    """The held-out half of a calibration set, by pair (every case of a pair on the same side)."""
    return zlib.crc32(name.encode()) % 2 == 1


def _values(rows: list[Measured], check: str) -> tuple[list[float], list[float], bool]:
    """(values of correct cases, values of failed cases, whether those are only the failures the
    acoustic checks let through): a CLAP check is the last line against those, so it is fitted and
    judged on them (on every failure when the acoustic checks caught them all)."""
    good = [v for r in rows if r.correct for v in r.clap.get(check, [])]
    slipped = [v for r in rows if not r.correct and r.acoustic_passed for v in r.clap.get(check, [])]
    return good, slipped or [v for r in rows if not r.correct for v in r.clap.get(check, [])], bool(slipped)


def check_accuracy(results: list[Measured], cfg: VerifierConfig) -> dict[str, dict]:
    """Each CLAP check alone at its threshold: the correct edits it passes (TPR) and the failed
    edits it rejects (TNR; the failures the acoustic checks let through, see ``_values``)."""
    out = {}
    for check, (low_field, _) in CLAP_FIELDS.items():
        good, bad, slipped = _values(results, check)
        if not good or not bad:
            continue
        low = getattr(cfg, low_field)
        tpr, tnr = float(np.mean(np.asarray(good) >= low)), float(np.mean(np.asarray(bad) < low))
        out[check] = {"threshold": low, "n_correct": len(good), "n_failed": len(bad),
                      "failed_set": "acoustic-passed failures" if slipped else "all failures",
                      "tpr": round(tpr, 4), "tnr": round(tnr, 4), "balanced_accuracy": round((tpr + tnr) / 2, 4)}
    return out


def fit_threshold(good: list[float], bad: list[float], method: str) -> tuple[float, float]:
    """(threshold, its balanced accuracy on these values). ``balanced``: the check's own best
    balanced accuracy; ``tpr95``: the value 95 % of the correct edits pass (a fixed false-reject
    budget per check; reports/verifier amendment)."""
    from audioedit.clap.checks import calibrate_thresholds

    if method == "balanced":
        return calibrate_thresholds(good, bad)
    threshold = float(np.quantile(good, 1 - CALIBRATION_TPR))
    g, b = np.asarray(good), np.asarray(bad)
    return threshold, float((np.mean(g >= threshold) + np.mean(b < threshold)) / 2)


def calibrate_clap(results: list[Measured], base: VerifierConfig, method: str = "balanced") -> tuple[VerifierConfig, dict]:
    """CLAP thresholds, fitted on one half of the pairs and judged on the other (``held_out``).

    Each check's minimum: ``fit_threshold(correct values, failed values, method)`` on the fit half
    (``_values``), never below its ``FLOORS``; then its own accuracy on the held-out half, and a
    check below ``MIN_SEPARATION`` there is dropped. The confirm thresholds (overruling failed
    signal checks on mixtures) are searched over ``CONFIRM_GRID`` on the fit half's combined verdict."""
    fit = [r for r in results if not held_out(r.name)]
    test = [r for r in results if held_out(r.name)]
    cfg, report = base, {}
    for check, (low_field, _) in CLAP_FIELDS.items():
        good, bad, slipped = _values(fit, check)
        if not good or not bad:
            continue
        threshold, bal = fit_threshold(good, bad, method)
        cfg = cfg.model_copy(update={low_field: round(max(threshold, FLOORS.get(low_field, -math.inf)), 3)})
        report[low_field] = {"fitted": round(threshold, 3), "fit_balanced_accuracy": round(bal, 4), "n_correct": len(good),
                             "n_failed": len(bad), "failed_set": "acoustic-passed failures" if slipped else "all failures"}
    own = check_accuracy(test, cfg)
    for check, (low_field, _) in CLAP_FIELDS.items():
        acc = own.get(check)
        if acc is not None and acc["balanced_accuracy"] < MIN_SEPARATION:
            cfg = cfg.model_copy(update={low_field: -math.inf})
            report[low_field]["dropped"] = f"own held-out balanced accuracy {acc['balanced_accuracy']:.3f} < {MIN_SEPARATION}"
    for name in ("clap_confirm_drop", "clap_confirm_rise"):
        scores = [(rates(fit, cfg.model_copy(update={name: float(v)}))[2], v) for v in CONFIRM_GRID]  # ties: the stricter
        cfg = cfg.model_copy(update={name: float(max(scores)[1])})
    for low_field, _ in CLAP_FIELDS.values():
        report.setdefault(low_field, {})["value"] = getattr(cfg, low_field)
    for name in ("clap_confirm_drop", "clap_confirm_rise"):
        report[name] = {"value": getattr(cfg, name)}
    report["checks_held_out"] = own
    report["balanced_accuracy_fit"] = round(rates(fit, cfg)[2], 4)
    report["balanced_accuracy_held_out"] = round(rates(test, cfg)[2], 4)
    report["pairs"] = {"fit": len({r.name for r in fit}), "held_out": len({r.name for r in test})}
    report["method"] = method
    return cfg, report
