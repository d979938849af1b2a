"""The public Python API: ``audioedit.edit`` and ``audioedit.plan``.

Both take a path or an ``Audio``/``Scene`` and a plain-language request; the planner, executor
and agent packages are imported here lazily so ``import audioedit`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plan(audio: Any, request: str, **options: Any):
    """Plan ``request`` against ``audio`` (path or Scene) without editing; returns a ``Plan``."""
    from audioedit.agents.pipeline import plan_request

    return plan_request(audio, request, **options)


def edit(audio: Any, request: str, output: str | Path | None = None, **options: Any):
    """Ground, plan, execute and verify ``request`` on ``audio``; returns an ``EditOutcome``.

    When ``output`` is given, the audio is written there (atomically) with ``.json`` and
    ``.jams`` reports beside it.
    """
    from audioedit.agents.pipeline import edit_request

    return edit_request(audio, request, output=output, **options)
