"""The public Python API: ``audioedit.edit`` and ``audioedit.plan``.

Both take a path or an ``Audio``/``Scene`` and a plain-language request; the planner, executor
and agent packages are imported here lazily so ``import audioedit`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audioedit.agents.long import StreamedOutcome
    from audioedit.audio import Audio
    from audioedit.report import EditOutcome
    from audioedit.scene import Scene
    from audioedit.steps import Plan

    AudioInput = str | Path | Audio | Scene


def plan(audio: AudioInput, request: str, **options: Any) -> Plan:
    """Plan ``request`` against ``audio`` (path or Scene) without editing; returns a ``Plan``."""
    from audioedit.agents.pipeline import plan_request

    return plan_request(audio, request, **options)


def edit(audio: AudioInput, request: str, output: str | Path | None = None,
         **options: Any) -> EditOutcome | StreamedOutcome:
    """Ground, plan, execute and verify ``request`` on ``audio``; returns an ``EditOutcome``.

    When ``output`` is given, the audio is written there (atomically) with ``.json`` and
    ``.jams`` reports beside it. ``options``: the fields of ``audioedit.options.EditOptions``
    (planner, executor, verify, verifier, seed, max_attempts, chunked) and ``edit_request``'s others.
    """
    from audioedit.agents.pipeline import edit_request

    return edit_request(audio, request, output=output, **options)
