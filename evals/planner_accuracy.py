"""Planner accuracy on a synth benchmark split: does the planner turn each example's instruction
into the example's ground-truth step(s)?

    >>> acc = planner_accuracy("runs/bench-v1", backend="rules", limit=5)   # doctest: +SKIP
    >>> acc.six_op.exact, acc.declarative.sequence                          # doctest: +SKIP

For every example the instruction is planned against the SOURCE scene's description (events
from ``source.jams``) with the bank's labels as the addable sounds, and compared with the saved
steps (``step.json`` / ``plan.json``, as in the manifest record):

- op: a planned step has the expected op;
- targets: the resolved event ids match (as sets; for reorder as an ordered list of groups);
  an expected reference without ids (an event a previous step creates) matches by label, or by
  the ids of the event that step replaced;
- amount: loudness ``gain_db`` within ``GAIN_TOL_DB``; speed ``factor`` within ``SPEED_TOL`` (relative)
  and the same ``keep_pitch``; replace/add ``sound`` equal; add ``role`` and ``count`` equal and
  ``at_s`` within ``AT_TOL_S``, or, when the instruction says "near/towards the beginning|middle|end",
  inside that third of the clip (``PART_RE``);
- exact (pairs): op, targets and amount right, exactly one step, nothing unresolved;
- declarative: ``sequence`` = the planned steps match the plan.json steps one to one in order
  (op, targets, amount), nothing unresolved; ``op_sequence`` = only the op sequence matches.

Latency is the wall-clock time of the planner call alone (scene loading and the first call's imports excluded).
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from audioedit.errors import UserInputError
from audioedit.scene import SceneDescription, load_scene
from audioedit.steps import OPS, EditStep, EditStepAdapter, EventRef, Plan, select_events, step_targets

GAIN_TOL_DB = 0.5
SPEED_TOL = 0.02
AT_TOL_S = 0.6
PART_RE = re.compile(r"\b(?:near|towards?)\s+the\s+(?P<part>beginning|middle|end)\b", re.IGNORECASE)


class StepMatch(BaseModel):
    """How one planned step compares with one expected step."""

    op: bool
    targets: bool
    amount: bool
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.op and self.targets and self.amount


class ExampleScore(BaseModel):
    """One benchmark example, planned and scored."""

    name: str
    op: str = Field(description="the expected op, or 'declarative'")
    subtype: str = ""
    instruction: str
    op_ok: bool
    target_ok: bool
    amount_ok: bool
    exact: bool
    op_sequence_ok: bool = Field(description="the planned op sequence equals the expected one")
    n_expected: int
    n_planned: int
    unresolved: list[str] = Field(default_factory=list)
    latency_ms: float
    why: str = Field("", description="the first reason it is not exact")
    expected: list[str] = Field(default_factory=list, description="expected steps, one line each")
    planned: list[str] = Field(default_factory=list, description="planned steps, one line each")


class OpAccuracy(BaseModel):
    """Shares (0..1) over the examples of one op (or of the declarative split)."""

    op: str
    n: int
    exact: float = Field(description="pairs: exact plan; declarative: step sequence (op, targets, amounts)")
    op_acc: float = Field(description="pairs: the op is planned; declarative: the op sequence matches")
    target_acc: float
    amount_acc: float
    latency_ms_mean: float


class PlannerAccuracy(BaseModel):
    bench_dir: str
    backend: str
    limit: int | None = None
    per_op: list[OpAccuracy] = Field(default_factory=list)
    six_op: OpAccuracy | None = Field(None, description="all pair examples together")
    declarative: OpAccuracy | None = None
    declarative_by_recipe: list[OpAccuracy] = Field(default_factory=list)
    examples: list[ExampleScore] = Field(default_factory=list)

    def failures(self) -> list[ExampleScore]:
        return [e for e in self.examples if not e.exact]


# --------------------------------------------------------------------------------------------
# comparing steps


def _ids(ref: EventRef, scene: SceneDescription) -> list[str]:
    return list(ref.event_ids) or [e.id for e in select_events(scene.events, ref)]


def _ref_matches(planned: EventRef, expected: EventRef, scene: SceneDescription, created: dict[str, set[str]]) -> bool:
    """Same events; an expected ref with no ids (created by an earlier step) matches by label or by
    the ids that earlier step acted on (``created``: label -> replaced ids)."""
    got = set(_ids(planned, scene))
    if expected.event_ids:
        return got == set(expected.event_ids)
    return planned.label == expected.label or (bool(got) and got == created.get(expected.label))


def _targets_match(p: EditStep, e: EditStep, scene: SceneDescription, created: dict[str, set[str]]) -> bool:
    pt, et = step_targets(p), step_targets(e)
    if e.op == "reorder":
        return len(pt) == len(et) and all(_ref_matches(a, b, scene, created) for a, b in zip(pt, et))
    if e.op == "add":
        return True
    if len(et) != 1 or not pt:
        return False
    if not et[0].event_ids:
        return len(pt) == 1 and _ref_matches(pt[0], et[0], scene, created)
    got = {i for ref in pt for i in _ids(ref, scene)}
    return got == set(et[0].event_ids)


def _at_ok(p_at: float | None, e_at: float | None, instruction: str, duration_s: float) -> tuple[bool, str]:
    if e_at is None or p_at is None:
        return p_at == e_at, f"at_s {p_at} vs {e_at}"
    m = PART_RE.search(instruction)
    if m is not None:
        k = {"beginning": 0, "middle": 1, "end": 2}[m["part"].lower()]
        lo, hi = k * duration_s / 3, (k + 1) * duration_s / 3
        return lo - 1e-6 <= p_at <= hi + 1e-6, f"at_s {p_at:g} outside the {m['part']} third [{lo:.2f}, {hi:.2f}]"
    return abs(p_at - e_at) <= AT_TOL_S, f"at_s {p_at:g} vs {e_at:g}"


def _amount_match(p: EditStep, e: EditStep, instruction: str, duration_s: float) -> tuple[bool, str]:
    if e.op == "loudness":
        return abs(p.gain_db - e.gain_db) <= GAIN_TOL_DB, f"gain {p.gain_db:+g} dB vs {e.gain_db:+g} dB"
    if e.op == "speed":
        ok = abs(p.factor / e.factor - 1.0) <= SPEED_TOL and p.keep_pitch == e.keep_pitch
        return ok, f"factor {p.factor:g} (keep_pitch {p.keep_pitch}) vs {e.factor:g} (keep_pitch {e.keep_pitch})"
    if e.op == "replace":
        return p.sound == e.sound, f"sound {p.sound} vs {e.sound}"
    if e.op == "add":
        if (p.sound, p.role, p.count) != (e.sound, e.role, e.count):
            return False, f"add {p.count} {p.sound} ({p.role}) vs {e.count} {e.sound} ({e.role})"
        return _at_ok(p.at_s, e.at_s, instruction, duration_s)
    return True, ""


def compare_step(p: EditStep, e: EditStep, scene: SceneDescription, instruction: str,
                 created: dict[str, set[str]] | None = None) -> StepMatch:
    """Compare a planned step with an expected one on the source scene ``scene``."""
    if p.op != e.op:
        return StepMatch(op=False, targets=False, amount=False, why=f"op {p.op} vs {e.op}")
    targets = _targets_match(p, e, scene, created or {})
    amount, how = _amount_match(p, e, instruction, scene.duration_s)
    why = "" if targets else f"targets {_describe(p, scene)} vs {_describe(e, scene)}"
    if not amount:
        why = (why + "; " if why else "") + how
    return StepMatch(op=True, targets=targets, amount=amount, why=why)


def _describe(step: EditStep, scene: SceneDescription) -> str:
    refs = [f"{r.label}{_ids(r, scene)}" for r in step_targets(step)]
    extra = {"loudness": lambda s: f"{s.gain_db:+g} dB", "speed": lambda s: f"x{s.factor:g}",
             "replace": lambda s: f"-> {s.sound}", "add": lambda s: f"{s.count} {s.sound} {s.role} at {s.at_s}",
             }.get(step.op, lambda s: "")(step)
    return f"{step.op} {' '.join(refs)} {extra}".strip()


# --------------------------------------------------------------------------------------------
# scoring examples


def score_plan(plan: Plan, expected: list[EditStep], scene: SceneDescription, name: str = "", op: str = "",
               subtype: str = "", latency_ms: float = 0.0) -> ExampleScore:
    """Score a plan against the expected steps (one for a pair, several for a declarative request)."""
    instruction = plan.request
    unresolved = [f"{u.text}: {u.reason}" for u in plan.unresolved]
    planned = list(plan.steps)
    if len(expected) == 1:
        e = expected[0]
        same_op = [p for p in planned if p.op == e.op]
        match = compare_step(same_op[0], e, scene, instruction) if same_op else \
            StepMatch(op=False, targets=False, amount=False, why=f"no {e.op} step planned")
        matches = [match]
    else:
        matches, created = [], {}
        for p, e in zip(planned, expected):
            matches.append(compare_step(p, e, scene, instruction, created))
            if e.op == "replace":
                created[e.sound] = set(e.target.event_ids)
        match = StepMatch(op=all(m.op for m in matches), targets=all(m.targets for m in matches),
                          amount=all(m.amount for m in matches), why=next((m.why for m in matches if m.why), ""))
    same_length = len(planned) == len(expected)
    exact = match.ok and same_length and all(m.ok for m in matches) and not unresolved
    why = ""
    if not exact:
        why = (f"unresolved: {unresolved[0]}" if unresolved else
               match.why or f"{len(planned)} steps planned, {len(expected)} expected")
    return ExampleScore(
        name=name, op=op or (expected[0].op if len(expected) == 1 else "declarative"), subtype=subtype,
        instruction=instruction, op_ok=match.op if len(expected) == 1 else match.op and same_length,
        target_ok=match.targets and (len(expected) == 1 or same_length),
        amount_ok=match.amount and (len(expected) == 1 or same_length), exact=exact,
        op_sequence_ok=[p.op for p in planned] == [e.op for e in expected], n_expected=len(expected),
        n_planned=len(planned), unresolved=unresolved, latency_ms=round(latency_ms, 3), why=why,
        expected=[_describe(e, scene) for e in expected], planned=[_describe(p, scene) for p in planned],
    )


def _expected_steps(folder: Path, record: Any) -> list[EditStep]:
    plan_file = folder / "plan.json"
    if plan_file.is_file():
        return list(Plan.model_validate_json(plan_file.read_text(encoding="utf-8")).steps)
    return [EditStepAdapter.validate_python(s) for s in record.steps]


def _bank_sounds(bench: Path) -> list[str]:
    from audioedit.synth.banks import open_bank

    meta_file = bench / "benchmark.json"
    bank_name = json.loads(meta_file.read_text(encoding="utf-8")).get("bank", "starter") if meta_file.is_file() \
        else "starter"
    bank = open_bank(bank_name)
    return bank.labels("foreground") + bank.labels("background")


def score_example(folder: Path, record: Any, sounds: list[str], backend: str = "rules") -> ExampleScore:
    """Plan one example's instruction on its source scene and score it."""
    from audioedit.planner import make_plan

    source = folder / record.source
    annotation = source.with_suffix(".jams")
    scene = load_scene(source, annotation=annotation if annotation.is_file() else None).describe()
    expected = _expected_steps(folder, record)
    start = time.perf_counter()
    plan = make_plan(record.instruction, scene, sounds=sounds, backend=backend)
    latency_ms = (time.perf_counter() - start) * 1000.0
    return score_plan(plan, expected, scene, name=record.name, op=record.op, subtype=record.subtype,
                      latency_ms=latency_ms)


