"""Paired examples for the six atomic ops (MMEdit's task set and subtypes).

One example = a Scaper source scene (audio + JAMS + stems), one atomic ``EditStep`` with an
instruction sentence, and the target rendered by the DSP executor on the stems
(``execute_dsp(source, step, bank=..., mode="stems")``), written as a folder:

    <name>/source.wav source.jams source_events/   the Scaper soundscape
           target.wav target.jams target_events/   the step's stem-level rendering
           step.json  instruction.txt  example.json (the manifest record)

Subtypes: add (``event``: a foreground event; ``background``: a background under the
foregrounds), remove (``event``; ``occurrence``: one of several events of a class, referred to
as first/last/nth; ``background``), replace (``event``: by another class, same onset),
reorder (``swap``, ``before``, ``after``), loudness (``gain``: ±3..±15 dB), speed (``stretch``:
×0.5..×2, pitch kept). A share of examples (``PairOptions.overlap_share``) puts the edited
event on top of another foreground event; ``example.json`` marks them (``overlap``).

The folder is built in ``<out>/.tmp-<name>`` and renamed when complete, so a failed example
leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from audioedit.audio import write_text_atomic
from audioedit.errors import UserInputError
from audioedit.scene import Event, Scene, save_scene
from audioedit.steps import (
    AddStep,
    EditStep,
    EventRef,
    LoudnessStep,
    RemoveStep,
    ReorderStep,
    ReplaceStep,
    SpeedStep,
    resolve_step,
)

from audioedit.synth import templates as T
from audioedit.synth.banks import SynthBank
from audioedit.synth.manifest import ExampleRecord
from audioedit.synth.scenes import SceneSpec, make_scene

SUBTYPES: dict[str, tuple[str, ...]] = {
    "add": ("event", "background"),
    "remove": ("event", "occurrence", "background"),
    "replace": ("event",),
    "reorder": ("swap", "before", "after"),
    "loudness": ("gain",),
    "speed": ("stretch",),
}


class PairOptions(BaseModel):
    """How paired examples are drawn (on top of the scene ranges in ``scene``)."""

    scene: SceneSpec = Field(default_factory=SceneSpec)
    overlap_share: float = Field(0.3, ge=0, le=1, description="share of examples whose target overlaps another event")
    gain_db: tuple[float, float] = (3.0, 15.0)
    speed_factor: tuple[float, float] = (0.5, 2.0)
    add_snr_db: tuple[float, float] = (0.0, 12.0)


class Drawn(BaseModel):
    """What ``draw_*`` decided before rendering: the scene labels and a step builder's inputs."""

    labels: list[str]
    background: str | None = None
    no_background: bool = False
    layout: str = "random"


# --------------------------------------------------------------------------------------------
# helpers


def _distinct(rng: np.random.Generator, pool: list[str], k: int, what: str) -> list[str]:
    if len(pool) < k:
        raise UserInputError(f"{what} needs {k} different foreground labels; the bank has {pool}")
    return [pool[i] for i in rng.choice(len(pool), size=k, replace=False)]


def _name(bank: SynthBank, label: str, rng: np.random.Generator) -> str:
    info = bank._info.get(label)
    return T.sound_name(info.display, info.synonyms, rng) if info else label.replace("_", " ")


def _find(scene: Scene, label: str, onset_s: float) -> Event:
    """The scene event with ``label`` whose onset is nearest ``onset_s``."""
    found = [e for e in scene.events if e.label == label and e.role == "foreground"]
    return min(found, key=lambda e: abs(e.onset_s - onset_s))


def _ref(scene: Scene, ev: Event, rng: np.random.Generator, occurrences: bool = False) -> EventRef:
    """An EventRef to ``ev``: ``all`` when its label is unique, else first / last / nth."""
    same = sorted((e for e in scene.events if e.label == ev.label), key=lambda e: e.onset_s)
    k = same.index(ev) + 1
    if len(same) == 1 and not occurrences:
        return EventRef(label=ev.label, select="all", event_ids=[ev.id])
    if k == 1 and rng.random() < 0.7:
        return EventRef(label=ev.label, select="first", event_ids=[ev.id])
    if k == len(same) and rng.random() < 0.7:
        return EventRef(label=ev.label, select="last", event_ids=[ev.id])
    return EventRef(label=ev.label, select="nth", n=k, event_ids=[ev.id])


