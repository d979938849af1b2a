"""How well does the verifier tell correct edits from failed ones? (``audioedit bench verifier``)

A labelled set of ``(before, after, step, edited_spans_s)`` cases is built from synth pairs with
MIXTURE-ONLY scenes (no stems on either side; events from the annotation), all six ops:

- correct: ``target`` — the pair's ground-truth edit (its events mapped back to the source ids);
  ``dsp_mixture`` — the DSP executor run on the mixture alone (where feasible);
- failed (the output *claims* the step was done: its events are the correct edit's, its audio is
  not): ``identity`` — the input audio handed back; ``wrong_event`` — the step applied to another
  event of the scene; ``wrong_class`` — a different sound added / put in (add, replace);
  ``wrong_amount`` — gain 6 dB off (loudness), 12 dB too quiet (add), factor ** 0.4 (speed);
  ``collateral`` — remove / replace done as a region edit that takes the overlapping sounds with
  it (``audioedit.executor.dsp`` ``mode="region"``; only where other events overlap the target).
  The failed renderings report their true ``edited_spans_s``.

Each case is verified once (acoustic verdict + raw CLAP measurements); thresholds are applied
afterwards, so ``calibrate`` (``audioedit.evals.verifier_calibration``: each CLAP check fitted on
half the pairs, judged alone on the other half, dropped when it does not separate) and the accuracy
of both verifiers share one pass.
Balanced accuracy = (TPR on correct + TNR on failed) / 2, per op and pooled.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioedit.agents.verifier import CLAP_OPS, Verifier, VerifierConfig, verify_acoustic
from audioedit.errors import ExecutionError, UserInputError
from audioedit.scene import Scene, load_scene
from audioedit.steps import AddStep, EditStepAdapter, EventRef, LoudnessStep, ReorderStep, SpeedStep
from audioedit.executor.dsp import execute_dsp
from audioedit.evals.verifier_calibration import CALIBRATIONS, Measured, calibrate_clap, check_accuracy, rates

log = logging.getLogger(__name__)
OPS = ("add", "remove", "replace", "reorder", "loudness", "speed")
# acoustic tolerances calibrated per op (each matters to one op only): field -> candidates
ACOUSTIC_GRID = {"loudness": ("loudness_tolerance_db_mixture", (1.5, 2.0, 2.5, 3.0)),
                 "speed": ("speed_tolerance", (0.05, 0.07, 0.1)),
                 "reorder": ("onset_tolerance_s", (0.05, 0.08, 0.12))}


@dataclass
class Case:
    name: str
    op: str
    kind: str
    correct: bool
    before: Scene
    after: Scene
    step: object
    spans_s: list[tuple[float, float]]


# --- the labelled set --------------------------------------------------------------------------


def load_pair(folder: Path) -> tuple[Scene, Scene, object, dict]:
    """(source with stems, the target as claimed: mixture + events under the source's ids, the step,
    the example record)."""
    record = json.loads((folder / "example.json").read_text(encoding="utf-8"))
    source = load_scene(folder / "source.wav", folder / "source.jams", folder / "source_events")
    target = load_scene(folder / "target.wav", folder / "target.jams")
    mapping, source_ids, events = record["event_map"], {e.id for e in source.events}, []
    for ev in target.events:
        new_id = mapping.get(ev.id) or ev.id
        if mapping.get(ev.id) is None and new_id in source_ids:
            new_id = f"added{len(events)}_{ev.label}"
        events.append(ev.model_copy(update={"id": new_id}))
    step = EditStepAdapter.validate_json((folder / "step.json").read_text(encoding="utf-8"))
    return source, target.evolve(events=tuple(events), stems=None), step, record


def _render(source: Scene, step, bank, seed: int):
    try:
        return execute_dsp(source, step, bank=bank, rng=np.random.default_rng(seed), mode="stems")
    except ExecutionError as exc:
        log.debug("cannot render %s: %s", step.op, exc)
        return None


def _ref(ev) -> EventRef:
    return EventRef(label=ev.label, event_ids=[ev.id])


def wrong_steps(source: Scene, claimed: Scene, step, bank, rng: np.random.Generator) -> list[tuple[str, object]]:
    """(kind, step) failures to render for ``step`` on ``source`` (see the module docstring)."""
    out = []
    fg = [e for e in source.events if e.role == "foreground"]
    if hasattr(step, "target"):
        targets = {e.id for e in source.events if e.id in step.target.event_ids} or {
            e.id for e in source.events if e.label == step.target.label}
        others = [e for e in fg if e.id not in targets and e.label not in {step.target.label}]
        if others:
            other = others[int(rng.integers(len(others)))]
            out.append(("wrong_event", step.model_copy(update={"target": _ref(other)})))
    if isinstance(step, ReorderStep):
        asked = {i for t in step.targets for i in t.event_ids}
        others = [e for e in fg if e.id not in asked]
        if others:
            targets = list(step.targets)
            targets[int(rng.integers(2))] = _ref(others[int(rng.integers(len(others)))])
            out.append(("wrong_event", step.model_copy(update={"targets": targets})))
    if step.op in ("add", "replace"):
        role = step.role if isinstance(step, AddStep) else "foreground"
        pool = [x for x in bank.labels(role) if x != step.sound]
        if pool:
            update = {"sound": pool[int(rng.integers(len(pool)))]}
            new = [e for e in claimed.events if e.id not in {s.id for s in source.events}]
            if isinstance(step, AddStep) and step.role == "foreground" and new:
                update["at_s"] = round(min(e.onset_s for e in new), 3)
            out.append(("wrong_class", step.model_copy(update=update)))
    if isinstance(step, LoudnessStep):
        out.append(("wrong_amount", step.model_copy(update={"gain_db": step.gain_db - math.copysign(6.0, step.gain_db)})))
    elif isinstance(step, SpeedStep):
        out.append(("wrong_amount", step.model_copy(update={"factor": round(step.factor ** 0.4, 3)})))
    elif isinstance(step, AddStep):
        out.append(("wrong_amount", step.model_copy(update={"snr_db": step.snr_db - 12.0})))
    return out


def pair_cases(folder: Path, bank, seed: int = 0) -> list[Case]:
    """The labelled cases of one synth pair folder (mixture-only scenes on both sides)."""
    source, claimed, step, record = load_pair(folder)
    before, name, op = source.evolve(stems=None), folder.name, step.op
    spans = [tuple(s) for s in record["edited_spans_s"]]
    cases = [Case(name, op, "target", True, before, claimed, step, spans),
             Case(name, op, "identity", False, before, claimed.evolve(audio=before.audio), step, spans)]
    try:
        dsp = execute_dsp(before, step, bank=bank, rng=np.random.default_rng(seed), mode="mixture")
        cases.append(Case(name, op, "dsp_mixture", True, before, dsp.scene, step, list(dsp.edited_spans_s)))
    except ExecutionError as exc:
        log.debug("%s: no mixture DSP: %s", name, exc)
        if op in ("remove", "replace"):  # the target overlaps other sounds: the region edit removes them too
            try:
                region = execute_dsp(before, step, bank=bank, rng=np.random.default_rng(seed), mode="region")
                cases.append(Case(name, op, "collateral", False, before, claimed.evolve(audio=region.scene.audio), step,
                                  list(region.edited_spans_s)))
            except ExecutionError as exc2:
                log.debug("%s: no region edit either: %s", name, exc2)
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    for kind, wrong in wrong_steps(source, claimed, step, bank, rng):
        result = _render(source, wrong, bank, seed)
        if result is None or result.scene.audio.samples.shape != claimed.audio.samples.shape:
            continue
        after = claimed.evolve(audio=result.scene.audio)
        cases.append(Case(name, op, kind, False, before, after, step, list(result.edited_spans_s)))
    return cases


def pair_folders(root: Path, per_op: int | None = None) -> list[Path]:
    """The pair folders of a synth dataset or benchmark (``manifest.jsonl``), at most ``per_op`` per op."""
    manifest = root / "manifest.jsonl"
    if not manifest.is_file():
        raise UserInputError(f"no manifest.jsonl in {str(root)!r}; pass a synth pairs or benchmark folder")
    counts: dict[str, int] = {}
    out = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("kind", "pair") != "pair" or rec.get("op") not in OPS:
            continue
        if per_op is not None and counts.get(rec["op"], 0) >= per_op:
            continue
        counts[rec["op"]] = counts.get(rec["op"], 0) + 1
        out.append(root / rec["name"])
    return out


# --- measuring ---------------------------------------------------------------------------------


def measure_case(case: Case, verifier: Verifier) -> Measured:
    """The acoustic verdict and the raw CLAP measurements (ops remove/add/replace) of one case."""
    verdict = verify_acoustic(case.before, case.after, case.step, case.spans_s, verifier.config)
    m = Measured(case.name, case.op, case.kind, case.correct, verdict.passed, [c.name for c in verdict.failed()])
    if (case.op in CLAP_OPS and verifier.clap is not None and not verifier.clap_needless(verdict)
            and not verifier.unheard_sounds(case.before, case.step)):  # else CLAP is advisory: the acoustic verdict
        start = time.perf_counter()
        for c in verifier.clap_checks(case.before, case.after, case.step):
            if c.measured is not None:
                m.clap.setdefault(c.name, []).append(float(c.measured))
        m.clap_ms = 1000 * (time.perf_counter() - start)
    return m


def build_cases(folders: list[Path], bank, seed: int = 0) -> list[Case]:
    return [case for folder in folders for case in pair_cases(folder, bank, seed)]


def measure(cases: list[Case], verifier: Verifier) -> list[Measured]:
    return [measure_case(case, verifier) for case in cases]


def calibrate_acoustic(cases: list[Case], base: VerifierConfig) -> tuple[VerifierConfig, dict]:
    """Per op in ``ACOUSTIC_GRID``: the candidate tolerance with the best balanced accuracy (the
    tightest on ties), acoustic checks only."""
    cfg, report = base, {}
    for op, (name, candidates) in ACOUSTIC_GRID.items():
        sel = [c for c in cases if c.op == op]
        if not sel:
            continue
        scores = []
        for value in candidates:
            trial = cfg.model_copy(update={name: value})
            good = [verify_acoustic(c.before, c.after, c.step, c.spans_s, trial).passed == c.correct for c in sel]
            tpr = np.mean([g for g, c in zip(good, sel) if c.correct])
            tnr = np.mean([g for g, c in zip(good, sel) if not c.correct])
            scores.append((float((tpr + tnr) / 2), value))
        best = max(scores, key=lambda x: (round(x[0], 6), -x[1]))
        cfg = cfg.model_copy(update={name: best[1]})
        report[name] = {"value": best[1], "balanced_accuracy": round(best[0], 4), "op": op,
                        "candidates": {str(v): round(b, 4) for b, v in scores}}
    return cfg, report


def accuracy_table(results: list[Measured], thresholds: VerifierConfig) -> list[dict]:
    """One row per op and an ``all`` row: counts, TPR/TNR/balanced accuracy acoustic-only and + CLAP."""
    rows = []
    for op in [*OPS, "all"]:
        sel = [r for r in results if op in ("all", r.op)]
        if not sel:
            continue
        a, c = rates(sel, None), rates(sel, thresholds)
        rows.append({"op": op, "correct": sum(r.correct for r in sel), "failed": sum(not r.correct for r in sel),
                     "acoustic": dict(zip(("tpr", "tnr", "bal"), a)), "clap": dict(zip(("tpr", "tnr", "bal"), c))})
    return rows


def kind_table(results: list[Measured], thresholds: VerifierConfig) -> list[dict]:
    """Per case kind: n and the share passed, acoustic-only and + CLAP."""
    rows = []
    for kind in sorted({r.kind for r in results}):
        sel = [r for r in results if r.kind == kind]
        rows.append({"kind": kind, "correct": sel[0].correct, "n": len(sel),
                     "acoustic_pass": float(np.mean([r.passed(None) for r in sel])),
                     "clap_pass": float(np.mean([r.passed(thresholds) for r in sel]))})
    return rows


def write_config(path: Path, cfg: VerifierConfig, calibration: dict, provenance: dict) -> Path:
    """Write ``{provenance, calibration, thresholds}`` as YAML (``load_verifier_config`` reads it)."""
    import yaml

    from audioedit.audio import write_text_atomic

    thresholds = cfg.model_dump()  # +-inf stay (YAML .inf): a dropped check's minimum is -inf
    data = {"provenance": {**provenance, "written": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")},
            "calibration": calibration, "thresholds": thresholds}
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(path, yaml.safe_dump(data, sort_keys=False))


def verifier_accuracy(folders: list[Path], bank, config: VerifierConfig | None = None, clap="auto",
                      seed: int = 0, calibrate: bool = False, method: str = "balanced") -> dict:
    """Build the labelled set from ``folders``, measure, optionally calibrate first.

    Returns ``{config, calibration, results, table, kinds, clap_ms_mean, clap}``.
    """
    cfg = config or VerifierConfig()
    cases = build_cases(folders, bank, seed)
    calibration: dict = {}
    if calibrate:
        cfg, calibration["acoustic"] = calibrate_acoustic(cases, cfg)
    verifier = Verifier(cfg, clap=clap)
    results = measure(cases, verifier)
    if calibrate and verifier.clap is not None:
        cfg, calibration["clap"] = calibrate_clap(results, cfg, method)
    ms = [r.clap_ms for r in results if r.clap_ms]
    return {"config": cfg, "calibration": calibration, "results": results, "table": accuracy_table(results, cfg),
            "kinds": kind_table(results, cfg), "checks": check_accuracy(results, cfg), "clap_ms_mean": float(np.mean(ms)) if ms else None,
            "clap": verifier._why if verifier.clap is None else verifier._why or "CLAP"}


def compare_calibrations(n: int, seed: int, sample_rate_hz: int = 16000) -> dict[str, dict]:
    """One measurement pass of ``n`` fresh synth pairs, calibrated by every method in ``CALIBRATIONS``:
    {method: calibration report} (each with its fit-half and held-out-half balanced accuracy)."""
    import tempfile

    from audioedit.synth import open_bank, synth_pairs

    bank = open_bank("starter")
    with tempfile.TemporaryDirectory(prefix="verifier-compare-") as tmp:
        synth_pairs(bank, "all", n, Path(tmp), seed=seed, sample_rate_hz=sample_rate_hz)
        cases = build_cases(pair_folders(Path(tmp)), bank, seed)
        cfg, _ = calibrate_acoustic(cases, VerifierConfig())
        results = measure(cases, Verifier(cfg))
    return {m: calibrate_clap(results, cfg, m)[1] for m in CALIBRATIONS}


def main(argv: list[str] | None = None) -> None:
    """``python -m audioedit.evals.verifier_accuracy --n 120 --seed 7``: each calibration method's accuracy."""
    import argparse

    parser = argparse.ArgumentParser(description="the CLAP calibration methods on one calibration set")
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for method, rep in compare_calibrations(args.n, args.seed).items():
        values = {k: v["value"] for k, v in rep.items() if isinstance(v, dict) and "value" in v}
        dropped = [k for k, v in rep.items() if isinstance(v, dict) and "dropped" in v]
        print(f"{method}: fit half {rep['balanced_accuracy_fit']:.1%}, held-out half {rep['balanced_accuracy_held_out']:.1%}; "
              f"thresholds {values}; dropped {dropped}")


if __name__ == "__main__":
    main()
