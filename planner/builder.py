"""StepBuilder: numbers steps ``s1, s2, ...`` and fills each one's canonical instruction.

The clause parsers in ``audioedit.planner.ops`` and ``audioedit.planner.declarative`` call one method per step; the
instruction sentence comes from ``audioedit.planner.templates`` so every step of a kind reads the same way.
"""

from __future__ import annotations

from typing import Any

from audioedit.steps import (
    AddStep,
    EditStep,
    EventRef,
    LoudnessStep,
    MoveStep,
    RemoveStep,
    ReorderStep,
    ReplaceStep,
    SpeedStep,
)
from audioedit.planner import templates
from audioedit.planner.groups import undetected_note
from audioedit.planner.refs import Grounding, describe_ref

UNLOCATED_OPS = ("remove", "loudness")  # what the learned editor does to a sound it looks for itself


class StepBuilder:
    """Collects the steps of one plan; ``last_verb`` lets a verb-less clause reuse the previous op."""

    def __init__(self, grounding: Grounding) -> None:
        self.g = grounding
        self.steps: list[EditStep] = []
        self.last_verb: str | None = None

    def add_step(self, cls: type, source: str, **fields: Any) -> EditStep | None:
        """Append a step of any op (``cls``), numbered in order; one on a sound that was not detected
        (``EventRef.unlocated``) only when the learned editor can look for it (``UNLOCATED_OPS``)."""
        refs = [fields["target"]] if "target" in fields else list(fields.get("targets", []))
        if not self._searchable(cls.model_fields["op"].default, [r for r in refs if r.unlocated], source):
            return None
        step = cls(id=f"s{len(self.steps) + 1}", source_text=source, **fields)
        self.steps.append(step)
        return step

    def _searchable(self, op: str, unlocated: list[EventRef], source: str) -> bool:
        """A step on sounds detection did not find: an assumption per sound when the op is one the learned
        editor can do without knowing where the sound is, else an unresolved entry."""
        if unlocated and op not in UNLOCATED_OPS:
            names = ", ".join(f"'{r.label.replace('_', ' ')}'" for r in unlocated)
            self.g.fail(source, f"{names} was not detected in this recording, and without knowing where it is only "
                                "removing it, changing its loudness or keeping only it can be tried (by the learned editor)")
            return False
        for ref in unlocated:
            self.g.note(undetected_note(ref, self.g.scene.searched if self.g.scene is not None else []))
        return True

    def remove(self, ref: EventRef, source: str) -> None:
        self.add_step(RemoveStep, source, instruction=templates.remove_instruction(ref), target=ref)

    def loudness(self, ref: EventRef, gain_db: float, source: str) -> None:
        gain_db = round(gain_db, 2)
        self.add_step(LoudnessStep, source, instruction=templates.loudness_instruction(ref, gain_db), target=ref,
                   gain_db=gain_db)

    def speed(self, ref: EventRef, factor: float, keep_pitch: bool, source: str) -> None:
        factor = round(factor, 3)
        self.add_step(SpeedStep, source, instruction=templates.speed_instruction(ref, factor, keep_pitch), target=ref,
                   factor=factor, keep_pitch=keep_pitch)

    def add(self, sound: str, source: str, at_s: float | None, count: int, snr_db: float, role: str,
            max_snr_db: float | None = None) -> None:
        at_s = None if at_s is None else round(at_s, 3)
        self.add_step(AddStep, source, instruction=templates.add_instruction(sound, count, at_s, role), sound=sound,
                   at_s=at_s, count=count, snr_db=snr_db, role=role, max_snr_db=max_snr_db)

    def bank_role(self, sound: str, role: str) -> str:
        """The role to add ``sound`` in: ``role``, unless the bank has it only in the other one (a sound asked "in
        the background" that the bank has only as events is added as an event, one it has only as a continuous
        bed as a bed); a note says so."""
        have = self.g.roles.get(sound, ()) if self.g.roles else ()
        if not have or role in have:
            return role
        name = sound.replace("_", " ")
        self.g.note(f"the sound bank has '{name}' only as separate events, not as a continuous background: it is "
                    "added as an event at the background level" if role == "background" else
                    f"the sound bank has '{name}' only as a continuous background: it is added as a background layer")
        return have[0]

    def replace(self, ref: EventRef, sound: str, source: str) -> None:
        if ref.scope == "events" and not ref.complement and ref.label == sound:
            self.g.fail(source, f"'{source}' replaces {describe_ref(ref)} with the same sound ({sound}): that changes "
                                "nothing; name a different sound to put in its place")
            return
        self.add_step(ReplaceStep, source, instruction=templates.replace_instruction(ref, sound), target=ref, sound=sound)

    def reorder(self, targets: list[EventRef], source: str, swap: bool) -> None:
        keys = {(t.label, tuple(t.event_ids), t.select, t.n) for t in targets}
        if len(keys) < len(targets):
            self.g.fail(source, f"'{source}' moves {describe_ref(targets[0])} relative to itself: that changes nothing; "
                                "name two different sounds (or 'the first dog' and 'the last dog')")
            return
        self.add_step(ReorderStep, source, instruction=templates.reorder_instruction(targets, swap), targets=targets)

    def move(self, ref: EventRef, source: str, *, to_s: float | None = None, to: str | None = None,
             by_s: float | None = None) -> EditStep | None:
        to_s, by_s = (None if v is None else round(v, 3) for v in (to_s, by_s))
        return self.add_step(MoveStep, source, instruction=templates.move_instruction(ref, to_s, to, by_s), target=ref,
                             to_s=to_s, to=to, by_s=by_s)
