"""Signal metrics shared by the editor's training evaluation and the benchmark suites.

- ``lsd``: log-spectral distance as audioldm_eval computes it (via ``ssr_eval.AudioMetrics``).
- ``integrated_lufs``: integrated loudness, ITU-R BS.1770 (pyloudnorm).
- ``si_sdr``: scale-invariant SDR (Le Roux et al., 2019), dB; ``snr_db``; ``level_db``.

Arrays are ``(frames,)`` mono or ``(channels, frames)`` float (channels are averaged to mono, as
audioldm_eval does); sample rates in Hz. ``audioedit.evals.metrics`` adds distribution, CLAP and
edit-specific metrics on top of these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from audioedit.audio import Audio

LSD_EPS = 1e-12  # ssr_eval's EPS
SNR_CAP_DB = 100.0  # SI-SDR / SNR of a perfect estimate (instead of +inf)
MIN_BLOCK_S = 0.4  # one BS.1770 gating block; shorter files are repeated to fill one
SHORT_TERM_S = 3.0  # EBU Tech 3341's short-term loudness window


def to_mono(x: np.ndarray) -> np.ndarray:
    """``(frames,)`` float64 from ``(frames,)`` or ``(channels, frames)`` (channel mean)."""
    x = np.asarray(x, dtype=np.float64)
    return x.mean(axis=0) if x.ndim == 2 else x


# --------------------------------------------------------------------------------------------
# LSD


def stft_magnitude(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """``|STFT|`` of mono ``x`` as ``librosa.stft(x, n_fft, hop)`` computes it with its defaults
    (periodic Hann window of ``n_fft``, ``center=True`` with zero padding of ``n_fft // 2``).
    Shape ``(n_fft // 2 + 1, 1 + len(x) // hop)``."""
    x = to_mono(x)
    pad = n_fft // 2
    padded = np.pad(x, (pad, pad), mode="constant")
    n_frames = 1 + (len(padded) - n_fft) // hop
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    index = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    return np.abs(np.fft.rfft(padded[index] * window, axis=1)).T


def lsd_params(sample_rate_hz: int) -> tuple[int, int]:
    """(n_fft, hop) of audioldm_eval's LSD: ``int(2048 / (44100 / sr))`` and ``int(sr / 100)``."""
    return int(2048 / (44100 / sample_rate_hz)), int(sample_rate_hz / 100)


def lsd_per_frame(est: np.ndarray, ref: np.ndarray, sample_rate_hz: int, *, symmetric_eps: bool = True) -> np.ndarray:
    """Per-frame log-spectral distance ``sqrt(mean_f (log10(R^2 / E^2))^2)``, shape ``(frames,)``.

    ``symmetric_eps=False`` is ssr_eval's formula verbatim, ``log10(R^2 / (E + eps)^2 + eps)``,
    which gives 12^2 in the square for a bin where both signals are digital silence (the synthetic
    scenes have such bins); the default adds ``eps`` to both powers, ``log10((R^2 + eps) /
    (E^2 + eps))``: identical signals give exactly 0 and bins above ~1e-10 agree with ssr_eval.
    """
    n_fft, hop = lsd_params(sample_rate_hz)
    est, ref = to_mono(est), to_mono(ref)
    n = min(len(est), len(ref))
    e, r = stft_magnitude(est[:n], n_fft, hop), stft_magnitude(ref[:n], n_fft, hop)
    if symmetric_eps:
        d = np.log10((r**2 + LSD_EPS) / (e**2 + LSD_EPS)) ** 2
    else:
        d = np.log10(r**2 / (e + LSD_EPS) ** 2 + LSD_EPS) ** 2
    return np.sqrt(d.mean(axis=0))


def lsd(est: np.ndarray, ref: np.ndarray, sample_rate_hz: int, *, symmetric_eps: bool = True) -> float:
    """Log-spectral distance of ``est`` to ``ref`` (lower is better, 0 = identical spectra).

    The definition of audioldm_eval (``EvaluationHelper.calculate_lsd`` -> ``ssr_eval.metrics.
    AudioMetrics.lsd``, haoheliu/audioldm_eval and haoheliu/ssr_eval on GitHub): magnitude STFT
    (librosa defaults) with ``n_fft = int(2048 / (44100 / sr))`` and ``hop = int(sr / 100)``;
    ``log10`` of the power ratio (not dB: no factor 10); root of the mean over frequency; mean over
    frames. Mono (channel mean); lengths cut to the shorter. Not applied here: audioldm_eval's
    per-clip mean removal and peak normalisation (they would hide a loudness edit) and its
    7-frame HiFi-GAN offset. See ``lsd_per_frame`` for the ``eps`` handling.
    """
    return float(lsd_per_frame(est, ref, sample_rate_hz, symmetric_eps=symmetric_eps).mean())


# --------------------------------------------------------------------------------------------
# waveform


def si_sdr(est: np.ndarray, ref: np.ndarray) -> float | None:
    """Scale-invariant SDR in dB: ``10 log10(|a r|^2 / |a r - e|^2)`` with ``a = <e, r> / |r|^2``
    (Le Roux et al., "SDR - half-baked or well done?", 2019; no mean removal). Mono; lengths
    cut to the shorter; capped at ``SNR_CAP_DB`` for a perfect estimate; None for a silent ``ref``."""
    est, ref = to_mono(est), to_mono(ref)
    n = min(len(est), len(ref))
    est, ref = est[:n], ref[:n]
    ref_energy = float(np.dot(ref, ref))
    if ref_energy <= 0:
        return None
    scaled = (np.dot(est, ref) / ref_energy) * ref
    signal, noise = float(np.dot(scaled, scaled)), float(np.sum((scaled - est) ** 2))
    if signal <= 0:
        return -SNR_CAP_DB
    return float(min(SNR_CAP_DB, 10 * np.log10(signal / max(noise, 1e-300))))


def snr_db(est: np.ndarray, ref: np.ndarray) -> float | None:
    """``10 log10(|r|^2 / |e - r|^2)`` (not scale-invariant), capped at ``SNR_CAP_DB``; None for silent ``ref``."""
    est, ref = to_mono(est), to_mono(ref)
    n = min(len(est), len(ref))
    signal, noise = float(np.sum(ref[:n] ** 2)), float(np.sum((est[:n] - ref[:n]) ** 2))
    if signal <= 0:
        return None
    return float(min(SNR_CAP_DB, 10 * np.log10(signal / max(noise, 1e-300))))


def level_db(x: np.ndarray) -> float:
    """RMS level in dBFS of all samples, floored at -120 dB (the level of a sound, an event, a file)."""
    x = np.asarray(x, dtype=np.float64)
    rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
    return float(20 * np.log10(max(rms, 1e-6)))


def power_db(x: np.ndarray) -> float:
    """Mean power in dB of all samples plus 1e-12 (-120 dB for silence or nothing): smooth near silence,
    for level *changes* measured by the checks."""
    return 10 * float(np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12)) if np.size(x) else -120.0


def integrated_lufs(audio: Audio) -> float:
    """Integrated loudness in LUFS, ITU-R BS.1770-4: K-weighting (pyloudnorm's filters), 400 ms blocks
    every 100 ms, absolute gate -70 LUFS, relative gate -10 LU; -inf when every block is gated
    (silence). Channel weights as pyloudnorm's (L, R, C 1.0; Ls, Rs 1.41) up to five channels, 1.0
    for every channel of a larger layout (positions unknown). Vectorized: pyloudnorm's own meter
    loops over blocks in Python and stops at five channels. Files shorter than one block are
    repeated to fill one."""
    x = np.asarray(audio.samples, dtype=np.float64)
    rate = audio.sample_rate_hz
    if not np.any(x):
        return float("-inf")
    block, hop = int(round(MIN_BLOCK_S * rate)), int(round(MIN_BLOCK_S * rate / 4))
    if x.shape[1] < block:
        x = np.tile(x, (1, int(np.ceil(block / x.shape[1]))))
    x = k_weighted(x, rate)
    starts = np.arange(0, x.shape[1] - block + 1, hop)
    if block == 4 * hop:  # every common rate: sums of 100 ms segments, four per block (no running sum)
        segments = (x[:, : (len(starts) + 3) * hop] ** 2).reshape(x.shape[0], -1, hop).sum(axis=2)
        z = sum(segments[:, k : k + len(starts)] for k in range(4)) / block
    else:
        power = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x**2, axis=1)], axis=1)
        z = (power[:, starts + block] - power[:, starts]) / block  # (channels, blocks) mean squares
    return gated_loudness(z)


