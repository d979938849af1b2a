"""Training-time augmentation of the small CLAP's inputs: log-mel masks (``spec_augment``) and crops and
masks of cached trunk maps (``map_augment``); ``audioedit.clap.train`` applies them."""

from __future__ import annotations

import numpy as np


def spec_augment(logmel, rng: np.random.Generator):
    """Two time masks (<= 12 % each) and two frequency masks (<= 8 bands) per item, in place."""
    n_mels, n_time = logmel.shape[1], logmel.shape[2]
    fill = logmel.mean()
    for i in range(logmel.shape[0]):
        for _ in range(2):
            w = int(rng.integers(0, max(1, int(0.12 * n_time))))
            t0 = int(rng.integers(0, max(1, n_time - w)))
            logmel[i, :, t0 : t0 + w] = fill
            f = int(rng.integers(0, 9))
            f0 = int(rng.integers(0, max(1, n_mels - f)))
            logmel[i, f0 : f0 + f, :] = fill
    return logmel


def map_augment(maps: np.ndarray, rng: np.random.Generator, min_keep: float = 0.7) -> np.ndarray:
    """Cached block-3 maps ``(batch, channels, time, freq)``: one random crop of >= ``min_keep`` of
    the frames (its length shared by the batch, its start per item), then per item one time span
    (<= 12 % of the frames) and one frequency band (<= 2 of the bins) set to zero (post-ReLU silence)."""
    n_time, n_freq = maps.shape[2], maps.shape[3]
    keep = int(rng.integers(max(1, int(np.ceil(min_keep * n_time))), n_time + 1))
    out = np.empty(maps.shape[:2] + (keep, n_freq), maps.dtype)
    for i in range(maps.shape[0]):
        t0 = int(rng.integers(0, n_time - keep + 1))
        out[i] = maps[i, :, t0 : t0 + keep]
        w = int(rng.integers(0, max(1, int(0.12 * keep)) + 1))
        s0 = int(rng.integers(0, keep - w + 1))
        out[i, :, s0 : s0 + w] = 0.0
        f = int(rng.integers(0, 3))
        f0 = int(rng.integers(0, n_freq - f + 1))
        out[i, :, :, f0 : f0 + f] = 0.0
    return out
