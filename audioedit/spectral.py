"""Spectral building blocks shared by the CLAP front end and the learned editor's representation."""

from __future__ import annotations

import numpy as np


def hz_to_mel(f_hz):
    return 2595.0 * np.log10(1.0 + np.asarray(f_hz) / 700.0)


def mel_to_hz(mel):
    return 700.0 * (10 ** (np.asarray(mel) / 2595.0) - 1.0)


def mel_triangles(sample_rate_hz: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float):
    """Unnormalised triangular mel filters (HTK mel scale), float64 ``(n_mels, n_fft // 2 + 1)``.

    Returns ``(weights, bins_hz (bins,), lower_hz, centre_hz, upper_hz)``, the last three shaped
    ``(n_mels, 1)``; callers normalise (area, or rows summing to 1)."""
    bins_hz = np.linspace(0, sample_rate_hz / 2, n_fft // 2 + 1)
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(fmin_hz), hz_to_mel(fmax_hz), n_mels + 2))
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    up = (bins_hz[None] - lower) / (centre - lower)
    down = (upper - bins_hz[None]) / (upper - centre)
    return np.maximum(0.0, np.minimum(up, down)), bins_hz, lower, centre, upper
