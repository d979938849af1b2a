"""``smartdj-goals``: SmartDJ's eight goal-only demo requests on their own inputs, planned by the
scene knowledge base, executed, verified, and scored by CLAP similarity to the goal.

    audioedit eval --suite smartdj-goals --methods planned --out reports/smartdj-goals

Per request: the plan (2-8 steps wanted), each step's status and backend, and the shipped CLAP's
cosine similarity of the input and of the output to the goal text (the request, and the scene's
caption "the sound of <scene>"); the goal is met when the output's similarity rises. Writes
``records.jsonl``, ``report.html`` (before/after players and spectrograms) and ``report.md``.
Needs ``smartdj_demo/`` of the dev corpus; without it the suite is skipped with the reason.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from pydantic import BaseModel, Field

from audioedit.errors import UserInputError

MIN_STEPS, MAX_STEPS = 2, 8


class GoalRecord(BaseModel):
    id: str
    audio: str
    request: str
    scene: str | None
    steps: list[dict] = Field(default_factory=list, description="op, instruction, status, backend, failed checks")
    status: str
    assumptions: list[str] = Field(default_factory=list)
    unresolved: list[str] = Field(default_factory=list)
    clap_request_before: float | None = None
    clap_request_after: float | None = None
    clap_scene_before: float | None = None
    clap_scene_after: float | None = None
    broad_request_before: float | None = None  # the same similarity judged by the broad tower (amendment 7)
    broad_request_after: float | None = None
    error: str = ""

    @property
    def steps_ok(self) -> bool:
        return MIN_STEPS <= len(self.steps) <= MAX_STEPS and all(s["status"] == "ok" for s in self.steps)

    @property
    def rises(self) -> bool:
        return (self.clap_request_after or 0) > (self.clap_request_before or 0)

    @property
    def rises_broad(self) -> bool:
        return (self.broad_request_after or 0) > (self.broad_request_before or 0)


def load_requests(data_dir: Path) -> list[dict]:
    path = data_dir / "smartdj_demo" / "requests.json"
    if not path.is_file():
        raise UserInputError(f"smartdj-goals needs {path} (the dev corpus' smartdj_demo/); pass --data")
    return json.loads(path.read_text(encoding="utf-8"))["declarative"]


def run_goal_suite(out: str | Path, data_dir: str | Path | None = None, verifier: str = "clap",
                   limit: int | None = None, progress=None, judge: str | None = None) -> list[GoalRecord]:
    """``judge``: a broad CLAP export that also scores the similarity to the request (default: the shipped
    broad tower, ``audioedit.clap.broad_clap``; none shipped and none given: the shipped CLAP alone)."""
    from audioedit.clap import broad_clap, load_clap
    from audioedit.evals.suites import dev_data_dir

    data = dev_data_dir(data_dir)
    broad = load_clap({"type": "small", "config": {"checkpoint": judge}}) if judge else broad_clap()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for index, item in enumerate(load_requests(data)[:limit]):
        rec = _run_one(index, item, data / "smartdj_demo", out, verifier, broad)
        records.append(rec)
        if progress:
            progress("item", {"index": index, "id": rec.id, "status": rec.status})
    (out / "records.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    (out / "report.html").write_text(report_html(records), encoding="utf-8")
    (out / "report.md").write_text(report_md(records), encoding="utf-8")
    return records


def _run_one(index: int, item: dict, folder: Path, out: Path, verifier: str, broad) -> GoalRecord:
    from audioedit.agents.pipeline import edit_request
    from audioedit.audio import load_audio, save_audio
    from audioedit.viz import before_after_png
    from audioedit.planner.scene_kb import load_kb

    rid = f"{index + 1:02d}_{Path(item['audio']).stem}"
    entry = load_kb().find(item["request"])
    rec = GoalRecord(id=rid, audio=item["audio"], request=item["request"], scene=entry.name if entry else None, status="failed")
    before = load_audio(folder / item["audio"])
    try:
        outcome = edit_request(folder / item["audio"], item["request"], verifier=verifier)
    except UserInputError as exc:
        rec.error = str(exc)
        return rec
    report = outcome.report
    by_id = {s.id: s for s in report.plan.steps}
    for s in report.steps:
        last = s.last_measured()
        failed = [f"{c.name}={c.measured} (want {c.threshold})" for c in (last.verdict.failed() if last.verdict else [])]
        rec.steps.append({"op": s.op, "instruction": s.instruction, "status": s.status, "backend": s.backend,
                          "attempts": len(s.attempts), "why": last.error or "; ".join(failed),
                          "level": level_note(last.strategy),
                          "source": by_id[s.step_id].source_text if s.step_id in by_id else ""})
    rec.status, rec.assumptions = report.status, report.plan.assumptions
    rec.unresolved = [f"{u.text}: {u.reason}" for u in report.plan.unresolved]
    after = outcome.audio
    _score(rec, before, after, broad)
    item_dir = out / rid
    save_audio(before, item_dir / "before.ogg")
    save_audio(after, item_dir / "after.ogg")
    from audioedit.evals.runner import shrink_png

    shrink_png(before_after_png(before, after, item_dir / "spectrogram.png", title=item["request"]))
    return rec


def _score(rec: GoalRecord, before, after, broad=None) -> None:
    """Similarity of input and output to the request (and the scene) by the shipped CLAP, and by ``broad``."""
    from audioedit.clap import default_clap

    clap = default_clap()
    if clap is None:
        rec.error = "no CLAP model shipped: similarity not measured"
        return
    texts = [rec.request] + ([f"the sound of {rec.scene}"] if rec.scene else [])
    sim = clap.similarity([before, after], texts)
    rec.clap_request_before, rec.clap_request_after = round(float(sim[0, 0]), 4), round(float(sim[1, 0]), 4)
    if rec.scene:
        rec.clap_scene_before, rec.clap_scene_after = round(float(sim[0, 1]), 4), round(float(sim[1, 1]), 4)
    if broad is not None:
        sim = broad.similarity([before, after], [rec.request])
        rec.broad_request_before, rec.broad_request_after = round(float(sim[0, 0]), 4), round(float(sim[1, 0]), 4)


def summary(records: list[GoalRecord]) -> dict[str, int]:
    return {"requests": len(records), "plans_2_to_8": sum(MIN_STEPS <= len(r.steps) <= MAX_STEPS for r in records),
            "all_steps_ok": sum(r.steps_ok for r in records), "clap_rises": sum(r.rises for r in records),
            "broad_clap_rises": sum(r.rises_broad for r in records),
            "steps": sum(len(r.steps) for r in records),
            "steps_ok": sum(s["status"] == "ok" for r in records for s in r.steps)}


def level_note(strategy: str) -> str:
    """'raised to -6 dB' when the attempt ran an add louder than planned (``audioedit.agents.audibility``), else ''."""
    m = re.match(r"(?:louder: \S+ -> |kept at )(?P<db>[+-]?\d+(?:\.\d+)?) dB", strategy)
    return f"raised to {float(m['db']):+g} dB" if m else ""


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def report_md(records: list[GoalRecord]) -> str:
    s = summary(records)
    head = (f"{s['requests']} requests; plans of 2-8 steps: {s['plans_2_to_8']}; every step ok: {s['all_steps_ok']}; "
            f"steps ok {s['steps_ok']}/{s['steps']}; CLAP(request) rises: {s['clap_rises']} (shipped CLAP), "
            f"{s['broad_clap_rises']} (broad tower)")
    lines = ["# smartdj-goals", "", head, "",
             "| item | request | scene | steps (status) | CLAP request before -> after | broad tower: request | "
             "CLAP scene before -> after |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in records:
        steps = "; ".join(f"{x['instruction']} ({x['status']}{', ' + x['level'] if x.get('level') else ''})"
                          for x in r.steps) or r.error
        lines.append(f"| {r.id} | {r.request} | {r.scene} | {steps} | {_fmt(r.clap_request_before)} -> "
                     f"{_fmt(r.clap_request_after)} | {_fmt(r.broad_request_before)} -> {_fmt(r.broad_request_after)} | "
                     f"{_fmt(r.clap_scene_before)} -> {_fmt(r.clap_scene_after)} |")
    return "\n".join(lines) + "\n"


def report_html(records: list[GoalRecord]) -> str:
    e = html.escape
    s = summary(records)
    style = ("<style>body{font:14px sans-serif;max-width:1100px;margin:auto}td,th{border:1px solid #ccc;padding:3px 6px}"
             "table{border-collapse:collapse}.ok{color:#070}.failed{color:#b00}img{width:100%}</style>")
    head = (f"<p>{s['requests']} requests; plans of 2-8 steps: {s['plans_2_to_8']}; every step ok: {s['all_steps_ok']}; "
            f"steps ok {s['steps_ok']}/{s['steps']}; CLAP similarity to the request rises: {s['clap_rises']}.</p>")
    parts = ["<!doctype html><meta charset='utf-8'><title>smartdj-goals</title>", style,
             "<h1>smartdj-goals: goal-only requests, decomposed, executed, verified</h1>", head]
    for r in records:
        parts.append(f"<h2>{e(r.id)}: {e(r.request)}</h2><p>scene: <b>{e(str(r.scene))}</b>; status "
                     f"<span class='{e(r.status)}'>{e(r.status)}</span>; CLAP(request) {_fmt(r.clap_request_before)} -> "
                     f"{_fmt(r.clap_request_after)}; CLAP('the sound of {e(str(r.scene))}') {_fmt(r.clap_scene_before)} -> "
                     f"{_fmt(r.clap_scene_after)}{(' — ' + e(r.error)) if r.error else ''}</p>")
        parts.append("<table><tr><th>#</th><th>op</th><th>instruction</th><th>backend</th><th>status</th><th>why</th></tr>")
        for i, x in enumerate(r.steps, 1):
            parts.append(f"<tr><td>{i}</td><td>{e(x['op'])}</td><td>{e(x['instruction'])}</td><td>{e(str(x['backend']))}</td>"
                         f"<td class='{e(x['status'])}'>{e(x['status'])}</td>"
                         f"<td>{e('; '.join(filter(None, [x.get('level', ''), x['why']])))}</td></tr>")
        parts.append("</table><details><summary>assumptions</summary><ul>"
                     + "".join(f"<li>{e(a)}</li>" for a in r.assumptions + r.unresolved) + "</ul></details>")
        parts.append(f"<p>before <audio controls src='{e(r.id)}/before.ogg'></audio> after "
                     f"<audio controls src='{e(r.id)}/after.ogg'></audio></p><img src='{e(r.id)}/spectrogram.png'>")
    return "\n".join(parts) + "\n"