def _phrase(bank: SynthBank, scene: Scene, ref: EventRef, rng: np.random.Generator) -> str:
    ev = next(e for e in scene.events if e.id == ref.event_ids[0])
    count = sum(1 for e in scene.events if e.label == ev.label)
    return T.reference(_name(bank, ev.label, rng), ref.select, ref.n, count, ev.onset_s, scene.audio.duration_s, rng)


def overlaps_other(scene: Scene, event_ids: list[str]) -> bool:
    """Whether any of ``event_ids`` shares time with a foreground event outside ``event_ids``."""
    chosen = [e for e in scene.events if e.id in event_ids]
    others = [e for e in scene.events if e.role == "foreground" and e.id not in event_ids]
    return any(a.role == "foreground" and a.overlaps(b) for a in chosen for b in others)


# --------------------------------------------------------------------------------------------
# scenes and steps per op


def draw_scene_labels(bank: SynthBank, op: str, subtype: str, rng: np.random.Generator, opts: PairOptions) -> Drawn:
    """The source scene's foreground labels (target first) and layout for ``op``/``subtype``."""
    pool = opts.scene.fg_labels or bank.labels("foreground")
    overlap = rng.random() < opts.overlap_share
    if op == "reorder":
        return Drawn(labels=_distinct(rng, pool, int(rng.integers(2, 4)) if len(pool) > 2 else 2, "reorder"),
                     layout="isolated")
    if op == "remove" and subtype == "occurrence":
        label = pool[int(rng.integers(len(pool)))]
        labels = [label] * int(rng.integers(2, 4))
        if overlap and len(pool) > 1:
            labels = [label, _distinct(rng, [p for p in pool if p != label], 1, "overlap")[0]] + labels[1:]
        return Drawn(labels=labels, layout="overlap" if overlap else "isolated")
    if op == "add" and subtype == "background":
        return Drawn(labels=_distinct(rng, pool, min(len(pool), int(rng.integers(1, 4))), "add"), no_background=True)
    n = int(rng.integers(1, 3)) + (1 if overlap else 0)
    n = max(n, 2 if op == "replace" else 1)
    labels = _distinct(rng, pool, min(n, len(pool)), op)
    layout = "overlap" if overlap and len(labels) >= 2 else "isolated" if rng.random() < 0.5 else "random"
    return Drawn(labels=labels, layout=layout)


def build_step(bank: SynthBank, scene: Scene, op: str, subtype: str, drawn: Drawn, rng: np.random.Generator,
               opts: PairOptions) -> EditStep:
    """The atomic step (with its instruction) for a rendered source scene."""
    fg = sorted((e for e in scene.events if e.role == "foreground"), key=lambda e: e.onset_s)
    target = next(e for e in fg if e.label == drawn.labels[0])  # the first planned label
    if op == "remove" and subtype == "occurrence":
        same = [e for e in fg if e.label == drawn.labels[0]]
        target = same[int(rng.integers(len(same)))]
    if op == "add":
        return _add_step(bank, scene, subtype, rng, opts)
    if op == "remove" and subtype == "background":
        bg = next(e for e in scene.events if e.role == "background")
        ref = EventRef(label=bg.label, event_ids=[bg.id])
        text = T.remove_instruction(T.Slots(sound=_name(bank, bg.label, rng)), rng, background=True)
        return RemoveStep(id="s1", instruction=text, target=ref)
    if op == "reorder":
        return _reorder_step(bank, scene, fg, subtype, rng)
    ref = _ref(scene, target, rng, occurrences=subtype == "occurrence")
    slots = T.Slots(target=_phrase(bank, scene, ref, rng))
    if op == "remove":
        return RemoveStep(id="s1", instruction=T.remove_instruction(slots, rng), target=ref)
    if op == "replace":
        pool = [lb for lb in (opts.scene.fg_labels or bank.labels("foreground")) if lb != target.label]
        sound = pool[int(rng.integers(len(pool)))]
        slots.sound = _name(bank, sound, rng)
        return ReplaceStep(id="s1", instruction=T.replace_instruction(slots, rng), target=ref, sound=sound)
    if op == "loudness":
        size = float(rng.integers(int(opts.gain_db[0]), int(opts.gain_db[1]) + 1))
        gain = size if rng.random() < 0.5 else -size
        return LoudnessStep(id="s1", instruction=T.loudness_instruction(slots, gain, rng), target=ref, gain_db=gain)
    if op == "speed":
        factor = _speed_factor(scene, target, rng, opts)
        return SpeedStep(id="s1", instruction=T.speed_instruction(slots, factor, rng), target=ref, factor=factor)
    raise UserInputError(f"unknown op {op!r}; accepted: {sorted(SUBTYPES)}")


