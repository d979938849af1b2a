"""Where the project's folders are, with no machine paths: the development corpus and the runtime data.

- ``data_root(explicit)``: the development corpus (``--data-root``); else ``$AUDIOEDIT_DATA_ROOT``
  (``$AUDIOEDIT_DEV_DATA``, its earlier name, is still read); else ``../shared/data/dev`` beside the
  repository (a source checkout's layout).
- ``runs_dir()``: benchmark caches and training runs: ``runs/`` in a source checkout, else the user cache.
- ``runtime_dir(explicit)``: jobs, uploads and results of the service and the page (``--data-dir``);
  else ``$AUDIOEDIT_DATA_DIR``; else ``service`` in the user's cache folder (platformdirs: XDG on Linux,
  ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows). Never the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ROOT_ENV = "AUDIOEDIT_DATA_ROOT"
LEGACY_DATA_ROOT_ENV = "AUDIOEDIT_DEV_DATA"
DATA_DIR_ENV = "AUDIOEDIT_DATA_DIR"
PACKAGE_DIR = Path(__file__).resolve().parent  # the audioedit package (its assets/)
REPO = PACKAGE_DIR.parent  # the source checkout (site-packages in an installed wheel)


def data_root(explicit: str | os.PathLike | None = None) -> Path:
    """The development corpus folder (it may not exist: callers say so and skip)."""
    if explicit is not None and str(explicit) != "":
        return Path(explicit)
    for name in (DATA_ROOT_ENV, LEGACY_DATA_ROOT_ENV):
        if os.environ.get(name):
            return Path(os.environ[name])
    return REPO.parent / "shared" / "data" / "dev"


def user_cache_dir() -> Path:
    """audioedit's folder in the user's cache (not created here)."""
    from platformdirs import user_cache_path

    return user_cache_path("audioedit", appauthor=False)


def runtime_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The service's data folder (not created here)."""
    if explicit is not None and str(explicit) != "":
        return Path(explicit)
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    return user_cache_dir() / "service"


def runs_dir() -> Path:
    """Caches of generated benchmark data and training runs: ``runs/`` in a source checkout, else the
    user's cache folder (an installed package never writes into site-packages)."""
    if (REPO / "pyproject.toml").is_file():
        return REPO / "runs"
    return user_cache_dir() / "runs"


def shown(path: str | os.PathLike) -> str:
    """``path`` as reports print it: relative to the checkout (or the installed package's folder)
    when inside it, so a report names no machine's folders; as given otherwise."""
    p = Path(path).resolve()
    try:
        return p.relative_to(REPO.resolve()).as_posix()
    except ValueError:
        return str(path)
