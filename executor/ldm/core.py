"""The editor as one object: representation + network + instruction encoder, and batch helpers.

    editor = build_editor(cfg)                       # random init (``load_editor`` for trained)
    delta = editor.predict(waves (B, S), ["remove the siren", ...], spans_s)   # (B, n_mels, T)
    edited = editor.rep.apply(waves, delta)          # (B, S)
"""

from __future__ import annotations

import numpy as np
import torch

from audioedit.executor.ldm.config import EditorConfig
from audioedit.executor.ldm.data import Pair
from audioedit.executor.ldm.flow import sample_delta
from audioedit.executor.ldm.model import EditorNet
from audioedit.executor.ldm.representation import MelGainRepr
from audioedit.executor.ldm.text import InstructionEncoder, TextBatch


class Editor:
    """Holds ``cfg``, ``rep`` (MelGainRepr), ``net`` (EditorNet) and ``text`` (InstructionEncoder)."""

    def __init__(self, cfg: EditorConfig, text: InstructionEncoder | None = None, seed: int = 0):
        if cfg.representation.kind != "melgain":
            raise ValueError(f"representation kind {cfg.representation.kind!r}: the Editor runs 'melgain'; "
                             "the oobleck latent is built by audioedit.executor.ldm.gpu")
        self.cfg = cfg
        self.rep = MelGainRepr(cfg.representation)
        self.text = text or InstructionEncoder(cfg.text, seed=seed)
        torch.manual_seed(seed)
        self.net = EditorNet(cfg.model, cfg.representation.n_mels, self.text.hidden_size)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.net.parameters())

    def span_mask(self, spans_s: list[tuple[float, float]], frames: int) -> torch.Tensor:
        """``(B, 1, frames)``: 1 where the frame centre lies inside the span."""
        times = torch.arange(frames) * self.cfg.representation.hop_length / self.cfg.representation.sample_rate_hz
        m = torch.stack([((times >= a) & (times <= b)).float() for a, b in spans_s])
        return m[:, None]

    def inputs(self, waves: torch.Tensor, spans_s: list[tuple[float, float]]) -> tuple[torch.Tensor, torch.Tensor]:
        """(normalised source latent (B, n_mels, T), span mask (B, 1, T))."""
        src = self.rep.normalise(self.rep.latent(waves))
        return src, self.span_mask(spans_s, src.shape[-1])

    def batch(self, pairs: list[Pair], rng: np.random.Generator | None = None):
        """Training tensors: (src, delta, span, TextBatch). ``rng`` jitters span edges."""
        src_w = torch.from_numpy(np.stack([p.source for p in pairs]))
        tgt_w = torch.from_numpy(np.stack([p.target for p in pairs]))
        jitter = self.cfg.data.span_jitter_s
        spans = []
        for p in pairs:
            a, b = p.span_s
            if rng is not None and jitter > 0:
                a, b = a + rng.uniform(-jitter, jitter), b + rng.uniform(-jitter, jitter)
            spans.append((a, max(b, a + 0.05)))
        src, span = self.inputs(src_w, spans)
        delta = self.rep.target_delta(src_w, tgt_w)
        return src, delta, span, self.text([p.instruction for p in pairs])

    @torch.no_grad()
    def predict(self, waves: torch.Tensor, instructions: list[str], spans_s: list[tuple[float, float]],
                mode: str | None = None, seed: int = 0, guidance: float | None = None,
                steps: int | None = None) -> torch.Tensor:
        """Band log-gains ``(B, n_mels, T)`` for 16 kHz mono ``waves (B, S)``."""
        self.net.eval()
        src, span = self.inputs(waves, spans_s)
        text: TextBatch = self.text(instructions)
        cfg = self.cfg.sampler.model_copy(update={k: v for k, v in {"guidance": guidance, "steps": steps}.items()
                                                  if v is not None})
        gen = torch.Generator().manual_seed(seed)
        return sample_delta(self.net, src, span, text, cfg, generator=gen, mode=mode)


def build_editor(cfg: EditorConfig, seed: int = 0, text: InstructionEncoder | None = None) -> Editor:
    return Editor(cfg, text=text, seed=seed)
