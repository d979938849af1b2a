"""A pretrained sound-effects CNN as the small CLAP's audio trunk (frozen).

The weights are aiSFX's ``X-Sequential-CE`` model (Ma & Lerch, "Representation Learning for the
Automatic Indexing of Sound Effects Libraries", ISMIR 2022), trained on the categories of
professional sound-effects libraries, CC BY 4.0. The trunk's tensors ship with this package as
``audioedit/assets/aisfx/trunk.safetensors`` (credit and licence beside it), converted from the PyPI
wheel ``aisfx==0.1.2``'s ``aisfx/models/checkpoint.pth`` by ``scripts/convert_aisfx_trunk.py``.

    wave (batch, frames) at 44.1 kHz
      -> AisfxFrontend  (batch, 96, time)        peak-normalised, log10(1 + 1e4 * mel power) / 9.458,
                                                 2048-point frames every 1024 samples (23 ms),
                                                 96 HTK mel bands 0-22.05 kHz, unit-area filters
      -> FrozenTrunk    (batch, 512, time / 8)   four blocks of two 3x3 conv + BN + ReLU
                                                 (the DCASE 2018 cross-task CNN), mean over frequency;
                                                 ``stem``: blocks 1-3 only, (batch, 256, time / 8, 12)

The architecture below is a port of ``aisfx/models/cnn2d.py`` (``EmbeddingNet('max', 3, 1, 64)``)
with the same parameter names, so the checkpoint loads as is. ``FrozenTrunk`` is not an
``nn.Module``: like the text tower it is never trained and never saved in our checkpoints.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

SAMPLE_RATE_HZ = 44_100
N_FFT = 2048
HOP = 1024
N_MELS = 96
LOG_MAX = 9.457798957824707  # aiSFX's normalisation: the largest log value over its training data
TRUNK_DIM = 512
STEM_DIM = 256  # channels out of block 3


def htk_mel_filters(sample_rate_hz: int = SAMPLE_RATE_HZ, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """``(n_mels, n_fft // 2 + 1)`` triangles on the HTK mel scale from 0 Hz to Nyquist, each
    summing to 1 (librosa ``melspectrogram(htk=True, norm=1)``, as aiSFX computed them)."""
    from audioedit.spectral import mel_triangles

    tri = mel_triangles(sample_rate_hz, n_fft, n_mels, 0.0, sample_rate_hz / 2)[0]
    return (tri / np.maximum(tri.sum(axis=1, keepdims=True), 1e-10)).astype(np.float32)


class AisfxFrontend(nn.Module):
    """``(batch, frames)`` at 44.1 kHz -> ``(batch, 96, time)``, the trunk's input scale."""

    def __init__(self):
        super().__init__()
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)
        self.register_buffer("filters", torch.from_numpy(htk_mel_filters()), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        wave = wave / wave.abs().amax(dim=-1, keepdim=True).clamp(min=1e-8)
        spec = torch.stft(wave, N_FFT, HOP, window=self.window, center=True, pad_mode="constant",
                          return_complex=True)
        power = spec.real.square() + spec.imag.square()
        return torch.log10(torch.matmul(self.filters, power) * 1e4 + 1.0) / LOG_MAX


class _ConvBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.bn2 = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor, pool: int) -> torch.Tensor:
        x = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))
        return F.max_pool2d(x, pool) if pool > 1 else x


class Trunk(nn.Module):
    """``(batch, 96, time)`` -> ``(batch, 512, time // 8)``: the conv stack, mean over frequency."""

    def __init__(self):
        super().__init__()
        self.conv_block1 = _ConvBlock(1, 64)
        self.conv_block2 = _ConvBlock(64, 128)
        self.conv_block3 = _ConvBlock(128, 256)
        self.conv_block4 = _ConvBlock(256, TRUNK_DIM)

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        return self.conv_block4(self.stem(spec), 1).mean(dim=3)

    def stem(self, spec: torch.Tensor) -> torch.Tensor:
        """``(batch, 96, time)`` -> ``(batch, 256, time // 8, 12)``: blocks 1-3, layout (batch,
        channels, time, frequency); ``conv_block4`` (no pooling) and a mean over frequency finish it."""
        x = spec.transpose(1, 2).unsqueeze(1)  # (B, 1, time, freq), the layout it was trained in
        for block in (self.conv_block1, self.conv_block2, self.conv_block3):
            x = block(x, 2)
        return x


TRUNK_WEIGHTS = Path(__file__).resolve().parents[1] / "assets" / "aisfx" / "trunk.safetensors"


def load_trunk_weights(path: Path | None = None) -> dict[str, torch.Tensor]:
    """The trunk's state dict (safetensors: no pickle); default the copy shipped in the package."""
    from safetensors.torch import load_file

    path = Path(path) if path is not None else TRUNK_WEIGHTS
    if not path.is_file():
        raise FileNotFoundError(f"the aiSFX trunk weights are missing: {path} (reinstall audioedit, or write them "
                                "with scripts/convert_aisfx_trunk.py)")
    return load_file(str(path))


def bf16_is_fast() -> bool:
    """Whether oneDNN runs bfloat16 convolutions natively here (AVX-512 BF16 or AMX): then the
    trunk runs in bfloat16, about twice as fast with the same held-out accuracy."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class FrozenTrunk:
    """The trunk in eval mode without gradients; pretrained weights, or random-init from the current
    torch seed when ``pretrained`` is false (tests, no download).

    Not an ``nn.Module`` on purpose (see the module docstring); a deep copy (the training EMA)
    shares it.
    """

    def __init__(self, pretrained: bool = True):
        self.module = Trunk()
        if pretrained:
            self.module.load_state_dict(load_trunk_weights())
        # channels-last lets oneDNN pick its fast convolutions: 1.6x with bfloat16 (measured here)
        self.module.eval().requires_grad_(False).to(memory_format=torch.channels_last)
        self.bf16 = bf16_is_fast()

    def __deepcopy__(self, memo) -> FrozenTrunk:
        return self

    @torch.no_grad()
    def __call__(self, spec: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            return self.module(spec).float()

    @torch.no_grad()
    def stem(self, spec: torch.Tensor) -> torch.Tensor:
        """Blocks 1-3 only (``Trunk.stem``), for a model that trains block 4."""
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            return self.module.stem(spec).float()
