"""Frozen-trunk features of a fixed set of captioned training examples, computed once.

With a frozen pretrained trunk (``encoder: aisfx``) every training step would spend ~95 % of its
time on the same trunk forward pass for new examples. ``TrainConfig.feature_pool`` > 0 instead
draws that many examples once, keeps their trunk features (float16) in shards under
``<run>/feature_pool/``, and trains on batches drawn from them. Shard ``i`` is drawn from its own
seeded generator and written atomically, so an interrupted build resumes where it stopped and a
finished one is reused by later runs with the same folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

Examples = Callable[[int, np.random.Generator], tuple[np.ndarray, list[str], list[str]]]
Features = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class FeaturePool:
    """``features`` ``(n, dim, time)`` float16 with one caption and one class-set key per row."""

    def __init__(self, features: np.ndarray, captions: list[str], keys: list[str]):
        self.features, self.captions, self.keys = features, captions, keys

    def __len__(self) -> int:
        return len(self.captions)

    def batch(self, batch_size: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str], list[str]]:
        """A random batch (without replacement): ``(features float32, captions, keys)``."""
        idx = rng.choice(len(self), size=min(batch_size, len(self)), replace=False)
        return (self.features[idx].astype(np.float32), [self.captions[i] for i in idx],
                [self.keys[i] for i in idx])

    def join(self, other: FeaturePool) -> FeaturePool:
        """Both pools' rows in one (the same feature shape)."""
        return FeaturePool(np.concatenate([self.features, other.features]), self.captions + other.captions,
                           self.keys + other.keys)

    @classmethod
    def build(cls, folder: Path, size: int, seed: int, examples: Examples, features: Features,
              shard_size: int = 512, chunk: int = 32) -> FeaturePool:
        """Load the shards in ``folder``, computing the missing ones: ``examples(n, rng)`` draws
        ``(waves, captions, keys)``, ``features(waves, rng)`` maps them to trunk features."""
        folder.mkdir(parents=True, exist_ok=True)
        shard_size = min(shard_size, size)
        parts = []
        for shard in range(-(-size // shard_size)):
            path = folder / f"shard_{shard:04d}_of_{shard_size}.npz"
            if not path.is_file():
                rng = np.random.default_rng([seed, shard])
                feats, captions, keys = [], [], []
                for start in range(0, shard_size, chunk):
                    waves, c, k = examples(min(chunk, shard_size - start), rng)
                    feats.append(features(waves, rng).astype(np.float16))
                    captions += c
                    keys += k
                tmp = path.with_suffix(".tmp.npz")
                np.savez(tmp, features=np.concatenate(feats), captions=np.array(captions), keys=np.array(keys))
                tmp.replace(path)
                logger.info("feature pool: wrote %s", path.name)
            with np.load(path) as data:
                parts.append((data["features"], data["captions"].tolist(), data["keys"].tolist()))
        feats = np.concatenate([p[0] for p in parts])[:size]
        return cls(feats, [c for p in parts for c in p[1]][:size], [k for p in parts for k in p[2]][:size])
