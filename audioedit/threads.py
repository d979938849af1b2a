"""Torch's intra-op threads for small models on a shared CPU (one place for it).

Torch's thread count is process-wide, so it is changed under ``TORCH_THREADS_LOCK`` and restored
after. A small model run step by step is faster on one thread, and far faster when another process
holds the other core: the voice detector took ~30 s instead of 0.4 s for 30 s of audio with two
threads while a training ran (session 11); the verifier's CLAP was several times slower.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

TORCH_THREADS_LOCK = threading.RLock()  # re-entrant: a model run inside another (the voice detector in an editor step)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """At most ``n`` torch threads inside the block (the setting restored after it)."""
    import torch

    with TORCH_THREADS_LOCK:
        saved = torch.get_num_threads()
        torch.set_num_threads(max(1, min(n, saved)))
        try:
            yield
        finally:
            torch.set_num_threads(saved)
