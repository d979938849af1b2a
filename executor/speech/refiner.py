"""A learned refiner over DeepFilterNet3's speech layer (reports/speech/README.md, amendment 9).

DFN3's speech layer ``D`` keeps some noise and distorts some speech. The refiner reads the recording
``X`` and ``D`` at 16 kHz (512-point STFT, hop 256) and outputs, per time-frequency bin, a gain on the
speech layer (0-2) and a share of the rest ``R = X - D`` given back (0-1): ``refined = g·D + h·R``. Its
last layer starts at zero, so an untrained refiner returns ``D`` plus 2 % of ``R``.

Above 8 kHz nothing changes: the correction (refined - D, at 16 kHz) is resampled to the recording's
rate and added to the full-band ``D``; the rest stays recording - speech, so the layers re-mix exactly.

    >>> speech = refine(audio, dfn_speech)      # same rate, channels and length as ``audio``

Trained by ``python -m audioedit.executor.speech.refiner_train`` (``refiner_train.py``). An export adopted by
amendment 9's rule would ship in ``assets/refiner/``; the one trained failed it (its data card and log:
reports/speech/refiner/), so ``SplitConfig.refine`` is off and ``refine`` needs an export folder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from audioedit.audio import Audio
from audioedit.errors import ExecutionError

RATE_HZ = 16000
N_FFT = 512
HOP = 256
BINS = N_FFT // 2 + 1
SHARE_BIAS = -4.0          # sigmoid(-4) ~ 0.018: the rest given back by an untrained refiner
LEVEL_FLOOR = 1e-10
EXPORT_DIR = Path(__file__).parent / "assets" / "refiner"


@dataclass(frozen=True)
class RefinerConfig:
    hidden: int = 192        # the input projection's width
    gru: int = 96            # per direction of the bidirectional GRU
    layers: int = 2


def _torch():
    import torch

    return torch


def stft(x):
    """``x`` (batch, samples) float tensor -> complex (batch, BINS, frames)."""
    torch = _torch()
    return torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT, device=x.device), center=True, return_complex=True)


def istft(spec, length: int):
    torch = _torch()
    return torch.istft(spec, N_FFT, HOP, window=torch.hann_window(N_FFT, device=spec.device), center=True, length=length)


def _module_class():
    torch = _torch()

    class Refiner(torch.nn.Module):
        def __init__(self, config: RefinerConfig):
            super().__init__()
            self.config = config
            self.inp = torch.nn.Linear(2 * BINS, config.hidden)
            self.gru = torch.nn.GRU(config.hidden, config.gru, num_layers=config.layers, batch_first=True,
                                    bidirectional=True)
            self.out = torch.nn.Linear(2 * config.gru, 2 * BINS)
            torch.nn.init.zeros_(self.out.weight)
            with torch.no_grad():
                self.out.bias.zero_()
                self.out.bias[BINS:] = SHARE_BIAS

        def forward(self, mix_spec, speech_spec):
            """Complex STFTs (batch, BINS, frames) of the recording and DFN3's speech -> the refined speech's."""
            rest_spec = mix_spec - speech_spec
            level = torch.log10(mix_spec.abs().pow(2).mean(dim=(1, 2), keepdim=True) + LEVEL_FLOOR)
            feats = torch.cat([torch.log10(speech_spec.abs().pow(2) + LEVEL_FLOOR) - level,
                               torch.log10(rest_spec.abs().pow(2) + LEVEL_FLOOR) - level], dim=1)
            h = torch.relu(self.inp(feats.transpose(1, 2) / 4.0))
            h, _ = self.gru(h)
            gains = self.out(h).transpose(1, 2)                       # (batch, 2 * BINS, frames)
            gain, share = 2 * torch.sigmoid(gains[:, :BINS]), torch.sigmoid(gains[:, BINS:])
            return gain * speech_spec + share * rest_spec

    return Refiner


def new_refiner(config: RefinerConfig = RefinerConfig()):
    return _module_class()(config)


def save_refiner(model, folder: Path) -> None:
    """``model.safetensors`` (float32) and ``config.yaml`` in ``folder``."""
    import yaml
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"))
    (folder / "config.yaml").write_text(yaml.safe_dump(asdict(model.config), sort_keys=False), encoding="utf-8")


@lru_cache(maxsize=2)
def load_refiner(folder: str | Path = EXPORT_DIR):
    """The refiner exported in ``folder``, in eval mode."""
    import yaml
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / "model.safetensors").is_file():
        raise ExecutionError(f"no speech refiner in {str(folder)!r} (model.safetensors + config.yaml); train one with "
                             "`python -m audioedit.executor.speech.refiner_train`")
    config = RefinerConfig(**yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8")))
    model = new_refiner(config)
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    return model.eval()


def refine(audio: Audio, speech: Audio, folder: str | Path | None = None) -> Audio:
    """DFN3's speech layer ``speech`` of ``audio`` refined below 8 kHz (same rate, channels and length);
    ``folder``: an export (default: the shipped one, ``EXPORT_DIR``)."""
    from audioedit.threads import torch_threads

    torch = _torch()
    model = load_refiner(folder or EXPORT_DIR)
    x16, d16 = audio.resample(RATE_HZ).samples, speech.resample(RATE_HZ).samples
    with torch_threads(2), torch.inference_mode():
        x, d = torch.tensor(x16), torch.tensor(d16)
        refined = istft(model(stft(x), stft(d)), length=x.shape[-1]).numpy()
    correction = Audio(np.ascontiguousarray(refined - d16, dtype=np.float32), RATE_HZ)
    correction = correction.resample(audio.sample_rate_hz).fit_frames(audio.num_frames).samples
    out = speech.samples + correction
    if not np.all(np.isfinite(out)):
        raise ExecutionError("the speech refiner produced non-finite samples")
    return speech.with_samples(out.astype(np.float32))
