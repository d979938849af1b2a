"""The editor network: an MMDiT-style transformer over time patches of the source latent.

    src  (B, n_mels, T)  normalised source log-mel latent
    x_t  (B, n_mels, T)  noisy (scaled) delta at flow time t (zeros for the one-step regressor)
    span (B, 1, T)       1 inside the step's target span, else 0 (optional channel)
    t    (B,)            flow time in [0, 1], 0 = noise
    text TextBatch       MiniLM token states (B, L, 384) + pooled (B, 384); ``drop`` (B,) bool
                         replaces them with learned null embeddings (classifier-free guidance)
    -> delta estimate (B, n_mels, T)  (x-prediction, scaled like x_t)

Audio patches (``patch_frames`` frames each) and text tokens attend jointly in every block,
each stream with its own projections (SD3's MMDiT); the time + pooled-text vector modulates the
audio stream through adaLN-single (one shared projection + per-block offsets, as in PixArt).
The output layer is zero-initialised, so an untrained editor returns the source unchanged.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from audioedit.executor.ldm.config import ModelConfig


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = (t.float() * 1000.0)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class Mlp(nn.Sequential):
    def __init__(self, dim: int, ratio: float):
        hidden = int(dim * ratio)
        super().__init__(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, dim))


class JointBlock(nn.Module):
    """Joint attention over [text; audio]; separate weights per stream; audio adaLN (6 x width)."""

    def __init__(self, cfg: ModelConfig, last: bool):
        super().__init__()
        d, self.heads, self.last = cfg.width, cfg.heads, last
        self.a_norm1 = nn.LayerNorm(d, elementwise_affine=False)
        self.a_norm2 = nn.LayerNorm(d, elementwise_affine=False)
        self.a_qkv, self.a_out, self.a_mlp = nn.Linear(d, 3 * d), nn.Linear(d, d), Mlp(d, cfg.mlp_ratio)
        self.t_norm1 = nn.LayerNorm(d)
        self.t_qkv = nn.Linear(d, 3 * d)
        if not last:
            self.t_norm2, self.t_out, self.t_mlp = nn.LayerNorm(d), nn.Linear(d, d), Mlp(d, cfg.text_mlp_ratio)
        self.q_norm = nn.RMSNorm(d // cfg.heads)
        self.k_norm = nn.RMSNorm(d // cfg.heads)
        self.mod_offset = nn.Parameter(torch.zeros(6, d))

    def _heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, n, _ = x.shape
        q, k, v = x.view(b, n, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        return self.q_norm(q), self.k_norm(k), v

    def forward(self, a: torch.Tensor, txt: torch.Tensor, mod: torch.Tensor, attn_mask: torch.Tensor):
        """a (B, N, d), txt (B, L, d), mod (B, 6, d), attn_mask (B, 1, 1, L+N) bool."""
        shift1, scale1, gate1, shift2, scale2, gate2 = (mod + self.mod_offset).unbind(1)
        ha = self.a_norm1(a) * (1 + scale1[:, None]) + shift1[:, None]
        qa, ka, va = self._heads(self.a_qkv(ha))
        qt, kt, vt = self._heads(self.t_qkv(self.t_norm1(txt)))
        q, k, v = torch.cat([qt, qa], 2), torch.cat([kt, ka], 2), torch.cat([vt, va], 2)
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        o = o.transpose(1, 2).flatten(2)
        n_txt = txt.shape[1]
        a = a + gate1[:, None] * self.a_out(o[:, n_txt:])
        a = a + gate2[:, None] * self.a_mlp(self.a_norm2(a) * (1 + scale2[:, None]) + shift2[:, None])
        if not self.last:
            txt = txt + self.t_out(o[:, :n_txt])
            txt = txt + self.t_mlp(self.t_norm2(txt))
        return a, txt


class EditorNet(nn.Module):
    """See the module docstring. ``n_mels``: latent channels; ``text_dim``: instruction token width."""

    def __init__(self, cfg: ModelConfig, n_mels: int, text_dim: int):
        super().__init__()
        self.cfg, self.n_mels = cfg, n_mels
        d, p = cfg.width, cfg.patch_frames
        in_ch = 2 * n_mels + (1 if cfg.span_channel else 0)
        self.patch_in = nn.Linear(in_ch * p, d)
        self.pos_conv = nn.Conv1d(d, d, 7, padding=3, groups=d)
        self.text_in = nn.Linear(text_dim, d)
        self.null_tokens = nn.Parameter(torch.zeros(1, 1, text_dim))
        self.null_pooled = nn.Parameter(torch.zeros(1, text_dim))
        self.t_embed = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.pooled_embed = nn.Sequential(nn.Linear(text_dim, d), nn.SiLU(), nn.Linear(d, d))
        self.mod = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        self.blocks = nn.ModuleList(JointBlock(cfg, last=i == cfg.depth - 1) for i in range(cfg.depth))
        self.final_norm = nn.LayerNorm(d, elementwise_affine=False)
        self.final_mod = nn.Linear(d, 2 * d)
        self.patch_out = nn.Linear(d, n_mels * p)
        nn.init.zeros_(self.patch_out.weight)
        nn.init.zeros_(self.patch_out.bias)
        nn.init.zeros_(self.mod[1].weight)
        nn.init.zeros_(self.mod[1].bias)

    def forward(self, src, x_t, t, tokens, token_mask, pooled, span=None, drop=None):
        b, _, frames = src.shape
        p = self.cfg.patch_frames
        parts = [src, x_t] + ([span] if self.cfg.span_channel else [])
        x = torch.cat(parts, 1)
        pad = (-frames) % p
        if pad:
            x = F.pad(x, (0, pad))
        x = x.view(b, x.shape[1], -1, p).permute(0, 2, 1, 3).flatten(2)  # (B, N, C*p)
        a = self.patch_in(x)
        a = a + self.pos_conv(a.transpose(1, 2)).transpose(1, 2)
        if drop is not None and bool(drop.any()):
            keep = (~drop).float()
            tokens = tokens * keep[:, None, None] + self.null_tokens * (1 - keep[:, None, None])
            token_mask = token_mask.clone()
            token_mask[drop] = False
            token_mask[drop, 0] = True  # the null token
            pooled = pooled * keep[:, None] + self.null_pooled * (1 - keep[:, None])
        txt = self.text_in(tokens)
        c = self.t_embed(timestep_embedding(t, self.cfg.width)) + self.pooled_embed(pooled)
        mod = self.mod(c).view(b, 6, -1)
        full_mask = torch.cat([token_mask, torch.ones(b, a.shape[1], dtype=torch.bool)], 1)[:, None, None]
        for block in self.blocks:
            a, txt = block(a, txt, mod, full_mask)
        shift, scale = self.final_mod(F.silu(c)).chunk(2, -1)
        a = self.final_norm(a) * (1 + scale[:, None]) + shift[:, None]
        y = self.patch_out(a).view(b, -1, self.n_mels, p).permute(0, 2, 1, 3).flatten(2)
        return y[..., :frames]
