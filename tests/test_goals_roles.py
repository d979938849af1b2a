"""Goal plans ask the bank only for (sound, role) pairs it can furnish (issue #22).

The starter bank has each sound in one role (running water only as a background bed, car engine and
train only as foreground events); a goal plan that asks for another role fails before anything is mixed.
"""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.bank import ROLES, addable_sounds, starter_bank
from audioedit.planner.builder import StepBuilder
from audioedit.planner.goals import plan_entry
from audioedit.planner.refs import Grounding
from audioedit.planner.rules import plan_rules
from audioedit.planner.scene_kb import SceneEntry, load_kb


def _starter_roles() -> dict[str, tuple[str, ...]]:
    """label -> roles, from the bank's per-role listing (independent of ``SoundBank.roles``)."""
    bank = starter_bank()
    return {label: tuple(r for r in ROLES if label in bank.labels(r)) for label in bank.labels()}


def _adds(plan) -> list[tuple[str, str, int]]:
    return [(s.sound, s.role, s.count) for s in plan.steps if s.op == "add"]


def _request(entry: SceneEntry) -> str:
    return f"Make this sound like a {entry.aliases[0]}."


def _furnishable(adds) -> list[tuple[str, str]]:
    bank = starter_bank()
    return [(sound, role) for sound, role, _ in adds if sound not in bank.labels(role)]


@pytest.mark.parametrize("entry", load_kb().entries(), ids=lambda e: e.name)
def test_goal_plan_adds_only_what_the_starter_bank_has_in_that_role(entry):
    plan = plan_rules(_request(entry), None, _starter_roles())
    assert _furnishable(_adds(plan)) == []


@pytest.mark.parametrize("entry", load_kb().entries(), ids=lambda e: e.name)
def test_every_sound_of_every_entry_is_furnished_or_dropped(entry):
    """Not only the first ``max_adds``: every knowledge-base sound, added at once."""
    roles = _starter_roles()
    kb = load_kb()
    builder = StepBuilder(Grounding(None, tuple(roles), roles=roles))
    plan_entry(entry, "goal", builder, max_adds=len(entry.sounds) or 1, lower_gain_db=kb.lower_gain_db,
               max_snr_db=kb.max_snr_db)
    adds = [(s.sound, s.role, s.count) for s in builder.steps if s.op == "add"]
    assert _furnishable(adds) == []
    furnished = {s.label for s in entry.sounds if any(o in roles for o in (s.label, *s.alts))}
    assert len(adds) == len(furnished)  # a sound the bank has in any role is added, in that role


def test_a_background_only_stand_in_is_added_as_a_background_bed():
    plan = plan_rules("Make this sound like a cave.", None, _starter_roles())
    assert _adds(plan) == [("running_water", "background", 1), ("wind", "background", 1)]
    assert any("running water only as a background bed" in a and "water drip" in a for a in plan.assumptions)


@pytest.mark.parametrize("request_, sound", [("Make this sound like inside a train.", "train"),
                                             ("Make this sound like a factory.", "car_engine"),
                                             ("Make this sound like a car interior.", "car_engine")])
def test_a_foreground_only_sound_is_added_as_events(request_, sound):
    plan = plan_rules(request_, None, _starter_roles())
    assert (sound, "foreground", 1) in _adds(plan)
    assert any(f"{sound.replace('_', ' ')} only as foreground events" in a for a in plan.assumptions)


def _entry(**sound) -> SceneEntry:
    return SceneEntry(name="test scene", aliases=["test scene"], sounds=[sound], room="outdoor")


def _plan(entry: SceneEntry, roles: dict[str, tuple[str, ...]]) -> StepBuilder:
    builder = StepBuilder(Grounding(None, tuple(roles), roles=roles))
    plan_entry(entry, "goal", builder, max_adds=3, lower_gain_db=-6.0)
    return builder


def test_a_stand_in_in_the_role_wins_over_the_label_in_another_role():
    entry = _entry(label="machinery", role="background", alts=["car_engine", "traffic"])
    builder = _plan(entry, {"car_engine": ("foreground",), "traffic": ("background",)})
    assert [(s.sound, s.role) for s in builder.steps] == [("traffic", "background")]
    assert any("traffic stands in for" in a for a in builder.g.assumptions)


def test_a_sound_the_bank_has_in_no_role_is_dropped_and_said():
    builder = _plan(_entry(label="machinery", role="background", alts=["engine_idling"]), {"bird": ("foreground",)})
    assert builder.steps == []
    assert any("has no machinery (nor a stand-in): not added" in a for a in builder.g.assumptions)


def test_a_sound_in_both_roles_keeps_the_knowledge_base_role():
    builder = _plan(_entry(label="train", role="background"), {"train": ("foreground", "background")})
    assert [(s.sound, s.role) for s in builder.steps] == [("train", "background")]


def test_labels_without_roles_keep_the_knowledge_base_role():
    """A bank that names no roles (plain labels) is taken to have its sounds in any role, as before."""
    plan = plan_rules("Make this sound like a cave.", None, list(_starter_roles()))
    assert _adds(plan)[0] == ("running_water", "foreground", 3)


def test_addable_sounds_gives_the_starter_bank_roles():
    sounds = addable_sounds(starter_bank())
    assert sounds["running_water"] == ("background",) and sounds["train"] == ("foreground",)
    assert sounds == _starter_roles()

    class LabelsOnly:
        def labels(self) -> list[str]:
            return ["bird"]

    assert addable_sounds(LabelsOnly()) == ["bird"]


def test_the_pipeline_plans_with_the_bank_roles():
    from audioedit.agents.pipeline import prepare

    audio = Audio(np.zeros((1, 16000 * 4), np.float32), 16000)
    _, plan = prepare(audio, "Make this sound like a cave.", bank=starter_bank(), detect=False)
    assert _adds(plan)[0] == ("running_water", "background", 1)


@pytest.mark.parametrize(("request_text", "sound", "role"), [
    ("add a train in the background", "train", "foreground"),   # the bank has train only as events
    ("add running water at 2 seconds", "running_water", "background"),  # and running water only as a bed
    ("add rain in the background", "rain", "background"),
])
def test_an_explicit_add_uses_the_role_the_bank_has_the_sound_in(request_text, sound, role):
    plan = plan_rules(request_text, None, _starter_roles())
    assert _adds(plan) == [(sound, role, 1)]
    assert _furnishable(_adds(plan)) == []
    moved = any("only as" in a for a in plan.assumptions)
    assert moved == (request_text != "add rain in the background")


@pytest.mark.parametrize(("request_text", "snr_db"), [
    ("add a quiet bird", 0.0), ("add a loud bird", 12.0), ("add a bird", 6.0),   # an event: the words set its level
    ("add quiet rain in the background", -6.0), ("add rain in the background", -6.0),  # a bed keeps the bed level
    ("add quiet running water at 2 seconds", -6.0),  # asked as an event, the bank has only a bed
    ("add a train in the background", -6.0),  # asked as a bed, the bank has only events: at the bed level
    ("add rain at 6 db", 6.0),  # a level in dB is kept whatever the role
])
def test_an_added_sounds_level_follows_its_role(request_text, snr_db):
    from audioedit.planner.amounts import ADD_SNR_DB

    assert (ADD_SNR_DB["foreground"], ADD_SNR_DB["background"], ADD_SNR_DB["loud"], ADD_SNR_DB["quiet"]) == (6, -6, 12, 0)
    (step,) = [s for s in plan_rules(request_text, None, _starter_roles()).steps if s.op == "add"]
    assert step.snr_db == snr_db
