"""Captioned training examples for the small CLAP: crops, gains, backgrounds and multi-event mixtures.

Every example is ``(wave (frames,), caption, key)``, where ``key`` names the set of classes the
caption mentions (``"dog_bark"``, ``"dog_bark+siren"``); examples with the same key count as
positives of each other in the contrastive loss. Kinds:

- ``single``: one clip (random crop, speed, EQ and gain), sometimes over an unmentioned quiet background;
- ``background``: a clip over another class at 0-12 dB SNR, captioned "... with X in the background";
- ``overlap``: two classes at random offsets, -5..5 dB apart, "a dog barks and a siren wails";
- ``sequence``: class A in the first half, B in the second, "A, then B".
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from audioedit.clap.captions import pair_caption, single_caption, sound_class
from audioedit.clap.data import AudioCache, ClipRecord


class MixingConfig(BaseModel):
    crop_s: float = 4.0
    kind_probs: dict[str, float] = Field(
        default_factory=lambda: {"single": 0.45, "background": 0.2, "overlap": 0.2, "sequence": 0.15})
    quiet_background_prob: float = 0.3
    speed_prob: float = 0.3
    speed_range: tuple[float, float] = (0.88, 1.12)
    level_dbfs_range: tuple[float, float] = (-38.0, -14.0)
    noise_floor_db_range: tuple[float, float] = (-80.0, -55.0)
    class_weighting: str = "sqrt"  # "sqrt": classes drawn in proportion to sqrt(#training files); "uniform"
    eq_prob: float = 0.5
    eq_max_db: float = 8.0
    band_limit_prob: float = 0.0  # low-pass the example as if recorded at a lower rate (8, 16, 22.05 kHz)
    band_limit_hz: tuple[float, ...] = (4_000.0, 8_000.0, 11_025.0)


def active_rms(x: np.ndarray) -> float:
    """RMS over the loudest half of 50 ms frames (ignores silent gaps); floored at 1e-5."""
    hop = 800
    if len(x) < 2 * hop:
        return float(max(np.sqrt(np.mean(np.square(x))) if len(x) else 0.0, 1e-5))
    frames = x[: len(x) // hop * hop].reshape(-1, hop)
    energies = np.sort(np.mean(np.square(frames), axis=1))[::-1]
    return float(max(np.sqrt(np.mean(energies[: max(1, len(energies) // 2)])), 1e-5))


def band_limit(x: np.ndarray, sample_rate_hz: int, cutoff_hz: float) -> np.ndarray:
    """``x`` with every component above ``cutoff_hz`` removed, as a resampler to ``2 * cutoff_hz``
    would; ``(frames,)`` in, same shape out."""
    spec = np.fft.rfft(x)
    spec[np.fft.rfftfreq(len(x), 1 / sample_rate_hz) > cutoff_hz] = 0
    return np.fft.irfft(spec, n=len(x)).astype(np.float32)


def random_eq(x: np.ndarray, sample_rate_hz: int, max_db: float, rng: np.random.Generator) -> np.ndarray:
    """A random smooth EQ (tilt + two bumps on a log-frequency axis, within +-``max_db``), like a
    different microphone or room; ``(frames,)`` in, same shape out."""
    spec = np.fft.rfft(x)
    freqs_hz = np.fft.rfftfreq(len(x), 1 / sample_rate_hz)
    pos = np.log2(np.maximum(freqs_hz, 50.0) / 50.0) / np.log2(sample_rate_hz / 2 / 50.0)  # 0..1
    gain_db = rng.uniform(-1, 1) * max_db * (pos - 0.5)
    for _ in range(2):
        centre, width = rng.uniform(0.1, 0.95), rng.uniform(0.05, 0.2)
        gain_db += rng.uniform(-1, 1) * max_db * np.exp(-0.5 * ((pos - centre) / width) ** 2)
    gain_db = np.clip(gain_db, -max_db, max_db)
    return np.fft.irfft(spec * 10 ** (gain_db / 20), n=len(x)).astype(np.float32)


class MixtureSampler:
    """Draws captioned examples from training records; classes weighted by ``class_weighting``."""

    def __init__(self, records: list[ClipRecord], cache: AudioCache, cfg: MixingConfig):
        self.cfg = cfg
        self.cache = cache
        self.sample_rate_hz = cache.sample_rate_hz
        self.by_class: dict[str, list[ClipRecord]] = {}
        for r in records:
            if r.split == "train":
                self.by_class.setdefault(r.class_key, []).append(r)
        self.class_keys = sorted(self.by_class)
        if len(self.class_keys) < 2:
            raise ValueError(f"need at least 2 training classes, got {self.class_keys}")
        sizes = np.array([len(self.by_class[k]) for k in self.class_keys], dtype=float)
        if cfg.class_weighting not in {"sqrt", "uniform"}:
            raise ValueError(f"class_weighting must be 'sqrt' or 'uniform', got {cfg.class_weighting!r}")
        weights = np.sqrt(sizes) if cfg.class_weighting == "sqrt" else np.ones_like(sizes)
        self.class_probs = weights / weights.sum()

    @property
    def frames(self) -> int:
        return int(round(self.cfg.crop_s * self.sample_rate_hz))

    def _clip(self, key: str, max_frames: int, rng: np.random.Generator) -> np.ndarray:
        """A random crop (<= max_frames) of a random training clip of ``key``, at unit active RMS."""
        records = self.by_class[key]
        x = self.cache.region(records[rng.integers(len(records))])
        if self.cfg.speed_prob and rng.random() < self.cfg.speed_prob:
            factor = rng.uniform(*self.cfg.speed_range)
            n_out = max(1, int(len(x) / factor))
            x = np.interp(np.arange(n_out) * factor, np.arange(len(x)), x).astype(np.float32)
        if len(x) > max_frames:
            start = rng.integers(len(x) - max_frames + 1)
            x = x[start : start + max_frames]
        if self.cfg.eq_prob and rng.random() < self.cfg.eq_prob:
            x = random_eq(x, self.sample_rate_hz, self.cfg.eq_max_db, rng)
        x = x / active_rms(x)
        return x * (1.0 if rng.random() < 0.5 else -1.0)

    def _place(self, out: np.ndarray, x: np.ndarray, start: int, gain: float) -> None:
        end = min(len(out), start + len(x))
        out[start:end] += gain * x[: end - start]

    def _random_offset(self, n: int, length: int, rng: np.random.Generator) -> int:
        return int(rng.integers(max(1, n - length + 1)))

    def _key(self, rng: np.random.Generator) -> str:
        return self.class_keys[rng.choice(len(self.class_keys), p=self.class_probs)]

    def _two_keys(self, rng: np.random.Generator) -> tuple[str, str]:
        a, b = rng.choice(len(self.class_keys), size=2, replace=False, p=self.class_probs)
        return self.class_keys[a], self.class_keys[b]

    def example(self, rng: np.random.Generator) -> tuple[np.ndarray, str, str]:
        """One ``(wave (frames,), caption, key)`` example."""
        n = self.frames
        kinds = list(self.cfg.kind_probs)
        probs = np.array([self.cfg.kind_probs[k] for k in kinds], dtype=float)
        kind = kinds[rng.choice(len(kinds), p=probs / probs.sum())]
        out = np.zeros(n, np.float32)
        if kind == "single":
            a = self._key(rng)
            x = self._clip(a, n, rng)
            self._place(out, x, self._random_offset(n, len(x), rng), 1.0)
            if rng.random() < self.cfg.quiet_background_prob:
                b = self._key(rng)
                if b != a:
                    self._place(out, self._tile(self._clip(b, n, rng), n), 0, 10 ** (-rng.uniform(18, 30) / 20))
            caption, key = single_caption(sound_class(a), rng), a
        elif kind == "background":
            a, b = self._two_keys(rng)
            x = self._clip(a, n, rng)
            self._place(out, x, self._random_offset(n, len(x), rng), 1.0)
            self._place(out, self._tile(self._clip(b, n, rng), n), 0, 10 ** (-rng.uniform(0, 12) / 20))
            caption, key = pair_caption(sound_class(a), sound_class(b), rng, "background"), "+".join(sorted((a, b)))
        elif kind == "overlap":
            a, b = self._two_keys(rng)
            for k, gain in ((a, 1.0), (b, 10 ** (rng.uniform(-5, 5) / 20))):
                x = self._clip(k, int(n * rng.uniform(0.4, 1.0)), rng)
                self._place(out, x, self._random_offset(n, len(x), rng), gain)
            caption, key = pair_caption(sound_class(a), sound_class(b), rng, "overlap"), "+".join(sorted((a, b)))
        else:  # sequence
            a, b = self._two_keys(rng)
            half = n // 2
            xa, xb = self._clip(a, half, rng), self._clip(b, half, rng)
            self._place(out, xa, self._random_offset(half, len(xa), rng), 1.0)
            self._place(out, xb, half + self._random_offset(half, len(xb), rng), 10 ** (rng.uniform(-5, 5) / 20))
            caption, key = pair_caption(sound_class(a), sound_class(b), rng, "sequence"), "+".join(sorted((a, b)))
        return self._finish(out, rng), caption, key

    def _tile(self, x: np.ndarray, n: int) -> np.ndarray:
        return np.tile(x, int(np.ceil(n / max(len(x), 1))))[:n] if len(x) < n else x[:n]

    def _finish(self, out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Band-limit (sometimes), set the level, add a faint noise floor, keep the peak below 1."""
        if self.cfg.band_limit_prob and rng.random() < self.cfg.band_limit_prob:
            cutoff_hz = self.cfg.band_limit_hz[rng.integers(len(self.cfg.band_limit_hz))]
            out = band_limit(out, self.sample_rate_hz, cutoff_hz)
        out = out * (10 ** (rng.uniform(*self.cfg.level_dbfs_range) / 20) / active_rms(out))
        if rng.random() < 0.5:
            out = out + rng.standard_normal(len(out)).astype(np.float32) * 10 ** (
                rng.uniform(*self.cfg.noise_floor_db_range) / 20)
        peak = float(np.max(np.abs(out)))
        return (out / peak * 0.99 if peak > 0.99 else out).astype(np.float32)

    def batch(self, batch_size: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str], list[str]]:
        """``(waves (batch, frames), captions, keys)``."""
        items = [self.example(rng) for _ in range(batch_size)]
        return np.stack([w for w, _, _ in items]), [c for _, c, _ in items], [k for _, _, k in items]
