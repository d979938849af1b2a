"""Training of the editor: on-the-fly pairs, EMA, time-based checkpoints, resume, JSONL log, loss PNG.

    python -m audioedit.executor.ldm.train --config configs/editor/cpu.yaml --out runs/editor   # resumes if possible

``out_dir`` holds ``checkpoint.pt`` (model, EMA, optimiser, step, RNG states, config),
``log.jsonl`` (one line per ``log_every`` steps, plus ``val`` lines at each checkpoint) and
``loss.png``. Runs on ``cfg.train.threads`` threads (1 on the shared CPU machine).

Warm start (a new machine has no ``runs/``): when ``resume=True`` finds no ``checkpoint.pt`` in
``out_dir`` but ``warm_start`` (default: the shipped export ``executor/ldm/assets/cpu``) holds an
export whose ``representation``, ``text`` and ``model`` settings match the config (``model.dropout``
may differ), the network and its EMA start from the exported EMA weights with a fresh optimiser;
step, examples and elapsed time continue from the export's ``info.json`` (so do the learning-rate
warm-up and the EMA decay ramp), its ``log.jsonl`` is copied into ``out_dir`` and a
``{"kind": "warm_start", ...}`` row appended. An incompatible export is logged (a
``{"kind": "from_scratch", "reason": ...}`` row) and training starts from scratch.
``resume=False`` (``--no-resume``) always starts from scratch.

    audioedit train editor        # resumes runs/editor, else warm-starts from the shipped export
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel

from audioedit.warm_start import config_differences
from audioedit.executor.ldm.config import EditorConfig, load_config
from audioedit.executor.ldm.core import Editor, build_editor
from audioedit.executor.ldm.export import export_weights_file, read_export_weights
from audioedit.executor.ldm.data import heldout_pairs, load_corpus, make_pair
from audioedit.executor.ldm.flow import DELTA_SCALE, flow_loss

log = logging.getLogger(__name__)
CHECKPOINT = "checkpoint.pt"
SHIPPED_DIR = Path(__file__).resolve().parent / "assets" / "cpu"
FROM_CONFIG = "config"  # warm_start default: the config's own ``warm_start`` export, else SHIPPED_DIR
ARCHITECTURE = ("representation", "text", "model")  # config sections the weights depend on
NON_ARCHITECTURE = {"model.dropout"}


class TrainResult(BaseModel):
    out_dir: str
    step: int
    examples: int
    elapsed_s: float
    last_loss: float
    resumed_from: int
    warm_started_from: str | None = None


def _lr(step: int, cfg: EditorConfig) -> float:
    t = cfg.train
    if t.decay_from_step is None or step < t.decay_from_step:
        return t.lr * min(1.0, (step + 1) / max(1, t.warmup_steps))
    done = min(1.0, (step - t.decay_from_step) / max(1, t.decay_steps))
    return t.lr_final + (t.lr - t.lr_final) * 0.5 * (1.0 + math.cos(math.pi * done))


def save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def _state(editor: Editor, ema, opt, step, examples, elapsed_s, rng, gen, cfg) -> dict:
    return {"model": editor.net.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
            "step": step, "examples": examples, "elapsed_s": elapsed_s, "numpy_rng": rng.bit_generator.state,
            "torch_rng": gen.get_state(), "config": cfg.model_dump()}


@torch.no_grad()
def validation_loss(ema, editor: Editor, val_batch) -> float:
    """Regressor-mode MSE of the EMA model on a fixed held-out batch (scaled delta, span-weighted)."""
    src, delta, span, text = val_batch
    pred = ema(src, torch.zeros_like(src), torch.zeros(src.shape[0]), text.tokens, text.mask, text.pooled, span=span)
    w = 1.0 + (editor.cfg.objective.inside_weight - 1.0) * span
    return float((((pred - delta / DELTA_SCALE) ** 2) * w).mean() / w.mean())


def _val_batch(editor: Editor):
    """The fixed held-out batch a run logs its ``val`` rows on (it follows the corpus: a new clip changes it)."""
    cfg = editor.cfg
    return editor.batch(heldout_pairs(cfg.data, per_case=max(1, 32 // (2 * len(cfg.data.ops))), seed=99, mixtures=True))


def heldout_loss(config_path: str | Path, export_dir: str | Path, data_root: str | Path | None = None) -> float:
    """``validation_loss`` of the export in ``export_dir`` on the held-out batch of the config's run."""
    cfg = load_config(config_path)
    if data_root is not None:
        cfg.data.dev_root = str(data_root)
    reason = export_incompatibility(Path(export_dir), cfg)
    if reason is not None:
        raise SystemExit(f"{export_dir}: {reason}")
    editor = build_editor(cfg, seed=cfg.train.seed)
    editor.net.load_state_dict({k: v.float() for k, v in read_export_weights(Path(export_dir)).items()})
    with torch.no_grad():
        return validation_loss(editor.net.eval(), editor, _val_batch(editor))


