"""Headroom of the editor's representation: SI-SDR of the ideal mask (computed from the true target).

    python -m audioedit.executor.ldm.oracle [--data-root DIR] [--json out.json]

At the editor's own STFT (16 kHz mono, n_fft 512, hop 160, source phase reused) for
``melgain`` with 64 and 128 mel bands (``MelGainRepr``: band log-gains, clipped to the
config's ``delta_min..delta_max``, expanded to bins) and for per-bin gains (the STFT magnitude
ratio, same clip); for reference also per-bin and 128 bands at n_fft 1024 (same hop). Items: the Listen-Chat-Remix dev items (target = sum(gain * source)) and 2-source
0 dB mixtures of ESC-50 fold-5 clips (remove one; the held-out test fold, never trained on).
Prints median SI-SDR per representation beside identity (return the input).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from audioedit.executor.ldm.config import ReprConfig
from audioedit.executor.ldm.data import _load
from audioedit.executor.ldm.representation import MelGainRepr
from audioedit.paths import data_root

SR = 16_000


def _read(path: Path) -> np.ndarray:
    import soundfile as sf
    import soxr

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(1)
    return soxr.resample(x, sr, SR).astype(np.float32) if sr != SR else x


def lcr_items(root: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mixture, target) of each LCR dev item at 16 kHz mono."""
    folder = root / "lcr_remix_benchmark"
    items = []
    for e in json.loads((folder / "triplets.json").read_text()):
        mix, tgt = _read(folder / e["mixture"]), _read(folder / e["target"])
        n = min(len(mix), len(tgt))
        items.append((mix[:n], tgt[:n]))
    return items


def esc50_items(root: Path, count: int = 40, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``count`` 0 dB mixtures of two fold-5 ESC-50 clips of different classes; target = one of them."""
    import csv

    with (root / "esc50_16k" / "metadata.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "5"]
    rng = np.random.default_rng(seed)
    items = []
    while len(items) < count:
        a, b = (rows[i] for i in rng.choice(len(rows), 2, replace=False))
        if a["label"] == b["label"]:
            continue
        xa, xb = _load(root / a["path"]), _load(root / b["path"])
        n = min(len(xa), len(xb))
        xa = xa[:n] / (np.sqrt(np.mean(xa[:n] ** 2)) + 1e-9) * 0.05
        xb = xb[:n] / (np.sqrt(np.mean(xb[:n] ** 2)) + 1e-9) * 0.05
        items.append((xa + xb, xa))  # remove b
    return items


def oracle_outputs(mix: np.ndarray, tgt: np.ndarray, cfg: ReprConfig) -> dict[str, np.ndarray]:
    """The ideal-mask outputs for ``mix`` -> ``tgt``: identity, mel 64, mel 128, per-bin."""
    src, ref = torch.from_numpy(mix)[None], torch.from_numpy(tgt)[None]
    out = {"identity": mix}
    for bands in (64, 128):
        rep = MelGainRepr(cfg.model_copy(update={"n_mels": bands}))
        out[f"melgain_{bands}"] = rep.apply(src, rep.target_delta(src, ref))[0].numpy()
    for n_fft, suffix in ((cfg.n_fft, ""), (1024, "_nfft1024")):
        rep = MelGainRepr(cfg.model_copy(update={"n_fft": n_fft}))
        s, t = rep.stft(src), rep.stft(ref)
        log_ratio = (torch.log(t.abs() + cfg.eps) - torch.log(s.abs() + cfg.eps)).clamp(cfg.delta_min, cfg.delta_max)
        out["bin_gain" + suffix] = rep.istft(s * torch.exp(log_ratio), src.shape[-1])[0].numpy()
    rep = MelGainRepr(cfg.model_copy(update={"n_fft": 1024, "n_mels": 128}))
    out["melgain_128_nfft1024"] = rep.apply(src, rep.target_delta(src, ref))[0].numpy()
    return out


def measure(root: Path, esc50_pairs: int = 40) -> dict[str, dict[str, float]]:
    """Median SI-SDR (dB) per representation, for the LCR and ``esc50_pairs`` ESC-50 fold-5 items."""
    from audioedit.metrics import si_sdr

    cfg = ReprConfig()
    result = {}
    for name, items in (("lcr", lcr_items(root)), ("esc50_fold5_remove", esc50_items(root, esc50_pairs))):
        scores: dict[str, list[float]] = {}
        for mix, tgt in items:
            for system, y in oracle_outputs(mix, tgt, cfg).items():
                scores.setdefault(system, []).append(si_sdr(y, tgt) or -100.0)
        result[name] = {k: round(float(np.median(v)), 2) for k, v in scores.items()} | {"items": len(items)}
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Oracle SI-SDR of the editor's representations.")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument("--esc50-pairs", type=int, default=40, help="how many ESC-50 fold-5 mixtures")
    args = parser.parse_args(argv)
    result = measure(data_root(args.data_root), args.esc50_pairs)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
