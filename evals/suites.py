"""Benchmark suites: lists of ``EvalItem`` (input, request, reference steps, target, metadata).

    suite = load_suite("synth-v1", limit=5)           # 5 items per op, generated if absent
    scene, target = item_scene(suite.items[0]), item_target(suite.items[0])

Suites (``SUITES``):
- ``synth-v1``: the six-op split of ``audioedit.synth.synth_benchmark(version="v1")`` (cached in
  ``runs/bench-v1``, regenerated deterministically when absent).
- ``synth-v1-declarative``: the declarative multi-step split of the same benchmark.
- ``lcr``: the Listen-Chat-Remix demo items of the dev corpus (mixture, declarative request,
  ground-truth target, the LCR model's output as the ``peer``).
- ``sisec``: the SiSEC 2011 "Remove the X" tasks of the dev corpus (target = mixture - stem).
- ``esc50-sep``: two-clip mixtures of ESC-50's held-out fold 5, "remove / extract the X"
  (``audioedit.evals.esc50_sep``).

Inputs are mixture-only with an annotation (events, no stems) by default, since that is where an
editor matters; ``stems=True`` attaches the stems. ``lcr`` / ``sisec`` need the dev corpus
(``data_dir``, else ``$AUDIOEDIT_DATA_ROOT``, else ``../shared/data/dev`` beside the repo); without it
the suite is empty and ``Suite.skipped`` says why.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from audioedit.audio import Audio, load_audio
from audioedit.errors import UserInputError
from audioedit.paths import data_root, runs_dir
from audioedit.scene import Event, Scene, load_scene
from audioedit.spans import merge_spans

SUITES = ("synth-v1", "synth-v1-declarative", "lcr", "sisec", "esc50-sep")
DEFAULT_CACHE = runs_dir() / "bench-v1"
LCR_GAINS = {"1": 1.0, "0": 0.0, "U": 2.0, "D": 0.5}  # the LCR code per source


class EvalItem(BaseModel):
    """One benchmark item. Paths are absolute; spans in seconds of the source."""

    suite: str
    id: str
    op: str = Field(description="atomic op, 'declarative', or the suite's task kind")
    subtype: str = ""
    overlap: bool = False
    request: str = Field(description="what a user would say (the text given to planned / one-shot)")
    steps: list[dict[str, Any]] = Field(default_factory=list, description="reference plan, EditStep JSON")
    source: str
    annotation: str | None = None
    stems_dir: str | None = None
    events: list[dict[str, Any]] | None = Field(None, description="inline events (when no annotation file)")
    stem_paths: dict[str, str] = Field(default_factory=dict, description="event id -> stem file (inline events)")
    with_stems: bool = False
    mono16k: bool = Field(False, description="source (and stems) are downmixed and resampled to 16 kHz")
    target: str | None = None
    target_minus: list[str] = Field(default_factory=list, description="target = source - these stems")
    edit_spans_s: list[list[float]] = Field(default_factory=list)
    exec_seed: int = 0
    target_caption: str = ""
    peer_output: str | None = None
    expected_order: list[str] = Field(default_factory=list, description="reorder: ids, earliest first in the target")
    order_templates: dict[str, list] = Field(default_factory=dict, description="reorder: id -> [stem, on_s, off_s]")
    duration_window_s: list[float] | None = Field(None, description="speed: window holding the event before and after")
    layer_stems: list[str] = Field(default_factory=list, description="speed: source stems of the edited events")


class Suite(BaseModel):
    name: str
    description: str
    items: list[EvalItem] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list, description="label vocabulary (zero-shot classifier)")
    skipped: str | None = Field(None, description="why the suite has no items")
    redistributable: bool = Field(True, description="False: the audio's licence forbids shipping derived "
                                                    "spectrogram figures in a committed report")


def dev_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """``data_dir``, else ``$AUDIOEDIT_DATA_ROOT``, else ``../shared/data/dev`` beside the repo."""
    return data_root(data_dir)


def load_suite(name: str, *, limit: int | None = None, stems: bool = False, data_dir: str | os.PathLike | None = None,
               cache_dir: str | os.PathLike | None = None, generate: bool = True) -> Suite:
    """The suite ``name`` with at most ``limit`` items per op (synth) or in total (lcr, sisec)."""
    if name in ("synth-v1", "synth-v1-declarative"):
        suite = synth_suite(name, cache_dir or DEFAULT_CACHE, limit=limit, generate=generate)
    elif name == "lcr":
        suite = lcr_suite(dev_data_dir(data_dir), limit=limit)
    elif name == "sisec":
        suite = sisec_suite(dev_data_dir(data_dir), limit=limit)
    elif name == "esc50-sep":
        from audioedit.evals.esc50_sep import esc50_sep_suite

        suite = esc50_sep_suite(dev_data_dir(data_dir), Path(cache_dir or runs_dir() / "esc50-sep"), limit=limit)
    else:
        raise UserInputError(f"unknown suite {name!r}; accepted: {', '.join(SUITES)}")
    if stems:
        suite.items = [it.model_copy(update={"with_stems": True}) for it in suite.items]
    return suite


# --------------------------------------------------------------------------------------------
# synthetic


def synth_suite(name: str, cache_dir: str | os.PathLike, limit: int | None = None, generate: bool = True) -> Suite:
    from audioedit.steps import OPS
    from audioedit.synth.run import BENCHMARKS, load_records, synth_benchmark

    spec, cache = BENCHMARKS["v1"], Path(cache_dir)
    declarative = name.endswith("declarative")
    n = spec.n_declarative if declarative else spec.n_per_op
    n = n if limit is None else min(n, limit)
    if generate:  # deterministic; resumes, so only missing examples are built
        synth_benchmark("starter", cache, version="v1", n_per_op=0 if declarative else n,
                        n_declarative=n if declarative else 0)
    records = [r for r in load_records(cache) if (r.kind == "declarative") == declarative]
    by_op: dict[str, list] = {}
    for r in sorted(records, key=lambda r: r.name):
        by_op.setdefault(r.op, []).append(r)
    chosen = [r for op in (["declarative"] if declarative else OPS) for r in by_op.get(op, [])[:n]]
    items = [_synth_item(name, cache / r.name, r) for r in chosen]
    from audioedit.bank import starter_bank

    what = "declarative multi-step requests" if declarative else "six atomic ops"
    return Suite(name=name, description=f"synth benchmark v1 ({what}), mixture + annotation; cache {cache}",
                 items=items, labels=starter_bank().labels(),
                 skipped=None if items else f"no examples in {cache}")


def _synth_item(suite: str, folder: Path, r) -> EvalItem:
    from audioedit.scene import read_annotation

    src_events = {e.id: e for e in read_annotation(folder / "source.jams")}
    tgt_events = read_annotation(folder / "target.jams")
    spans = [list(s) for s in r.edited_spans_s]
    for ev_id in r.edited_event_ids:  # the edited events' source spans, where the step changed them
        if ev_id in src_events:
            spans.append([src_events[ev_id].onset_s, src_events[ev_id].offset_s])
    for tid, sid in r.event_map.items():  # new or moved events in the target
        ev = next(e for e in tgt_events if e.id == tid)
        if sid is None or sid in r.edited_event_ids:
            spans.append([ev.onset_s, ev.offset_s])
    spans = [[float(a), float(b)] for a, b in merge_spans(spans)]
    item = EvalItem(
        suite=suite, id=r.name, op=r.op, subtype=r.subtype, overlap=r.overlap, request=r.instruction,
        steps=r.steps, source=str(folder / r.source), annotation=str(folder / "source.jams"),
        stems_dir=str(folder / "source_events"), target=str(folder / r.target), edit_spans_s=spans,
        exec_seed=r.exec_seed, target_caption=caption(e.label for e in tgt_events if _overlaps(e, spans)),
    )
    if r.op == "reorder":
        moved = [(tid, sid) for tid, sid in r.event_map.items() if sid in r.edited_event_ids]
        by_target = sorted(moved, key=lambda m: next(e.onset_s for e in tgt_events if e.id == m[0]))
        item.expected_order = [sid for _, sid in by_target]
        item.order_templates = {sid: [str(folder / "source_events" / f"{sid}.wav"), src_events[sid].onset_s,
                                      src_events[sid].offset_s] for _, sid in moved}
    if r.op == "speed" and spans:
        item.duration_window_s = [max(0.0, spans[0][0] - 0.05), spans[-1][1] + 0.05]
        item.layer_stems = [str(folder / "source_events" / f"{sid}.wav") for sid in r.edited_event_ids]
    return item


def _overlaps(ev: Event, spans: list[list[float]]) -> bool:
    return not spans or any(ev.onset_s < b and a < ev.offset_s for a, b in spans)


def caption(labels) -> str:
    """"the sound of a dog bark and a siren" from labels (duplicates dropped, order kept)."""
    names = list(dict.fromkeys(lb.replace("_", " ") for lb in labels))
    if not names:
        return "silence"
    return "the sound of " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])


# --------------------------------------------------------------------------------------------
# LCR (Listen, Chat, and Remix demo items)


def short_label(description: str) -> str:
    """An event label for an LCR source description: speakers -> ``speech``; else the planner's
    vocabulary label when one matches, else the words joined by ``_``."""
    from audioedit.planner.vocab import VOCAB, match_label

    text = description.lower()
    if "speaker" in text or "speech" in text:
        return "speech"
    return match_label(text, list(VOCAB)) or re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def lcr_suite(root: Path, limit: int | None = None) -> Suite:
    folder = root / "lcr_remix_benchmark"
    meta = folder / "triplets.json"
    desc = ("Listen-Chat-Remix demo items: real mixtures of 2-4 sources, declarative requests, targets, "
            "the LCR model's output")
    if not meta.is_file():
        return Suite(name="lcr", redistributable=False, description=desc,
                     skipped=f"LCR data not found: {meta} (set AUDIOEDIT_DATA_ROOT or --data)")
    entries = json.loads(meta.read_text(encoding="utf-8"))
    items, labels = [], set()
    for k, e in enumerate(entries[: limit or None]):
        short = [short_label(d) for d in e["source_labels"]]
        labels.update(short)
        ids = [f"foreground{i}_{lb}" for i, lb in enumerate(short)]
        info = load_audio(folder / e["mixture"])
        dur = info.duration_s
        events = [Event(id=i, label=lb, onset_s=0.0, offset_s=dur, extra={"description": d}).model_dump(mode="json")
                  for i, lb, d in zip(ids, short, e["source_labels"])]
        steps = lcr_steps(e["code"], ids, short)
        kept = [lb for lb, c in zip(short, e["code"]) if LCR_GAINS[c] > 0]
        items.append(EvalItem(
            suite="lcr", id=f"{k:02d}-{Path(e['mixture']).parent.parent.name}-{e['code']}", op="lcr",
            subtype=e["composition"], overlap=True, request=" ".join(e["instruction"].split()), steps=steps,
            source=str(folder / e["mixture"]), events=events,
            stem_paths={i: str(folder / p) for i, p in zip(ids, e["sources"])},
            target=str(folder / e["target"]), edit_spans_s=[[0.0, dur]], target_caption=caption(kept),
            peer_output=str(folder / e["model_output"]),
        ))
    return Suite(name="lcr", redistributable=False, description=desc, items=items, labels=sorted(labels))


def lcr_steps(code: str, ids: list[str], labels: list[str]) -> list[dict[str, Any]]:
    """The reference plan of an LCR code: ``0`` -> remove, ``U`` -> +6.02 dB, ``D`` -> -6.02 dB."""
    from audioedit.steps import EventRef, LoudnessStep, RemoveStep

    steps = []
    for c, ev_id, lb in zip(code, ids, labels):
        ref = EventRef(label=lb, event_ids=[ev_id])
        sid = f"s{len(steps) + 1}"
        if c == "0":
            steps.append(RemoveStep(id=sid, instruction=f"Remove the {lb.replace('_', ' ')}.", target=ref))
        elif c in "UD":
            gain = 20 * math.log10(LCR_GAINS[c])
            steps.append(LoudnessStep(id=sid, instruction=f"Make the {lb.replace('_', ' ')} {abs(gain):.0f} dB "
                                      f"{'louder' if gain > 0 else 'quieter'}.", target=ref, gain_db=round(gain, 2)))
    return [json.loads(s.model_dump_json()) for s in steps]


# --------------------------------------------------------------------------------------------
# SiSEC 2011 "Remove the X"


def sisec_suite(root: Path, limit: int | None = None) -> Suite:
    folder = root / "sisec2011_music_stems"
    meta = folder / "editing_tasks.json"
    desc = "SiSEC 2011 music snippets: 'Remove the X', target = mixture - stem"
    if not meta.is_file():
        return Suite(name="sisec", redistributable=False, description=desc,
                     skipped=f"SiSEC data not found: {meta} (set AUDIOEDIT_DATA_ROOT or --data)")
    tasks = json.loads(meta.read_text(encoding="utf-8"))
    items, labels = [], set()
    for k, t in enumerate(tasks[: limit or None]):
        song_tasks = [x for x in tasks if x["song"] == t["song"] and x["exact"] == t["exact"]]
        names = [_sisec_label(x["instruction"]) for x in song_tasks]
        labels.update(names)
        mix = folder / t["input"]
        dur = load_audio(mix).duration_s
        ids = [f"foreground{i}_{lb}" for i, lb in enumerate(names)]
        events = [Event(id=i, label=lb, onset_s=0.0, offset_s=dur).model_dump(mode="json") for i, lb in zip(ids, names)]
        label = _sisec_label(t["instruction"])
        ev_id = ids[names.index(label)]
        stem_paths = {i: str(folder / x["stem"]) for i, x in zip(ids, song_tasks)}
        from audioedit.steps import EventRef, RemoveStep

        step = RemoveStep(id="s1", instruction=t["instruction"] + ".", target=EventRef(label=label, event_ids=[ev_id]))
        items.append(EvalItem(
            suite="sisec", id=f"{k:02d}-{label}", op="remove", subtype="exact" if t["exact"] else "16k-mono",
            overlap=True, request=t["instruction"], steps=[json.loads(step.model_dump_json())], source=str(mix),
            events=events, stem_paths=stem_paths, mono16k=not t["exact"], target_minus=[str(folder / t["stem"])],
            edit_spans_s=[[0.0, dur]], target_caption=caption(n for n in names if n != label),
        ))
    return Suite(name="sisec", redistributable=False, description=desc, items=items, labels=sorted(labels))


def _sisec_label(instruction: str) -> str:
    text = re.sub(r"^remove the\s+", "", instruction.strip().lower())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


# --------------------------------------------------------------------------------------------
# loading an item's audio


def _load(path: str, mono16k: bool) -> Audio:
    audio = load_audio(path)
    return audio.to_mono().resample(16000) if mono16k else audio


def item_source(item: EvalItem) -> Audio:
    return _load(item.source, item.mono16k)


def item_scene(item: EvalItem, stems: bool | None = None) -> Scene:
    """The item's input Scene: mixture + events, with stems when ``stems`` (default: ``item.with_stems``)."""
    stems = item.with_stems if stems is None else stems
    if item.annotation is not None:
        return load_scene(item.source, annotation=item.annotation, stems_dir=item.stems_dir if stems else None)
    audio = item_source(item)
    events = tuple(Event.model_validate(e) for e in item.events or [])
    stem_audio = None
    if stems:
        missing = [e.id for e in events if e.id not in item.stem_paths]
        if missing:
            raise UserInputError(f"item {item.id}: no stem for events {missing}")
        stem_audio = {e.id: _load(item.stem_paths[e.id], item.mono16k).conform(audio).fit_frames(audio.num_frames)
                      for e in events}
    return Scene(audio, events, stem_audio, "annotation")


def item_target(item: EvalItem, source: Audio | None = None) -> Audio:
    """The ground-truth edited audio (a file, or the source minus ``target_minus`` stems)."""
    if item.target is not None:
        return load_audio(item.target)
    source = source or item_source(item)
    out = source.samples.astype("float64")
    for path in item.target_minus:
        out = out - _load(path, item.mono16k).conform(source).fit_frames(source.num_frames).samples
    return source.with_samples(out)
