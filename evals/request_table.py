"""Plan accuracy on requests in people's own words (``evals/tables/user_requests.yaml``).

The table was written by hand for plain recordings and described sources, not generated from
``synth/templates.py``: descriptive references ("the man with the low voice"), complements ("I only
want to hear the speech"), whole-recording edits ("make it as loud as a podcast"), clauses that are
not edits ("it's annoying"), synonyms outside the vocabulary ("the pooch"), groups ("every noise"),
self-contradictions. Each case names one of the table's scenes and the expected steps as compact
strings (``summarize``); a case is exact when the plan's steps equal them in order and the number of
unresolved entries is the one given (0 unless stated).

    audioedit bench requests            # exact-plan accuracy per category, and every miss
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from audioedit.scene import Event, SceneDescription
from audioedit.steps import EditStep, EventRef

TABLE = Path(__file__).resolve().parent / "tables" / "user_requests.yaml"
BANK = ("bird", "speech", "dog_bark", "cat", "car_horn", "siren", "door_knock", "footsteps", "bell", "phone_ring",
        "traffic", "rain", "wind", "running_water", "dishes", "crickets", "waves", "fire")


def selection_text(r: EventRef) -> str:
    """'dog_bark/n2@2-9': the reference's label, which of its events (``/first``, ``/n2``, ...) and its
    time window, as the request table and the planner's test table write them."""
    s = r.label
    if r.select == "nth":
        s += f"/n{r.n}"
    elif r.select != "all":
        s += f"/{r.select}"
    if r.start_s is not None or r.end_s is not None:
        s += f"@{'' if r.start_s is None else format(r.start_s, 'g')}-{'' if r.end_s is None else format(r.end_s, 'g')}"
    return s


def _ref(r: EventRef) -> str:
    if r.scope != "events":
        return f"[{r.scope}]"
    s = ("~" if r.complement else "") + selection_text(r)
    return s + ("{" + ",".join(sorted(r.event_ids)) + "}" if r.event_ids else "")


def summarize(step: EditStep) -> str:
    """'remove dog_bark{f2}', 'loudness [recording] -3', 'normalize [recording] -16', 'add bird at=8 bg',
    'move siren{f0} at=5' (to=end, by=+2)."""
    op = step.op
    if op == "remove":
        return f"remove {_ref(step.target)}"
    if op == "loudness":
        return f"loudness {_ref(step.target)} {step.gain_db:+g}"
    if op == "normalize":
        return f"normalize {_ref(step.target)} {'peak ' + format(step.peak_dbfs, 'g') if step.lufs is None else format(step.lufs, 'g')}"
    if op == "speed":
        return f"speed {_ref(step.target)} x{step.factor:g}"
    if op == "replace":
        return f"replace {_ref(step.target)} -> {step.sound}"
    if op == "reorder":
        return "reorder " + " < ".join(_ref(t) for t in step.targets)
    if op == "add":
        return f"add {step.sound}" + (" bg" if step.role == "background" else "")
    if op == "move":
        where = f"to={step.to}" if step.to else f"at={step.to_s:g}" if step.to_s is not None else f"by={step.by_s:+g}"
        return f"move {_ref(step.target)} {where}"
    target = getattr(step, "target", None)
    return f"{op} {_ref(target)}" if target is not None else op


class CaseResult(BaseModel):
    category: str
    scene: str
    request: str
    expected: list[str]
    planned: list[str]
    unresolved: list[str]
    exact: bool


class TableResult(BaseModel):
    cases: list[CaseResult]

    @property
    def accuracy(self) -> float:
        return sum(c.exact for c in self.cases) / max(1, len(self.cases))

    def by_category(self) -> dict[str, tuple[int, int]]:
        total, right = Counter(c.category for c in self.cases), Counter(c.category for c in self.cases if c.exact)
        return {k: (right[k], total[k]) for k in total}


def load_table(path: Path = TABLE) -> tuple[dict[str, SceneDescription | None], list[dict[str, Any]]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    scenes: dict[str, SceneDescription | None] = {"none": None}
    for name, spec in data["scenes"].items():
        events = [Event(id=e["id"], label=e["label"], onset_s=e["on"], offset_s=e["off"],
                        role="background" if e["id"].startswith("b") else "foreground",
                        extra={"description": e["description"]} if e.get("description") else {})
                  for e in spec.get("events", [])]
        scenes[name] = SceneDescription(duration_s=spec.get("duration_s", 10.0), sample_rate_hz=16000, num_channels=1,
                                        events=events, has_stems=False, events_from=spec["events_from"],
                                        searched=spec.get("searched", []))
    cases = [dict(case, category=category) for category, rows in data["cases"].items() for case in rows]
    return scenes, cases


def run_table(path: Path = TABLE, backend: str = "rules") -> TableResult:
    from audioedit.planner import make_plan

    scenes, cases = load_table(path)
    results = []
    for case in cases:
        plan = make_plan(case["request"], scenes[case["scene"]], sounds=BANK, backend=backend)
        planned = [summarize(s) for s in plan.steps]
        expected = list(case.get("steps", []))
        exact = planned == expected and len(plan.unresolved) == case.get("unresolved", 0)
        results.append(CaseResult(category=case["category"], scene=case["scene"], request=case["request"],
                                  expected=expected, planned=planned, exact=exact,
                                  unresolved=[f"{u.text}: {u.reason}" for u in plan.unresolved]))
    return TableResult(cases=results)


def format_result(result: TableResult) -> str:
    lines = [f"exact plans: {sum(c.exact for c in result.cases)}/{len(result.cases)} ({result.accuracy:.1%})", ""]
    lines += [f"  {cat:22s} {right}/{total}" for cat, (right, total) in result.by_category().items()]
    misses = [c for c in result.cases if not c.exact]
    if misses:
        lines += ["", "misses:"]
        for c in misses:
            lines += [f"- [{c.category}/{c.scene}] {c.request!r}", f"    expected {c.expected}", f"    planned  {c.planned}"]
            lines += [f"    unresolved {u}" for u in c.unresolved]
    return "\n".join(lines)
