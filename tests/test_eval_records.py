"""The evaluation runner's typed records (audioedit.evals.records): what results.jsonl holds, line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from audioedit.evals.records import EvalRecord
from audioedit.evals.runner import RESULTS, read_records

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("run", ["lcr", "synth-v1"])
def test_the_shipped_reports_records_read_back_unchanged(run: str) -> None:
    lines = [line for line in (REPO / "reports" / run / RESULTS).read_text(encoding="utf-8").splitlines() if line]
    assert lines
    for line in lines[:300]:
        assert EvalRecord.model_validate_json(line).to_json_dict() == json.loads(line)


def test_a_record_holds_only_what_was_set() -> None:
    rec = EvalRecord(suite="lcr", item="00", op="lcr", method="planned", status="error", reason="boom")
    assert rec.to_json_dict() == {"suite": "lcr", "item": "00", "op": "lcr", "method": "planned", "status": "error",
                                  "reason": "boom"}


def test_malformed_lines_fail_where_they_are_read(tmp_path: Path) -> None:
    good = {"suite": "s", "item": "i", "op": "remove", "method": "identity", "status": "ok", "metrics": {"lsd": None}}
    (tmp_path / RESULTS).write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert read_records(tmp_path) == [good]
    for bad in ({**good, "status": "done"}, {**good, "metrcs": {}}, {k: v for k, v in good.items() if k != "method"}):
        (tmp_path / RESULTS).write_text(json.dumps(bad) + "\n", encoding="utf-8")
        with pytest.raises(ValidationError):
            read_records(tmp_path)
