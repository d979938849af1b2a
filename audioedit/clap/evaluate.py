"""Evaluation of a CLAP model on clips never trained on.

- zero-shot top-1 on held-out dev-corpus clips of the trained classes (file split), prompting with
  the plain class names and, separately, with paraphrases training never saw (mean over 3 sets);
  the same on time-split held-out regions and on held-out starter-bank files, reported apart;
- text-to-audio retrieval R@1 / R@5 on synthetic two-event mixtures of held-out clips
  (one mixture per unordered class pair, captioned "<name A> and <name B>");
- the time to embed a 10 s clip (16 kHz input, resampling included).

Clips are decoded at the model's own rate (``--sample-rate`` overrides it, e.g. 16000 to score a
44.1 kHz model on band-limited input).

    python -m audioedit.clap.evaluate --checkpoint runs/clap --data-root ../shared/data/dev
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel
from audioedit.clap.captions import class_prompts, sound_class
from audioedit.clap.data import AudioCache, ClipRecord, build_records, split_from_json

logger = logging.getLogger(__name__)

MAX_WINDOW_S = 10.0


class ZeroShotResult(BaseModel):
    n_clips: int
    n_classes: int
    top1_names: float
    top1_names_ci95: tuple[float, float]  # Wilson 95 % interval of top1_names over n_clips
    top1_paraphrases: float
    per_class_names: dict[str, float]


class ClapEvalResult(BaseModel):
    checkpoint: str
    trained_classes: list[str]
    dev_file_split: ZeroShotResult | None
    time_split: ZeroShotResult | None
    bank_heldout: ZeroShotResult | None
    retrieval_r1: float | None
    retrieval_r5: float | None
    retrieval_n_mixtures: int
    embed_10s_ms: float  # one thread
    embed_10s_ms_all_cores: float | None = None  # torch on every core of the machine
    n_cores: int | None = None


def eval_items(records: list[ClipRecord], cache: AudioCache, max_windows: int = 3) -> list[tuple[np.ndarray, str]]:
    """``(wave, class key)`` for held-out records; regions over 10 s give up to ``max_windows`` windows."""
    win = int(MAX_WINDOW_S * cache.sample_rate_hz)
    items = []
    for r in records:
        x = cache.region(r)
        if len(x) <= win:
            items.append((x, r.class_key))
            continue
        starts = np.linspace(0, len(x) - win, num=min(max_windows, len(x) // win)).astype(int)
        items += [(x[s : s + win], r.class_key) for s in starts]
    return items


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % (``z`` = 1.96) Wilson score interval of a rate of ``successes`` out of ``n`` trials."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def zero_shot(model: ClapModel, items: list[tuple[np.ndarray, str]], class_keys: list[str],
              sample_rate_hz: int) -> ZeroShotResult | None:
    """Top-1 accuracy of the most similar class prompt, with names and with eval paraphrases."""
    items = [(x, k) for x, k in items if k in class_keys]
    if not items:
        return None
    audio_emb = model.embed_audio([Audio(x[None], sample_rate_hz) for x, _ in items])
    truth = np.array([class_keys.index(k) for _, k in items])

    def accuracy(prompts: list[str]) -> tuple[float, np.ndarray]:
        pred = np.argmax(audio_emb @ model.embed_text(prompts).T, axis=1)
        return float(np.mean(pred == truth)), pred

    top1_names, pred = accuracy(class_prompts(class_keys))
    top1_para = float(np.mean([accuracy(class_prompts(class_keys, k))[0] for k in range(3)]))
    per_class = {class_keys[c]: float(np.mean(pred[truth == c] == c)) for c in sorted(set(truth.tolist()))}
    return ZeroShotResult(n_clips=len(items), n_classes=len(class_keys), top1_names=top1_names,
                          top1_names_ci95=wilson_interval(int(np.sum(pred == truth)), len(items)),
                          top1_paraphrases=top1_para, per_class_names=per_class)


def retrieval(model: ClapModel, items: list[tuple[np.ndarray, str]], sample_rate_hz: int, seed: int = 0,
              duration_s: float = 6.0, max_mixtures: int = 100) -> tuple[float, float, int]:
    """Text-to-audio R@1, R@5 over two-event mixtures, one per unordered pair of held-out classes."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[np.ndarray]] = {}
    for x, k in items:
        by_class.setdefault(k, []).append(x)
    keys = sorted(by_class)
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
    if len(pairs) < 2:
        return float("nan"), float("nan"), 0
    order = rng.permutation(len(pairs))[:max_mixtures]
    n = int(duration_s * sample_rate_hz)
    audios, captions = [], []
    for idx in order:
        a, b = pairs[idx]
        mix = np.zeros(n, np.float32)
        for k in (a, b):
            x = by_class[k][rng.integers(len(by_class[k]))]
            x = x[: n] / max(float(np.sqrt(np.mean(x[:n] ** 2))), 1e-5)
            start = int(rng.integers(max(1, n - len(x) + 1)))
            mix[start : start + len(x)] += x * 0.05
        audios.append(Audio(mix[None], sample_rate_hz))
        captions.append(f"{sound_class(a).name} and {sound_class(b).name}")
    sim = model.embed_text(captions) @ model.embed_audio(audios).T  # (text, audio)
    ranks = np.array([int(np.sum(sim[i] > sim[i, i])) for i in range(len(captions))])
    return float(np.mean(ranks < 1)), float(np.mean(ranks < 5)), len(captions)