def _add_step(bank: SynthBank, scene: Scene, subtype: str, rng: np.random.Generator, opts: PairOptions) -> AddStep:
    duration = scene.audio.duration_s
    if subtype == "background":
        sound = bank.labels("background")[int(rng.integers(len(bank.labels("background"))))]
        text = T.add_instruction(T.Slots(sound=_name(bank, sound, rng)), rng, background=True)
        return AddStep(id="s1", instruction=text, sound=sound, role="background", at_s=None,
                       snr_db=round(float(rng.uniform(-12, -3)), 1))
    present = {e.label for e in scene.events}
    pool = [lb for lb in (opts.scene.fg_labels or bank.labels("foreground")) if lb not in present] or bank.labels()
    sound = pool[int(rng.integers(len(pool)))]
    fg = [e for e in scene.events if e.role == "foreground"]
    if fg and rng.random() < opts.overlap_share:  # on top of an existing event
        other = fg[int(rng.integers(len(fg)))]
        at_s = float(rng.uniform(other.onset_s, max(other.onset_s, other.offset_s - 0.2)))
    else:
        at_s = float(rng.uniform(0, duration * 0.7))
    at_s = round(min(at_s, duration - 1.0), 1)
    slots = T.Slots(sound=_name(bank, sound, rng), time=T.time_phrase(at_s, duration, rng))
    return AddStep(id="s1", instruction=T.add_instruction(slots, rng), sound=sound, at_s=at_s,
                   snr_db=round(float(rng.uniform(*opts.add_snr_db)), 1))


def _reorder_step(bank: SynthBank, scene: Scene, fg: list[Event], kind: str, rng: np.random.Generator) -> ReorderStep:
    i, j = sorted(rng.choice(len(fg), size=2, replace=False))
    early, late = fg[i], fg[j]
    ref_early, ref_late = _ref(scene, early, rng), _ref(scene, late, rng)
    p_early, p_late = _phrase(bank, scene, ref_early, rng), _phrase(bank, scene, ref_late, rng)
    if kind == "swap":
        slots = T.Slots(target=p_early, other=p_late)
    elif kind == "before":  # move the later one before the earlier one
        slots = T.Slots(target=p_late, other=p_early)
    else:  # move the earlier one after the later one
        slots = T.Slots(target=p_early, other=p_late)
    return ReorderStep(id="s1", instruction=T.reorder_instruction(slots, rng, kind), targets=[ref_late, ref_early])


def _speed_factor(scene: Scene, ev: Event, rng: np.random.Generator, opts: PairOptions) -> float:
    """A factor in ``opts.speed_factor`` (log-uniform, 2 decimals) whose stretched event still fits."""
    room = scene.audio.duration_s - ev.onset_s - 0.05
    low = max(opts.speed_factor[0], ev.duration_s / max(room, 1e-3))
    if low > opts.speed_factor[1]:
        low = 1.0
    if rng.random() < 0.5 and low <= 1.0:
        choices = [f for f in (0.5, 0.8, 1.25, 1.5, 2.0) if low <= f <= opts.speed_factor[1]]
        if choices:
            return choices[int(rng.integers(len(choices)))]
    factor = float(np.exp(rng.uniform(np.log(low), np.log(opts.speed_factor[1]))))
    factor = round(factor, 2)
    if abs(factor - 1.0) < 0.1:
        factor = 1.25
    return max(factor, round(low + 0.005, 2))


# --------------------------------------------------------------------------------------------
# writing one example


def canonical_scene(scene: Scene) -> tuple[Scene, dict[str, str]]:
    """The scene with events in JAMS order and ids renumbered Scaper-style (``<role><k>_<label>``),
    so its JAMS and stems folder load back with ``load_scene``. Returns it and {new id: old id}."""
    order = sorted(scene.events, key=lambda e: (e.onset_s, e.role != "background", e.id))
    counters = {"foreground": 0, "background": 0}
    events, mapping = [], {}
    for ev in order:
        new_id = f"{ev.role}{counters[ev.role]}_{ev.label}"
        counters[ev.role] += 1
        mapping[new_id] = ev.id
        events.append(ev.model_copy(update={"id": new_id}))
    stems = None if scene.stems is None else {n: scene.stems[o] for n, o in mapping.items() if o in scene.stems}
    return scene.evolve(events=tuple(events), stems=stems), mapping


