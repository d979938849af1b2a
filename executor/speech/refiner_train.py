"""Train the speech refiner (``refiner.py``) on the CPU, resumably, and export it.

    python -m audioedit.executor.speech.refiner_train --config configs/speech/refiner.yaml --run runs/speech-refiner
    python -m audioedit.executor.speech.refiner_train ... --export DIR   # the finished export (+ config, log) copied to DIR

The run folder holds ``segments.npz`` (``refiner_data.py``), ``checkpoint.pt`` (model, optimiser, step;
written atomically every ``checkpoint_every`` steps: a killed run resumes from it), ``log.jsonl`` and,
once ``steps`` are done, ``export/``. Loss: DeepFilterNet's compressed spectral loss (magnitude and
complex, exponent 0.3) of the refined STFT against the clean speech's. A fixed share of the segments
is held out of the gradient; its loss is logged beside DFN3's own (the untrained refiner) as a monitor.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from audioedit.executor.speech.refiner import RATE_HZ, RefinerConfig, new_refiner, save_refiner, stft

COMPRESS = 0.3
HELDOUT_BATCH = 32


def spectral_loss(est, ref):
    """DeepFilterNet's loss: compressed magnitudes and compressed complex spectra, mean squared."""
    torch = __import__("torch")

    def compressed(spec):
        mag = torch.sqrt(spec.real**2 + spec.imag**2 + 1e-12)
        return mag**COMPRESS, spec * (mag ** (COMPRESS - 1))

    (m_e, c_e), (m_r, c_r) = compressed(est), compressed(ref)
    return torch.mean((m_e - m_r) ** 2) + torch.mean((c_e - c_r).abs() ** 2)


def _batch(data: dict, idx: np.ndarray, crop: int, rng: np.random.Generator):
    import torch

    starts = rng.integers(0, data["mix"].shape[1] - crop + 1, size=idx.size)
    return tuple(torch.from_numpy(np.stack([data[k][i, s : s + crop] for i, s in zip(idx, starts)]).astype(np.float32))
                 for k in ("mix", "speech", "dfn"))


def _loss(model, batch):
    mix, speech, dfn = batch
    return spectral_loss(model(stft(mix), stft(dfn)), stft(speech))


def _lr(step: int, train: dict) -> float:
    t = min(1.0, step / train["steps"])
    return train["lr_min"] + 0.5 * (train["lr"] - train["lr_min"]) * (1 + math.cos(math.pi * t))


def _save_checkpoint(path: Path, model, opt, step: int, rng: np.random.Generator) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "rng": rng.bit_generator.state}, tmp)
    tmp.replace(path)


def train(config: dict, run_dir: Path, data_root: Path) -> Path:
    """Train to ``config["train"]["steps"]`` (resuming from ``run_dir/checkpoint.pt``); return the export folder."""
    import torch

    from audioedit.executor.speech.refiner_data import build_segments, heldout_count

    tr = config["train"]
    torch.set_num_threads(tr["threads"])
    torch.manual_seed(config["seed"])
    segments = np.load(build_segments(data_root, config, run_dir))
    data = {k: segments[k] for k in ("mix", "speech", "dfn")}
    n = data["mix"].shape[0]
    n_held = heldout_count(n, tr["heldout"])
    train_idx, held_idx = np.arange(n - n_held), np.arange(n - n_held, n)
    model = new_refiner(RefinerConfig(**config["model"]))
    opt = torch.optim.Adam(model.parameters(), lr=tr["lr"])
    rng = np.random.default_rng(config["seed"])
    step, ckpt = 0, run_dir / "checkpoint.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=True)
        model.load_state_dict(state["model"]), opt.load_state_dict(state["opt"])
        step, rng.bit_generator.state = state["step"], state["rng"]
    crop = int(tr["crop_s"] * RATE_HZ)
    held = _batch(data, held_idx[:HELDOUT_BATCH], crop, np.random.default_rng(1))
    log = open(run_dir / "log.jsonl", "a", encoding="utf-8")
    start = time.perf_counter()
    while step < tr["steps"]:
        t0 = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = _lr(step, tr)
        loss = _loss(model, _batch(data, rng.choice(train_idx, size=tr["batch"]), crop, rng))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % tr["log_every"] == 0:
            log.write(json.dumps({"step": step, "loss": round(loss.item(), 6), "lr": _lr(step, tr),
                                  "step_s": round(time.perf_counter() - t0, 3),
                                  "elapsed_s": round(time.perf_counter() - start, 1)}) + "\n")
            log.flush()
        if step % tr["heldout_every"] == 0 or step == tr["steps"]:
            with torch.no_grad():
                mix, speech, dfn = held
                row = {"step": step, "heldout_loss": round(_loss(model.eval(), held).item(), 6),
                       "heldout_dfn3_loss": round(spectral_loss(stft(dfn), stft(speech)).item(), 6)}
                model.train()
            log.write(json.dumps(row) + "\n")
            log.flush()
        if step % tr["checkpoint_every"] == 0 or step == tr["steps"]:
            _save_checkpoint(ckpt, model, opt, step, rng)
    log.close()
    export = run_dir / "export"
    save_refiner(model.eval(), export)
    return export


def main(argv: list[str] | None = None) -> None:
    import argparse
    import shutil

    import yaml

    from audioedit.paths import data_root

    parser = argparse.ArgumentParser(description="Train the speech refiner over DFN3's speech layer.")
    parser.add_argument("--config", default="configs/speech/refiner.yaml")
    parser.add_argument("--run", default="runs/speech-refiner")
    parser.add_argument("--data", default=None, help="the dev corpus (default: $AUDIOEDIT_DATA_ROOT or ../shared/data/dev)")
    parser.add_argument("--export", default=None, help="copy the finished export (+ config, log) to this folder")
    args = parser.parse_args(argv)
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    run_dir = Path(args.run)
    run_dir.mkdir(parents=True, exist_ok=True)
    export = train(config, run_dir, data_root(args.data))
    if args.export:
        dest = Path(args.export)
        dest.mkdir(parents=True, exist_ok=True)
        for f in ("model.safetensors", "config.yaml"):
            shutil.copy2(export / f, dest / f)
        shutil.copy2(run_dir / "log.jsonl", dest / "log.jsonl")
        shutil.copy2(args.config, dest / "train_config.yaml")
    print(f"exported to {args.export or export}")


if __name__ == "__main__":
    main()
