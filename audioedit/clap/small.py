"""The ``small`` CLAP backend: loading, embedding, and exporting the project's own model.

``SmallClap.from_config(cfg)`` accepts ``{checkpoint: PATH | [PATH, ...]?, model: {...SmallClapConfig}, seed: int}``.
``checkpoint`` may be an exported folder (``model.safetensors`` + ``config.yaml``), a training run
folder (its latest ``checkpoints/step_*.pt``) or one ``.pt`` file; a relative path is looked up from
the working directory, then from the ``audioedit`` package folder. Without a checkpoint the model is
random-init from ``seed``.

Several checkpoints, or an export whose ``config.yaml`` lists ``members`` (subfolders, as shipped in
``audioedit/assets/clap_small``), make one model of several audio towers (*members*, e.g. a 16 kHz
CNN and the 44.1 kHz aiSFX model) sharing the frozen text tower. Each member hears the input at its
own rate; the embedding is the members' unit embeddings side by side, scaled by 1/sqrt(n), so a
similarity is the mean of the members' cosine similarities.
"""

from __future__ import annotations

import json

import logging
from pathlib import Path

import numpy as np

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel
from audioedit.errors import UserInputError

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SHIPPED_DIR = PACKAGE_DIR / "assets" / "clap_small"
MIN_AUDIO_S = 1.0
INPUT_LEVEL_DBFS = -26.0  # clips are scaled to this active RMS before embedding: the centre of the training levels
MAX_BOOST_DB = 40.0  # ... but never raised by more than this (near-silence stays quiet)


def resolve_path(path: str | Path) -> Path:
    """Absolute as is; else relative to the working directory if it exists there, else to the package."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    return PACKAGE_DIR / p


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest ``step_*.pt`` in ``run_dir/checkpoints`` (or ``run_dir``), or None."""
    for folder in (run_dir / "checkpoints", run_dir):
        found = sorted(folder.glob("step_*.pt"))
        if found:
            return found[-1]
    return None


GROUNDING_FILE = "grounding.json"  # the export's calibrated grounding settings (audioedit.clap.grounding_eval)


