"""The rule of reports/speech/README.md amendment 2: the mid mask against one stream per channel on
stereo items, and parallel time segments against one stream on 60 s sequences (dev split only).

    python -m audioedit.evals.speech_split_eval [--data-root DIR] [--limit N] [--sequence-s S]

Stereo items: each dev speech clip over ``BACKGROUNDS_PER_SPEECH`` dev backgrounds, panned centre,
half-left and half-right (constant power) over a decorrelated stereo background (the clip in the
left channel, the same clip ``DECORRELATE_S`` later in the right), at 0 / 5 / 10 dB SNR. Printed:
median SI-SDR improvement of the speech layer per channel against the true speech channel, per SNR
and method. Sequences: the dev speech clips end to end (1 s gaps) to ``SEQUENCE_S`` over one
background at 5 dB; printed: median SI-SDR of the segmented and the single-stream split.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import numpy as np

from audioedit.audio import Audio
from audioedit.evals.speech_data import RATE_HZ, SNRS_DB, clips
from audioedit.metrics import si_sdr
from audioedit.paths import data_root

PANS = {"centre": 0.5, "half-left": 0.25, "half-right": 0.75}  # 0 = left, 1 = right
DECORRELATE_S = 10.0
SEQUENCE_S = 60.0
BACKGROUNDS_PER_SPEECH = 2


def _fit(x: np.ndarray, n: int, start: int = 0) -> np.ndarray:
    return np.tile(x, -(-(n + start) // x.size) + 1)[start : start + n]


def _scale(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    return noise * np.sqrt(np.sum(speech**2) / max(np.sum(noise**2), 1e-12) / 10 ** (snr_db / 10))


def stereo_items(root, limit: int | None = None):
    """(name, snr, mixture Audio, true speech (2, n)) for every stereo item."""
    speech, backgrounds = clips(root, "dev", "speech")[:limit], clips(root, "dev", "background")
    for i, (s_name, s_audio) in enumerate(speech):
        s = s_audio.samples[0].astype(np.float64)
        for b_name, b_audio in (backgrounds[(i + k) % len(backgrounds)] for k in range(BACKGROUNDS_PER_SPEECH)):
            b = b_audio.samples[0].astype(np.float64)
            noise = np.stack([_fit(b, s.size), _fit(b, s.size, int(DECORRELATE_S * RATE_HZ))])
            for pan_name, pan in PANS.items():
                sp = np.stack([np.cos(pan * np.pi / 2) * s, np.sin(pan * np.pi / 2) * s])
                for snr in SNRS_DB:
                    mix = sp + _scale(sp, noise, snr)
                    peak = max(1.0, float(np.max(np.abs(mix))) / 0.99)
                    yield f"{s_name}+{b_name}/{pan_name}", snr, Audio((mix / peak).astype(np.float32), RATE_HZ), sp / peak


def _gain(est: np.ndarray, mix: np.ndarray, ref: np.ndarray) -> float:
    return float(np.mean([si_sdr(e, r) - si_sdr(m, r) for e, m, r in zip(est, mix, ref)]))


def stereo_table(root, limit: int | None = None) -> dict[float, dict[str, float]]:
    from audioedit.executor.speech.dfn import enhance
    from audioedit.executor.speech.layers import DEFAULT_SPLIT

    gains: dict[float, dict[str, list[float]]] = {snr: {"per-channel": [], "mid mask": []} for snr in SNRS_DB}
    for _, snr, mix, ref in stereo_items(root, limit):
        for method, mid in (("per-channel", False), ("mid mask", True)):
            est = enhance(mix, warmup_s=DEFAULT_SPLIT.warmup_s, mid_mask=mid).samples
            gains[snr][method].append(_gain(est, mix.samples, ref))
    return {snr: {m: statistics.median(v) for m, v in by.items()} | {"n": len(by["mid mask"])} for snr, by in gains.items()}


def sequence_table(root, seconds: float = SEQUENCE_S) -> dict[str, float]:
    from audioedit.executor.speech.dfn import enhance
    from audioedit.executor.speech.layers import DEFAULT_SPLIT

    speech, backgrounds = clips(root, "dev", "speech"), clips(root, "dev", "background")
    gap = np.zeros(RATE_HZ, np.float32)
    pool = np.concatenate([np.concatenate([a.samples[0], gap]) for _, a in speech])
    n = int(seconds * RATE_HZ)
    scores: dict[str, list[float]] = {"single stream": [], "segments": []}
    for k, (_, b_audio) in enumerate(backgrounds):
        s = _fit(pool, n, k * 7 * RATE_HZ).astype(np.float64)
        mix = s + _scale(s, _fit(b_audio.samples[0].astype(np.float64), n), 5.0)
        audio = Audio((mix / max(1.0, np.max(np.abs(mix)) / 0.99)).astype(np.float32), RATE_HZ)
        ref = s / max(1.0, np.max(np.abs(mix)) / 0.99)
        for method, seg in (("single stream", False), ("segments", True)):
            scores[method].append(si_sdr(enhance(audio, warmup_s=DEFAULT_SPLIT.warmup_s, segments=seg).samples[0], ref))
    return {m: statistics.median(v) for m, v in scores.items()} | {"n": len(backgrounds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--limit", type=int, default=None, help="at most this many speech clips (stereo items)")
    parser.add_argument("--sequence-s", type=float, default=SEQUENCE_S, help="length of the sequences")
    args = parser.parse_args(argv)
    root = data_root(args.data_root)
    print("stereo (dev split): median ΔSI-SDR per channel, dB")
    for snr, row in stereo_table(root, args.limit).items():
        print(f"  {snr:>4g} dB SNR  per-channel {row['per-channel']:+.2f}  mid mask {row['mid mask']:+.2f}  "
              f"(n={row['n']}, difference {row['mid mask'] - row['per-channel']:+.2f})")
    seq = sequence_table(root, args.sequence_s)
    print(f"{args.sequence_s:g} s sequences at 5 dB (n={seq['n']}): median SI-SDR single stream {seq['single stream']:.2f} dB, "
          f"segments {seq['segments']:.2f} dB (difference {seq['segments'] - seq['single stream']:+.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
