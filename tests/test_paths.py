"""Folders without machine paths: the dev corpus root, the runtime folder, shipped configs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from audioedit import paths

REPO = Path(__file__).resolve().parents[1]
ABSOLUTE = re.compile(r"^(/|[A-Za-z]:[\\/]|~)")


def test_data_root_order_argument_then_env_then_beside_the_repo(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.DATA_ROOT_ENV, raising=False)
    monkeypatch.delenv(paths.LEGACY_DATA_ROOT_ENV, raising=False)
    assert paths.data_root() == paths.REPO.parent / "shared" / "data" / "dev"
    monkeypatch.setenv(paths.LEGACY_DATA_ROOT_ENV, str(tmp_path / "old"))
    assert paths.data_root() == tmp_path / "old"
    monkeypatch.setenv(paths.DATA_ROOT_ENV, str(tmp_path / "env"))
    assert paths.data_root() == tmp_path / "env"
    assert paths.data_root(tmp_path / "arg") == tmp_path / "arg"


def test_runtime_dir_is_never_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert paths.runtime_dir() == tmp_path / "cache" / "audioedit" / "service"
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "env"))
    assert paths.runtime_dir() == tmp_path / "env"
    assert paths.runtime_dir(tmp_path / "arg") == tmp_path / "arg"


def _strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("folder", ["configs", "audioedit", "executor", "agents", "planner", "synth", "evals"])
def test_shipped_yaml_has_no_machine_paths(folder):
    files = [p for p in (REPO / folder).rglob("*.y*ml") if p.suffix in (".yaml", ".yml")]
    found = [(p.relative_to(REPO), s) for p in files for s in _strings(yaml.safe_load(p.read_text()))
             if ABSOLUTE.match(s)]
    assert not found, f"absolute paths in shipped configs: {found}"


def test_editor_data_root_comes_from_the_environment(monkeypatch, tmp_path):
    from audioedit.executor.ldm.config import load_config
    from audioedit.executor.ldm.data import STARTER_BANK

    cfg = load_config("cpu")
    assert cfg.data.dev_root is None
    monkeypatch.setenv(paths.DATA_ROOT_ENV, str(tmp_path))
    assert paths.data_root(cfg.data.dev_root) == tmp_path
    assert (STARTER_BANK / "labels.json").is_file()  # found through the package, not the repository layout
