"""Measurements shared by the registry ops' checks: levels, band energy shares, centroid, RT60.

All take float ``(channels, frames)`` arrays (channels are summed to mono for spectra).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from audioedit.report import Check

EPS = 1e-12


def psd(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    mono = np.asarray(x, np.float64).sum(axis=0)
    nper = int(min(4096, max(256, 2 ** np.floor(np.log2(max(mono.size, 256))))))
    return signal.welch(mono, sr, nperseg=min(nper, mono.size)) if mono.size >= 256 else (np.zeros(1), np.zeros(1))


def band_share_db(x: np.ndarray, sr: int, bands_hz: list[tuple[float, float]]) -> float:
    """Energy in ``bands_hz`` relative to the total, in dB."""
    f, p = psd(x, sr)
    inside = sum(p[(f >= lo) & (f < hi)].sum() for lo, hi in bands_hz)
    return 10 * float(np.log10((inside + EPS) / (p.sum() + EPS)))


def band_ratio_db(x: np.ndarray, sr: int, bands_hz: list[tuple[float, float]]) -> float:
    """Energy in ``bands_hz`` relative to the energy outside them, in dB."""
    f, p = psd(x, sr)
    inside = sum(p[(f >= lo) & (f < hi)].sum() for lo, hi in bands_hz)
    return 10 * float(np.log10((inside + EPS) / (p.sum() - inside + EPS)))


def centroid_hz(x: np.ndarray, sr: int) -> float:
    f, p = psd(x, sr)
    return float((f * p).sum() / (p.sum() + EPS))


def rt60_s(ir: np.ndarray, sr: int) -> float:
    """RT60 of an impulse response by Schroeder backward integration, T20 fit (-5 to -25 dB) x 3."""
    e = np.square(np.asarray(ir, np.float64).sum(axis=0) if ir.ndim == 2 else ir)
    edc = np.cumsum(e[::-1])[::-1]
    edc_db = 10 * np.log10(edc / (edc[0] + EPS) + EPS)
    idx = np.flatnonzero((edc_db <= -5) & (edc_db >= -25))
    if idx.size < 2:
        return 0.0
    slope, _ = np.polyfit(idx / sr, edc_db[idx], 1)
    return float(-60.0 / slope) if slope < 0 else float("inf")


def wet_ratio_db(before: np.ndarray, after: np.ndarray) -> float:
    """Energy of the part of ``after`` not explained by a scaled ``before`` (the added diffuse sound),
    relative to the explained (direct) part, in dB."""
    a = np.asarray(before, np.float64).ravel()
    b = np.asarray(after, np.float64).ravel()
    gain = float(a @ b) / (float(a @ a) + EPS)
    direct = gain * a
    return 10 * float(np.log10((np.sum(np.square(b - direct)) + EPS) / (np.sum(np.square(direct)) + EPS)))


def check(name: str, measured: float, threshold: str, passed: bool, detail: str = "") -> Check:
    return Check(name=name, measured=round(float(measured), 4), threshold=threshold, passed=bool(passed), detail=detail)


def rest_unchanged(rest_before: np.ndarray, rest_after: np.ndarray, max_abs: float = 1e-4) -> Check:
    """The part of the recording that is not the target is unchanged."""
    if rest_before.shape != rest_after.shape:
        return Check(name="rest_max_abs_diff", measured=None, threshold=f"<= {max_abs:g}", passed=False,
                     detail=f"shape changed {rest_before.shape} -> {rest_after.shape}")
    diff = float(np.max(np.abs(rest_after - rest_before))) if rest_before.size else 0.0
    return check("rest_max_abs_diff", diff, f"<= {max_abs:g}", diff <= max_abs, "everything but the target")


def match_level(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``y`` scaled to the RMS of ``x`` (effects keep the loudness; silence stays silence)."""
    ry, rx = np.sqrt(np.mean(np.square(y))), np.sqrt(np.mean(np.square(x)))
    return y * (rx / ry) if ry > EPS and rx > EPS else y