class SmallClap(ClapModel):
    """``ClapModel`` over one or more ``SmallClapNet`` members and their shared frozen text tower."""

    name = "small"

    def __init__(self, nets, text_tower, grounding: dict | None = None):
        """``nets``: one ``SmallClapNet`` or a list of them (members) sharing ``text_tower``."""
        self.nets = [n.eval() for n in (nets if isinstance(nets, (list, tuple)) else [nets])]
        self.text_tower = text_tower
        self.sample_rate_hz = max(n.cfg.sample_rate_hz for n in self.nets)  # the richest input a member uses
        self.grounding = grounding

    @classmethod
    def from_config(cls, cfg: dict) -> SmallClap:
        import torch

        from audioedit.clap.small_model import SmallClapConfig, SmallClapNet, TextTower

        configs, states, grounding = [SmallClapConfig(**(cfg.get("model") or {}))], [None], None
        if cfg.get("checkpoint"):
            given = cfg["checkpoint"]
            paths = [resolve_path(p) for p in (given if isinstance(given, (list, tuple)) else [given])]
            loaded = [w for p in paths for w in load_members(p)]
            states, configs = [w for w, _ in loaded], [SmallClapConfig(**c) for _, c in loaded]
            if len({c.text.model_dump_json() for c in configs}) > 1:
                raise UserInputError(f"the checkpoints {[str(p) for p in paths]} have different text towers; "
                                     "members must share one")
            if len(paths) == 1 and (paths[0] / GROUNDING_FILE).is_file():
                grounding = json.loads((paths[0] / GROUNDING_FILE).read_text())["config"]
        tower = TextTower(configs[0].text, seed=int(cfg.get("seed", 0)))
        nets = []
        with torch.random.fork_rng():  # seeded init without touching the caller's RNG state
            torch.manual_seed(int(cfg.get("seed", 0)))
            for model_cfg, state in zip(configs, states):
                net = SmallClapNet(model_cfg, tower.hidden_size)
                if state is not None:
                    net.load_state_dict(state)
                nets.append(net)
        return cls(nets, tower, grounding)

    @property
    def embed_dim(self) -> int:
        return sum(net.cfg.embed_dim for net in self.nets)

    def embed_audio(self, audios: list[Audio]) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for audio in audios:
                mono = audio.to_mono()
                out.append(self._join([net.encode_audio(self._wave(mono, net.cfg.sample_rate_hz))[0]
                                       for net in self.nets]))
        return np.stack(out) if out else np.zeros((0, self.embed_dim), np.float32)

    def embed_text(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            features = self.text_tower(list(texts))
            return self._join([net.encode_text_features(features) for net in self.nets])

    @staticmethod
    def _wave(mono: Audio, rate_hz: int):
        """``(1, frames)`` tensor of ``mono`` at ``rate_hz``, level-normalised, at least ``MIN_AUDIO_S`` long."""
        import torch

        wave = normalise_level(mono.resample(rate_hz).samples[0])
        min_frames = int(MIN_AUDIO_S * rate_hz)
        if len(wave) < min_frames:
            wave = np.pad(wave, (0, min_frames - len(wave)))
        return torch.from_numpy(np.array(wave, dtype=np.float32))[None]

    def _join(self, member_embeddings: list) -> np.ndarray:
        """Members' unit embeddings side by side, / sqrt(n): unit vectors whose dot products are the
        mean of the members' cosine similarities (one member: its embedding unchanged)."""
        joined = np.concatenate([e.numpy() for e in member_embeddings], axis=-1)
        return (joined / np.sqrt(len(member_embeddings))).astype(np.float32)


def normalise_level(wave: np.ndarray) -> np.ndarray:
    """``wave`` scaled to ``INPUT_LEVEL_DBFS`` active RMS (boost capped at ``MAX_BOOST_DB``). Training
    drew example levels from -38 to -14 dBFS; the model still leans on level inside that range, and
    one input level removes that (held-out zero-shot 74.1 -> 77.8 % for the session-2 weights)."""
    from audioedit.clap.mixing import active_rms

    gain_db = min(INPUT_LEVEL_DBFS - 20 * np.log10(active_rms(wave)), MAX_BOOST_DB)
    return (wave * 10 ** (gain_db / 20)).astype(np.float32)


MEMBERS_KEY = "members"  # an export's config.yaml: the member subfolders, in order


def member_dirs(folder: Path) -> list[Path] | None:
    """The member folders of a several-member export, or None when ``folder`` is not one."""
    import yaml

    config = folder / "config.yaml"
    if not config.is_file():
        return None
    members = ((yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("config") or {}).get(MEMBERS_KEY)
    return [folder / m for m in members] if members else None


def has_weights(folder: Path) -> bool:
    """Whether ``folder`` is an export (one member or several) that ``load_members`` can load."""
    return (folder / "model.safetensors").is_file() or member_dirs(folder) is not None


def load_members(path: Path) -> list[tuple[dict, dict]]:
    """``[(state dict, SmallClapConfig dict)]``: one per member of a several-member export, else ``[load_weights(path)]``."""
    members = member_dirs(path) if path.is_dir() else None
    return [load_weights(m) for m in members] if members else [load_weights(path)]


def load_weights(path: Path) -> tuple[dict, dict]:
    """(state dict, SmallClapConfig dict) from an exported folder, a run folder or a ``.pt`` file
    (a training checkpoint gives its weight average when it has one)."""
    import torch

    if path.is_dir() and (path / "model.safetensors").is_file():
        import yaml
        from safetensors.torch import load_file

        saved = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8"))
        return load_file(str(path / "model.safetensors")), saved["config"]["model"]
    if path.is_dir():
        found = latest_checkpoint(path)
        if found is None:
            raise UserInputError(f"no small-CLAP weights in {str(path)!r}: expected model.safetensors or "
                                 "checkpoints/step_*.pt (train with `python -m audioedit.clap.train`)")
        path = found
    if not path.is_file():
        raise UserInputError(f"small-CLAP checkpoint not found: {str(path)!r}")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    return ckpt.get("ema") or ckpt["model"], ckpt["config"]["model"]


def export_weights(net, out_dir: str | Path, extra: dict | None = None) -> Path:
    """Write ``model.safetensors`` + ``config.yaml`` (``{type: small, config: {model, ...}}``)."""
    import yaml
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(out / "model.safetensors"))
    config = {"type": "small", "config": {"model": net.cfg.model_dump(mode="json"), **(extra or {})}}
    (out / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return out
