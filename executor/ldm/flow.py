"""Objective and sampler of the editor: rectified flow on the scaled delta, x-prediction.

Convention: ``x_t = (1 - t) * noise + t * delta`` with t=0 noise and t=1 data, ``delta`` the
target-minus-source band log-gain divided by ``DELTA_SCALE``. The network predicts ``delta``
directly (x-prediction), so its answer at t=0 from a zero input is the conditional mean:
the one-step regressor. A fraction of every batch trains exactly that case; the rest draws t
from a logit-normal shifted toward high noise. The Euler sampler starts from the one-step
estimate noised to ``t_start`` (0 = pure noise) and integrates ``v = (x_hat - x_t) / (1 - t)``
to t=1, with classifier-free guidance that drops only the text (source and span are kept).
"""

from __future__ import annotations

import torch

from audioedit.executor.ldm.config import ObjectiveConfig, SamplerConfig
from audioedit.executor.ldm.model import EditorNet
from audioedit.executor.ldm.text import TextBatch

DELTA_SCALE = 2.0


def sample_t(batch: int, cfg: ObjectiveConfig, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(t (B,), regress (B,) bool): regressor items get t=0 and a zero input."""
    regress = torch.rand(batch, generator=generator) < cfg.p_regress
    t = torch.sigmoid(cfg.t_mean + cfg.t_std * torch.randn(batch, generator=generator))
    return torch.where(regress, torch.zeros_like(t), t), regress


def flow_loss(net: EditorNet, src: torch.Tensor, delta: torch.Tensor, span: torch.Tensor, text: TextBatch,
              cfg: ObjectiveConfig, generator: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
    """Weighted MSE of the x-prediction. ``src``, ``delta`` (B, n_mels, T); ``span`` (B, 1, T)."""
    b = src.shape[0]
    x1 = delta / DELTA_SCALE
    t, regress = sample_t(b, cfg, generator)
    noise = torch.randn(x1.shape, generator=generator)
    x_t = (1 - t)[:, None, None] * noise + t[:, None, None] * x1
    x_t = torch.where(regress[:, None, None], torch.zeros_like(x_t), x_t)
    drop = torch.rand(b, generator=generator) < cfg.text_dropout
    pred = net(src, x_t, t, text.tokens, text.mask, text.pooled, span=span, drop=drop)
    weight = 1.0 + (cfg.inside_weight - 1.0) * span
    err = ((pred - x1) ** 2 * weight).mean(dim=(1, 2)) / weight.mean(dim=(1, 2))
    loss = err.mean()
    with torch.no_grad():
        stats = {"loss": float(loss), "loss_regress": float(err[regress].mean()) if regress.any() else float("nan"),
                 "loss_flow": float(err[~regress].mean()) if (~regress).any() else float("nan")}
    return loss, stats


def _guided(net: EditorNet, src, x, t, text: TextBatch, span, guidance: float) -> torch.Tensor:
    b = src.shape[0]
    tt = torch.full((b,), float(t))
    cond = net(src, x, tt, text.tokens, text.mask, text.pooled, span=span)
    if guidance == 1.0:
        return cond
    uncond = net(src, x, tt, text.tokens, text.mask, text.pooled, span=span, drop=torch.ones(b, dtype=torch.bool))
    return uncond + guidance * (cond - uncond)


@torch.no_grad()
def sample_delta(net: EditorNet, src: torch.Tensor, span: torch.Tensor, text: TextBatch, cfg: SamplerConfig,
                 generator: torch.Generator | None = None, mode: str | None = None) -> torch.Tensor:
    """Band log-gain estimate ``(B, n_mels, T)`` (natural log, unscaled).

    ``mode="one_step"``: the regressor (t=0, zero input, guided). ``"flow"``: Euler from
    ``t_start`` in ``cfg.steps`` steps, seeded by ``generator``.
    """
    mode = mode or cfg.mode
    x0 = _guided(net, src, torch.zeros_like(src), 0.0, text, span, cfg.guidance)
    if mode == "one_step":
        return x0 * DELTA_SCALE
    noise = torch.randn(src.shape, generator=generator)
    t0 = cfg.t_start
    x = (1 - t0) * noise + t0 * x0 if t0 > 0 else noise
    ts = torch.linspace(t0, 1.0, cfg.steps + 1).tolist()
    x_hat = x0
    for t, t_next in zip(ts[:-1], ts[1:]):
        x_hat = _guided(net, src, x, t, text, span, cfg.guidance)
        x = x + (t_next - t) * (x_hat - x) / max(1 - t, 1e-4)
    return x * DELTA_SCALE