def embed_time_ms(model: ClapModel, threads: int = 1, repeats: int = 5) -> float:
    """Best-of-``repeats`` wall time to embed one 10 s clip (16 kHz mono input) with torch on
    ``threads`` threads; the minimum is the least disturbed by other processes on a shared machine."""
    import torch

    audio = Audio(np.random.default_rng(0).standard_normal((1, 160_000)).astype(np.float32) * 0.1, 16_000)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        model.embed_audio([audio])
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            model.embed_audio([audio])
            times.append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(before)
    return float(np.min(times) * 1000)


def evaluate_model(model: ClapModel, trained: list[str], held: list[ClipRecord],
                   cache_dir: str | Path | None = None, checkpoint: str = "",
                   sample_rate_hz: int | None = None) -> ClapEvalResult:
    """All the numbers above for ``model`` on held-out records, prompting with the ``trained``
    classes; clips at ``sample_rate_hz`` (default: the model's)."""
    rate = sample_rate_hz or model.sample_rate_hz
    cores = os.cpu_count() or 1
    cache = AudioCache(rate, cache_dir)
    dev_file = [r for r in held if r.source != "bank" and r.split_kind == "file"]
    time_split = [r for r in held if r.split_kind == "time"]
    bank = [r for r in held if r.source == "bank" and r.split_kind == "file"]
    r1, r5, n_mix = retrieval(model, eval_items(held, cache), rate)
    return ClapEvalResult(
        checkpoint=checkpoint, trained_classes=trained,
        dev_file_split=zero_shot(model, eval_items(dev_file, cache), trained, rate),
        time_split=zero_shot(model, eval_items(time_split, cache), trained, rate),
        bank_heldout=zero_shot(model, eval_items(bank, cache), trained, rate),
        retrieval_r1=r1, retrieval_r5=r5, retrieval_n_mixtures=n_mix, embed_10s_ms=embed_time_ms(model),
        embed_10s_ms_all_cores=embed_time_ms(model, threads=cores), n_cores=cores)


def load_heldout(checkpoint_dir: str | Path, data_root: str | Path,
                 bank_dirs: list[str | Path]) -> tuple[list[str], list[ClipRecord]]:
    """The split the checkpoint was trained with (``heldout_split.json`` in an exported folder,
    ``split.json`` in a run folder); recomputed from the data only when neither exists."""
    import json

    folder = Path(checkpoint_dir)
    if (folder / "heldout_split.json").is_file():
        data = json.loads((folder / "heldout_split.json").read_text(encoding="utf-8"))
        return split_from_json(data, data_root, bank_dirs[0] if bank_dirs else None)
    if (folder / "split.json").is_file():
        rows = json.loads((folder / "split.json").read_text(encoding="utf-8"))
        records = [ClipRecord(r["path"], r["class"], r["group"], r["source"], r["split"], r["split_kind"],
                              r["start_s"], r["end_s"]) for r in rows]
    else:
        logger.warning("no saved split next to %s; recomputing it from the data", folder)
        records = build_records(data_root, bank_dirs)
    trained = sorted({r.class_key for r in records if r.split == "train"})
    return trained, [r for r in records if r.split == "heldout"]