def dsp_executor():
    """``audioedit.executor.dsp.execute_dsp`` (imported lazily: synth works without loading the executor)."""
    from audioedit.executor.dsp import execute_dsp

    return execute_dsp


def render_step(scene: Scene, step: EditStep, bank: SynthBank, exec_seed: int):
    """The stem-level DSP rendering of ``step`` on ``scene`` (an ``audioedit.result.StepResult``)."""
    return dsp_executor()(scene, step, bank=bank, rng=np.random.default_rng(exec_seed), mode="stems")


def write_target(result_scene: Scene, folder: Path, name: str, source: Scene) -> tuple[Scene, dict[str, str | None]]:
    """Save ``<name>.wav/.jams/_events`` and return the canonical scene with {its id: source id or None}."""
    canon, mapping = canonical_scene(result_scene)
    save_scene(canon, folder / f"{name}.wav")
    source_ids = {e.id for e in source.events}
    return canon, {new: (old if old in source_ids else None) for new, old in mapping.items()}


def exec_seed_for(seed: int) -> int:
    return int(np.random.SeedSequence([int(seed), 1]).generate_state(1)[0])


def make_pair(bank: SynthBank, op: str, seed: int, out_dir: str | os.PathLike, name: str,
              opts: PairOptions | None = None, subtype: str | None = None) -> ExampleRecord:
    """Build one paired example in ``out_dir/name`` (atomically) and return its manifest record."""
    opts = opts or PairOptions()
    if op not in SUBTYPES:
        raise UserInputError(f"unknown op {op!r}; accepted: {list(SUBTYPES)}")
    rng = np.random.default_rng(seed)
    subtype = subtype or SUBTYPES[op][int(rng.integers(len(SUBTYPES[op])))]
    if subtype == "background" and not bank.labels("background"):
        subtype = "event"
    out_dir = Path(out_dir)
    final, tmp = out_dir / name, out_dir / f".tmp-{name}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        drawn = draw_scene_labels(bank, op, subtype, rng, opts)
        spec = opts.scene.model_copy(update={"layout": drawn.layout, "background": not drawn.no_background})
        source, _ = make_scene(bank, spec, int(rng.integers(2**31)), tmp / "source.wav", labels=drawn.labels)
        step = build_step(bank, source, op, subtype, drawn, rng, opts)
        exec_seed = exec_seed_for(seed)
        result = render_step(source, step, bank, exec_seed)
        target, event_map = write_target(result.scene, tmp, "target", source)
        edited = [e.id for e in resolve_step(step, source)]
        new_ids = [t for t, s in event_map.items() if s is None or s in edited]
        record = ExampleRecord(
            name=name, kind="pair", op=op, subtype=subtype, seed=int(seed), exec_seed=exec_seed,
            instruction=step.instruction, steps=[json.loads(step.model_dump_json())],
            overlap=overlaps_other(source, edited) or overlaps_other(target, new_ids),
            source="source.wav", target="target.wav", bank=bank.name,
            source_duration_s=source.audio.duration_s, target_duration_s=target.audio.duration_s,
            sample_rate_hz=source.audio.sample_rate_hz, edited_event_ids=edited, event_map=event_map,
            backend=result.backend, notes=list(result.notes), edited_spans_s=[list(s) for s in result.edited_spans_s],
        )
        write_text_atomic(tmp / "step.json", step.model_dump_json(indent=1))
        write_text_atomic(tmp / "instruction.txt", step.instruction + "\n")
        write_text_atomic(tmp / "example.json", record.model_dump_json(indent=1))
        _commit(tmp, final)
        return record
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _commit(tmp: Path, final: Path) -> None:
    """Rename the finished temp folder into place (replacing an incomplete leftover)."""
    if final.exists():
        if (final / "example.json").is_file():
            raise UserInputError(f"example folder {str(final)!r} already exists; remove it or use another out dir")
        shutil.rmtree(final)
    os.rename(tmp, final)
