"""Audio-text embedding (CLAP): the ``ClapModel`` interface, ``load_clap`` and its backends.

Backends (chosen by config ``{type, config}``): ``small`` — the project's own model (two audio
towers, a 16 kHz CNN and the 44.1 kHz aiSFX model), shipped in ``audioedit/assets/clap_small``
(``audioedit.clap.small``); ``hf`` — ``transformers.ClapModel``
from a local directory (``audioedit.clap.hf_backend``); ``laion`` — the optional ``laion-clap``
package (``audioedit.clap.laion_backend``). Training: ``audioedit.clap.train``; evaluation:
``audioedit.clap.evaluate``. Nothing heavy (torch, transformers) is imported by this module.
"""

import threading

from audioedit.clap.base import ClapModel, load_clap
from audioedit.clap.small import SHIPPED_DIR, has_weights

__all__ = ["ClapModel", "load_clap", "default_clap"]  # train / evaluate: the submodules of those names

_DEFAULT_LOCK = threading.Lock()
_default: list[ClapModel | None] = []  # the one shipped CLAP of the process, once loaded


def default_clap() -> ClapModel | None:
    """The shipped small CLAP, or None when no weights are shipped: one instance per process, shared
    by detection, the verifier and the evaluations (a lock keeps two threads from loading it twice)."""
    with _DEFAULT_LOCK:
        if not _default:
            model = load_clap({"type": "small", "config": {"checkpoint": str(SHIPPED_DIR)}}) \
                if has_weights(SHIPPED_DIR) else None
            _default.append(model)
        return _default[0]

