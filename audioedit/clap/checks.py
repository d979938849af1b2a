"""CLAP checks for the verifier: does the class's presence in the edited span move the right way?

``clap_presence(model, audio, label, span_s)`` is the label's z-score in the span (its similarity
minus the mean similarity of the reference prompts, over their spread; see ``grounding``).
``clap_step_checks`` compares before and after for one op and returns ``Check``s:

- remove: ``clap_target_drop`` = presence(before) - presence(after) of the removed label >= ``min_drop``;
- add: ``clap_added_rise`` = presence(after) - presence(before) of the added label >= ``min_rise``;
- replace: both, with the old and the new label;
- add, replace: ``clap_added_margin`` = the added label's rise minus the largest rise of any other
  reference class >= ``min_margin`` when set (a different sound put in makes another class rise most);
- remove, replace: ``clap_others_kept`` = the smallest change presence(after) - presence(before) of
  the other annotated sounds in the span >= ``min_kept`` (an edit that wipes out everything, or the
  wrong sound, makes another sound fall).

``step_clap_checks(model, before, after, step)`` picks the op, spans and labels from an ``EditStep``
and two ``Scene``s; ``CachedClap`` wraps a model for repeated verification (text cache, one thread).

Thresholds are calibrated on synthetic pairs (``calibrate_thresholds``); the defaults are
placeholders of the right scale until a calibration has been run with the shipped model.
"""

from __future__ import annotations

import threading

import numpy as np
from pydantic import BaseModel

from audioedit.audio import Audio
from audioedit.threads import torch_threads
from audioedit.clap.base import ClapModel
from audioedit.clap.grounding import score_curve
from audioedit.report import Check
from audioedit.scene import Scene
from audioedit.steps import AddStep, EditStep, MoveStep, RemoveStep, ReplaceStep, resolve_step


class ClapCheckConfig(BaseModel):
    min_drop: float = 1.0
    min_rise: float = 1.0
    min_margin: float | None = None  # added label's rise minus the largest rise of any other class; None = no check
    min_kept: float = float("-inf")  # the other sounds' smallest presence change (-inf: measured, never fails)
    context_s: float = 0.25  # added on each side of the span
    reference_prompts: list[str] | None = None


def clap_presence(model: ClapModel, audio: Audio, labels: list[str], span_s: tuple[float, float],
                  cfg: ClapCheckConfig | None = None) -> np.ndarray:
    """``(len(labels),)`` z-scores of each label in ``audio`` over ``span_s`` (plus context)."""
    cfg = cfg or ClapCheckConfig()
    start = max(0.0, span_s[0] - cfg.context_s)
    end = min(audio.duration_s, span_s[1] + cfg.context_s)
    emb = model.embed_audio([audio.slice_s(start, max(end, start + 0.05))])
    return score_curve(model, emb, labels, cfg.reference_prompts)[0]


def clap_step_checks(model: ClapModel, before: Audio, after: Audio, op: str, span_s: tuple[float, float],
                     old_label: str | None = None, new_label: str | None = None,
                     cfg: ClapCheckConfig | None = None, kept_labels: list[str] | None = None) -> list[Check]:
    """The CLAP checks of one ``op`` (remove | add | replace; others get none) over ``span_s``.
    ``kept_labels``: the other sounds in the span, which a remove / replace must leave in place."""
    cfg = cfg or ClapCheckConfig()
    labels = [x for x in (old_label, new_label) if x]
    if op not in {"remove", "add", "replace"} or not labels:
        return []
    kept = [x for x in dict.fromkeys(kept_labels or []) if x not in labels] if op != "add" else []
    others = []
    if op in {"add", "replace"} and new_label and cfg.min_margin is not None:
        from audioedit.clap.grounding import default_references

        others = [r for r in (cfg.reference_prompts or default_references()) if r not in labels + kept]
    pre = clap_presence(model, before, labels + kept + others, span_s, cfg)
    post = clap_presence(model, after, labels + kept + others, span_s, cfg)
    n, m = len(labels), len(labels) + len(kept)  # [labels | kept | others]
    checks = []
    if op in {"remove", "replace"} and old_label:
        drop = float(pre[0] - post[0])
        checks.append(Check(name="clap_target_drop", measured=round(drop, 3), threshold=f">= {cfg.min_drop}",
                            passed=drop >= cfg.min_drop, detail=f"{old_label!r}: {pre[0]:.2f} -> {post[0]:.2f}"))
    if kept:
        change = post[n:m] - pre[n:m]
        k = int(np.argmin(change))
        checks.append(Check(name="clap_others_kept", measured=round(float(change[k]), 3), threshold=f">= {cfg.min_kept}",
                            passed=float(change[k]) >= cfg.min_kept,
                            detail=f"least kept: {kept[k]!r} {pre[n + k]:.2f} -> {post[n + k]:.2f}"))
    if op in {"add", "replace"} and new_label:
        j = labels.index(new_label)
        rise = float(post[j] - pre[j])
        checks.append(Check(name="clap_added_rise", measured=round(rise, 3), threshold=f">= {cfg.min_rise}",
                            passed=rise >= cfg.min_rise, detail=f"{new_label!r}: {pre[j]:.2f} -> {post[j]:.2f}"))
        if others:
            rises = post[m:] - pre[m:]
            k = int(np.argmax(rises))
            margin = rise - float(rises[k])
            checks.append(Check(name="clap_added_margin", measured=round(margin, 3), threshold=f">= {cfg.min_margin}",
                                passed=margin >= cfg.min_margin,
                                detail=f"{new_label!r} rose {rise:.2f}; most among the other classes: {others[k]!r} {rises[k]:.2f}"))
    return checks


