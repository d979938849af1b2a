"""Before/after spectrogram figures with the edited spans marked (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audioedit.audio import Audio

FFT_SIZE = 1024


def log_spectrogram_db(audio: Audio, n_fft: int = FFT_SIZE) -> tuple[np.ndarray, float, float]:
    """Mono log-magnitude STFT in dB, shape ``(freq_bins, frames)``; also the hop in seconds and
    the top frequency in Hz."""
    from scipy.signal import stft

    hop = n_fft // 4
    _, _, spec = stft(audio.to_mono().samples[0], nperseg=n_fft, noverlap=n_fft - hop, boundary=None)
    mag_db = 20 * np.log10(np.abs(spec) + 1e-6)
    return mag_db, hop / audio.sample_rate_hz, audio.sample_rate_hz / 2


def before_after_png(
    before: Audio,
    after: Audio,
    path: str | Path,
    spans_s: list[tuple[float, float, str]] = (),
    title: str = "",
) -> Path:
    """Write a two-panel spectrogram PNG; ``spans_s`` are ``(start_s, end_s, label)`` to shade."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from audioedit.audio import ensure_not_input

    path = Path(path)
    ensure_not_input(path, ())
    fig, axes = plt.subplots(2, 1, figsize=(11, 6), sharex=True, constrained_layout=True)
    vmax = None
    for ax, audio, name in ((axes[0], before, "before"), (axes[1], after, "after")):
        mag_db, hop_s, top_hz = log_spectrogram_db(audio)
        vmax = vmax if vmax is not None else float(mag_db.max())
        extent = (0, mag_db.shape[1] * hop_s, 0, top_hz / 1000)
        ax.imshow(mag_db, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=vmax - 90, vmax=vmax)
        ax.set_ylabel(f"{name}\nkHz")
        for start_s, end_s, label in spans_s:
            ax.axvspan(start_s, end_s, color="cyan", alpha=0.18)
            ax.axvline(start_s, color="cyan", lw=0.8)
            ax.axvline(end_s, color="cyan", lw=0.8)
            if name == "after" and label:
                ax.text(start_s, top_hz / 1000 * 0.93, label, color="white", fontsize=8, va="top")
    axes[1].set_xlim(0, max(before.duration_s, after.duration_s))
    axes[1].set_xlabel("time (s)")
    if title:
        axes[0].set_title(title, fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