def evaluate(checkpoint_dir: str | Path, data_root: str | Path, bank_dirs: list[str | Path] | None = None,
             cache_dir: str | Path | None = None, sample_rate_hz: int | None = None,
             limit: int | None = None) -> ClapEvalResult:
    """Load the small CLAP from ``checkpoint_dir`` (exported folder or run folder) and evaluate it
    on the clips its training held out (``limit``: the first few of each kind, a smoke run)."""
    from audioedit.clap.small import SHIPPED_DIR, SmallClap

    bank_dirs = [SHIPPED_DIR.parent / "bank"] if bank_dirs is None else bank_dirs
    model = SmallClap.from_config({"checkpoint": str(checkpoint_dir)})
    trained, held = load_heldout(checkpoint_dir, data_root, bank_dirs)
    if limit is not None:
        held = first_of_each_kind(held, limit)
    return evaluate_model(model, trained, held, cache_dir, checkpoint=str(checkpoint_dir), sample_rate_hz=sample_rate_hz)


def first_of_each_kind(held: list[ClipRecord], n: int) -> list[ClipRecord]:
    """The first ``n`` held-out records of each (source is the bank, split kind) group."""
    counts: dict[tuple[bool, str], int] = {}
    out = []
    for r in held:
        key = (r.source == "bank", r.split_kind)
        if counts.get(key, 0) < n:
            counts[key] = counts.get(key, 0) + 1
            out.append(r)
    return out


def format_table(result: ClapEvalResult) -> str:
    """A plain-text table of the result."""
    lines = [f"CLAP evaluation of {result.checkpoint} ({len(result.trained_classes)} trained classes)",
             f"{'held-out set':<28}{'clips':>7}{'top-1 names':>14}{'(95 % interval)':>18}{'top-1 paraphr.':>16}"]
    for label, zs in (("dev corpus, file split", result.dev_file_split), ("time split", result.time_split),
                      ("starter bank, file split", result.bank_heldout)):
        if zs is not None:
            low, high = zs.top1_names_ci95
            lines.append(f"{label:<28}{zs.n_clips:>7}{zs.top1_names:>14.1%}{f'{low:.0%}-{high:.0%}':>18}"
                         f"{zs.top1_paraphrases:>16.1%}")
    if result.dev_file_split is not None:
        per = ", ".join(f"{k} {v:.0%}" for k, v in result.dev_file_split.per_class_names.items())
        lines.append(f"per class (dev, names): {per}")
    if result.retrieval_n_mixtures:
        lines.append(f"text->audio retrieval on {result.retrieval_n_mixtures} held-out mixtures: "
                     f"R@1 {result.retrieval_r1:.1%}  R@5 {result.retrieval_r5:.1%}")
    line = f"embedding a 10 s clip: {result.embed_10s_ms:.1f} ms on 1 thread"
    if result.embed_10s_ms_all_cores is not None:
        line += f", {result.embed_10s_ms_all_cores:.1f} ms on {result.n_cores} cores"
    lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", default="audioedit/assets/clap_small")
    parser.add_argument("--data-root", default=None, help="default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--json", default=None, help="also write the result as JSON here")
    parser.add_argument("--limit", type=int, default=None, help="only the first N held-out clips of each kind (smoke run)")
    parser.add_argument("--sample-rate", type=int, default=None, help="decode clips at this rate (default: the model's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    import torch

    torch.set_num_threads(1)
    from audioedit.paths import data_root

    result = evaluate(args.checkpoint, data_root(args.data_root), cache_dir=args.cache_dir, sample_rate_hz=args.sample_rate,
                      limit=args.limit)
    print(format_table(result))  # noqa: T201 - command-line entry point
    if args.json:
        from audioedit.audio import write_text_atomic

        write_text_atomic(args.json, result.model_dump_json(indent=2))


if __name__ == "__main__":
    main()
