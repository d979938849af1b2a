"""Shared test fixtures: paths to the optional dev corpus, synthetic scenes on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
DEV_DATA = Path(os.environ.get("AUDIOEDIT_DEV_DATA", REPO.parent / "shared" / "data" / "dev"))


@pytest.fixture
def dev_data() -> Path:
    if not DEV_DATA.is_dir():
        pytest.skip(f"development corpus not found at {DEV_DATA} (set AUDIOEDIT_DEV_DATA)")
    return DEV_DATA
