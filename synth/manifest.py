"""Dataset manifests: one JSON Lines record per example, plus resumability and per-example seeds.

A dataset folder holds one sub-folder per example (each with its own ``example.json``, written
last, inside a folder that is renamed into place only when complete) and ``manifest.jsonl``,
rebuilt from those records in index order. So a crashed run is resumed by running it again:
``complete_names`` lists what is already there and is skipped. Example ``i`` of a dataset with
seed ``s`` always uses ``example_seed(s, i)``, so the same (seed, i) gives the same example
whatever the number of workers or the order they finish in.

    >>> example_seed(0, 3) == example_seed(0, 3) != example_seed(1, 3)
    True
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from audioedit.audio import write_text_atomic
from audioedit.errors import UserInputError

MANIFEST_NAME = "manifest.jsonl"
RECORD_NAME = "example.json"


class ExampleRecord(BaseModel):
    """One example of a synthetic dataset. Paths are relative to the example's folder ``name``."""

    name: str
    kind: Literal["pair", "declarative"]
    op: str = Field(description="the atomic op, or 'declarative'")
    subtype: str = ""
    seed: int
    exec_seed: int
    instruction: str = Field(description="the atomic instruction, or the high-level request")
    steps: list[dict[str, Any]] = Field(description="EditStep JSON, in order")
    overlap: bool = Field(description="an edited event shares time with another foreground event")
    source: str = "source.wav"
    target: str = "target.wav"
    intermediates: list[str] = Field(default_factory=list, description="audio after each step but the last")
    bank: str = ""
    source_duration_s: float
    target_duration_s: float
    sample_rate_hz: int
    num_channels: int = 1
    edited_event_ids: list[str] = Field(default_factory=list, description="source events the step acts on")
    event_map: dict[str, str | None] = Field(
        default_factory=dict, description="target event id -> source event id (None: a new event)")
    backend: str = ""
    notes: list[str] = Field(default_factory=list)
    edited_spans_s: list[list[float]] = Field(default_factory=list)


def example_seed(seed: int, index: int) -> int:
    """The seed of example ``index`` in a dataset seeded with ``seed`` (independent streams)."""
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


def example_name(index: int, prefix: str = "") -> str:
    return f"{prefix}{index:06d}"


def read_record(folder: str | os.PathLike) -> ExampleRecord | None:
    """The record of a complete example folder, or None when the folder is absent or incomplete."""
    path = Path(folder) / RECORD_NAME
    if not path.is_file():
        return None
    try:
        return ExampleRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def complete_names(out_dir: str | os.PathLike) -> set[str]:
    """Names of the complete examples in a dataset folder."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return set()
    return {p.name for p in out_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
            and (p / RECORD_NAME).is_file()}


def write_manifest(out_dir: str | os.PathLike, names: list[str]) -> Path:
    """Write ``manifest.jsonl`` (atomically) with the records of ``names`` in that order; a
    record's paths are prefixed with its folder so they are relative to ``out_dir``."""
    out_dir = Path(out_dir)
    lines = []
    for name in names:
        record = read_record(out_dir / name)
        if record is None:
            continue
        lines.append(json.dumps(_relative_to_dataset(record), sort_keys=True))
    return write_text_atomic(out_dir / MANIFEST_NAME, "".join(line + "\n" for line in lines))


def _relative_to_dataset(record: ExampleRecord) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    data["source"] = f"{record.name}/{record.source}"
    data["target"] = f"{record.name}/{record.target}"
    data["intermediates"] = [f"{record.name}/{p}" for p in record.intermediates]
    return data


def read_manifest(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a ``manifest.jsonl`` (or of the one in a dataset folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise UserInputError(f"manifest not found: {str(path)!r}")
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as exc:
            raise UserInputError(f"{str(path)!r} line {n} is not JSON: {exc}") from None
    return records