def _summary(op: str, scores: list[ExampleScore]) -> OpAccuracy:
    n = len(scores)

    def share(key) -> float:
        return round(sum(1 for s in scores if key(s)) / n, 4) if n else 0.0

    declarative = op.startswith("declarative")
    return OpAccuracy(
        op=op, n=n, exact=share(lambda s: s.exact),
        op_acc=share(lambda s: s.op_sequence_ok if declarative else s.op_ok),
        target_acc=share(lambda s: s.target_ok), amount_acc=share(lambda s: s.amount_ok),
        latency_ms_mean=round(sum(s.latency_ms for s in scores) / n, 3) if n else 0.0,
    )


def planner_accuracy(bench_dir: str | Path, backend: str = "rules", limit: int | None = None) -> PlannerAccuracy:
    """Score the planner ``backend`` on the benchmark folder ``bench_dir`` (a ``synth_benchmark``
    output), at most ``limit`` examples per op and of the declarative split."""
    from audioedit.synth.run import load_records

    bench = Path(bench_dir)
    if not (bench / "manifest.jsonl").is_file():
        raise UserInputError(f"{str(bench)!r} has no manifest.jsonl; make the split with "
                             "'audioedit synth benchmark --out DIR' first")
    if limit is not None and limit < 1:
        raise UserInputError(f"limit={limit}: must be >= 1 (or None for every example)")
    sounds = _bank_sounds(bench)
    from audioedit.planner import make_plan

    make_plan("remove the siren", None, sounds=sounds, backend="rules")  # warm-up: imports stay out of the timings
    by_op: dict[str, list] = defaultdict(list)
    for record in load_records(bench):
        by_op[record.op].append(record)
    scores: list[ExampleScore] = []
    for op in [*OPS, "declarative"]:
        for record in sorted(by_op.get(op, []), key=lambda r: r.name)[:limit]:
            scores.append(score_example(bench / record.name, record, sounds, backend))
    pairs = [s for s in scores if s.op != "declarative"]
    decl = [s for s in scores if s.op == "declarative"]
    recipes = sorted({s.subtype for s in decl})
    return PlannerAccuracy(
        bench_dir=str(bench), backend=backend, limit=limit,
        per_op=[_summary(op, [s for s in pairs if s.op == op]) for op in OPS if any(s.op == op for s in pairs)],
        six_op=_summary("six ops", pairs) if pairs else None,
        declarative=_summary("declarative", decl) if decl else None,
        declarative_by_recipe=[_summary(f"declarative/{r}", [s for s in decl if s.subtype == r]) for r in recipes],
        examples=scores,
    )


def accuracy_rows(acc: PlannerAccuracy) -> list[OpAccuracy]:
    """The table's rows: each op, all pairs, the declarative split and its recipes."""
    rows = list(acc.per_op)
    rows += [r for r in (acc.six_op, acc.declarative) if r is not None]
    return rows + list(acc.declarative_by_recipe)


def plan_effects(steps: list[EditStep]) -> dict[str, str]:
    """What a plan does to each event it names, as ``{event id: 'remove' | 'loudness +6' | ...}``
    (gains rounded to whole dB): two plans with the same effects edit the same sources the same way,
    whatever order or grouping of steps they use (the LCR items' per-source codes)."""
    effects: dict[str, str] = {}
    for step in steps:
        amount = {"loudness": lambda: f" {round(step.gain_db):+d}", "speed": lambda: f" x{step.factor:g}"}.get(
            step.op, lambda: "")()
        for ref in step_targets(step):
            for event_id in ref.event_ids:
                effects[event_id] = f"{step.op}{amount}"
    return effects
