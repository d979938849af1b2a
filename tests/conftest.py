"""Shared test fixtures: paths to the optional dev corpus, synthetic scenes on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audioedit.paths import data_root

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
DEV_DATA = data_root()


@pytest.fixture(scope="module")
def debug_model():
    """The untrained debug CLAP (``configs/clap/debug.yaml``): fast, for tests of what uses a CLAP."""
    from audioedit.clap import load_clap

    return load_clap(REPO / "configs" / "clap" / "debug.yaml")


@pytest.fixture
def dev_data() -> Path:
    if not DEV_DATA.is_dir():
        pytest.skip(f"development corpus not found at {DEV_DATA} (set AUDIOEDIT_DATA_ROOT)")
    return DEV_DATA


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A few starter-bank clips in the dev corpus' layout (``tests/tiny_corpus.py``): what the
    evaluation commands' smoke runs read, on any clone."""
    from tests.tiny_corpus import build_tiny_corpus

    return build_tiny_corpus(tmp_path_factory.mktemp("tiny_corpus"))
