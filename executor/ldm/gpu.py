"""The gpu-scale editor path: Stable Audio Open's VAE latent (diffusers ``AutoencoderOobleck``) at
44.1 kHz stereo, the same MMDiT (bigger), trained under ``accelerate`` (multi-GPU / multi-node).

    accelerate launch -m audioedit.executor.ldm.gpu --config configs/editor/gpu.yaml --out runs/editor_gpu

Here the latent is a VAE's (mean of its posterior), the delta is ``latent(target) -
latent(source)`` and the edit is decoded (no phase reuse). ``representation.vae_dir`` must name a
local diffusers-format folder with the VAE (nothing is downloaded); without it a tiny random-init
VAE is built, which only exercises the code path. Pairs come from the same on-the-fly generator
(16 kHz mono sources, upsampled and duplicated to stereo until 44.1 kHz paired data is used).
Needs the ``gpu`` extra: ``pip install 'audioedit[gpu]'``.
"""

from __future__ import annotations

import argparse
import copy
import logging
from pathlib import Path

import numpy as np
import torch

from audioedit.executor.ldm.config import ReprConfig, load_config

log = logging.getLogger(__name__)


def _diffusers():
    try:
        import diffusers
    except ImportError as exc:
        raise ImportError("the gpu editor needs diffusers and accelerate: pip install 'audioedit[gpu]'") from exc
    return diffusers


def tiny_vae(audio_channels: int = 2, latent_channels: int = 8):
    """A random-init ``AutoencoderOobleck`` small enough for tests (downsampling x8)."""
    return _diffusers().AutoencoderOobleck(encoder_hidden_size=2 * latent_channels, downsampling_ratios=[2, 4], channel_multiples=[1, 2],
                                           decoder_channels=16, decoder_input_channels=latent_channels,
                                           audio_channels=audio_channels, sampling_rate=44_100)


def load_vae(cfg: ReprConfig):
    """The VAE from ``cfg.vae_dir`` (local files only), else a tiny random-init one (with a warning)."""
    if cfg.vae_dir:
        if not Path(cfg.vae_dir).is_dir():
            raise FileNotFoundError(f"vae_dir {cfg.vae_dir!r} not found: give a local diffusers-format folder "
                                    "holding AutoencoderOobleck's config.json and weights")
        return _diffusers().AutoencoderOobleck.from_pretrained(cfg.vae_dir, local_files_only=True)
    log.warning("no representation.vae_dir configured: using a tiny random-init VAE (code-path check only)")
    return tiny_vae(2, cfg.vae_channels)


class OobleckRepr(torch.nn.Module):
    """``wave (B, channels, S)`` <-> ``latent (B, C, T)``; frozen VAE; normalised like ``MelGainRepr``."""

    def __init__(self, cfg: ReprConfig, vae=None):
        super().__init__()
        self.cfg = cfg
        self.vae = (vae if vae is not None else load_vae(cfg)).eval().requires_grad_(False)

    @torch.no_grad()
    def latent(self, wave: torch.Tensor) -> torch.Tensor:
        return self.vae.encode(wave).latent_dist.mean

    @torch.no_grad()
    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(latent).sample

    def normalise(self, latent: torch.Tensor) -> torch.Tensor:
        return (latent - self.cfg.latent_mean) / self.cfg.latent_std


def _stereo_44k(x: np.ndarray) -> torch.Tensor:
    import soxr

    y = soxr.resample(x, 16_000, 44_100).astype(np.float32)
    return torch.from_numpy(np.stack([y, y]))


def train_gpu(config_path: str, out_dir: str, max_steps: int | None = None) -> int:
    """Accelerate-driven training of the gpu editor; returns the last step. Checkpoints with
    ``accelerator.save_state`` into ``out_dir/state`` and resumes from it."""
    from accelerate import Accelerator

    from audioedit.executor.ldm.data import load_corpus, make_pair
    from audioedit.executor.ldm.flow import flow_loss
    from audioedit.executor.ldm.model import EditorNet
    from audioedit.executor.ldm.text import InstructionEncoder

    cfg = load_config(config_path)
    acc = Accelerator()
    rep = OobleckRepr(cfg.representation).to(acc.device)
    text = InstructionEncoder(cfg.text)
    channels = rep.vae.config.decoder_input_channels
    net = EditorNet(cfg.model, channels, text.hidden_size)
    ema = copy.deepcopy(net).requires_grad_(False)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.train.lr, weight_decay=cfg.train.weight_decay)
    net, opt = acc.prepare(net, opt)
    state_dir = Path(out_dir) / "state"
    step = 0
    if state_dir.is_dir():
        acc.load_state(str(state_dir))
        step = int((state_dir / "step.txt").read_text())
        if (Path(out_dir) / "ema.pt").is_file():
            ema.load_state_dict(torch.load(Path(out_dir) / "ema.pt", map_location="cpu")["ema"])
    corpus = load_corpus(cfg.data, "train")
    rng = np.random.default_rng(cfg.train.seed + acc.process_index + 1000 * step)
    gen = torch.Generator().manual_seed(cfg.train.seed + acc.process_index)
    max_steps = max_steps if max_steps is not None else cfg.train.max_steps
    while step < max_steps:
        pairs = [make_pair(corpus, cfg.data, rng) for _ in range(cfg.train.batch_size)]
        src_w = torch.stack([_stereo_44k(p.source) for p in pairs]).to(acc.device)
        tgt_w = torch.stack([_stereo_44k(p.target) for p in pairs]).to(acc.device)
        src_l, tgt_l = rep.latent(src_w), rep.latent(tgt_w)
        frames = src_l.shape[-1]
        times = torch.arange(frames) * (src_w.shape[-1] / frames) / cfg.representation.sample_rate_hz
        span = torch.stack([((times >= p.span_s[0]) & (times <= p.span_s[1])).float() for p in pairs])[:, None]
        loss, stats = flow_loss(net, rep.normalise(src_l), tgt_l - src_l, span.to(acc.device), text([p.instruction for p in pairs]),
                                cfg.objective, gen)
        opt.zero_grad()
        acc.backward(loss)
        opt.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), acc.unwrap_model(net).parameters()):
                pe.lerp_(p.detach().cpu(), 1 - cfg.train.ema_decay)
        step += 1
        if step % cfg.train.log_every == 0 or step == max_steps:
            acc.print({"step": step, **stats})
            acc.save_state(str(state_dir))
            if acc.is_main_process:
                (state_dir / "step.txt").write_text(str(step))
                torch.save({"ema": ema.state_dict(), "config": cfg.model_dump(), "step": step},
                           Path(out_dir) / "ema.pt")
    return step


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the gpu-scale editor (run under accelerate launch).")
    parser.add_argument("--config", default="configs/editor/gpu.yaml")
    parser.add_argument("--out", default="runs/editor_gpu")
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    train_gpu(args.config, args.out, args.max_steps)


if __name__ == "__main__":
    main()