def calibrate_thresholds(good: list[float], bad: list[float]) -> tuple[float, float]:
    """``(threshold, balanced accuracy)`` separating measurements of correct edits (``good``,
    expected high) from failed ones (``bad``), by exhaustive search over the midpoints."""
    values = np.sort(np.unique(np.concatenate([good, bad])))
    if len(values) == 0:
        raise ValueError("no measurements to calibrate on")
    candidates = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    g, b = np.asarray(good), np.asarray(bad)
    best = (float(candidates[0]), -1.0)
    for c in candidates:
        tpr = float(np.mean(g >= c)) if len(g) else 1.0
        tnr = float(np.mean(b < c)) if len(b) else 1.0
        if (tpr + tnr) / 2 > best[1]:
            best = (float(c), (tpr + tnr) / 2)
    return best


# torch's thread count is process state (MKL's is global; OpenMP's is inherited by new threads): every
# change of it, and the CLAP call made under it, holds this lock, so two service workers verifying at
# once never interleave a save/set/restore (one would restore the other's value) and the count is
# always back to what it was when no CLAP call is running. The calls are serialised: a 10 s clip
# takes 66-85 ms, well below a job's duration.


class CachedClap(ClapModel):
    """A thread-safe ``ClapModel`` wrapper for the verifier: text embeddings cached per string, audio
    embedded with at most ``threads`` torch threads (a small model on a shared CPU is several times
    faster single-threaded than when its threads contend with other processes; the setting is
    restored: ``audioedit.threads``)."""

    def __init__(self, model: ClapModel, threads: int | None = 1):
        self.model, self.threads = model, threads
        self.sample_rate_hz, self.name = model.sample_rate_hz, model.name
        self._text: dict[str, np.ndarray] = {}
        self._text_lock = threading.Lock()

    def embed_audio(self, audios: list[Audio]) -> np.ndarray:
        if not self.threads:
            return self.model.embed_audio(audios)
        with torch_threads(self.threads):
            return self.model.embed_audio(audios)

    def embed_text(self, texts: list[str]) -> np.ndarray:
        with self._text_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._text]
            if missing:
                self._text.update(zip(missing, self.model.embed_text(missing)))
            return np.stack([self._text[t] for t in texts]).astype(np.float32)


def step_clap_checks(model: ClapModel, before: Scene, after: Scene, step: EditStep,
                     cfg: ClapCheckConfig | None = None) -> list[Check]:
    """The CLAP checks of one step on the mixtures: remove -> ``clap_target_drop`` per target
    (its span in ``before``); add -> ``clap_added_rise`` per new event of the step's sound in
    ``after``; replace -> both, over the target's span; remove and replace also measure the other
    annotated sounds overlapping that span (``clap_others_kept``); move -> ``clap_target_drop`` where each
    target was and ``clap_added_rise`` where it went, when the two are apart. Loudness, speed and reorder get none
    (the class stays; the acoustic checks measure the amount). Labels are prompted by their plain
    class name (``captions.sound_class(label).name``)."""
    from audioedit.clap.captions import sound_class

    def name(label: str) -> str:
        return sound_class(label).name

    if isinstance(step, AddStep):
        old = {e.id for e in before.events}
        new = [e for e in after.events if e.id not in old and e.label == step.sound]
        return [c for ev in new for c in clap_step_checks(model, before.audio, after.audio, "add", (ev.onset_s, ev.offset_s),
                                                          new_label=name(step.sound), cfg=cfg)]
    if isinstance(step, MoveStep):
        return _move_checks(model, before, after, step, cfg)
    if not isinstance(step, (RemoveStep, ReplaceStep)):
        return []
    checks = []
    targets = {e.id: e for e in resolve_step(step, before)}
    for ev in targets.values():
        new_label = name(step.sound) if isinstance(step, ReplaceStep) else None
        kept = [name(o.label) for o in before.events
                if o.id not in targets and o.label != ev.label and o.overlaps(ev)]
        checks += clap_step_checks(model, before.audio, after.audio, step.op, (ev.onset_s, ev.offset_s),
                                   old_label=name(ev.label), new_label=new_label, cfg=cfg, kept_labels=kept)
    return checks


def _move_checks(model: ClapModel, before: Scene, after: Scene, step: MoveStep, cfg: ClapCheckConfig | None) -> list[Check]:
    """A moved sound: its presence fell where it was and rose where it went (each target whose old and new
    spans, with the context, do not overlap: a short move is left to the acoustic checks)."""
    from audioedit.clap.captions import sound_class
    from audioedit.moves import where_to

    cfg = cfg or ClapCheckConfig()
    targets = resolve_step(step, before)
    move = where_to(step, targets, before.audio.duration_s)
    if isinstance(move, str):
        return []
    checks = []
    for ev in targets:
        new = (ev.onset_s + move.shift_s, min(ev.offset_s + move.shift_s, before.audio.duration_s))
        if abs(move.shift_s) < ev.duration_s + 2 * cfg.context_s or new[1] - new[0] < 0.05:
            continue
        label = sound_class(ev.label).name
        checks += clap_step_checks(model, before.audio, after.audio, "remove", (ev.onset_s, ev.offset_s), old_label=label, cfg=cfg)
        checks += clap_step_checks(model, before.audio, after.audio, "add", new, new_label=label,
                                   cfg=cfg.model_copy(update={"min_margin": None}))
    return checks

