"""One line of an evaluation run's ``results.jsonl``: the typed record the runner writes and reads.

The runner builds each (item, method) result as an ``EvalRecord`` and writes ``to_json_dict()``
(only the fields it set, so a line holds what was measured and nothing else); ``read_records``
validates every line back through the model, so a malformed or foreign line fails where it is read,
not as a ``KeyError`` in the report. The report and the tests keep reading the records as dicts.

    >>> rec = EvalRecord(suite="lcr", item="00", op="lcr", method="identity", status="ok", metrics={"lsd": 0.0})
    >>> rec.to_json_dict()
    {'suite': 'lcr', 'item': '00', 'op': 'lcr', 'method': 'identity', 'status': 'ok', 'metrics': {'lsd': 0.0}}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RecordStatus = Literal["ok", "partial", "failed", "skipped", "error"]


class EvalRecord(BaseModel):
    """What one method did on one item: its status, stage timings, backends, steps and metrics."""

    model_config = ConfigDict(extra="forbid")

    suite: str
    item: str
    op: str
    subtype: str = ""
    overlap: bool = False
    method: str
    status: RecordStatus
    reason: str = ""
    timings_s: dict[str, float] = Field(default_factory=dict, description="stage -> seconds")
    backends: list[str] = Field(default_factory=list, description="the backend that ran each step")
    steps: list[str] = Field(default_factory=list, description="the plan's step instructions")
    plan_check: dict[str, Any] | None = Field(None, description="the plan against the item's reference plan")
    metrics: dict[str, float | None] | None = Field(None, description="metric -> value (None: not defined here)")
    figure: str | None = Field(None, description="before/after spectrogram, relative to the run folder")
    trace: str | None = Field(None, description="the end of the traceback of an error")

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON line's content: the fields that were set."""
        return self.model_dump(mode="json", exclude_unset=True)
