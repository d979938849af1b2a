"""Seeded procedural sound generators for classes that have no permissively licensed recording.

Everything made here is **synthetic** and is labelled so wherever it is shipped (the starter
bank's ``labels.json`` and ``CREDITS.md``). Each generator is a small physical or signal model
of its class (damped modes for knocks and bells, swept harmonic tones for sirens, formant-filtered
pitch-contoured pulses for barks, shaped noise for rain, wind, traffic and surf), deterministic for a
given ``numpy.random.Generator`` state, and returns mono audio peak-normalised to -3 dBFS.

    >>> import numpy as np
    >>> a = generate("siren", duration_s=3.0, sample_rate_hz=22050, rng=np.random.default_rng(0))
    >>> a.samples.shape, round(float(a.peak_dbfs()), 1)
    ((1, 66150), -3.0)

Background classes (``BACKGROUND_LABELS``) come out loopable: the end runs seamlessly into the start.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import signal

from audioedit.audio import Audio
from audioedit.errors import UserInputError

PEAK_DBFS = -3.0
LOOP_CROSSFADE_S = 1.5
Gen = np.random.Generator


# --- shared helpers -----------------------------------------------------------------------
def peak_normalise(x: np.ndarray, peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    """Scale ``x`` (any shape) so its absolute peak is ``peak_dbfs``; silence stays silent."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak < 1e-9:
        return x.astype(np.float32)
    return (x * (10 ** (peak_dbfs / 20) / peak)).astype(np.float32)


def make_loopable(x: np.ndarray, num_frames: int, crossfade_frames: int) -> np.ndarray:
    """Cut 1-D ``x`` (at least ``num_frames + crossfade_frames`` long) to ``num_frames`` that loop.

    The first ``crossfade_frames`` are an equal-power blend of the continuation after the cut and
    the start, so sample ``num_frames - 1`` runs straight into sample 0 when repeated.
    """
    if len(x) < num_frames + crossfade_frames:
        raise ValueError(f"need {num_frames + crossfade_frames} frames to loop, got {len(x)}")
    out = np.array(x[:num_frames], dtype=np.float64)
    w = np.linspace(0.0, 1.0, crossfade_frames)
    tail = x[num_frames : num_frames + crossfade_frames]
    out[:crossfade_frames] = tail * np.sqrt(1 - w) + out[:crossfade_frames] * np.sqrt(w)
    return out