def plot_log(log_path: Path, png_path: Path) -> None:
    """Loss curve (train loss smoothed, regressor part, held-out regressor loss) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    train = [r for r in rows if r.get("kind") == "train"]
    val = [r for r in rows if r.get("kind") == "val"]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot([r["step"] for r in train], [r["loss"] for r in train], lw=0.8, label="train (all t)")
        reg = [r for r in train if not math.isnan(r.get("loss_regress", float("nan")))]
        ax.plot([r["step"] for r in reg], [r["loss_regress"] for r in reg], lw=0.8, label="train (one-step)")
    if val:
        ax.plot([r["step"] for r in val], [r["val_regress"] for r in val], "o-", label="held-out (one-step, EMA)")
    ax.set_xlabel("step")
    ax.set_ylabel("weighted MSE (scaled delta)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)


def export_incompatibility(export_dir: Path, cfg: EditorConfig) -> str | None:
    """Why the export in ``export_dir`` cannot seed an editor of ``cfg`` (None: it can)."""
    if export_weights_file(export_dir) is None or not all((export_dir / n).is_file() for n in ("config.yaml", "info.json")):
        return f"no model.safetensors + config.yaml + info.json in {export_dir}"
    try:
        saved = load_config(export_dir / "config.yaml")
    except ValueError as exc:  # pydantic's ValidationError: fields this code does not know
        return f"export config not readable here: {exc}"
    diff = config_differences({k: getattr(saved, k).model_dump() for k in ARCHITECTURE},
                              {k: getattr(cfg, k).model_dump() for k in ARCHITECTURE}, NON_ARCHITECTURE)
    return "architecture differs (" + "; ".join(diff) + ")" if diff else None


def _resume(path: Path, editor: Editor, ema, opt):
    state = torch.load(path, map_location="cpu", weights_only=True)  # tensors, numbers, dicts: no code
    editor.net.load_state_dict(state["model"])
    ema.load_state_dict(state["ema"])
    opt.load_state_dict(state["optimizer"])
    return state


class _Run:
    """Everything a training run carries between steps (model, EMA, optimiser, RNGs, counters)."""

    def __init__(self, cfg: EditorConfig, out: Path, resume: bool, warm_start: Path | None = None):
        self.cfg, self.out = cfg, out
        self.editor = build_editor(cfg, seed=cfg.train.seed)
        self.ema = copy.deepcopy(self.editor.net).requires_grad_(False)
        self.opt = torch.optim.AdamW(self.editor.net.parameters(), lr=cfg.train.lr, weight_decay=cfg.train.weight_decay)
        self.rng = np.random.default_rng(cfg.train.seed)
        self.gen = torch.Generator().manual_seed(cfg.train.seed)
        self.step = self.examples = 0
        self.elapsed0 = 0.0
        self.ckpt = out / CHECKPOINT
        if resume and self.ckpt.exists():
            state = _resume(self.ckpt, self.editor, self.ema, self.opt)
            self.step, self.examples, self.elapsed0 = state["step"], state["examples"], state["elapsed_s"]
            self.rng.bit_generator.state = state["numpy_rng"]
            self.gen.set_state(state["torch_rng"])
            log.info("resumed from %s at step %d", self.ckpt, self.step)
        self.warm_started_from = None
        if resume and not self.ckpt.exists() and warm_start is not None and Path(warm_start).exists():
            self._warm_start(Path(warm_start))
        self.t_start = time.monotonic()

    def _warm_start(self, export_dir: Path) -> None:
        """Seed a run without a checkpoint from a compatible export (see module docstring)."""
        log_path = self.out / "log.jsonl"
        reason = export_incompatibility(export_dir, self.cfg)
        if reason is not None:
            log.warning("not warm-starting from %s: %s; training from scratch", export_dir, reason)
            with log_path.open("a") as f:
                f.write(json.dumps({"kind": "from_scratch", "step": 0, "from": str(export_dir), "reason": reason}) + "\n")
            return
        weights = read_export_weights(export_dir)  # float16 on disk
        self.editor.net.load_state_dict(weights)
        self.ema.load_state_dict(weights)
        info = json.loads((export_dir / "info.json").read_text())
        self.step, self.examples, self.elapsed0 = int(info["step"]), int(info["examples"]), float(info["elapsed_s"])
        self.rng = np.random.default_rng([self.cfg.train.seed, self.step])  # not a replay of the first batches
        self.gen = torch.Generator().manual_seed(self.cfg.train.seed + self.step)
        source = export_dir / "log.jsonl"
        rows = [x for x in source.read_text().splitlines()
                if x.strip() and json.loads(x).get("step", 0) <= self.step] if source.is_file() else []
        rows.append(json.dumps({"kind": "warm_start", "from": str(export_dir), "step": self.step,
                                "examples": self.examples, "elapsed_s": round(self.elapsed0, 1)}))
        log_path.write_text("\n".join(rows) + "\n")  # the export's curve, then this run's
        self.warm_started_from = str(export_dir)
        log.info("warm-started from %s at step %d (fresh optimiser)", export_dir, self.step)

    def elapsed(self) -> float:
        return self.elapsed0 + time.monotonic() - self.t_start

    def train_step(self, corpus) -> dict[str, float]:
        """One optimiser step on a fresh batch of pairs, then the EMA update."""
        cfg = self.cfg
        pairs = [make_pair(corpus, cfg.data, self.rng) for _ in range(cfg.train.batch_size)]
        src, delta, span, text = self.editor.batch(pairs, self.rng)
        for group in self.opt.param_groups:
            group["lr"] = _lr(self.step, cfg)
        loss, stats = flow_loss(self.editor.net, src, delta, span, text, cfg.objective, self.gen)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.editor.net.parameters(), cfg.train.grad_clip)
        self.opt.step()
        decay = min(cfg.train.ema_decay, (1 + self.step) / (10 + self.step))
        with torch.no_grad():
            for pe, p in zip(self.ema.parameters(), self.editor.net.parameters()):
                pe.lerp_(p, 1 - decay)
        self.step += 1
        self.examples += len(pairs)
        return stats

    def checkpoint(self, log_file, val_batch) -> None:
        """Save the checkpoint, log the held-out loss, redraw the loss PNG."""
        elapsed = self.elapsed()
        save_checkpoint(self.ckpt, _state(self.editor, self.ema, self.opt, self.step, self.examples, elapsed,
                                          self.rng, self.gen, self.cfg))
        row = {"kind": "val", "step": self.step, "val_regress": validation_loss(self.ema, self.editor, val_batch),
               "elapsed_s": round(elapsed, 1)}
        log_file.write(json.dumps(row) + "\n")
        log_file.flush()
        plot_log(self.out / "log.jsonl", self.out / "loss.png")


def _log_row(run: _Run, window: list[dict]) -> dict:
    row = {"kind": "train", "step": run.step, "examples": run.examples, "lr": _lr(run.step, run.cfg),
           "elapsed_s": round(run.elapsed(), 1)}
    for key in ("loss", "loss_regress", "loss_flow"):
        vals = [w[key] for w in window if not math.isnan(w[key])]
        row[key] = float(np.mean(vals)) if vals else float("nan")
    return row


def warm_start_dir(cfg: EditorConfig) -> Path:
    """The export a run of ``cfg`` without a checkpoint starts from: the config's ``warm_start``
    (relative to the repository), else the shipped ``assets/cpu``."""
    if cfg.warm_start is None:
        return SHIPPED_DIR
    p = Path(cfg.warm_start)
    return p if p.is_absolute() else Path(__file__).resolve().parents[2] / p


def train(config_path: str | Path, out_dir: str | Path, resume: bool = True, max_steps: int | None = None,
          time_limit_s: float | None = None, warm_start: str | Path | None = FROM_CONFIG,
          data_dirs: list[str] | None = None, data_root: str | Path | None = None) -> TrainResult:
    """Train (or continue training) the editor of ``config_path`` into ``out_dir``.

    ``resume``: continue from ``out_dir/checkpoint.pt``, else warm-start from the export in
    ``warm_start`` if it is compatible (default: the config's ``warm_start``, else the shipped
    export; None: never); ``resume=False``: from scratch.

    ``data_dirs``: synth datasets (``audioedit synth pairs``) whose scenes are cut into training
    pairs (they replace the config's ``data.synth_dirs``; kept as given, so no machine path reaches an
    export). ``data_root``: the dev corpus (replaces ``data.dev_root``; default ``audioedit.paths.data_root()``).

    Stops at ``max_steps`` (default: the config's), after ``time_limit_s`` seconds of this call,
    or on Ctrl-C, always leaving a checkpoint.
    """
    cfg = load_config(config_path)
    if data_dirs:
        cfg.data.synth_dirs = [str(d) for d in data_dirs]
    if data_root is not None:
        cfg.data.dev_root = str(data_root)
    torch.set_num_threads(cfg.train.threads)
    if warm_start == FROM_CONFIG:
        warm_start = warm_start_dir(cfg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(cfg, out, resume, None if warm_start is None else Path(warm_start))
    resumed_from = run.step
    (out / "config.json").write_text(cfg.model_dump_json(indent=2))
    corpus = load_corpus(cfg.data, "train")
    val_batch = _val_batch(run.editor)
    max_steps = max_steps if max_steps is not None else cfg.train.max_steps
    last_ckpt, window, loss_value = time.monotonic(), [], float("nan")
    run.editor.net.train()
    with (out / "log.jsonl").open("a") as log_file:
        try:
            while run.step < max_steps:
                if time_limit_s is not None and time.monotonic() - run.t_start > time_limit_s:
                    break
                stats = run.train_step(corpus)
                loss_value = stats["loss"]
                window.append(stats)
                if run.step % cfg.train.log_every == 0:
                    log_file.write(json.dumps(_log_row(run, window)) + "\n")
                    log_file.flush()
                    window = []
                every = cfg.train.checkpoint_every_s
                if every > 0 and time.monotonic() - last_ckpt >= every:
                    run.checkpoint(log_file, val_batch)
                    last_ckpt = time.monotonic()
        except KeyboardInterrupt:
            log.info("interrupted at step %d; checkpointing", run.step)
        run.checkpoint(log_file, val_batch)
    return TrainResult(out_dir=str(out), step=run.step, examples=run.examples, resumed_from=resumed_from,
                       warm_started_from=run.warm_started_from, elapsed_s=round(run.elapsed(), 1), last_loss=loss_value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the learned audio editor (resumes from OUT/checkpoint.pt).")
    parser.add_argument("--config", default="configs/editor/cpu.yaml")
    parser.add_argument("--out", default="runs/editor")
    parser.add_argument("--no-resume", action="store_true",
                        help="start from scratch even if a checkpoint or a compatible export exists")
    parser.add_argument("--warm-start", default=FROM_CONFIG,
                        help="export to start from when OUT has no checkpoint (default: the config's warm_start, "
                             "else the shipped one)")
    parser.add_argument("--no-warm-start", action="store_true", help="never warm-start from an export")
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--time-limit-s", type=float, default=None)
    parser.add_argument("--data", action="append", default=None, help="a folder from `audioedit synth pairs` (repeatable)")
    parser.add_argument("--data-root", default=None,
                        help="the dev corpus (default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev beside the repo)")
    parser.add_argument("--heldout-loss-of", default=None, metavar="EXPORT",
                        help="print an export's loss on the run's held-out batch (its val rows) and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.heldout_loss_of is not None:
        loss = heldout_loss(args.config, args.heldout_loss_of, args.data_root)
        print(json.dumps({"export": args.heldout_loss_of, "config": args.config, "heldout_loss": round(loss, 5)}))
        return
    result = train(args.config, args.out, resume=not args.no_resume, max_steps=args.max_steps,
                   time_limit_s=args.time_limit_s, warm_start=None if args.no_warm_start else args.warm_start,
                   data_dirs=args.data, data_root=args.data_root)
    print(result.model_dump_json(indent=2))


if __name__ == "__main__":
    main()
