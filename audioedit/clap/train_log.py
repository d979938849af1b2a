"""The small CLAP's training log: the held-out split a run wrote and its loss / monitor plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def write_split(records, path: Path) -> None:
    rows = [{"path": r.path, "class": r.class_key, "group": r.group, "source": r.source, "split": r.split,
             "split_kind": r.split_kind, "start_s": r.start_s, "end_s": r.end_s} for r in records]
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")


def plot_log(log_path: Path, png_path: Path) -> None:
    """Loss (smoothed) and held-out monitor accuracy against step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    loss = [(r["step"], r["loss"]) for r in rows if "loss" in r]
    acc = [(r["step"], r["heldout_top1"]) for r in rows if r.get("heldout_top1") is not None]
    fig, ax = plt.subplots(figsize=(7, 4))
    if loss:
        steps, values = np.array(loss).T
        k = max(1, len(values) // 50)
        smooth = np.convolve(values, np.ones(k) / k, mode="valid")
        ax.plot(steps, values, alpha=0.25, color="C0")
        ax.plot(steps[k - 1 :], smooth, color="C0", label="train loss")
    ax.set_xlabel("step")
    ax.set_ylabel("contrastive loss")
    if acc:
        ax2 = ax.twinx()
        ax2.plot(*np.array(acc).T, "o-", color="C1", label="held-out zero-shot top-1 (monitor)")
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("top-1")
        ax2.legend(loc="upper right")
    ax.legend(loc="upper left")
    ax.set_title("small CLAP training")
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