def _fade(x: np.ndarray, sr: int, in_s: float = 0.005, out_s: float = 0.02) -> np.ndarray:
    x = x.copy()
    n_in, n_out = min(int(in_s * sr), len(x) // 2), min(int(out_s * sr), len(x) // 2)
    if n_in:
        x[:n_in] *= np.linspace(0, 1, n_in)
    if n_out:
        x[-n_out:] *= np.linspace(1, 0, n_out)
    return x


def _bandpass(x: np.ndarray, sr: int, lo_hz: float, hi_hz: float, order: int = 2) -> np.ndarray:
    hi_hz = min(hi_hz, 0.45 * sr)
    sos = signal.butter(order, [lo_hz, hi_hz], btype="bandpass", fs=sr, output="sos")
    return signal.sosfilt(sos, x)


def _lowpass(x: np.ndarray, sr: int, hz: float, order: int = 2) -> np.ndarray:
    return signal.sosfilt(signal.butter(order, min(hz, 0.45 * sr), fs=sr, output="sos"), x)


def _highpass(x: np.ndarray, sr: int, hz: float, order: int = 2) -> np.ndarray:
    return signal.sosfilt(signal.butter(order, hz, btype="highpass", fs=sr, output="sos"), x)


def _resonator(x: np.ndarray, sr: int, freq_hz: float, bandwidth_hz: float) -> np.ndarray:
    """Two-pole resonator (a formant or a body mode) with unit peak gain."""
    r = np.exp(-np.pi * bandwidth_hz / sr)
    theta = 2 * np.pi * freq_hz / sr
    a = [1.0, -2 * r * np.cos(theta), r * r]
    return signal.lfilter([(1 - r)], a, x)


def _smooth_random(rng: Gen, n: int, sr: int, rate_hz: float) -> np.ndarray:
    """A smooth random curve in [0, 1], changing about ``rate_hz`` times a second (length ``n``)."""
    from scipy.interpolate import CubicSpline

    knots = int(n / sr * rate_hz) + 4
    y = rng.random(knots)
    t = np.linspace(1, knots - 2, n)
    return np.clip(CubicSpline(np.arange(knots), y)(t), 0, 1)


def _add_at(out: np.ndarray, event: np.ndarray, start: int) -> None:
    end = min(len(out), start + len(event))
    if end > start >= 0:
        out[start:end] += event[: end - start]


def _harmonic_tone(f0_hz: np.ndarray, sr: int, num_harmonics: int, tilt: float) -> np.ndarray:
    """Sum of harmonics ``k`` with amplitude ``k**-tilt`` following the f0 track (band-limited)."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / sr
    out = np.zeros_like(f0_hz)
    for k in range(1, num_harmonics + 1):
        alive = (k * f0_hz) < 0.45 * sr
        out += alive * np.sin(k * phase) / k**tilt
    return out


# --- foreground generators ------------------------------------------------------------------
def _siren(rng: Gen, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    if rng.random() < 0.5:  # wail: slow rise and fall
        period_s = rng.uniform(2.5, 4.5)
        lo, hi = rng.uniform(550, 700), rng.uniform(1200, 1500)
        sweep = 0.5 - 0.5 * np.cos(2 * np.pi * t / period_s)
    else:  # yelp: fast sawtooth-like sweeps
        period_s = rng.uniform(0.22, 0.35)
        lo, hi = rng.uniform(650, 800), rng.uniform(1400, 1700)
        sweep = np.sqrt((t / period_s) % 1.0)
    f0 = lo + (hi - lo) * sweep
    tone = _harmonic_tone(f0, sr, num_harmonics=6, tilt=1.3)
    return _fade(_bandpass(tone, sr, 300, 5000), sr, 0.08, 0.15)


def _car_horn(rng: Gen, n: int, sr: int) -> np.ndarray:
    out = np.zeros(n)
    f1 = rng.uniform(380, 460)
    f2 = f1 * rng.uniform(1.19, 1.27)  # roughly a major third above
    if rng.random() < 0.5 or n < 0.8 * sr:
        honks = [(0, n)]
    else:  # two short honks
        length = int(min(rng.uniform(0.25, 0.45) * sr, n / 2.5))
        honks = [(0, length), (int(length * rng.uniform(1.3, 1.6)), length)]
    for start, length in honks:
        t = np.arange(length) / sr
        tone = sum(np.tanh(3.0 * np.sin(2 * np.pi * f * (1 + d) * t)) for f in (f1, f2) for d in (-0.003, 0.003))
        env = np.minimum(1, t / 0.015) * np.minimum(1, (length / sr - t) / 0.05)
        _add_at(out, tone * env, start)
    return _bandpass(out, sr, 250, 3500)


def _knock(rng: Gen, sr: int) -> np.ndarray:
    length = int(0.18 * sr)
    excitation = np.zeros(length)
    burst = int(0.002 * sr)
    excitation[:burst] = rng.standard_normal(burst) * np.hanning(burst)
    modes = [(rng.uniform(90, 140), 25), (rng.uniform(180, 260), 40), (rng.uniform(420, 650), 80),
             (rng.uniform(900, 1400), 160), (rng.uniform(1800, 2600), 300)]
    body = sum(_resonator(excitation, sr, f, bw) * g for (f, bw), g in zip(modes, (1.5, 1.2, 0.8, 0.4, 0.2)))
    click = _highpass(excitation, sr, 1500) * 0.15
    return body + click


def _door_knock(rng: Gen, n: int, sr: int) -> np.ndarray:
    out, count, gap_s, start = np.zeros(n), int(rng.integers(2, 5)), rng.uniform(0.17, 0.3), int(0.03 * sr)
    for _ in range(count):
        _add_at(out, _knock(rng, sr) * rng.uniform(0.75, 1.0), start)
        start += int(gap_s * rng.uniform(0.9, 1.1) * sr)
    return out


def _step(rng: Gen, sr: int, surface_hz: float) -> np.ndarray:
    length = int(0.25 * sr)
    t = np.arange(length) / sr
    heel = _lowpass(rng.standard_normal(length), sr, surface_hz) * np.exp(-t / 0.018)
    thud = np.sin(2 * np.pi * rng.uniform(70, 110) * t) * np.exp(-t / 0.03) * 0.6
    toe = np.zeros(length)
    toe_at = int(rng.uniform(0.06, 0.1) * sr)
    scuff = _bandpass(rng.standard_normal(length - toe_at), sr, 1500, 6000) * np.exp(-t[: length - toe_at] / 0.012)
    toe[toe_at:] = scuff * 0.5
    return (heel + thud + toe) * np.minimum(1, t / 0.002)


def _footsteps(rng: Gen, n: int, sr: int) -> np.ndarray:
    out, period_s = np.zeros(n), rng.uniform(0.45, 0.62)
    surface_hz = rng.uniform(600, 1800)  # soft (carpet) to hard (wood/stone) soles
    start, k = int(rng.uniform(0.02, 0.1) * sr), 0
    while start < n - int(0.1 * sr):
        level = rng.uniform(0.7, 1.0) * (1.0 if k % 2 == 0 else rng.uniform(0.75, 0.9))
        _add_at(out, _step(rng, sr, surface_hz) * level, start)
        start += int(period_s * rng.uniform(0.93, 1.07) * sr)
        k += 1
    return out


BELL_PARTIALS = [(0.5, 1.0, 1.0), (1.0, 0.8, 0.7), (1.183, 0.6, 0.55), (1.506, 0.45, 0.45), (2.0, 0.7, 0.4),
                 (2.514, 0.3, 0.3), (2.662, 0.25, 0.28), (3.011, 0.2, 0.22), (4.166, 0.15, 0.15),
                 (5.433, 0.1, 0.1), (6.796, 0.06, 0.08)]  # (ratio to the strike note, amplitude, relative decay)


def _bell_strike(rng: Gen, n: int, sr: int, f_hz: float, decay_s: float) -> np.ndarray:
    t, out = np.arange(n) / sr, np.zeros(n)
    for ratio, amp, rel_decay in BELL_PARTIALS:
        f = f_hz * ratio * rng.uniform(0.997, 1.003)
        if f < 0.45 * sr:
            beat = 1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.5, 2.5) * t)
            out += amp * beat * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / (decay_s * rel_decay))
    click = _highpass(rng.standard_normal(n), sr, 2000) * np.exp(-t / 0.003) * 0.3
    return (out + click) * np.minimum(1, t / 0.001)


def _bell(rng: Gen, n: int, sr: int) -> np.ndarray:
    f_hz, decay_s = rng.uniform(350, 900), rng.uniform(0.8, 1.8)
    out = _bell_strike(rng, n, sr, f_hz, decay_s)
    if n > 2.5 * sr and rng.random() < 0.5:  # a second strike
        at = int(rng.uniform(1.0, 1.6) * sr)
        _add_at(out, _bell_strike(rng, n - at, sr, f_hz, decay_s) * 0.8, at)
    return _fade(out, sr, 0.0, 0.05)


def _phone_ring(rng: Gen, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    style = rng.integers(3)
    if style == 0:  # UK double ring: 400+450 Hz, 0.4 on 0.2 off 0.4 on 2.0 off
        tone = np.sin(2 * np.pi * 400 * t) + np.sin(2 * np.pi * 450 * t)
        cadence = [(0.0, 0.4), (0.6, 1.0)], 3.0
    elif style == 1:  # North American ring: 440+480 Hz, 2 s on 4 s off (shortened to 1.2 on 0.8 off)
        tone = np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t)
        cadence = [(0.0, 1.2)], 2.0
    else:  # electronic trill: two tones alternating at ~16 Hz
        fa, fb = rng.uniform(900, 1100), rng.uniform(1250, 1450)
        pick = (np.floor(t * rng.uniform(14, 18)) % 2).astype(bool)
        tone = np.tanh(2 * np.sin(2 * np.pi * np.cumsum(np.where(pick, fa, fb)) / sr))
        cadence = [(0.0, 0.9)], 1.6
    bursts, period_s = cadence
    phase = t % period_s
    gate = np.zeros(n)
    for on_s, off_s in bursts:
        gate = np.maximum(gate, ((phase >= on_s) & (phase < off_s)).astype(float))
    gate = np.convolve(gate, np.hanning(int(0.01 * sr)) / (0.005 * sr), mode="same")
    return _bandpass(tone * gate, sr, 300, 3400)


def _bark(rng: Gen, sr: int) -> np.ndarray:
    dur_s = rng.uniform(0.13, 0.24)
    length = int(dur_s * sr)
    t = np.arange(length) / sr
    u = t / dur_s
    f_start, f_peak, f_end = rng.uniform(300, 420), rng.uniform(500, 750), rng.uniform(250, 380)
    rise = 0.25
    f0 = np.where(u < rise, f_start + (f_peak - f_start) * u / rise, f_peak + (f_end - f_peak) * (u - rise) / (1 - rise))
    f0 = f0 * (1 + 0.03 * rng.standard_normal(length).cumsum() / np.sqrt(np.arange(1, length + 1)))
    source = _harmonic_tone(f0, sr, num_harmonics=20, tilt=0.9) + 0.35 * rng.standard_normal(length)
    formants = [(rng.uniform(450, 650), 150, 1.0), (rng.uniform(1100, 1500), 200, 0.7),
                (rng.uniform(2300, 2900), 300, 0.35), (rng.uniform(3500, 4200), 400, 0.15)]
    voiced = sum(_resonator(source, sr, f, bw) * g for f, bw, g in formants)
    env = np.minimum(1, t / 0.008) * np.exp(-np.maximum(t - 0.03, 0) / (dur_s * 0.45))
    return voiced * env


def _dog_bark(rng: Gen, n: int, sr: int) -> np.ndarray:
    out = np.zeros(n)
    start = int(0.02 * sr)
    count = int(rng.integers(2, 5))
    for _ in range(count):
        bark = _bark(rng, sr) * rng.uniform(0.8, 1.0)
        if start + len(bark) > n:
            break
        _add_at(out, bark, start)
        start += len(bark) + int(rng.uniform(0.15, 0.4) * sr)
    return _highpass(out, sr, 150)


def _bird(rng: Gen, n: int, sr: int) -> np.ndarray:
    """A songbird phrase: a few fast FM chirps (down-sweeps and trills) between 2 and 7 kHz."""
    out = np.zeros(n)
    start = int(rng.uniform(0.02, 0.1) * sr)
    while start < n - int(0.15 * sr):
        dur_s = rng.uniform(0.04, 0.16)
        length = int(dur_s * sr)
        t = np.arange(length) / sr
        f_hi, f_lo = rng.uniform(4000, 7000), rng.uniform(2000, 4000)
        f = f_hi + (f_lo - f_hi) * t / dur_s if rng.random() < 0.7 else f_lo + (f_hi - f_lo) * t / dur_s
        f = f * (1 + 0.06 * np.sin(2 * np.pi * rng.uniform(30, 70) * t))  # warble
        phase = 2 * np.pi * np.cumsum(np.minimum(f, 0.45 * sr)) / sr
        chirp = (np.sin(phase) + 0.1 * np.sin(2 * phase)) * np.hanning(length) * rng.uniform(0.5, 1.0)
        _add_at(out, chirp, start)
        start += length + int(rng.uniform(0.03, 0.18) * sr)
    return out


# --- background generators (loopable) -------------------------------------------------------
def _shaped_noise(rng: Gen, n: int, sr: int, gain: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """White noise shaped in the STFT domain by ``gain(freqs_hz (F, 1), times_s (1, T)) -> (F, T)``."""
    nperseg = 1024
    _, _, spec = signal.stft(rng.standard_normal(n), fs=sr, nperseg=nperseg)
    freqs = np.linspace(0, sr / 2, spec.shape[0])[:, None]
    times = (np.arange(spec.shape[1]) * (nperseg // 2) / sr)[None, :]
    _, x = signal.istft(spec * gain(freqs, times), fs=sr, nperseg=nperseg)
    return x[:n]


def _rain(rng: Gen, n: int, sr: int) -> np.ndarray:
    swell = _smooth_random(rng, n, sr, 0.2)
    wash = _shaped_noise(rng, n, sr, lambda f, t: 1 / (1 + (f / 5000) ** 2) * np.minimum(1, f / 500) ** 2)
    wash *= 0.8 + 0.2 * swell
    drops = np.zeros(n)
    rate_hz = rng.uniform(60, 160)
    count = rng.poisson(rate_hz * n / sr)
    starts = rng.integers(0, n, count)
    drop_len = int(0.012 * sr)
    t = np.arange(drop_len) / sr
    for start in starts:
        f = rng.uniform(1500, 6000)
        chirp = np.sin(2 * np.pi * f * (t + 40 * t * t)) * np.exp(-t / rng.uniform(0.0015, 0.005))
        _add_at(drops, chirp * rng.uniform(0.2, 1.0) ** 2, int(start))
    return wash / np.std(wash) * 0.25 + drops / max(np.std(drops), 1e-9) * 0.1


def _wind(rng: Gen, n: int, sr: int) -> np.ndarray:
    gust = _smooth_random(rng, n, sr, rng.uniform(0.25, 0.6))
    times = np.arange(n) / sr

    def gain(f: np.ndarray, t: np.ndarray) -> np.ndarray:
        g = np.interp(t[0], times, gust)[None, :]
        cutoff = 150 + 900 * g
        howl = np.exp(-0.5 * ((f - (250 + 500 * g)) / 60) ** 2) * 1.5
        return (1 / (1 + (f / cutoff) ** 4) + howl * g) * (0.25 + g)

    return _highpass(_shaped_noise(rng, n, sr, gain), sr, 30)


def _passing_car(rng: Gen, sr: int) -> np.ndarray:
    dur_s = rng.uniform(4.0, 8.0)
    length = int(dur_s * sr)
    t = np.arange(length) / sr - dur_s / 2
    speed_m_s, distance_m, c = rng.uniform(8, 17), rng.uniform(4, 15), 343.0
    x = speed_m_s * t
    r = np.sqrt(x**2 + distance_m**2)
    doppler = 1 / (1 + speed_m_s * x / (r * c))  # approaching -> higher, receding -> lower
    engine = _harmonic_tone(rng.uniform(35, 70) * doppler, sr, num_harmonics=8, tilt=1.0)
    tyres = _bandpass(rng.standard_normal(length), sr, 200, 2500)
    level = (distance_m / r) ** 1.5
    return (0.5 * engine + tyres) * level * np.hanning(length)


def _traffic(rng: Gen, n: int, sr: int) -> np.ndarray:
    rumble = _shaped_noise(rng, n, sr, lambda f, t: 1 / (1 + (f / 180) ** 2) * np.minimum(1, f / 30))
    rumble *= 0.2 / np.std(rumble)
    cars = np.zeros(n)
    start = int(-rng.uniform(0, 3) * sr)
    while start < n:
        car = _passing_car(rng, sr)
        _add_at(cars, car[max(0, -start) :], max(start, 0))
        start += int(rng.exponential(2.5) * sr + 0.8 * sr)
    return rumble + 0.3 * cars / max(np.std(cars), 1e-9)


def _sea_waves(rng: Gen, n: int, sr: int) -> np.ndarray:
    """Surf: a wave every 6-11 s that swells for ~1-2 s, breaks and washes back for ~3-5 s (the noise band
    opening and closing with it), over the low rumble of distant breakers."""
    times, env, t0 = np.arange(n) / sr, np.zeros(n), -rng.uniform(0, 6)
    while t0 < n / sr + 6:
        d, (rise_s, decay_s, height) = times - t0, rng.uniform((0.8, 2.5, 0.6), (1.8, 5.0, 1.0))
        env = np.maximum(env, height * np.where(d < 0, np.exp(d / rise_s), np.exp(-d / decay_s)))
        t0 += rng.uniform(6.0, 11.0)
    env *= 0.85 + 0.15 * _smooth_random(rng, n, sr, 2.0)

    def gain(f: np.ndarray, t: np.ndarray) -> np.ndarray:
        e = np.interp(t[0], times, env)[None, :]
        return (0.08 + e) * np.minimum(1, f / 60) / (1 + (f / (250 + 3500 * e**1.5)) ** 2)

    surf, rumble = _shaped_noise(rng, n, sr, gain), _lowpass(rng.standard_normal(n), sr, 150)
    return surf / np.std(surf) + 0.35 * rumble / np.std(rumble)


FOREGROUND_GENERATORS = {
    "siren": _siren, "car_horn": _car_horn, "door_knock": _door_knock, "footsteps": _footsteps,
    "bell": _bell, "phone_ring": _phone_ring, "dog_bark": _dog_bark, "bird": _bird,
}
BACKGROUND_GENERATORS = {"rain": _rain, "wind": _wind, "traffic": _traffic, "sea_waves": _sea_waves}
BACKGROUND_LABELS = tuple(sorted(BACKGROUND_GENERATORS))
PROCEDURAL_LABELS = tuple(sorted({**FOREGROUND_GENERATORS, **BACKGROUND_GENERATORS}))


def generate(label: str, duration_s: float, sample_rate_hz: int, rng: np.random.Generator) -> Audio:
    """A synthetic mono clip of class ``label``: ``(1, round(duration_s * sample_rate_hz))`` float32.

    Peak-normalised to -3 dBFS. Background labels are loopable. Raises ``UserInputError`` for an
    unknown label or a non-positive duration / sample rate.
    """
    if label not in PROCEDURAL_LABELS:
        raise UserInputError(f"no procedural generator for {label!r}; available: {', '.join(PROCEDURAL_LABELS)}")
    if duration_s <= 0 or sample_rate_hz < 8000:
        raise UserInputError(f"cannot generate {label!r} with duration {duration_s} s at {sample_rate_hz} Hz; "
                             "need duration_s > 0 and sample_rate_hz >= 8000")
    n = int(round(duration_s * sample_rate_hz))
    if label in BACKGROUND_GENERATORS:
        xfade = min(int(LOOP_CROSSFADE_S * sample_rate_hz), n // 4)
        raw = BACKGROUND_GENERATORS[label](rng, n + xfade, sample_rate_hz)
        x = make_loopable(raw, n, xfade) if xfade > 0 else raw[:n]
    else:
        x = FOREGROUND_GENERATORS[label](rng, n, sample_rate_hz)
        x = _fade(x, sample_rate_hz, 0.0, min(0.01, duration_s / 4))
    return Audio(peak_normalise(np.asarray(x, np.float64))[None, :], sample_rate_hz)
