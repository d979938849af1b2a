"""Instruction encoder for the editor: frozen all-MiniLM-L6-v2 token states + pooled vector.

Reuses the small CLAP's ``TextTower`` (``audioedit.clap.small_model``) for loading the model
and tokenizer, and reads its token-level states (the CLAP only needs the pooled vector).

    encode(["remove the siren", ...]) -> TextBatch(tokens (B, L, 384), mask (B, L) bool, pooled (B, 384))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from audioedit.executor.ldm.config import TextConfig


@dataclass
class TextBatch:
    tokens: torch.Tensor  # (B, L, hidden) float32, zeros at padding
    mask: torch.Tensor  # (B, L) bool, True = real token
    pooled: torch.Tensor  # (B, hidden) mean of the real tokens


CACHE_MAX = 20_000  # distinct instructions kept (broad mixtures rarely repeat one; ~30 kB each)


class InstructionEncoder:
    """Frozen; caches distinct instructions' token states (training repeats templates), up to ``CACHE_MAX``."""

    def __init__(self, cfg: TextConfig, seed: int = 0):
        from audioedit.clap.small_model import TextTower

        self.tower = TextTower(cfg, seed=seed)
        self.hidden_size = self.tower.hidden_size
        self._cache: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def _states(self, texts: list[str]) -> None:
        missing = sorted({t for t in texts if t not in self._cache})
        if missing and len(self._cache) + len(missing) > CACHE_MAX:
            self._cache.clear()  # the batch's cached texts go too: encode all of them again
            missing = sorted(set(texts))
        for start in range(0, len(missing), 128):
            chunk = missing[start : start + 128]
            states, mask = self.tower.states(chunk)
            for i, text in enumerate(chunk):
                self._cache[text] = states[i, : int(mask[i].sum())].clone()

    def __call__(self, texts: list[str]) -> TextBatch:
        self._states(texts)
        seqs = [self._cache[t] for t in texts]
        length = max((s.shape[0] for s in seqs), default=1)
        tokens = torch.zeros(len(seqs), length, self.hidden_size)
        mask = torch.zeros(len(seqs), length, dtype=torch.bool)
        for i, s in enumerate(seqs):
            tokens[i, : s.shape[0]] = s
            mask[i, : s.shape[0]] = True
        pooled = torch.stack([s.mean(0) for s in seqs]) if seqs else torch.zeros(0, self.hidden_size)
        return TextBatch(tokens, mask, pooled)
