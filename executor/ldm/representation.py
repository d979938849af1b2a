"""The editing representation of the cpu editor: mel-band log-gains on the source's complex STFT.

    wave (batch, samples) 16 kHz mono
      -> stft      (batch, bins=n_fft//2+1, frames) complex, hop 10 ms, centred
      -> latent    (batch, n_mels, frames)  log(mel-weighted magnitude + eps)
    edit: delta (batch, n_mels, frames) natural-log band gains (target latent - source latent)
      -> expand to bins (bins, frames) -> multiply the source STFT -> istft (source phase reused)

``apply_band_gains`` applies a 16 kHz band-gain mask to audio at any sample rate and channel
count (the mask is interpolated to the native STFT grid), so outputs keep the input's format.
"""

from __future__ import annotations

import numpy as np
import torch

from audioedit.executor.ldm.config import ReprConfig


def mel_filterbank(sample_rate_hz: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    """Triangular mel filters ``(n_mels, n_fft // 2 + 1)``, each row summing to 1 (a band average)."""
    from audioedit.spectral import mel_triangles

    w, bins_hz, _, centre, _ = mel_triangles(sample_rate_hz, n_fft, n_mels, fmin_hz, fmax_hz)
    empty = w.sum(1) == 0  # very narrow low bands: take the nearest bin
    for i in np.flatnonzero(empty):
        w[i, np.argmin(np.abs(bins_hz - centre[i, 0]))] = 1.0
    return (w / w.sum(1, keepdims=True)).astype(np.float32)


def expansion_matrix(filters: np.ndarray, n_mels: int) -> np.ndarray:
    """``(bins, n_mels)``: each linear bin's gain as a filter-weighted mix of band gains
    (bins no filter covers take the nearest band)."""
    e = filters.T.copy()
    covered = e.sum(1) > 0
    idx = np.flatnonzero(covered)
    for b in np.flatnonzero(~covered):
        e[b, np.argmax(filters[:, idx[np.argmin(np.abs(idx - b))]])] = 1.0
    return (e / e.sum(1, keepdims=True)).astype(np.float32)


class MelGainRepr(torch.nn.Module):
    """STFT, log-mel latent, and gain application for one fixed sample rate (see module doc)."""

    def __init__(self, cfg: ReprConfig):
        super().__init__()
        self.cfg = cfg
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)
        fb = mel_filterbank(cfg.sample_rate_hz, cfg.n_fft, cfg.n_mels, cfg.fmin_hz, cfg.fmax_hz)
        self.register_buffer("filters", torch.from_numpy(fb), persistent=False)
        self.register_buffer("expand", torch.from_numpy(expansion_matrix(fb, cfg.n_mels)), persistent=False)

    def num_frames(self, num_samples: int) -> int:
        return num_samples // self.cfg.hop_length + 1

    def stft(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> ``(batch, bins, frames)`` complex."""
        return torch.stft(wave, self.cfg.n_fft, self.cfg.hop_length, window=self.window, center=True,
                          return_complex=True)

    def istft(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        return torch.istft(spec, self.cfg.n_fft, self.cfg.hop_length, window=self.window, center=True, length=length)

    def latent_from_stft(self, spec: torch.Tensor) -> torch.Tensor:
        """``(batch, bins, frames)`` complex -> ``(batch, n_mels, frames)`` log band magnitude."""
        return torch.log(torch.matmul(self.filters, spec.abs()) + self.cfg.eps)

    def latent(self, wave: torch.Tensor) -> torch.Tensor:
        return self.latent_from_stft(self.stft(wave))

    def normalise(self, latent: torch.Tensor) -> torch.Tensor:
        return (latent - self.cfg.latent_mean) / self.cfg.latent_std

    def target_delta(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Clipped ``latent(target) - latent(source)``: ``(batch, n_mels, frames)`` natural log."""
        d = self.latent(target) - self.latent(source)
        return d.clamp(self.cfg.delta_min, self.cfg.delta_max)

    def apply(self, source: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
        """Source waveform ``(batch, samples)`` with band log-gains ``delta`` applied."""
        spec = self.stft(source)
        gains = torch.exp(torch.matmul(self.expand, delta.clamp(self.cfg.delta_min, self.cfg.delta_max)))
        return self.istft(spec * gains, source.shape[-1])


def native_stft_params(sample_rate_hz: int, cfg: ReprConfig) -> tuple[int, int]:
    """(n_fft, hop) at ``sample_rate_hz`` matching the representation's window and hop in seconds."""
    ratio = sample_rate_hz / cfg.sample_rate_hz
    n_fft = max(16, int(round(cfg.n_fft * ratio / 2)) * 2)
    return n_fft, max(1, int(round(cfg.hop_length * ratio)))


def interp_matrix(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """``(len(dst), len(src))`` matrix M with ``M @ f(src) == np.interp(dst, src, f(src))``
    (linear interpolation, ends held constant); ``src`` increasing, at least 2 points."""
    idx = np.clip(np.searchsorted(src, dst, side="right") - 1, 0, len(src) - 2)
    w = np.clip((dst - src[idx]) / (src[idx + 1] - src[idx]), 0.0, 1.0)
    m = np.zeros((len(dst), len(src)))
    rows = np.arange(len(dst))
    m[rows, idx] = 1 - w
    m[rows, idx + 1] += w
    return m


def apply_band_gains(samples: np.ndarray, sample_rate_hz: int, delta: np.ndarray, rep: MelGainRepr) -> np.ndarray:
    """Apply band log-gains to audio in its own format.

    ``samples``: ``(channels, frames)`` at ``sample_rate_hz``; ``delta``: ``(n_mels, T)`` from the
    model on the 16 kHz mono version of the same audio (frame j at ``j * hop / 16000`` s).
    Returns float32 ``(channels, frames)``. At the representation's own rate this is exactly
    ``rep.apply``; otherwise the bin gains are interpolated in time and frequency (bins above
    the model's Nyquist take the top band's gain).
    """
    cfg = rep.cfg
    n_fft, hop = native_stft_params(sample_rate_hz, cfg)
    window = torch.hann_window(n_fft, dtype=torch.float64)
    x = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float64))
    spec = torch.stft(x, n_fft, hop, window=window, center=True, return_complex=True)  # (C, bins, frames)
    bin_gain = (rep.expand.double() @ torch.from_numpy(delta).double().clamp(cfg.delta_min, cfg.delta_max)).numpy()
    if sample_rate_hz != cfg.sample_rate_hz or n_fft != cfg.n_fft:
        src_hz = np.linspace(0, cfg.sample_rate_hz / 2, bin_gain.shape[0])
        dst_hz = np.linspace(0, sample_rate_hz / 2, n_fft // 2 + 1)
        src_t = np.arange(bin_gain.shape[1]) * cfg.hop_length / cfg.sample_rate_hz
        dst_t = np.arange(spec.shape[-1]) * hop / sample_rate_hz
        bin_gain = interp_matrix(src_hz, dst_hz) @ bin_gain @ interp_matrix(src_t, dst_t).T
    gains = torch.from_numpy(np.exp(bin_gain))
    out = torch.istft(spec * gains, n_fft, hop, window=window, center=True, length=x.shape[-1])
    return out.numpy().astype(np.float32)
