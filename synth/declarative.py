"""Declarative multi-step examples (SmartDJ-style): a high-level request, its atomic
decomposition (2-4 ``EditStep``s) and the audio after every step, rendered by the DSP executor
on the stems.

Recipes adapt to whatever labels the bank has:

- ``calmer``   "make the street calmer": remove the loudest event, turn the background down,
               maybe soften another event;
- ``focus``    "focus on the speaker": background down, the other events removed or lowered;
- ``swap_move`` "swap the dog for a cat and push it later": replace, then reorder after another event;
- ``busier``   "make it livelier": add two events, background up;
- ``keep_only`` "keep only the bell and the background": remove every other event;
- ``tempo``    "make the siren quicker and quieter": speed, then loudness.

A folder: ``source.*``, ``step1.* .. step{N-1}.*`` (intermediate scenes), ``target.*`` (after
the last step), ``plan.json`` (request + steps), ``instruction.txt`` (the request) and
``example.json``; built in a temp folder and renamed when complete.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from audioedit.audio import write_text_atomic
from audioedit.backends import Backend
from audioedit.errors import UserInputError
from audioedit.scene import Event, Scene
from audioedit.steps import (
    AddStep, EditStep, EventRef, LoudnessStep, Plan, RemoveStep, ReorderStep, ReplaceStep, SpeedStep, resolve_step,
)

from audioedit.synth import templates as T
from audioedit.synth.banks import SynthBank
from audioedit.synth.manifest import ExampleRecord
from audioedit.synth.pairs import (
    PairOptions, _commit, _distinct, _name, dsp_executor, exec_seed_for, overlaps_other, write_target,
)
from audioedit.synth.scenes import make_scene

RECIPES = ("calmer", "focus", "swap_move", "busier", "keep_only", "tempo")


def _ref(ev: Event) -> EventRef:
    return EventRef(label=ev.label, select="all", event_ids=[ev.id])


def _fg(scene: Scene) -> list[Event]:
    return sorted((e for e in scene.events if e.role == "foreground"), key=lambda e: e.onset_s)


def _bg(scene: Scene) -> Event:
    return next(e for e in scene.events if e.role == "background")


def _the(bank: SynthBank, label: str, rng: np.random.Generator) -> str:
    return f"the {_name(bank, label, rng)}"


def _loud(bank, ev, gain, rng, sid) -> LoudnessStep:
    text = T.loudness_instruction(T.Slots(target=_the(bank, ev.label, rng)), gain, rng)
    return LoudnessStep(id=sid, instruction=text, target=_ref(ev), gain_db=gain)


def _remove(bank, ev, rng, sid) -> RemoveStep:
    return RemoveStep(id=sid, instruction=T.remove_instruction(T.Slots(target=_the(bank, ev.label, rng)), rng),
                      target=_ref(ev))


def _scene_word(bank: SynthBank, scene: Scene) -> str:
    bg = [e for e in scene.events if e.role == "background"]
    return f"the {_name(bank, bg[0].label, np.random.default_rng(0))} scene" if bg else "the recording"


# --------------------------------------------------------------------------------------------
# recipes: (source labels, layout) and (request, steps)


def recipe_labels(bank: SynthBank, recipe: str, rng: np.random.Generator, pool: list[str]) -> tuple[list[str], str]:
    if recipe in ("calmer", "focus", "keep_only"):
        return _distinct(rng, pool, min(len(pool), int(rng.integers(2, 4))), recipe), "random"
    if recipe == "swap_move":
        return _distinct(rng, pool, 2, recipe), "isolated"
    if recipe == "busier":
        return _distinct(rng, pool, 1, recipe), "random"
    return _distinct(rng, pool, min(len(pool), int(rng.integers(1, 3))), recipe), "isolated"


def _calmer(bank: SynthBank, scene: Scene, rng: np.random.Generator, pool: list[str]) -> tuple[str, list[EditStep]]:
    fg, bg, word = _fg(scene), _bg(scene), _scene_word(bank, scene)
    loudest = max(fg, key=lambda e: e.level_db if e.level_db is not None else -120)
    steps = [_remove(bank, loudest, rng, "s1"), _loud(bank, bg, -float(rng.choice([3, 6])), rng, "s2")]
    rest = [e for e in fg if e.id != loudest.id]
    if rest and rng.random() < 0.6:
        steps.append(_loud(bank, rest[0], -6.0, rng, "s3"))
    request = T.pick(rng, [f"make {word} calmer", "calm this recording down", "make it more peaceful",
                           "tone it down, it's too hectic", f"!I want {word} to feel more relaxed"])
    return request, steps


def _focus(bank: SynthBank, scene: Scene, rng: np.random.Generator, pool: list[str]) -> tuple[str, list[EditStep]]:
    fg, bg = _fg(scene), _bg(scene)
    star = fg[int(rng.integers(len(fg)))]
    steps = [_loud(bank, bg, -12.0, rng, "s1")]
    for k, other in enumerate(e for e in fg if e.id != star.id):
        step_id = f"s{k + 2}"
        steps.append(_remove(bank, other, rng, step_id) if rng.random() < 0.5 else _loud(bank, other, -12.0, rng, step_id))
    if len(steps) < 2:
        steps.append(_loud(bank, star, 3.0, rng, "s2"))
    name = _the(bank, star.label, rng)
    request = T.pick(rng, [f"focus on {name}", f"!I mainly want to hear {name}", f"make {name} stand out",
                           f"bring {name} to the front and push everything else back"])
    return request, steps


def _swap_move(bank: SynthBank, scene: Scene, rng: np.random.Generator, pool: list[str]) -> tuple[str, list[EditStep]]:
    fg = _fg(scene)
    old, anchor = fg[0], fg[1]
    new = [lb for lb in pool if lb not in {e.label for e in fg}] or [lb for lb in pool if lb != old.label]
    sound = new[int(rng.integers(len(new)))]
    new_name, old_name = _name(bank, sound, rng), _the(bank, old.label, rng)
    text1 = T.replace_instruction(T.Slots(target=old_name, sound=new_name), rng)
    new_ref = EventRef(label=sound, select="all")  # created by s1: resolved by label when s2 runs
    text2 = T.reorder_instruction(T.Slots(target=f"the {new_name}", other=_the(bank, anchor.label, rng)), rng, "after")
    steps = [ReplaceStep(id="s1", instruction=text1, target=_ref(old), sound=sound),
             ReorderStep(id="s2", instruction=text2, targets=[_ref(anchor), new_ref])]
    request = T.pick(rng, [f"swap {old_name} for {T.article(new_name)} and push it later",
                           f"replace {old_name} with {T.article(new_name)} and let it come after {_the(bank, anchor.label, rng)}",
                           f"!I'd rather have {T.article(new_name)} than {old_name}, and later on"])
    return request, steps


def _busier(bank: SynthBank, scene: Scene, rng: np.random.Generator, pool: list[str]) -> tuple[str, list[EditStep]]:
    fg, bg, word = _fg(scene), _bg(scene), _scene_word(bank, scene)
    extra = [lb for lb in pool if lb not in {e.label for e in fg}] or pool
    picks = [extra[i] for i in rng.choice(len(extra), size=min(2, len(extra)), replace=False)]
    steps = []
    for k, label in enumerate(picks):
        at_s = round(float(rng.uniform(0.5, scene.audio.duration_s - 2.0)), 1)
        slots = T.Slots(sound=_name(bank, label, rng), time=T.time_phrase(at_s, scene.audio.duration_s, rng))
        steps.append(AddStep(id=f"s{k + 1}", instruction=T.add_instruction(slots, rng), sound=label, at_s=at_s,
                             snr_db=round(float(rng.uniform(0, 9)), 1)))
    steps.append(_loud(bank, bg, float(rng.choice([3, 4, 6])), rng, f"s{len(steps) + 1}"))
    request = T.pick(rng, [f"make {word} busier", "make it livelier", "!this feels empty, liven it up",
                           "add some life to the recording"])
    return request, steps


def _keep_only(bank: SynthBank, scene: Scene, rng: np.random.Generator, pool: list[str]) -> tuple[str, list[EditStep]]:
    fg = _fg(scene)
    keep = fg[int(rng.integers(len(fg)))]
    steps = [_remove(bank, e, rng, f"s{k + 1}") for k, e in enumerate(e for e in fg if e.id != keep.id)]
    if len(steps) < 2:
        steps.append(_loud(bank, keep, 3.0, rng, f"s{len(steps) + 1}"))
    request = T.pick(rng, [f"keep only {_the(bank, keep.label, rng)} and the background",
                           f"get rid of everything except {_the(bank, keep.label, rng)}",
                           f"!I just want {_the(bank, keep.label, rng)} over the ambience"])
    return request, steps


def _tempo(bank: SynthBank, scene: Scene, rng: np.random.Generator, pool: list[str]) -> tuple[str, list[EditStep]]:
    fg = _fg(scene)
    ev = fg[0]
    faster = rng.random() < 0.5 or ev.duration_s * 1.5 > scene.audio.duration_s - ev.onset_s - 0.1
    factor, gain = (1.5, -6.0) if faster else (0.8, 6.0)
    name = _the(bank, ev.label, rng)
    steps = [SpeedStep(id="s1", instruction=T.speed_instruction(T.Slots(target=name), factor, rng), target=_ref(ev),
                       factor=factor), _loud(bank, ev, gain, rng, "s2")]
    request = (f"make {name} quicker and quieter" if faster else f"make {name} slower and louder")
    return request, steps


RECIPE_STEPS = {"calmer": _calmer, "focus": _focus, "swap_move": _swap_move, "busier": _busier,
                "keep_only": _keep_only, "tempo": _tempo}


def recipe_steps(bank: SynthBank, recipe: str, scene: Scene, rng: np.random.Generator,
                 pool: list[str]) -> tuple[str, list[EditStep]]:
    """The request sentence and its atomic steps (2-4) for a rendered source scene."""
    if recipe not in RECIPE_STEPS:
        raise UserInputError(f"unknown declarative recipe {recipe!r}; accepted: {list(RECIPES)}")
    request, steps = RECIPE_STEPS[recipe](bank, scene, rng, pool)
    return T.finish(request, rng), steps[:4]


# --------------------------------------------------------------------------------------------
# one example


def make_declarative(bank: SynthBank, seed: int, out_dir: str | os.PathLike, name: str,
                     opts: PairOptions | None = None, recipe: str | None = None) -> ExampleRecord:
    """Build one declarative example in ``out_dir/name`` (atomically); returns its record."""
    opts = opts or PairOptions()
    rng = np.random.default_rng(seed)
    recipe = recipe or RECIPES[int(rng.integers(len(RECIPES)))]
    if not bank.labels("background"):
        raise UserInputError(f"declarative examples need background labels; bank {bank.name!r} has none")
    pool = opts.scene.fg_labels or bank.labels("foreground")
    out_dir = Path(out_dir)
    final, tmp = out_dir / name, out_dir / f".tmp-{name}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        labels, layout = recipe_labels(bank, recipe, rng, pool)
        spec = opts.scene.model_copy(update={"layout": layout, "background": True})
        source, _ = make_scene(bank, spec, int(rng.integers(2**31)), tmp / "source.wav", labels=labels)
        request, steps = recipe_steps(bank, recipe, source, rng, pool)
        exec_seed = exec_seed_for(seed)
        record = _run_steps(bank, source, steps, exec_seed, tmp)
        record = record.model_copy(update=dict(name=name, subtype=recipe, seed=int(seed), instruction=request))
        plan = Plan(request=request, steps=steps, planner="synth", assumptions=[f"recipe {recipe}"])
        write_text_atomic(tmp / "plan.json", plan.model_dump_json(indent=1))
        write_text_atomic(tmp / "instruction.txt", request + "\n")
        write_text_atomic(tmp / "example.json", record.model_dump_json(indent=1))
        _commit(tmp, final)
        return record
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_plan_steps(bank: SynthBank, source: Scene, steps: list[EditStep], exec_seed: int) -> list:
    """Execute ``steps`` in order on ``source`` with the DSP executor on stems; the StepResults.
    One generator seeded with ``exec_seed`` serves every step, in order."""
    execute_dsp = dsp_executor()
    rng = np.random.default_rng(exec_seed)
    results, scene = [], source
    for step in steps:
        result = execute_dsp(scene, step, bank=bank, rng=rng, mode="stems")
        results.append(result)
        scene = result.scene
    return results


def _run_steps(bank: SynthBank, source: Scene, steps: list[EditStep], exec_seed: int, folder: Path) -> ExampleRecord:
    results = run_plan_steps(bank, source, steps, exec_seed)
    before, overlap, notes, intermediates, edited_all = source, False, [], [], []
    source_ids = {e.id for e in source.events}
    for k, (step, result) in enumerate(zip(steps, results), 1):
        edited = [e.id for e in resolve_step(step, before)]
        edited_all += [e for e in edited if e in source_ids and e not in edited_all]
        new = [e.id for e in result.scene.events if e.id not in {x.id for x in before.events}]
        overlap = overlap or overlaps_other(before, edited) or overlaps_other(result.scene, new + edited)
        notes += [f"{step.id}: {n}" for n in result.notes]
        if k < len(steps):
            write_target(result.scene, folder, f"step{k}", source)
            intermediates.append(f"step{k}.wav")
        before = result.scene
    target, event_map = write_target(before, folder, "target", source)
    return ExampleRecord(
        name="", kind="declarative", op="declarative", seed=0, exec_seed=exec_seed, instruction="",
        steps=[json.loads(s.model_dump_json()) for s in steps], overlap=overlap, intermediates=intermediates,
        bank=bank.name, source_duration_s=source.audio.duration_s, target_duration_s=target.audio.duration_s,
        sample_rate_hz=source.audio.sample_rate_hz, event_map=event_map, backend=Backend.DSP_STEMS, notes=notes,
        edited_event_ids=edited_all,
    )
