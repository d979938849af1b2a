"""Speech metrics beside SI-SDR: PESQ (ITU-T P.862.2 wide-band, ``pesq``) and STOI (``pystoi``).

Both take mono arrays at 16 kHz (``to_16k`` resamples); PESQ returns None where the package
raises (e.g. no utterance found in a silent reference). ``gain_projection`` measures a loudness
edit against ground truth: the least-squares gains of the true speech and background in the output.
"""

from __future__ import annotations

import numpy as np

from audioedit.metrics import si_sdr, to_mono

METRIC_RATE_HZ = 16000


def to_16k(x: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    x = to_mono(np.asarray(x, np.float32))
    if sample_rate_hz == METRIC_RATE_HZ:
        return x
    import soxr

    return np.asarray(soxr.resample(x, sample_rate_hz, METRIC_RATE_HZ, quality="HQ"), np.float32)


def pesq_wb(est: np.ndarray, ref: np.ndarray) -> float | None:
    """Wide-band PESQ (MOS-LQO, 1.04-4.64) of ``est`` against ``ref``, both mono 16 kHz."""
    from pesq import PesqError, pesq

    n = min(len(est), len(ref))
    try:
        return float(pesq(METRIC_RATE_HZ, ref[:n].astype(np.float64), est[:n].astype(np.float64), "wb"))
    except (PesqError, ValueError):
        return None


def stoi(est: np.ndarray, ref: np.ndarray) -> float:
    """Short-time objective intelligibility (0-1) of ``est`` against ``ref``, both mono 16 kHz."""
    from pystoi import stoi as _stoi

    n = min(len(est), len(ref))
    return float(_stoi(ref[:n], est[:n], METRIC_RATE_HZ, extended=False))


def speech_metrics(est: np.ndarray, ref: np.ndarray) -> dict[str, float | None]:
    """``si_sdr``, ``pesq_wb`` and ``stoi`` of ``est`` against the clean speech ``ref`` (mono 16 kHz)."""
    return {"si_sdr": si_sdr(est, ref), "pesq_wb": pesq_wb(est, ref), "stoi": stoi(est, ref)}


def gain_projection(out: np.ndarray, speech: np.ndarray, background: np.ndarray) -> tuple[float, float]:
    """(speech gain dB, background gain dB): least-squares ``out ~ a speech + b background``."""
    n = min(len(out), len(speech), len(background))
    basis = np.stack([speech[:n], background[:n]], axis=1).astype(np.float64)
    (a, b), *_ = np.linalg.lstsq(basis, out[:n].astype(np.float64), rcond=None)
    return float(20 * np.log10(max(abs(a), 1e-9))), float(20 * np.log10(max(abs(b), 1e-9)))
