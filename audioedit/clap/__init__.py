"""Audio-text embedding (CLAP): the ``ClapModel`` interface, ``load_clap`` and its backends.

Backends (chosen by config ``{type, config}``): ``small`` — the project's own model (two audio
towers, a 16 kHz CNN and the 44.1 kHz aiSFX model), shipped in ``audioedit/assets/clap_small``
(``audioedit.clap.small``); ``hf`` — ``transformers.ClapModel``
from a local directory (``audioedit.clap.hf_backend``); ``laion`` — the optional ``laion-clap``
package (``audioedit.clap.laion_backend``). Training: ``audioedit.clap.train``; evaluation:
``audioedit.clap.evaluate``. Nothing heavy (torch, transformers) is imported by this module.
"""

import functools
import json
import threading
from pathlib import Path

from audioedit.clap.base import ClapModel, load_clap
from audioedit.clap.small import SHIPPED_DIR, has_weights

# train / evaluate: the submodules of those names
__all__ = ["ClapModel", "load_clap", "default_clap", "broad_clap", "broad_shipped", "trained_classes", "detectable"]

BROAD_DIR = SHIPPED_DIR.parent / "clap_broad"  # detection's tower for the sounds the shipped CLAP never heard
_DEFAULT_LOCK = threading.Lock()
_default: list[ClapModel | None] = []  # the one shipped CLAP of the process, once loaded
_broad: list[ClapModel | None] = []


def default_clap() -> ClapModel | None:
    """The shipped small CLAP, or None when no weights are shipped: one instance per process, shared
    by detection, the verifier and the evaluations (a lock keeps two threads from loading it twice)."""
    with _DEFAULT_LOCK:
        if not _default:
            model = load_clap({"type": "small", "config": {"checkpoint": str(SHIPPED_DIR)}}) \
                if has_weights(SHIPPED_DIR) else None
            _default.append(model)
        return _default[0]


def broad_clap() -> ClapModel | None:
    """The broad tower (``assets/clap_broad``, reports/clap-broad amendment 7) that detection asks about the
    sounds the shipped CLAP was not trained on, or None when it is not shipped; one instance per process."""
    with _DEFAULT_LOCK:
        if not _broad:
            _broad.append(load_clap({"type": "small", "config": {"checkpoint": str(BROAD_DIR)}})
                          if has_weights(BROAD_DIR) else None)
        return _broad[0]


def broad_shipped() -> bool:
    """Whether ``broad_clap`` has a model to give, without loading it."""
    return _broad[0] is not None if _broad else has_weights(BROAD_DIR)


@functools.lru_cache(maxsize=8)
def trained_classes(folder: str | Path | None = None) -> frozenset[str] | None:
    """The vocabulary entries the export in ``folder`` (default: the shipped CLAP) was trained on (its
    ``heldout_split.json``), or None when it does not say."""
    path = Path(folder if folder is not None else SHIPPED_DIR) / "heldout_split.json"
    if not path.is_file():
        return None
    classes = json.loads(path.read_text(encoding="utf-8")).get("trained_classes")
    return frozenset(classes) if classes else None


def detectable() -> frozenset[str]:
    """The vocabulary entries detection has a model trained on: the shipped CLAP's and, when it is shipped,
    the broad tower's."""
    towers = [SHIPPED_DIR] + ([BROAD_DIR] if has_weights(BROAD_DIR) else [])
    return frozenset().union(*(trained_classes(t) or frozenset() for t in towers))
