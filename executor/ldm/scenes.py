"""Training pairs cut from scenes written by ``audioedit synth pairs`` (``--data DIR``).

Every example folder of a synth dataset holds a Scaper scene with its stems (``source.wav``,
``source.jams``, ``source_events/``), whatever op the example was made for. Each scene is a
source of many editor pairs: any of its events can be the target (background textures too), with
any of the editor's ops (remove / loudness / extract), on a ``clip_s`` window around the event.
Targets are exact because the mixture is the sum of the stems. Scenes are kept in memory as
float16 stems at 16 kHz mono (about 1.3 MB per 10 s scene).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioedit.errors import UserInputError
from audioedit.executor.ldm.config import DataConfig
from audioedit.executor.ldm.data import SR, STARTER_BANK, Pair, finish_pair

log = logging.getLogger(__name__)


@dataclass
class SceneEvent:
    label: str
    role: str  # foreground | background
    onset_s: float
    offset_s: float
    stem: np.ndarray  # (frames,) float16


@dataclass
class SynthScene:
    events: list[SceneEvent]
    num_frames: int


def _names() -> dict[str, list[str]]:
    """Display names of the starter bank's labels (name + synonyms), as the synth instructions use."""
    meta = json.loads((STARTER_BANK / "labels.json").read_text())
    return {label: list(dict.fromkeys([info["name"], *info["synonyms"][:3]])) for label, info in meta.items()}


NAMES = _names()


def load_synth_scenes(dirs: list[str], max_scenes: int) -> list[SynthScene]:
    """The source scenes of the example folders under ``dirs`` (each with a ``manifest.jsonl``)."""
    from audioedit.scene import load_scene

    scenes: list[SynthScene] = []
    for root in map(Path, dirs):
        manifest = root / "manifest.jsonl"
        if not manifest.is_file():
            raise UserInputError(f"{str(root)!r} is not a synth dataset: no manifest.jsonl (make one with "
                                 "`audioedit synth pairs --out DIR`)")
        for line in manifest.read_text().splitlines():
            if len(scenes) >= max_scenes:
                break
            rec = json.loads(line)
            folder = root / rec["name"]
            if rec.get("kind") != "pair" or not (folder / "source_events").is_dir():
                continue
            scene = load_scene(folder / "source.wav", annotation=folder / "source.jams",
                               stems_dir=folder / "source_events")
            audio = scene.audio.to_mono().resample(SR) if scene.audio.sample_rate_hz != SR else scene.audio.to_mono()
            events = []
            for ev in scene.events:
                stem = scene.stems[ev.id].to_mono()
                stem = stem.resample(SR) if stem.sample_rate_hz != SR else stem
                events.append(SceneEvent(ev.label, ev.role, ev.onset_s, ev.offset_s,
                                         stem.samples[0, : audio.num_frames].astype(np.float16)))
            scenes.append(SynthScene(events, audio.num_frames))
    if not scenes:
        raise UserInputError(f"no synth scenes with stems under {dirs}")
    log.info("loaded %d synth scenes from %s", len(scenes), dirs)
    return scenes


def _window_start(ev: SceneEvent, clip_s: float, duration_s: float, rng: np.random.Generator) -> float:
    """A window of ``clip_s`` that holds the event when it fits (else a random part of it)."""
    lo, hi = max(0.0, ev.offset_s - clip_s), min(ev.onset_s, duration_s - clip_s)
    if lo > hi:  # the event is longer than the window
        lo, hi = ev.onset_s, max(ev.onset_s, min(ev.offset_s, duration_s) - clip_s)
    return float(rng.uniform(lo, hi)) if hi > lo else max(0.0, min(lo, duration_s - clip_s))


def scene_pair(scenes: list[SynthScene], cfg: DataConfig, rng: np.random.Generator, op: str) -> Pair:
    """A pair for ``op`` on a random event of a random scene; backgrounds with ``p_background_target``."""
    scene = scenes[int(rng.integers(len(scenes)))]
    bgs = [e for e in scene.events if e.role == "background"]
    fgs = [e for e in scene.events if e.role != "background"]
    pool = bgs if bgs and (not fgs or rng.random() < cfg.p_background_target) else fgs
    target = pool[int(rng.integers(len(pool)))]
    n = int(cfg.clip_s * SR)
    start = int(round(_window_start(target, cfg.clip_s, scene.num_frames / SR, rng) * SR))
    start = max(0, min(start, scene.num_frames - n))

    def crop(x: np.ndarray) -> np.ndarray:
        out = np.zeros(n, np.float32)
        piece = x[start : start + n].astype(np.float32)
        out[: len(piece)] = piece
        return out

    tgt_stem = crop(target.stem)
    others = sum((crop(e.stem) for e in scene.events if e is not target), np.zeros(n, np.float32))
    t0 = start / SR
    span = (max(0.0, target.onset_s - t0), min(cfg.clip_s, target.offset_s - t0))
    if span[1] <= span[0]:
        span = (0.0, cfg.clip_s)
    other_events = [(e.label, e.onset_s - t0, e.offset_s - t0) for e in fgs
                    if e is not target and e.offset_s > t0 and e.onset_s < t0 + cfg.clip_s]
    if target.role == "background":
        overlap = bool(other_events)
    else:
        overlap = any(e.onset_s < t0 + span[1] and e.offset_s > t0 + span[0] for e in fgs if e is not target)
    name = str(rng.choice(NAMES.get(target.label) or [target.label.replace("_", " ")]))
    return finish_pair(tgt_stem, others, op, name, rng, overlap=overlap, span_s=span, label=target.label,
                       other_events=other_events, target_role=target.role)
