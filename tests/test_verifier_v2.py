"""Verifier v2 (acoustic + CLAP): a correct remove passes, an identity output fails with CLAP
checks present; without CLAP it degrades to acoustic checks and says so; the calibrated YAML
loads; the accuracy measurement on a tiny synth set gives sane numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audioedit.agents.verifier import DEFAULT_CONFIG_PATH, Verifier, VerifierConfig, load_verifier_config
from audioedit.clap.small import SHIPPED_DIR, has_weights
from audioedit.errors import UserInputError
from audioedit.evals.verifier_accuracy import accuracy_table, load_pair, pair_cases, pair_folders, verifier_accuracy

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_HAS_WEIGHTS = has_weights(SHIPPED_DIR)
needs_clap = pytest.mark.skipif(not SHIPPED_HAS_WEIGHTS, reason="shipped small-CLAP weights not present")


@pytest.fixture(scope="module")
def bank():
    from audioedit.synth import open_bank

    return open_bank("starter")


@pytest.fixture(scope="module")
def remove_pair(tmp_path_factory, bank) -> Path:
    """One synth remove pair (seed chosen so the removed event does not overlap another)."""
    from audioedit.synth import synth_pairs

    out = tmp_path_factory.mktemp("v2pairs")
    synth_pairs(bank, ["remove"], 1, out, seed=2)  # an "occurrence" remove, no overlap
    return pair_folders(out)[0]


@pytest.fixture(scope="module")
def shipped_verifier() -> Verifier:
    v = Verifier()  # the calibrated thresholds of agents/verifier.yaml
    if v.clap is None:
        pytest.skip(f"no CLAP model: {v._why}")
    return v


@needs_clap
def test_correct_remove_passes_identity_fails_with_clap(remove_pair, shipped_verifier):
    source, claimed, step, record = load_pair(remove_pair)
    before = source.evolve(stems=None)
    spans = [tuple(s) for s in record["edited_spans_s"]]
    good = shipped_verifier(before, claimed, step, spans)
    names = {c.name for c in good.checks}
    assert "clap_target_drop" in names
    assert good.passed, [c for c in good.checks if not c.passed]
    bad = shipped_verifier(before, claimed.evolve(audio=before.audio), step, spans)
    assert not bad.passed
    drop = next(c for c in bad.checks if c.name == "clap_target_drop")
    assert abs(drop.measured) < 1e-6
    if np.isfinite(shipped_verifier.config.clap_min_drop):  # the calibration may drop it (-inf: reported, never failing)
        assert not drop.passed
    # with stems on both sides the exact stem checks decide; a CLAP miss is advisory
    exact = shipped_verifier(source, source.evolve(stems=source.stems), step, spans)
    clap = [c for c in exact.checks if c.name.startswith("clap_")]
    assert clap and all(c.passed for c in clap)
    missed = min(0.5, shipped_verifier.config.clap_min_drop)  # below its threshold: a CLAP miss, made advisory
    assert all("advisory" in c.detail for c in clap if c.name == "clap_target_drop" and c.measured < missed)


@needs_clap
def test_wrong_class_add_fails_only_with_clap(tmp_path, bank, shipped_verifier):
    from audioedit.synth import synth_pairs

    synth_pairs(bank, ["add"], 1, tmp_path, seed=1)
    cases = {c.kind: c for c in pair_cases(pair_folders(tmp_path)[0], bank)}
    wrong, right = cases["wrong_class"], cases["target"]
    assert shipped_verifier(right.before, right.after, right.step, right.spans_s).passed
    acoustic = Verifier(shipped_verifier.config, clap=None)
    assert acoustic(wrong.before, wrong.after, wrong.step, wrong.spans_s).passed  # the annotation claims the right class
    verdict = shipped_verifier(wrong.before, wrong.after, wrong.step, wrong.spans_s)
    assert not verdict.passed and {c.name for c in verdict.failed()} & {"clap_added_margin", "clap_added_rise"}


def test_without_clap_degrades_to_acoustic(remove_pair):
    source, claimed, step, record = load_pair(remove_pair)
    before = source.evolve(stems=None)
    spans = [tuple(s) for s in record["edited_spans_s"]]
    v = Verifier(VerifierConfig(), clap=None)
    verdict = v(before, claimed, step, spans)
    note = [c for c in verdict.checks if c.name == "clap_available"]
    assert len(note) == 1 and note[0].passed and "acoustic checks only" in note[0].detail
    assert not any(c.name.startswith("clap_target") for c in verdict.checks)
    assert not v(before, claimed.evolve(audio=before.audio), step, spans).passed
    broken = Verifier(VerifierConfig(clap_model=str(ROOT / "no-such-clap.yaml")))
    assert broken.clap is None and "CLAP failed to load" in broken._why


def test_yaml_thresholds_load(tmp_path):
    cfg = load_verifier_config()
    if DEFAULT_CONFIG_PATH.is_file():
        import yaml

        data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
        assert data["provenance"]["command"].startswith("audioedit bench verifier --calibrate")
        assert cfg.clap_min_drop == pytest.approx(data["thresholds"]["clap_min_drop"])
    path = tmp_path / "v.yaml"
    path.write_text("thresholds:\n  clap_min_rise: 2.5\n  speed_tolerance: 0.2\n")
    cfg = load_verifier_config(path)
    assert cfg.clap_min_rise == 2.5 and cfg.speed_tolerance == 0.2 and cfg.clap_confirm_drop == np.inf
    with pytest.raises(UserInputError, match="not found"):
        load_verifier_config(tmp_path / "missing.yaml")


def test_labelled_cases_and_accuracy_are_sane(remove_pair, bank):
    cases = pair_cases(remove_pair, bank)
    kinds = {c.kind: c.correct for c in cases}
    assert kinds["target"] and not kinds["identity"]
    assert all(c.before.stems is None and c.after.stems is None for c in cases)
    acc = verifier_accuracy([remove_pair], bank, VerifierConfig(), clap=None)
    rows = {r["op"]: r for r in acc["table"]}
    assert set(rows) == {"remove", "all"}
    assert rows["all"]["correct"] + rows["all"]["failed"] == len(cases)
    for key in ("tpr", "tnr", "bal"):
        assert 0.0 <= rows["all"]["acoustic"][key] <= 1.0
    assert rows["all"]["acoustic"]["tnr"] == 1.0  # the failed edits (identity, ...) are caught
    assert accuracy_table(acc["results"], acc["config"])[-1]["op"] == "all"


def test_clap_calibration_keeps_checks_honest_and_drops_the_ones_that_do_not_separate():
    """Fitted on half the pairs, judged on the other: a 'rise' minimum is never below 0 even when the
    data would accept a fall, and a check that cannot tell correct from failed edits is dropped."""
    import math

    from audioedit.evals.verifier_calibration import Measured, calibrate_clap, check_accuracy

    rng = np.random.default_rng(0)
    rows = []
    for i in range(200):
        correct = i % 2 == 0
        rise = float(rng.normal(1.5 if correct else -3.0, 0.5))  # correct adds rise, failed ones fall
        kept = float(rng.normal(0.0, 1.0))  # the same for both: no information
        rows.append(Measured(f"pair{i // 2}", "add", "target" if correct else "wrong_class", correct, True, [],
                             clap={"clap_added_rise": [rise], "clap_others_kept": [kept]}))
    cfg, report = calibrate_clap(rows, VerifierConfig())
    assert cfg.clap_min_rise >= 0.0
    assert cfg.clap_min_kept == -math.inf and "dropped" in report["clap_min_kept"]
    assert report["pairs"]["fit"] + report["pairs"]["held_out"] == 100 and report["pairs"]["held_out"] > 30
    own = check_accuracy(rows, cfg)
    assert own["clap_added_rise"]["balanced_accuracy"] > 0.9
    budget, _ = calibrate_clap(rows, VerifierConfig(), method="tpr95")  # 95 % of the correct edits pass each check
    assert budget.clap_min_rise > 0.0 and check_accuracy(rows, budget)["clap_added_rise"]["tpr"] == pytest.approx(0.95, abs=0.04)


@needs_clap
def test_clap_checks_of_sounds_the_clap_never_heard_are_advisory(tmp_path, bank, shipped_verifier):
    from audioedit.synth import synth_pairs

    synth_pairs(bank, ["add"], 1, tmp_path, seed=1)
    wrong = {c.kind: c for c in pair_cases(pair_folders(tmp_path)[0], bank)}["wrong_class"]
    assert wrong.step.sound in shipped_verifier.trained  # the shipped export lists the classes it trained on
    unheard = Verifier(shipped_verifier.config)
    assert unheard.clap is not None
    unheard.trained = frozenset(shipped_verifier.trained - {wrong.step.sound})
    verdict = unheard(wrong.before, wrong.after, wrong.step, wrong.spans_s)
    clap = [c for c in verdict.checks if c.name.startswith("clap_")]
    assert verdict.passed and clap and any("never trained on" in c.detail for c in clap)
