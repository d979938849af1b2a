"""Training of the small CLAP: resumable, single-threaded, logged.

    nice -n 10 python -m audioedit.clap.train --config configs/clap/cpu.yaml --out runs/clap

``train(config_path, out_dir, resume=True)`` writes into ``out_dir``:
``checkpoints/step_XXXXXXX.pt`` (model, optimizer, step, elapsed time, numpy and torch RNG state;
every ``checkpoint_every_s`` seconds and at the end or on SIGTERM/SIGINT; the last
``keep_checkpoints`` are kept), ``train_log.jsonl`` (one JSON object per logged step, plus
``heldout_top1`` rows from the periodic monitor), ``loss.png`` and ``split.json`` (the held-out
split). A rerun with ``resume=True`` continues from the newest checkpoint with the same step
count, data stream position and learning-rate schedule.

A config with ``member_recipes`` (the shipped ``configs/clap/cpu.yaml``: one recipe per audio tower)
trains each tower in turn into ``out_dir/<name>``, each as above.

Without a checkpoint, a run starts from a compatible export (``audioedit.clap.warm_start``).

With ``ema_decay`` > 0 an exponential moving average of the weights is kept, checkpointed,
monitored and exported. The periodic held-out monitor is only logged; no checkpoint is selected on
it (the latest is exported).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import signal
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from audioedit.clap.augment import map_augment, spec_augment
from audioedit.clap.base import read_config
from audioedit.clap.mixing import MixingConfig
from audioedit.clap.small import SHIPPED_DIR
from audioedit.clap.prompts import PromptMode
from audioedit.clap.small_model import SmallClapConfig
from audioedit.clap.train_log import plot_log, write_split
from audioedit.clap.warm_start import NON_ARCHITECTURE, export_progress, seed_from_export
from audioedit.errors import UserInputError
from audioedit.warm_start import config_differences

logger = logging.getLogger(__name__)


class ExtraPool(BaseModel):
    """A second set of cached examples beside ``feature_pool`` (e.g. short crops and mixtures for
    grounding), drawn with its own ``mixing``; batches draw from both pools in proportion to size."""
    size: int
    mixing: MixingConfig


class TrainConfig(BaseModel):
    data_root: str | None = "../shared/data/dev"
    bank_dirs: list[str] = Field(default_factory=lambda: ["assets/bank"])  # relative: cwd, then package
    cache_dir: str | None = "runs/clap/cache"
    corpus: str = "legacy"  # "broad": every dev folder with a metadata.csv too; "permissive": only free licences
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-2
    warmup_steps: int = 200
    max_steps: int = 20_000
    spec_augment: bool = True
    checkpoint_every_s: float = 300.0
    keep_checkpoints: int = 2
    log_every: int = 10
    monitor_every: int = 250  # steps between held-out zero-shot checks (0 = never)
    ema_decay: float = 0.995  # exponential moving average of the weights (0 = none); exported when present
    seed: int = 0
    num_threads: int = 1
    feature_pool: int = 0  # encoder aisfx: train on this many examples' trunk features, computed once (0: fresh examples)
    vocab_loss_weight: float = 0.0  # > 0: add a softmax over every trained class's name (see vocabulary_loss)
    contrastive_loss_weight: float = 1.0  # the in-batch caption loss (0: the names' softmax alone)
    trunk_lr_scale: float = 0.1  # model.train_block4: block 4's learning rate, as a fraction of lr
    map_augment: bool = False  # model.train_block4: random time crops and masks of the cached block-3 maps
    mixing: MixingConfig = Field(default_factory=MixingConfig)
    name_prompts: PromptMode = "name"  # the names' softmax: each class's name, or its texts averaged (prompts.py)
    label_smoothing: float = 0.0  # the names' softmax: this share of each target spread over every class
    extra_pool: ExtraPool | None = None  # feature_pool > 0: more cached examples drawn another way
    train_heldout_sources: list[str] = Field(default_factory=list)  # folders whose held-out files are trained on too


def load_train_config(config_path: str | Path | dict) -> tuple[SmallClapConfig, TrainConfig]:
    """The model and training sections of a ``{type: small, config: {model, train}}`` config."""
    data = read_config(config_path)
    if data["type"] != "small":
        raise ValueError(f"only the small CLAP is trained here; config type is {data['type']!r}")
    cfg = data["config"]
    return SmallClapConfig(**(cfg.get("model") or {})), TrainConfig(**(cfg.get("train") or {}))


def member_recipes(config_path: str | Path | dict) -> dict[str, Path]:
    """``{name: recipe config}`` of a config whose ``member_recipes`` name one training config per
    tower (paths relative to the config file); empty for a one-tower recipe."""
    recipes = read_config(config_path)["config"].get("member_recipes") or {}
    base = Path(config_path).parent if not isinstance(config_path, dict) else Path.cwd()
    return {name: base / path for name, path in recipes.items()}


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up, then cosine decay to 5 % of ``lr`` at ``max_steps``."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


class _Run:
    """Everything one training run holds; split out of ``train`` to keep functions short."""

    def __init__(self, model_cfg: SmallClapConfig, cfg: TrainConfig, out_dir: Path):
        import torch

        from audioedit.clap.data import AudioCache, build_records
        from audioedit.clap.mixing import MixtureSampler
        from audioedit.clap.small import resolve_path
        from audioedit.clap.small_model import SmallClapNet, TextTower

        self.cfg, self.model_cfg, self.out_dir = cfg, model_cfg, out_dir
        banks = [resolve_path(b) for b in cfg.bank_dirs]
        self.records = [replace(r, split="train") if r.source in cfg.train_heldout_sources and r.split_kind == "file"
                        else r for r in build_records(cfg.data_root, banks, cfg.corpus)]
        self.cache = AudioCache(model_cfg.sample_rate_hz, cfg.cache_dir)
        self.sampler = MixtureSampler(self.records, self.cache, cfg.mixing)
        self.tower = TextTower(model_cfg.text, seed=cfg.seed)
        torch.manual_seed(cfg.seed)
        self.net = SmallClapNet(model_cfg, self.tower.hidden_size)
        self.opt = torch.optim.AdamW(self._param_groups(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.ema = copy.deepcopy(self.net).eval().requires_grad_(False) if cfg.ema_decay else None
        self.rng = np.random.default_rng(cfg.seed)
        self.step, self.examples, self.elapsed_s = 0, 0, 0.0
        self.pool = None  # a FeaturePool once build_pool ran

    def _param_groups(self) -> list[dict]:
        """The trainable parameters; a pretrained trunk block trained here learns at ``trunk_lr_scale``."""
        block4 = getattr(self.net.audio_encoder, "block4", None)
        trunk = {id(p) for p in block4.parameters()} if block4 is not None else set()
        rest = [p for p in self.net.parameters() if id(p) not in trunk]
        groups = [{"params": rest, "lr_scale": 1.0}]
        if trunk:
            groups.append({"params": list(block4.parameters()), "lr_scale": self.cfg.trunk_lr_scale})
        return groups

    def build_pool(self) -> None:
        """The frozen-trunk feature pool (``audioedit.clap.feature_pool``), in the run folder."""
        import torch

        from audioedit.clap.feature_pool import FeaturePool

        if self.model_cfg.encoder != "aisfx":
            raise ValueError("train.feature_pool needs a frozen trunk (model.encoder: aisfx)")

        def features(waves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
            with torch.inference_mode():
                spec = self.net.frontend(torch.from_numpy(waves))
                if self.cfg.spec_augment:
                    spec = spec_augment(spec.clone(), rng)
                return self.net.audio_encoder.frozen_features(spec).numpy()

        self.pool = FeaturePool.build(self.out_dir / "feature_pool", self.cfg.feature_pool, self.cfg.seed,
                                      self.sampler.batch, features)
        if self.cfg.extra_pool is not None:
            from audioedit.clap.mixing import MixtureSampler

            sampler = MixtureSampler(self.records, self.cache, self.cfg.extra_pool.mixing)
            self.pool = self.pool.join(FeaturePool.build(self.out_dir / "feature_pool_extra", self.cfg.extra_pool.size,
                                                         self.cfg.seed + 1, sampler.batch, features))

    def state(self) -> dict:
        import torch

        return {"model": self.net.state_dict(), "optimizer": self.opt.state_dict(), "step": self.step,
                "examples": self.examples, "ema": None if self.ema is None else self.ema.state_dict(),
                "elapsed_s": self.elapsed_s, "numpy_rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(),
                "config": {"model": self.model_cfg.model_dump(mode="json"), "train": self.cfg.model_dump(mode="json")}}

    def load(self, path: Path) -> None:
        import torch

        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        saved = SmallClapConfig(**ckpt["config"]["model"]).model_dump(mode="json")
        diff = config_differences(saved, self.model_cfg.model_dump(mode="json"), NON_ARCHITECTURE)
        if diff:
            raise UserInputError(f"{path.parent} holds a run of another model ({'; '.join(diff)}): "
                                 "train into another --out folder, or start over with --no-resume")
        self.net.load_state_dict(ckpt["model"])
        if self.ema is not None:  # a checkpoint from before EMA was switched on starts it at the weights
            self.ema.load_state_dict(ckpt.get("ema") or ckpt["model"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.step, self.elapsed_s = int(ckpt["step"]), float(ckpt["elapsed_s"])
        self.examples = int(ckpt.get("examples", self.step * self.cfg.batch_size))  # older checkpoints: estimate
        self.rng.bit_generator.state = ckpt["numpy_rng"]
        torch.set_rng_state(ckpt["torch_rng"])

    def warm_start(self, export_dir: Path) -> None:
        """Weights (into the model and its EMA) and counters from an export; fresh optimiser."""
        import torch

        from audioedit.clap.small import load_weights

        weights, _ = load_weights(export_dir)
        self.net.load_state_dict(weights)
        if self.ema is not None:
            self.ema.load_state_dict(weights)
        self.step, self.examples, self.elapsed_s = export_progress(export_dir, self.cfg.batch_size)
        self.rng = np.random.default_rng([self.cfg.seed, self.step])  # not a replay of the first batches
        torch.manual_seed(self.cfg.seed + self.step)

    def save(self) -> Path:
        import torch

        folder = self.out_dir / "checkpoints"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"step_{self.step:07d}.pt"
        tmp = path.with_suffix(".tmp")
        torch.save(self.state(), tmp)
        tmp.replace(path)
        for old in sorted(folder.glob("step_*.pt"))[: -self.cfg.keep_checkpoints]:
            old.unlink()
        return path

    def train_step(self) -> dict:
        import torch

        from audioedit.clap.prompts import class_texts, ensemble_tensor
        from audioedit.clap.small_model import contrastive_loss, vocabulary_loss

        t0 = time.perf_counter()
        lr = lr_at(self.step, self.cfg)
        for group in self.opt.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)
        self.net.train()
        if self.pool is not None:
            trunk_features, captions, keys = self.pool.batch(self.cfg.batch_size, self.rng)
            if self.cfg.map_augment:
                trunk_features = map_augment(trunk_features, self.rng)
            encoded = self.net.audio_encoder.head(torch.from_numpy(trunk_features))
        else:
            waves, captions, keys = self.sampler.batch(self.cfg.batch_size, self.rng)
            logmel = self.net.frontend(torch.from_numpy(waves))
            if self.cfg.spec_augment:
                logmel = spec_augment(logmel, self.rng)
            encoded = self.net.audio_encoder(logmel)
        text_features = self.tower(captions)
        audio_emb = torch.nn.functional.normalize(self.net.audio_proj(encoded), dim=-1)
        loss = audio_emb.new_zeros(())
        if self.cfg.contrastive_loss_weight:
            loss = self.cfg.contrastive_loss_weight * contrastive_loss(
                audio_emb, self.net.encode_text_features(text_features), self.net.logit_scale, keys)
        if self.cfg.vocab_loss_weight:
            texts = [class_texts(k, self.cfg.name_prompts) for k in self.sampler.class_keys]
            names = ensemble_tensor(self.net.encode_text_features(self.tower([t for ts in texts for t in ts])),
                                    [len(ts) for ts in texts])
            loss = loss + self.cfg.vocab_loss_weight * vocabulary_loss(
                audio_emb, names, self.net.logit_scale, keys, self.sampler.class_keys, self.cfg.label_smoothing)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
        self.opt.step()
        self._update_ema()
        self.step += 1
        self.examples += len(captions)
        dt = time.perf_counter() - t0
        self.elapsed_s += dt
        return {"step": self.step, "loss": round(float(loss.detach()), 5), "lr": lr, "step_s": round(dt, 3),
                "temperature": round(float(1 / self.net.logit_scale.detach().exp()), 5), "elapsed_s": round(self.elapsed_s, 1)}

    def _update_ema(self) -> None:
        import torch

        if self.ema is None:
            return
        with torch.no_grad():
            for e, p in zip(self.ema.parameters(), self.net.parameters()):
                e.lerp_(p, 1.0 - self.cfg.ema_decay)
            for e, b in zip(self.ema.buffers(), self.net.buffers()):
                e.copy_(b)

    def monitor(self) -> dict:
        from audioedit.clap.evaluate import eval_items, zero_shot
        from audioedit.clap.small import SmallClap

        held = [r for r in self.records if r.split == "heldout" and r.source != "bank" and r.split_kind == "file"]
        trained = sorted({r.class_key for r in self.records if r.split == "train"})
        result = zero_shot(SmallClap(self.ema if self.ema is not None else self.net, self.tower), eval_items(held, self.cache, max_windows=1), trained,
                           sample_rate_hz=self.model_cfg.sample_rate_hz)
        self.net.train()
        return {"step": self.step, "heldout_top1": None if result is None else round(result.top1_names, 4)}


def train(config_path: str | Path | dict, out_dir: str | Path, resume: bool = True,
          warm_start: str | Path | None = SHIPPED_DIR, seed: int | None = None) -> Path:
    """Train (or continue training) the small CLAP; returns the last checkpoint path (of the last
    member, for a config with ``member_recipes``: each member is trained into ``out_dir/<name>``).

    ``resume``: continue from ``out_dir``'s newest checkpoint, else warm-start from the export in
    ``warm_start`` if it is compatible (None: never); ``resume=False``: from scratch. ``seed``
    overrides the config's ``train.seed`` (data order, initialisation)."""
    import torch

    from audioedit.clap.small import latest_checkpoint

    recipes = member_recipes(config_path)
    if recipes:  # a model of several towers: each trained on its own, into OUT/<name>
        if latest_checkpoint(Path(out_dir)) is not None:
            raise UserInputError(f"{out_dir} holds the run of one tower, and this config trains one per tower into "
                                 f"{out_dir}/<name>: move that run away, or train into another --out")
        return [train(recipe, Path(out_dir) / name, resume, warm_start, seed) for name, recipe in recipes.items()][-1]
    model_cfg, cfg = load_train_config(config_path)
    if seed is not None:
        cfg = cfg.model_copy(update={"seed": seed})
    torch.set_num_threads(cfg.num_threads)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(model_cfg, cfg, out)
    write_split(run.records, out / "split.json")
    found = latest_checkpoint(out) if resume else None
    if found is not None:
        run.load(found)
        logger.info("resumed from %s at step %d", found, run.step)
        with open(out / "train_log.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps({"step": run.step, "event": "resumed", "from": found.name,
                                  "train_config": cfg.model_dump(mode="json")}) + "\n")
    elif resume:
        seed_from_export(run, warm_start, out)
    if cfg.feature_pool and run.step < cfg.max_steps:
        run.build_pool()
    stop = {"now": False}

    def _stop(signum, frame):  # finish the current step, checkpoint, exit
        stop["now"] = True

    old_handlers = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    log_path = out / "train_log.jsonl"
    last_save = time.monotonic()
    try:
        with open(log_path, "a", encoding="utf-8") as log:
            while run.step < cfg.max_steps and not stop["now"]:
                row = run.train_step()
                if run.step % cfg.log_every == 0 or run.step == 1:
                    log.write(json.dumps(row) + "\n")
                    log.flush()
                if cfg.monitor_every and run.step % cfg.monitor_every == 0:
                    log.write(json.dumps(run.monitor()) + "\n")
                    log.flush()
                if time.monotonic() - last_save >= cfg.checkpoint_every_s:
                    run.save()
                    plot_log(log_path, out / "loss.png")
                    last_save = time.monotonic()
        path = run.save()
        plot_log(log_path, out / "loss.png")
    finally:
        for s, handler in old_handlers.items():
            signal.signal(s, handler)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the small CLAP (resumable).")
    parser.add_argument("--config", default="configs/clap/cpu.yaml")
    parser.add_argument("--out", default="runs/clap")
    parser.add_argument("--no-resume", action="store_true",
                        help="start from scratch even if checkpoints or a compatible export exist")
    parser.add_argument("--warm-start", default=str(SHIPPED_DIR),
                        help="export to start from when OUT has no checkpoint (default: the shipped one)")
    parser.add_argument("--no-warm-start", action="store_true", help="never warm-start from an export")
    parser.add_argument("--seed", type=int, default=None, help="override the config's train.seed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    path = train(args.config, args.out, resume=not args.no_resume, seed=args.seed,
                 warm_start=None if args.no_warm_start else args.warm_start)
    logger.info("last checkpoint: %s", path)


if __name__ == "__main__":
    main()
