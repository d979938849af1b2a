"""Speaker descriptions computed from the audio (no metadata needed): sex and pitch from the median F0.

    median_f0_hz(samples)              # 16 kHz mono -> Hz of the voiced frames' median (0: unvoiced)
    describe(f0_hz, rng)               # "male speaker with low pitch, normal tempo, high energy, and neutral emotion"

The long form follows the Listen-Chat-Remix source descriptions. Only sex and pitch are measured;
tempo, energy and emotion are drawn at random (so the editor learns that they do not pick the
speaker), and short forms ("the woman with the high voice", "male speech") are mixed in.
"""

from __future__ import annotations

import numpy as np

SR = 16_000
MALE_MAX_HZ = 165.0  # median F0 below: male
PITCH_HZ = {"male": (105.0, 140.0), "female": (185.0, 235.0)}  # (low below, high above)


def median_f0_hz(samples: np.ndarray, sr: int = SR, fmin_hz: float = 60.0, fmax_hz: float = 400.0) -> float:
    """Median F0 (Hz) of the voiced frames, YIN-style: 40 ms frames every 20 ms above -20 dB of the
    median frame energy, cumulative-mean-normalised difference below 0.2 at its first dip; 0 if fewer
    than 3 voiced frames."""
    frame, hop = int(0.04 * sr), int(0.02 * sr)
    lo, hi = int(sr / fmax_hz), int(sr / fmin_hz)
    x = np.asarray(samples, dtype=np.float64)
    if len(x) < frame + hi:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(x, frame + hi)[::hop]
    energy = (frames[:, :frame] ** 2).sum(1)
    if not np.any(energy > 0):
        return 0.0
    frames = frames[energy > 0.1 * np.median(energy[energy > 0])][:600]
    nfft = 1 << int(np.ceil(np.log2(2 * (frame + hi))))
    spec = np.fft.rfft(frames - frames.mean(1, keepdims=True), nfft)
    r = np.fft.irfft(np.abs(spec) ** 2, nfft)[:, : hi + 1]  # autocorrelation, lags 0..hi
    d = 2 * (r[:, :1] - r)  # difference function (stationary approximation)
    cum = np.cumsum(d[:, 1:], axis=1) / np.arange(1, hi + 1)
    dn = np.ones_like(d)
    dn[:, 1:] = d[:, 1:] / np.maximum(cum, 1e-12)
    f0s = []
    for row in dn:
        below = np.flatnonzero(row[lo:hi] < 0.2)
        if below.size == 0:
            continue
        k = lo + int(below[0])
        while k + 1 < hi and row[k + 1] < row[k]:
            k += 1
        f0s.append(sr / k)
    return float(np.median(f0s)) if len(f0s) >= 3 else 0.0


def sex_and_pitch(f0_hz: float) -> tuple[str, str] | None:
    """("male" | "female", "low" | "normal" | "high"), or None when F0 was not measured."""
    if f0_hz <= 0:
        return None
    sex = "male" if f0_hz < MALE_MAX_HZ else "female"
    low, high = PITCH_HZ[sex]
    return sex, "low" if f0_hz < low else "high" if f0_hz > high else "normal"


def describe(f0_hz: float, rng: np.random.Generator) -> str | None:
    """A description of the speaker (see module doc), or None when F0 was not measured."""
    sp = sex_and_pitch(f0_hz)
    if sp is None:
        return None
    sex, pitch = sp
    person = "man" if sex == "male" else "woman"
    voice = {"low": "low", "normal": "", "high": "high"}[pitch]
    tempo, energy = (str(rng.choice(["low", "normal", "high"])) for _ in range(2))
    emotion = str(rng.choice(["neutral", "happy", "sad", "angry", "calm"]))
    forms = [f"{sex} speaker with {pitch} pitch, {tempo} tempo, {energy} energy, and {emotion} emotion",
             f"{sex} speaker with {pitch} pitch, {tempo} tempo, {energy} energy, and {emotion} emotion",
             f"{sex} speaker with {pitch} pitch",
             f"{sex} speaker",
             f"{person} with the {voice} voice".replace("the  voice", "voice"),
             f"{sex} voice",
             f"{person} speaking"]
    return str(rng.choice(forms))
