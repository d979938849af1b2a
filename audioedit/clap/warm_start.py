"""Warm start of a small-CLAP training run from an export (``audioedit.clap.train``).

A run with no checkpoint starts from the export given (the shipped CLAP by default) when the model
configs agree on everything but ``NON_ARCHITECTURE``: the export's weights, step, examples seen and
elapsed time, with a fresh optimiser; its training log is copied up to that step, so the curve
continues. Of an export with several members (towers), the member that fits is used.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from audioedit.clap.small_model import SmallClapConfig
from audioedit.warm_start import config_differences

logger = logging.getLogger(__name__)
NON_ARCHITECTURE = {"dropout", "init_temperature"}  # model config fields a warm start may change


def export_incompatibility(export_dir: Path, model_cfg: SmallClapConfig) -> str | None:
    """Why the export in ``export_dir`` cannot seed a model of ``model_cfg`` (None: it can)."""
    import yaml

    if not (export_dir / "model.safetensors").is_file() or not (export_dir / "config.yaml").is_file():
        return f"no model.safetensors + config.yaml in {export_dir}"
    saved = (yaml.safe_load((export_dir / "config.yaml").read_text(encoding="utf-8")) or {}).get("config", {})
    try:
        theirs = SmallClapConfig(**(saved.get("model") or {})).model_dump(mode="json")
    except ValueError as exc:  # pydantic's ValidationError: fields this code does not know
        return f"export model config not readable here: {exc}"
    diff = config_differences(theirs, model_cfg.model_dump(mode="json"), NON_ARCHITECTURE)
    return "model config differs (" + "; ".join(diff) + ")" if diff else None


def compatible_member(export_dir: Path, model_cfg: SmallClapConfig) -> Path:
    """The member of a several-member export that can seed ``model_cfg`` (of the shipped CLAP: its
    CNN tower for ``configs/clap/cnn.yaml``); the export itself when it has one member or none fits."""
    from audioedit.clap.small import member_dirs

    fits = [m for m in member_dirs(export_dir) or [] if export_incompatibility(m, model_cfg) is None]
    return fits[0] if fits else export_dir


def export_progress(export_dir: Path, batch_size: int) -> tuple[int, int, float]:
    """(step, examples seen, elapsed s) an export records; older exports: from its training log."""
    import yaml

    saved = (yaml.safe_load((export_dir / "config.yaml").read_text(encoding="utf-8")) or {}).get("config", {})
    log_path = export_dir / "train_log.jsonl"
    rows = [json.loads(x) for x in log_path.read_text(encoding="utf-8").splitlines() if x.strip()] if log_path.is_file() else []
    step = int(saved.get("trained_steps") or max([r.get("step", 0) for r in rows], default=0))
    elapsed = saved.get("elapsed_s")
    if elapsed is None:
        elapsed = max([r["elapsed_s"] for r in rows if "elapsed_s" in r and r.get("step", 0) <= step], default=0.0)
    return step, int(saved.get("examples") or step * batch_size), float(elapsed)


def seed_from_export(run: Any, export_dir: Path | None, out: Path) -> None:
    """Seed ``run`` (an ``audioedit.clap.train`` run with no checkpoint) from the export in ``export_dir``
    when it is compatible; otherwise log why it trains from scratch."""
    if export_dir is None or not Path(export_dir).exists():
        return
    export_dir = compatible_member(Path(export_dir), run.model_cfg)
    log_path = out / "train_log.jsonl"
    reason = export_incompatibility(export_dir, run.model_cfg)
    if reason is not None:
        logger.warning("not warm-starting from %s: %s; training from scratch", export_dir, reason)
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"kind": "from_scratch", "step": 0, "from": str(export_dir), "reason": reason}) + "\n")
        return
    run.warm_start(export_dir)
    source = export_dir / "train_log.jsonl"
    rows = [x for x in source.read_text(encoding="utf-8").splitlines()
            if x.strip() and json.loads(x).get("step", 0) <= run.step] if source.is_file() else []
    rows.append(json.dumps({"kind": "warm_start", "from": str(export_dir), "step": run.step,
                            "examples": run.examples, "elapsed_s": round(run.elapsed_s, 1),
                            "train_config": run.cfg.model_dump(mode="json")}))
    log_path.write_text("\n".join(rows) + "\n", encoding="utf-8")  # the export's curve, then this run's
    logger.info("warm-started from %s at step %d (fresh optimiser)", export_dir, run.step)
