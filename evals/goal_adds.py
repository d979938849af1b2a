"""Goal adds on recordings other than SmartDJ's: does retrying an unheard add louder help, and hurt nothing?

    python -m audioedit.evals.goal_adds --out reports/smartdj-goals/goal-adds

Every recording of ``--glob`` (default: the AUDIT demo inputs of the dev corpus, 16 real 10 s clips;
never ``smartdj_demo/``) gets ``--scenes`` goal requests ("Make this sound like a <scene>"), the scenes
drawn from the knowledge base with ``--seed``. Each request is analysed and planned once
(``audioedit.agents.pipeline.prepare``: CLAP grounding, the rules planner) and its plan run twice
with the default verifier: with the louder retries of ``audioedit.agents.audibility`` and without
(``LoopConfig.louder_retries``). Per arm: add steps verified, requests with every step ok, requests
whose CLAP similarity to the request rises; and the add steps ok without the retries that fail with
them. Writes ``records.jsonl`` and ``summary.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ARMS = {"louder": True, "same level": False}


def pick_requests(recordings: list[Path], scenes_per_recording: int, seed: int) -> list[tuple[Path, str]]:
    """``(recording, request)`` pairs: ``scenes_per_recording`` distinct knowledge-base scenes per recording."""
    from audioedit.planner.scene_kb import load_kb

    names = [e.name for e in load_kb().scenes]
    rng = np.random.default_rng(seed)
    return [(path, f"Make this sound like a {names[k]}.") for path in recordings
            for k in rng.choice(len(names), size=min(scenes_per_recording, len(names)), replace=False)]


def run_request(path: Path, request: str) -> dict:
    """One request, planned once and run in both arms; the add steps' statuses and the CLAP similarities."""
    from audioedit.agents.loop import LoopConfig, run_steps
    from audioedit.agents.pipeline import prepare
    from audioedit.agents.verifier import default_verifier
    from audioedit.bank import starter_bank
    from audioedit.clap import default_clap
    from audioedit.errors import UserInputError
    from audioedit.executor.router import default_editor

    bank = starter_bank()
    rec: dict = {"audio": str(path), "request": request, "arms": {}}
    try:
        scene, plan = prepare(path, request, bank=bank)
    except UserInputError as exc:
        rec["error"] = str(exc)
        return rec
    rec["plan"] = [s.instruction for s in plan.steps]
    clap = default_clap()
    for arm, louder in ARMS.items():
        edited, steps = run_steps(scene, plan, bank=bank, config=LoopConfig(louder_retries=louder),
                                  ldm=default_editor(), verifier=default_verifier())
        sim = clap.similarity([scene.audio, edited.audio], [request]) if clap is not None else np.zeros((2, 1))
        rec["arms"][arm] = {
            "steps": [{"op": s.op, "instruction": s.instruction, "status": s.status, "attempts": len(s.attempts),
                       "strategy": s.last_measured().strategy, "why": _why(s)} for s in steps],
            "clap_before": round(float(sim[0, 0]), 4), "clap_after": round(float(sim[1, 0]), 4)}
    return rec


def _why(step) -> str:
    """The failed checks of a step's last measured attempt (its error when it was not measured)."""
    last = step.last_measured()
    if last.verdict is None:
        return last.error or ""
    return "; ".join(f"{c.name}={c.measured}" for c in last.verdict.failed())


def summarise(records: list[dict]) -> dict[str, dict[str, int]]:
    """Per arm: requests, add steps, adds ok, adds raised, requests all ok, CLAP rises; and the regressions
    (adds ok in the same-level arm, failed with the louder retries)."""
    out = {}
    done = [r for r in records if r.get("arms")]
    for arm in ARMS:
        adds = [s for r in done for s in r["arms"][arm]["steps"] if s["op"] == "add"]
        out[arm] = {"requests": len(done), "adds": len(adds), "adds_ok": sum(s["status"] == "ok" for s in adds),
                    "adds_raised": sum(s["strategy"].startswith(("louder", "kept at")) for s in adds),
                    "all_steps_ok": sum(all(s["status"] == "ok" for s in r["arms"][arm]["steps"]) for r in done),
                    "clap_rises": sum(r["arms"][arm]["clap_after"] > r["arms"][arm]["clap_before"] for r in done)}
    out["regressions"] = {"adds_ok_only_without": sum(
        a["status"] == "ok" and b["status"] != "ok" for r in done
        for a, b in zip(r["arms"]["same level"]["steps"], r["arms"]["louder"]["steps"]) if a["op"] == "add")}
    return out


def summary_md(stats: dict[str, dict[str, int]]) -> str:
    rows = ["| arm | requests | add steps | adds ok | adds raised | every step ok | CLAP(request) rises |",
            "|---|---|---|---|---|---|---|"]
    for arm in ARMS:
        s = stats[arm]
        rows.append(f"| {arm} | {s['requests']} | {s['adds']} | {s['adds_ok']} | {s['adds_raised']} | "
                    f"{s['all_steps_ok']} | {s['clap_rises']} |")
    rows.append(f"\nadds ok at the same level that fail with the louder retries: "
                f"{stats['regressions']['adds_ok_only_without']}")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> dict:
    from audioedit.evals.suites import dev_data_dir

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None, help="dev corpus root (default: ../shared/data/dev)")
    p.add_argument("--glob", default="audit_demo/*/input/*.wav", help="recordings, relative to --data")
    p.add_argument("--scenes", type=int, default=2, help="goal requests per recording")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="at most this many recordings")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    data = dev_data_dir(args.data)
    recordings = sorted(data.glob(args.glob))[: args.limit]
    if not recordings:
        raise SystemExit(f"no recordings match {args.glob!r} under {data}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for path, request in pick_requests(recordings, args.scenes, args.seed):
        records.append({**run_request(path, request), "audio": str(path.relative_to(data))})  # no machine path
        print(json.dumps({"audio": path.name, "request": request, "error": records[-1].get("error", "")}), flush=True)
    (out / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    stats = summarise(records)
    (out / "summary.md").write_text(summary_md(stats), encoding="utf-8")
    print(summary_md(stats))
    return stats


if __name__ == "__main__":
    main()