def k_weighted(x: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """``(channels, frames)`` through BS.1770's K-weighting (pyloudnorm's filters: high shelf, then high pass)."""
    import pyloudnorm
    from scipy.signal import lfilter

    for stage in pyloudnorm.Meter(sample_rate_hz)._filters.values():
        x = lfilter(stage.b, stage.a, x, axis=1)
    return x


def short_term_lufs(audio: Audio, hop_s: float = 0.1) -> np.ndarray:
    """Short-term loudness (EBU Tech 3341: K-weighted 3 s windows, channels summed) every ``hop_s``; empty for
    recordings shorter than one window."""
    x = k_weighted(np.asarray(audio.samples, dtype=np.float64), audio.sample_rate_hz)
    win, hop = int(SHORT_TERM_S * audio.sample_rate_hz), max(1, int(hop_s * audio.sample_rate_hz))
    if x.shape[1] < win:
        return np.zeros(0)
    power = np.concatenate([np.zeros(1), np.cumsum(np.sum(x**2, axis=0))])
    starts = np.arange(0, x.shape[1] - win + 1, hop)
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10((power[starts + win] - power[starts]) / win)


def loudness_range_lu(audio: Audio) -> float:
    """Loudness range (EBU Tech 3342): the 10th to 95th percentile of the short-term loudness, after an absolute
    gate at -70 LUFS and a relative gate 20 LU under the gated mean; 0 when nothing passes the gates."""
    st = short_term_lufs(audio)
    st = st[st > -70.0]
    if st.size == 0:
        return 0.0
    st = st[st > 10 * np.log10(np.mean(10 ** (st / 10))) - 20.0]
    return float(np.percentile(st, 95) - np.percentile(st, 10))


def gated_loudness(z: np.ndarray) -> float:
    """BS.1770-4 gating of ``z``, the K-weighted mean square of each (channel, 400 ms block): the
    absolute gate at -70 LUFS, the relative gate 10 LU below the blocks kept by the first; channel
    weights as pyloudnorm's (L, R, C 1.0; Ls, Rs 1.41) up to five channels, else 1.0 each."""
    channels = z.shape[0]
    weights = np.array([1.0, 1.0, 1.0, 1.41, 1.41])[:channels] if channels <= 5 else np.ones(channels)
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(weights @ z)
    kept = loud >= -70.0
    if not kept.any():
        return float("-inf")
    relative = -0.691 + 10 * np.log10(weights @ z[:, kept].mean(axis=1)) - 10.0
    kept &= loud > relative
    return float(-0.691 + 10 * np.log10(weights @ z[:, kept].mean(axis=1)))
