"""What an edit returns: verdicts with measured values, attempts, timings, and the outcome.

``EditReport`` is the JSON half (written as ``out.json``); ``EditOutcome`` adds the audio and
the scene after the edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from audioedit.scene import Scene, SceneDescription
from audioedit.steps import Plan


class Check(BaseModel):
    """One measurement compared with its threshold, e.g. ``span_gain_db`` 5.8 vs 6 ± 1."""

    name: str
    measured: float | None
    threshold: str = Field(description="what passes, in words: '6.0 ± 1.0', '>= 0.95', '== 0'")
    passed: bool
    detail: str = ""


class Verdict(BaseModel):
    step_id: str
    passed: bool
    checks: list[Check]

    @classmethod
    def of(cls, step_id: str, checks: list[Check]) -> Verdict:
        return cls(step_id=step_id, passed=all(c.passed for c in checks), checks=checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


class Attempt(BaseModel):
    """One try at executing one step."""

    step_id: str
    attempt: int
    backend: str = Field(description="e.g. dsp.stems, dsp.mixture, ldm")
    strategy: str = Field(description="why this backend / variant was chosen")
    seed: int = 0
    edited_spans_s: list[tuple[float, float]] = Field(default_factory=list)
    verdict: Verdict | None = None
    error: str | None = None
    notes: list[str] = Field(default_factory=list, description="what the backend decided (e.g. the cuts it made)")
    execute_s: float = 0.0
    verify_s: float = 0.0


class StepReport(BaseModel):
    step_id: str
    op: str
    instruction: str
    status: Literal["ok", "failed", "skipped"]
    backend: str | None = None
    attempts: list[Attempt]

    def last_measured(self) -> Attempt:
        """The last attempt the verifier measured (a repeated output is not measured again), else the last."""
        return next((a for a in reversed(self.attempts) if a.verdict is not None), self.attempts[-1])


class ChunkReport(BaseModel):
    """One piece of a long file edited in chunks (``audioedit.agents.long``)."""

    index: int
    start_s: float = Field(description="core start in the input")
    end_s: float
    output_start_s: float = Field(description="where the core landed in the output")
    output_end_s: float
    steps: dict[str, str] = Field(default_factory=dict, description="step id -> status in this chunk")
    seconds: float = 0.0


class EditReport(BaseModel):
    """The JSON report of one edit."""

    status: Literal["ok", "partial", "failed"]
    request: str
    input: str | None = None
    output: str | None = None
    plan: Plan
    steps: list[StepReport]
    scene_before: SceneDescription
    scene_after: SceneDescription
    timings_s: dict[str, float]
    messages: list[str] = Field(default_factory=list)
    chunks: list[ChunkReport] = Field(default_factory=list, description="long files: the chunks edited")


@dataclass(frozen=True, eq=False)
class EditOutcome:
    """Edited audio + the scene after the edit + the report."""

    scene: Scene
    report: EditReport

    @property
    def audio(self):
        return self.scene.audio

    @property
    def status(self) -> str:
        return self.report.status
