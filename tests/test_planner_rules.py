"""Table-driven tests of the offline rules planner (audioedit.planner.rules) and its vocabulary.

The table of cases, its scenes and the compact step strings it compares are in
``tests/planner_table.py``.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

from audioedit.errors import UserInputError
from audioedit.steps import Plan, select_events, step_targets
from audioedit.planner import make_plan
from audioedit.planner.amounts import loudness_gain_db, number_value, speed_factor
from audioedit.planner.clauses import split_request
from audioedit.planner.rules import plan_rules
from audioedit.planner.vocab import canonical_label, match_label
from tests.planner_table import BANK, CASES, SETUPS, STREET, summarize



@pytest.mark.parametrize(("setup", "request_text", "expected", "n_unresolved"), CASES,
                         ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_plan_table(setup: str, request_text: str, expected: list[str], n_unresolved: int) -> None:
    scene, sounds = SETUPS[setup]
    plan = plan_rules(request_text, scene, sounds)
    assert [summarize(s) for s in plan.steps] == expected
    assert len(plan.unresolved) == n_unresolved, plan.unresolved
    assert plan.planner == "rules" and plan.request == request_text
    assert [s.id for s in plan.steps] == [f"s{i}" for i in range(1, len(plan.steps) + 1)]
    for step in plan.steps:
        assert step.instruction.endswith(".") and step.instruction[0].isupper()
        assert step.source_text and step.source_text.lower() in request_text.lower()


def test_plan_table_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert {c[0] for c in CASES} == {"S", "V", "N", "M"}


def test_resolved_ids_agree_with_select_events() -> None:
    for _, request_text, _, _ in (c for c in CASES if c[0] == "S"):
        created: set[str] = set()  # sounds an earlier step brings in: referred to by label, resolved when run
        for step in plan_rules(request_text, STREET, BANK).steps:
            for ref in step_targets(step):
                if (ref.label in created and not ref.event_ids) or ref.scope == "recording":
                    continue
                by_label = select_events(STREET.events, ref.model_copy(update={"event_ids": []}))
                assert ref.event_ids and [e.id for e in by_label] == ref.event_ids, (request_text, ref)
            if step.op in ("add", "replace"):
                created.add(step.sound)


@pytest.mark.parametrize("module", ["audioedit.planner", "audioedit.planner.vocab", "audioedit.planner.clauses", "audioedit.planner.rules",
                                    "audioedit.planner.templates"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------------------------------------- instructions
@pytest.mark.parametrize(("request_text", "instructions"), [
    ("remove the siren", ["Remove the siren."]),
    ("make the horn 6 dB louder", ["Make the car horn 6 dB louder."]),
    ("add a bird at 8 s", ["Add a bird at 8.0 s."]),
    ("replace the second dog bark with a cat", ["Replace the second dog bark with a cat."]),
    ("put the horn before the siren", ["Move the car horn before the siren."]),
    ("speed up the speech", ["Speed up the speech by 1.25x."]),
    ("slow down the speech", ["Slow down the speech to 0.8x speed."]),
    ("add three knocks at 2 s", ["Add 3 door knocks at 2.0 s."]),
    ("add rain in the background", ["Add rain in the background."]),
    ("remove the dogs", ["Remove all dog barks."]),
    ("remove the dog barks between 2 and 9 seconds", ["Remove all dog barks between 2 and 9 s."]),
    ("swap the siren and the horn", ["Swap the siren and the car horn."]),
])
def test_instructions(request_text: str, instructions: list[str]) -> None:
    assert [s.instruction for s in plan_rules(request_text, STREET, BANK).steps] == instructions


# ------------------------------------------------------------------------------------------- unresolved
def test_missing_sound_names_what_the_scene_has() -> None:
    plan = plan_rules("remove the helicopter", STREET, BANK)
    assert not plan.steps
    (entry,) = plan.unresolved
    assert entry.text == "remove the helicopter"
    assert "helicopter" in entry.reason and "siren" in entry.reason and "car_horn" in entry.reason


def test_sound_not_in_bank_lists_available_sounds() -> None:
    (entry,) = plan_rules("add a helicopter at 3 s", STREET, BANK).unresolved
    assert "sound bank" in entry.reason and "door_knock" in entry.reason and "rain" in entry.reason


def test_empty_bank_accepts_any_vocabulary_sound() -> None:
    plan = plan_rules("add a helicopter at 3 s", STREET, ())
    assert [summarize(s) for s in plan.steps] == ["add helicopter at=3 n=1 snr=+6 foreground"]


def test_unknown_clause_is_reported_not_dropped() -> None:
    plan = plan_rules("remove the siren and make it pop", STREET, BANK)
    assert [s.op for s in plan.steps] == ["remove"]
    (entry,) = plan.unresolved
    assert entry.text == "make it pop" and "could not tell what to do" in entry.reason


def test_ordinal_past_the_end_says_how_many_there_are() -> None:
    (entry,) = plan_rules("remove the fourth bark", STREET, BANK).unresolved
    assert "3 dog_bark" in entry.reason and "8-8.5 s" in entry.reason


def test_add_past_the_end_is_unresolved() -> None:
    (entry,) = plan_rules("add a bird at 12 s", STREET, BANK).unresolved
    assert "past the end" in entry.reason and "10 s" in entry.reason


@pytest.mark.parametrize("text, ops", [
    ("remove the clicks and the hum", ["declick", "dehum"]),
    ("remove the hum, the clicks and the sibilance", ["dehum", "declick", "deess"]),
    ("remove the background noise and the clicks", ["remove", "declick"]),
])
def test_repairs_named_together_are_each_their_own_op(text, ops) -> None:
    from audioedit.scene import SceneDescription

    plain = SceneDescription(duration_s=12.0, sample_rate_hz=16000, num_channels=1, events=[], has_stems=False,
                             events_from="detected")
    plan = plan_rules(text, plain)
    assert [s.op for s in plan.steps] == ops and not plan.unresolved


@pytest.mark.parametrize("text", ["remove the ums", "cut out the filler words", "remove the ums and ahs"])
def test_filler_words_are_unresolved_with_the_reason(text) -> None:
    plan = plan_rules(text, STREET, BANK)
    assert not plan.steps and plan.unresolved and all("speech recognition" in u.reason for u in plan.unresolved)


def test_restyle_to_an_unknown_scene_is_unresolved_with_reason() -> None:
    (entry,) = plan_rules("Make this sound like a dog", STREET, BANK).unresolved
    assert "no known scene" in entry.reason and "beach" in entry.reason


def test_scene_level_requests_without_scene_are_unresolved() -> None:
    for text in ("play the horn first", "make it calmer"):
        plan = plan_rules(text)
        assert not plan.steps and len(plan.unresolved) == 1, text
        assert "scene" in plan.unresolved[0].reason or "events" in plan.unresolved[0].reason


# ------------------------------------------------------------------------------------------- assumptions
def test_goal_before_colon_is_an_assumption_not_unresolved() -> None:
    plan = plan_rules("make this street recording calmer: drop the siren, bring the traffic down a bit and add "
                      "birds near the end", STREET, BANK)
    assert not plan.unresolved
    assert any("goal" in a and "calmer" in a for a in plan.assumptions)
    assert [s.source_text for s in plan.steps] == ["drop the siren", "bring the traffic down a bit",
                                                   "add birds near the end"]


def test_declarative_mappings_are_recorded() -> None:
    calm = plan_rules("make it calmer", STREET, BANK)
    assert any("alarm-like" in a for a in calm.assumptions)
    focus = plan_rules("focus on the speaker", STREET, BANK)
    assert any("lower every other sound by 10 dB" in a for a in focus.assumptions)
    assert "speech" not in {s.target.label for s in focus.steps}


def test_singular_reference_to_several_events_is_noted() -> None:
    plan = plan_rules("replace the dog bark with a cat", STREET, BANK)
    assert any("matches 3 dog_bark events" in a for a in plan.assumptions)


def test_verb_carry_over_is_noted() -> None:
    plan = plan_rules("turn down the siren by 6 dB and the dog by 3 dB", STREET, BANK)
    assert [s.gain_db for s in plan.steps] == [-6.0, -3.0]
    assert any("quieter" in a for a in plan.assumptions)


def test_no_scene_end_position_is_left_to_executor_and_noted() -> None:
    plan = plan_rules("add birds near the end")
    assert plan.steps[0].at_s is None
    assert any("duration" in a for a in plan.assumptions)


# ------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("bad", ["", "   ", "\n\t"])
def test_empty_request_is_an_error(bad: str) -> None:
    with pytest.raises(UserInputError, match="empty"):
        plan_rules(bad)


def test_too_long_request_is_an_error() -> None:
    with pytest.raises(UserInputError, match="2000"):
        plan_rules("remove the siren " * 200)


def test_make_plan_dispatches_and_rejects_unknown_backends() -> None:
    assert make_plan("remove the siren", STREET).steps[0].target.event_ids == ["foreground0_siren"]
    with pytest.raises(UserInputError, match="rules"):
        make_plan("remove the siren", backend="gpt")


# ------------------------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("setup", ["S", "N"])
def test_plans_round_trip_through_json(setup: str) -> None:
    scene, sounds = SETUPS[setup]
    for _, request_text, _, _ in CASES[::3]:
        plan = plan_rules(request_text, scene, sounds)
        assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_planning_is_deterministic() -> None:
    text = "make this street recording calmer: drop the siren, bring the traffic down a bit and add birds near the end"
    assert plan_rules(text, STREET, BANK) == plan_rules(text, STREET, BANK)


# ------------------------------------------------------------------------------------------- parts
@pytest.mark.parametrize(("text", "candidates", "expected"), [
    ("pup", ["siren", "dog_bark"], "dog_bark"),
    ("the barking dogs", ["siren", "dog_bark"], "dog_bark"),
    ("horn", ["car_horn", "siren"], "car_horn"),
    ("honk", ["car_horn", "siren"], "car_horn"),
    ("birdsong", ["bird", "rain"], "bird"),
    ("robin", ["bird", "rain"], "bird"),
    ("the speaker", ["human_voice", "siren"], "human_voice"),
    ("voice", ["speech", "siren"], "speech"),
    ("talking", ["speech", "human_voice"], "speech"),
    ("traffic", ["street", "siren"], "street"),
    ("crying baby", ["crying_baby", "cat"], "crying_baby"),
    ("sirne", ["siren", "car_horn"], "siren"),
    ("the helicopter", ["siren", "car_horn"], None),
    ("make it pop", ["siren", "car_horn"], None),
    ("pop", ["park", "siren"], None),
    ("", ["siren"], None),
    ("siren", [], None),
])
def test_match_label(text: str, candidates: list[str], expected: str | None) -> None:
    assert match_label(text, candidates) == expected


def test_canonical_label() -> None:
    assert canonical_label("dogs barking") == "dog_bark"
    assert canonical_label("kitten") == "cat"
    assert canonical_label("jack hammer") == "jackhammer"
    assert canonical_label("quantum flux") is None


def test_split_request_keeps_between_and_swap_together() -> None:
    goal, clauses = split_request("swap the siren and the horn, then remove the dog between 2 and 4 seconds")
    assert goal is None and clauses == ["swap the siren and the horn", "remove the dog between 2 and 4 seconds"]
    assert split_request("remove the siren and the horn") == (None, ["remove the siren and the horn"])


def test_amounts() -> None:
    assert loudness_gain_db("a bit louder", 1)[0] == 3.0
    assert loudness_gain_db("much quieter", -1)[0] == -12.0
    assert loudness_gain_db("louder by 50%", 1)[0] == pytest.approx(3.52, abs=0.01)
    assert speed_factor("at 80% speed", -1)[0] == pytest.approx(0.8)
    assert speed_factor("1.5x", 1)[0] == 1.5
    assert number_value("twelve") == 12 and number_value("a couple of") == 2 and number_value("pop") is None


def _two_talkers_guitar_dog(has_stems: bool = False):
    from audioedit.scene import Event, SceneDescription

    events = [Event(id=f"foreground{k}_{label}", label=label, onset_s=0.0, offset_s=5.0)
              for k, label in enumerate(("speech", "speech", "guitar", "dog_bark"))]
    return SceneDescription(duration_s=5.0, sample_rate_hz=16000, num_channels=1, events=events, has_stems=has_stems,
                            events_from="stems" if has_stems else "annotation")


@pytest.mark.parametrize("request_text", ["make both speakers louder and turn the guitar down",
                                          "make both speakers louder and turn down the guitar and the dog"])
def test_both_x_and_then_a_verb_starts_a_new_clause(request_text: str) -> None:
    """'both ... and' keeps a pair together ('both the dog and the cat'), not a clause that begins with a verb."""
    plan = plan_rules(request_text, _two_talkers_guitar_dog())
    gains = {step.target.label: step.gain_db for step in plan.steps}
    assert gains["speech"] == 6.0 and gains["guitar"] == -6.0


def test_add_instructions_use_english_plurals() -> None:
    from audioedit.planner.templates import add_instruction

    assert add_instruction("sheep", 2, None, "foreground") == "Add 2 sheep."
    assert add_instruction("goose", 3, None, "foreground") == "Add 3 geese."
    assert add_instruction("dog_bark", 2, None, "foreground") == "Add 2 dog barks."
