"""Configuration of the learned editor: representation, network, objective, sampler, data, training.

Config files are YAML in the project's ``{type: ..., config: {...}}`` form::

    type: audioedit.executor.ldm.EditorConfig
    config:
      representation: {sample_rate_hz: 16000, n_fft: 512, hop_length: 160, n_mels: 64}
      model: {width: 192, depth: 4, ...}

``load_config(path)`` reads such a file (or a bare mapping) into an :class:`EditorConfig`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from audioedit.clap.base import TextTowerConfig
from audioedit.errors import UserInputError


class ReprConfig(BaseModel):
    """The editing representation: per-(mel band, frame) log-gains on the source's STFT.

    ``delta_min``/``delta_max``: natural-log clip of the target-minus-source band log-magnitude
    (-6 ~ -52 dB, 1.5 ~ +13 dB). ``kind``: ``melgain`` (cpu) or ``oobleck`` (gpu, a VAE latent).
    """

    kind: Literal["melgain", "oobleck"] = "melgain"
    sample_rate_hz: int = 16_000
    n_fft: int = 512
    hop_length: int = 160
    n_mels: int = 64
    fmin_hz: float = 0.0
    fmax_hz: float = 8_000.0
    eps: float = 1e-4
    delta_min: float = -6.0
    delta_max: float = 1.5
    latent_mean: float = -4.0  # normalisation of the source log-mel fed to the network
    latent_std: float = 2.5
    vae_dir: str | None = None  # oobleck: local diffusers-format directory of AutoencoderOobleck
    vae_channels: int = 64  # oobleck latent channels (used when building a random-init VAE)


class TextConfig(TextTowerConfig):
    """Instruction encoder: MiniLM token states (frozen), the CLAP's text tower with shorter inputs.
    ``pretrained=False`` -> tiny random BERT."""

    max_tokens: int = 32


class ModelConfig(BaseModel):
    """MMDiT-style editor: joint attention over [text tokens; audio patch tokens]."""

    width: int = 192
    depth: int = 4
    heads: int = 4
    patch_frames: int = 2
    mlp_ratio: float = 3.0
    text_mlp_ratio: float = 2.0
    span_channel: bool = True  # feed a 0/1 "target span" channel beside the source latent
    dropout: float = 0.0


class ObjectiveConfig(BaseModel):
    """Rectified flow on delta = L_tgt - L_src with x-prediction; t=0 is noise, t=1 is data.

    A fraction ``p_regress`` of each batch is the one-step regressor (t=0, zero input); the rest
    draws t from a logit-normal with ``t_mean`` < 0, i.e. weighted toward high noise.
    """

    p_regress: float = 0.4
    t_mean: float = -0.8
    t_std: float = 1.0
    text_dropout: float = 0.1
    inside_weight: float = 3.0  # loss weight of frames inside the target span (outside: 1)


class SamplerConfig(BaseModel):
    mode: Literal["one_step", "flow"] = "one_step"
    steps: int = 6
    t_start: float = 0.5  # flow: start from the one-step estimate noised to this t (0 = pure noise)
    guidance: float = 1.0
    context_s: float = 1.5  # audio kept either side of the span as model context
    margin_s: float = 0.05
    crossfade_s: float = 0.02
    loudness_via: Literal["direct", "extract"] = "direct"  # re-level in one edit, or extract + gain + re-mix
    extract_via: Literal["direct", "remove"] = "direct"  # the layer: an extract edit, or source - removal
    remove_via: Literal["direct", "extract"] = "direct"  # a removal edit, or source - extracted layer


class DataConfig(BaseModel):
    """On-the-fly pairs from the dev corpus (+ the starter bank), and from synth scene folders."""

    dev_root: str | None = None  # the dev corpus; None: audioedit.paths.data_root() ($AUDIOEDIT_DATA_ROOT, ../shared/data/dev)
    use_starter_bank: bool = True
    clip_s: float = 4.0
    heldout_fraction: float = 0.2
    p_overlap: float = 0.5
    ops: list[str] = Field(default_factory=lambda: ["remove", "loudness", "extract"])
    op_weights: list[float] = Field(default_factory=lambda: [0.4, 0.35, 0.25])
    num_events: list[int] = Field(default_factory=lambda: [1, 3])
    event_db: list[float] = Field(default_factory=lambda: [-20.0, -6.0])
    background_db: list[float] = Field(default_factory=lambda: [-30.0, -18.0])
    span_jitter_s: float = 0.08
    p_background_target: float = 0.0  # pairs whose target is the background texture (span = whole clip)
    synth_dirs: list[str] = Field(default_factory=list)  # folders written by `audioedit synth pairs`
    p_synth: float = 0.5  # fraction of training pairs cut from those scenes (when there are any)
    synth_max_scenes: int = 3000
    synthetic_only: bool = False  # debug: tones + noise, no files needed
    # the broad corpus (audioedit.executor.ldm.broad) and LCR-like mixtures (audioedit.executor.ldm.mixtures)
    corpus: Literal["urban", "broad"] = "urban"  # urban: UrbanSound8K + Speech Commands + starter bank
    p_mixture: float = 0.0  # fraction of pairs that are LCR-like mixtures (whole-clip, per-source codes)
    mixture_sources: list[int] = Field(default_factory=lambda: [2, 4])  # sources per mixture (inclusive)
    mixture_speech: list[float] = Field(default_factory=lambda: [0.3, 0.4, 0.3])  # P(0 / 1 / 2 voices)
    code_weights: list[float] = Field(default_factory=lambda: [0.35, 0.3, 0.175, 0.175])  # keep, remove, x2, x0.5
    p_multi_target: float = 0.5  # mixtures whose instruction edits several sources ("remove the A and the B")
    source_db: list[float] = Field(default_factory=lambda: [-30.0, -14.0])  # RMS of each mixture source (active part)
    # every pair (source and target alike) scaled by a random gain in this dB range, then its peak capped at
    # 0.99 (real inputs come peak-normalised, e.g. the LCR mixtures at 1.0); None: no level change
    level_jitter_db: list[float] | None = None


class TrainConfig(BaseModel):
    batch_size: int = 16
    lr: float = 6e-4
    weight_decay: float = 0.01
    warmup_steps: int = 500
    # cosine decay of the rate from `lr` to `lr_final` over `decay_steps`, starting at `decay_from_step`
    # (None: constant after the warmup)
    decay_from_step: int | None = None
    decay_steps: int = 1
    lr_final: float = 3e-5
    max_steps: int = 400_000
    ema_decay: float = 0.999
    grad_clip: float = 1.0
    checkpoint_every_s: float = 240.0
    log_every: int = 50
    threads: int = 1
    seed: int = 0


class EditorConfig(BaseModel):
    name: str = "cpu"
    # the export a run without a checkpoint warm-starts from (repo-relative; None: the shipped assets/cpu)
    warm_start: str | None = None
    representation: ReprConfig = Field(default_factory=ReprConfig)
    text: TextConfig = Field(default_factory=TextConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig)
    sampler: SamplerConfig = Field(default_factory=SamplerConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)


CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs" / "editor"


def load_config(path: str | Path) -> EditorConfig:
    """Read an editor config: a YAML path, or one of the names ``debug | cpu | gpu | broad``."""
    p = Path(path)
    if not p.exists() and str(path) in {"debug", "cpu", "gpu", "broad"}:
        p = CONFIG_DIR / f"{path}.yaml"
    if not p.exists():
        raise UserInputError(f"editor config not found: {str(path)!r}; give a YAML path or one of debug|cpu|gpu|broad")
    data = yaml.safe_load(p.read_text()) or {}
    if isinstance(data, dict) and "config" in data:
        data = data["config"]
    return EditorConfig.model_validate(data)
