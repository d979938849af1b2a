"""Goal-only requests over the scene knowledge base: the kinds of step each plan has, exactly.

A kind is ``op:what`` — ``add:<sound>``, ``remove:<label>``, ``loudness:<label>``, ``reverb:<room>``,
``eq:<preset>`` — in plan order.
"""

from __future__ import annotations

import pytest

from audioedit.errors import UserInputError
from audioedit.scene import Event, SceneDescription
from audioedit.steps import EditStepAdapter
from audioedit.planner.goals import goal_phrase
from audioedit.planner.rules import plan_rules
from audioedit.planner.scene_kb import KnowledgeBase, load_kb

BANK = ("bird", "speech", "dog_bark", "cat", "car_horn", "siren", "door_knock", "footsteps", "bell", "phone_ring",
        "traffic", "rain", "wind", "running_water", "dishes", "music", "crackling_fire", "crickets", "thunder",
        "cow", "sheep", "rooster", "chicken", "horse", "duck", "frog", "owl", "pig", "harbor", "car_engine", "train",
        "organ", "piano", "guitar", "cash_register", "crow", "vinyl_crackle", "coins", "glass_break", "fountain",
        "helicopter", "whale", "door")


def _ev(i: int, label: str, onset_s: float, offset_s: float, role: str = "foreground") -> Event:
    return Event(id=f"{role}{i}_{label}", label=label, onset_s=onset_s, offset_s=offset_s, role=role)


def _scene(*events: Event) -> SceneDescription:
    return SceneDescription(duration_s=10.0, sample_rate_hz=16000, num_channels=1, events=list(events),
                            has_stems=True, events_from="stems")


STREET = _scene(_ev(0, "traffic", 0, 10, "background"), _ev(0, "siren", 2, 7), _ev(1, "car_horn", 5, 5.7),
                _ev(2, "speech", 3, 4.5))
OFFICE = _scene(_ev(0, "air_conditioner", 0, 10, "background"), _ev(0, "phone_ring", 1, 2), _ev(1, "speech", 3, 6),
                _ev(2, "door_knock", 7, 7.5))
PARK = _scene(_ev(0, "wind", 0, 10, "background"), _ev(0, "bird", 1, 2), _ev(1, "dog_bark", 4, 4.6),
              _ev(2, "jackhammer", 6, 9))
SETUPS = {"S": (STREET, BANK), "O": (OFFICE, BANK), "P": (PARK, BANK), "N": (None, BANK)}


def kinds(plan) -> list[str]:
    out = []
    for s in plan.steps:
        what = {"add": "sound", "reverb": "room", "eq": "preset"}.get(s.op)
        out.append(f"{s.op}:{getattr(s, what) if what else s.target.label}")
    return out


CASES = [
    ('S', 'Make it sound like in a beach.', ['remove:car_horn', 'remove:siren', 'remove:traffic', 'add:bird', 'add:wind']),
    ('S', 'Make this sounds like a warm family time in a lively spring park.', ['remove:siren', 'loudness:traffic', 'loudness:car_horn', 'add:bird', 'add:dog_bark', 'add:fountain']),
    ('S', 'Make this sound like a race car competition.', ['loudness:speech', 'add:car_engine']),
    ('S', 'Make this sound like mountain cabin atmosphere', ['remove:traffic', 'remove:car_horn', 'remove:siren', 'add:crackling_fire', 'add:wind', 'add:footsteps', 'reverb:small_room']),
    ('S', 'Make this sound like a sunny day', ['remove:siren', 'loudness:traffic', 'loudness:car_horn', 'add:bird', 'add:dog_bark', 'add:fountain']),
    ('S', 'Make this sound like a busy office', ['remove:siren', 'add:phone_ring', 'add:footsteps', 'add:door_knock', 'reverb:medium_room']),
    ('S', 'Make this sound like in a spring forest.', ['remove:car_horn', 'remove:siren', 'remove:traffic', 'add:bird', 'add:wind', 'add:owl']),
    ('S', 'make it sound like a farm', ['remove:siren', 'remove:car_horn', 'remove:traffic', 'add:rooster', 'add:cow', 'add:sheep']),
    ('S', 'make it sound like a cafe', ['remove:siren', 'add:dishes', 'add:cash_register', 'add:music', 'reverb:medium_room']),
    ('S', 'make this sound like a restaurant', ['remove:siren', 'add:dishes', 'add:coins', 'add:music', 'reverb:medium_room']),
    ('S', 'make it feel like a crowded bar', ['add:music', 'add:glass_break', 'reverb:medium_room']),
    ('P', 'make it sound like a city street', ['add:traffic', 'add:car_horn', 'add:footsteps']),
    ('P', 'make this sound like a train station', ['remove:bird', 'add:train', 'add:speech', 'add:footsteps', 'reverb:large_hall']),
    ('P', 'make it sound like an airport', ['remove:bird', 'add:helicopter', 'add:speech', 'add:footsteps', 'reverb:large_hall']),
    ('P', 'make it sound like a construction site', ['remove:bird', 'add:door_knock', 'add:car_engine']),
    ('S', 'make it sound like a stadium', ['add:bell', 'reverb:large_hall']),
    ('S', 'make it sound like a rainy night', ['add:rain', 'add:thunder', 'add:wind']),
    ('S', 'make it sound like we are sitting by a campfire', ['remove:traffic', 'remove:car_horn', 'remove:siren', 'add:crackling_fire', 'add:crickets', 'add:guitar']),
    ('O', 'make it sound like a kitchen', ['add:dishes', 'add:running_water', 'reverb:small_room']),
    ('O', 'make it sound like a library', ['remove:phone_ring', 'loudness:speech', 'add:footsteps', 'reverb:large_hall']),
    ('O', 'make it sound like it was recorded in a church', ['remove:phone_ring', 'loudness:speech', 'add:organ', 'add:bell', 'add:footsteps', 'reverb:church']),
    ('O', 'make it sound like underwater', ['remove:phone_ring', 'add:whale', 'eq:underwater']),
    ('O', 'make it sound like a phone call', ['eq:telephone']),
    ('O', 'make it sound like an old radio', ['add:vinyl_crackle', 'eq:radio']),
    ('O', "make it sound like it's coming through the wall", ['eq:muffled']),
    ('S', 'make it sound like a river', ['remove:traffic', 'remove:car_horn', 'remove:siren', 'add:running_water', 'add:bird', 'add:frog']),
    ('P', 'make it sound like a quiet night', ['remove:jackhammer', 'add:crickets', 'add:owl', 'add:frog']),
    ('P', 'make it sound like a swamp', ['remove:jackhammer', 'add:frog', 'add:crickets', 'add:duck']),
    ('O', 'make it sound like a supermarket', ['add:cash_register', 'add:footsteps', 'add:music', 'reverb:large_hall']),
    ('O', 'make it sound like a school playground', ['add:bell', 'add:footsteps']),
    ('O', 'make it sound like a classroom', ['add:footsteps', 'add:door', 'reverb:medium_room']),
    ('O', 'make it sound like a living room', ['add:crackling_fire', 'add:cat', 'reverb:small_room']),
    ('P', 'make it sound like a factory', ['remove:bird', 'add:car_engine', 'add:door_knock', 'reverb:large_hall']),
    ('P', 'make it sound like a highway', ['remove:bird', 'add:traffic', 'add:car_engine', 'add:car_horn']),
    ('O', 'make it sound like inside a train', ['add:train', 'add:bell', 'reverb:small_room', 'eq:darker']),
    ('S', 'make it sound like a concert hall', ['remove:traffic', 'remove:car_horn', 'remove:siren', 'add:music', 'add:piano', 'reverb:large_hall']),
    ('S', 'turn this into a cave', ['remove:traffic', 'remove:car_horn', 'add:running_water', 'add:wind', 'reverb:church']),
    ('O', 'make it sound like a desert', ['add:wind', 'add:crow']),
    ('S', 'put it in a haunted house', ['remove:car_horn', 'add:door', 'add:wind', 'add:owl', 'reverb:large_hall']),
    ('O', 'make it a bathroom', ['add:running_water', 'reverb:small_room']),
    ('S', 'make it a jungle atmosphere', ['remove:car_horn', 'remove:siren', 'remove:traffic', 'add:bird', 'add:wind', 'add:owl']),
    ('O', 'make it sound like a zoo', ['add:bird', 'add:horse', 'add:duck']),
    ('S', 'make it busier', ['add:footsteps', 'add:door_knock']),
    ('O', 'make it livelier', ['add:footsteps', 'add:traffic']),
    ('P', 'make this more cinematic', ['add:music', 'reverb:large_hall']),
    ('S', 'make it less cluttered', ['remove:car_horn', 'remove:siren', 'loudness:traffic']),
    ('O', 'make it less cluttered', ['remove:door_knock', 'remove:phone_ring', 'loudness:air_conditioner']),
    ('N', 'make it sound like a beach', ['add:bird', 'add:wind', 'add:speech']),
    ('N', 'make it sound like a church', ['add:organ', 'add:bell', 'add:footsteps', 'reverb:church']),
]


@pytest.mark.parametrize("setup,request_text,expected", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_goal_plan_kinds(setup, request_text, expected):
    scene, bank = SETUPS[setup]
    plan = plan_rules(request_text, scene, bank)
    assert kinds(plan) == expected
    assert not plan.unresolved and plan.assumptions
    assert 1 <= len(plan.steps) <= 8
    for step in plan.steps:
        assert EditStepAdapter.validate_json(step.model_dump_json()) == step


def test_goal_table_is_large_and_covers_every_kind():
    assert len(CASES) >= 40
    seen = {k.split(":")[0] for c in CASES for k in c[2]}
    assert {"add", "remove", "loudness", "reverb", "eq"} <= seen


def test_goal_phrase_leaves_plain_edits_to_the_op_parsers():
    for text in ("make it 3 dB quieter", "make it a bit louder", "make the dog quieter", "remove the siren"):
        plan = plan_rules(text, STREET, BANK)
        assert all(s.op not in ("reverb", "eq") for s in plan.steps), text
    assert goal_phrase("make this sound like a busy office") == "a busy office"
    assert goal_phrase("remove the siren") is None


@pytest.mark.parametrize("text", ["make it sound like a spaceship bridge", "make it sound like a space station"])
def test_unknown_scene_is_unresolved_and_lists_the_known_ones(text):
    plan = plan_rules(text, STREET, BANK)  # "space station" shares a word with "train station": not enough
    assert not plan.steps and "no known scene" in plan.unresolved[0].reason and "beach" in plan.unresolved[0].reason


@pytest.mark.parametrize("text, scene", [
    ("make it sound like the open sea", "beach"),
    ("make it sound like it was recorded outside", "outdoors"),  # an alias of the outdoors scene
])
def test_a_goal_in_other_words_is_read_as_the_nearest_scene_and_says_so(text, scene):
    plan = plan_rules(text, STREET, BANK)
    assert plan.steps and not plan.unresolved
    assert any(f"read as the goal '{scene}'" in a for a in plan.assumptions)
    nearest = [a for a in plan.assumptions if "read as the nearest one" in a]
    assert (scene == "outdoors") == (not nearest)  # the fallback is said only when no alias matched
    assert all(f"'{scene}' (sentence similarity" in a for a in nearest)


def test_sounds_the_bank_lacks_are_said_and_never_added():
    plan = plan_rules("make it sound like a beach", None, ("bird", "wind"))
    assert [s.sound for s in plan.steps] == ["bird", "wind"]
    text = " ".join(plan.assumptions)
    assert "no sea waves" in text and "bird stands in for" in text


def test_not_all_at_once_and_at_most_eight_steps():
    kb = load_kb()
    plan = plan_rules("make it sound like a farm", None, BANK)
    assert sum(s.op == "add" for s in plan.steps) == kb.max_adds
    assert any("not all at once" in a and "bird" in a for a in plan.assumptions)
    for entry in kb.entries():
        p = plan_rules(f"make it sound like {entry.aliases[0]}", STREET, BANK)
        assert len(p.steps) <= 8, entry.name


def test_every_scene_is_reachable_by_one_of_its_aliases():
    kb = load_kb()
    for entry in kb.scenes:
        assert kb.find(f"make it sound like a {entry.aliases[0]}").name == entry.name


def test_knowledge_base_is_validated_on_load(tmp_path):
    kb = load_kb()
    data = kb.model_dump()
    broken = dict(data, scenes=data["scenes"][:10])
    with pytest.raises(ValueError):
        KnowledgeBase(**broken)
    clash = dict(data)
    clash["scenes"] = [dict(data["scenes"][0], clashes=["wind"])] + data["scenes"][1:]
    with pytest.raises(ValueError, match="both belong and clash"):
        KnowledgeBase(**clash)
    path = tmp_path / "bad.yaml"
    path.write_text("scenes: [{name: x, aliases: []}]\n")
    with pytest.raises(UserInputError, match="invalid"):
        load_kb(str(path))


def test_scene_sounds_in_the_starter_bank_are_real_and_permissively_licensed():
    from audioedit.bank import starter_bank

    bank = starter_bank()
    scenes = bank.roots[1]
    assert scenes.name == "bank_scenes"
    credits = (scenes / "CREDITS.md").read_text(encoding="utf-8")
    for path in scenes.rglob("*.flac"):
        assert f"`{path.relative_to(scenes).as_posix()}`" in credits, path
    rows = [r for r in credits.splitlines() if "_real_scene_" in r]
    assert len(rows) >= 25
    allowed = ("CC0", "CC-BY-3.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "GPL-2", "GPL-3", "public-domain", "MIT")
    for row in rows:
        licence = row.split(" | ")[3]
        assert licence.startswith(allowed) and "Pixabay" not in row, row
    for label in ("crackling_fire", "crickets", "harbor", "car_engine", "organ", "rooster", "cow"):
        assert label in bank.labels() and not bank.info(label).synthetic
    assert bank.canonical("a crackling fire") == "crackling_fire"


def test_detected_clashes_are_reported_not_removed():
    detected = STREET.model_copy(update={"events_from": "detected", "has_stems": False})
    plan = plan_rules("make it sound like a forest", detected, BANK)
    assert kinds(plan) == ["add:bird", "add:wind", "add:owl"]
    assert any("siren was detected" in a and "left" in a for a in plan.assumptions)


def test_grounding_labels_are_the_goals_sounds_and_clashes():
    from audioedit.planner.goals import grounding_labels

    labels = grounding_labels("Make this sound like a busy office")
    assert labels[:3] == ["typing", "phone_ring", "speech"] and "bird" in labels and "siren" in labels
    assert grounding_labels("remove the siren") == []


def test_the_synth_benchmark_bank_keeps_its_fixed_vocabulary():
    from audioedit.synth import open_bank

    synth = set(open_bank("starter").labels()) | set(open_bank("starter").labels("background"))
    assert "crackling_fire" not in synth and "cow" not in synth and {"bird", "siren", "rain"} <= synth


FX_CASES = [
    ("make it sound muffled", ["eq:muffled"], "recording"),
    ("make the speech more muffled", ["eq:muffled"], "events"),
    ("change the timbre of the sound of a man speaking at the left to be more muffled", ["eq:muffled"], "events"),
    ("reverb the sound of man speech at the left with reverb level 5", ["reverb:medium_room"], "events"),
    ("add some reverb", ["reverb:medium_room"], "recording"),
    ("add a church reverb to the speech", ["reverb:church"], "events"),
    ("make it sound like a telephone", ["eq:telephone"], "recording"),
    ("make the siren brighter", ["eq:brighter"], "events"),
    ("make the whole recording sound like an old radio", ["add:vinyl_crackle", "eq:radio"], None),
]


@pytest.mark.parametrize("request_text,expected,scope", FX_CASES, ids=[c[0] for c in FX_CASES])
def test_explicit_room_and_timbre_requests(request_text, expected, scope):
    plan = plan_rules(request_text, STREET, BANK)
    assert kinds(plan) == expected and not plan.unresolved
    if scope is not None:
        assert plan.steps[-1].target.scope == scope


def test_reverb_level_maps_to_the_wet_level():
    (step,) = plan_rules("reverb the speech with reverb level 5", STREET, BANK).steps
    assert step.wet_level == 0.5 and step.target.event_ids == ["foreground2_speech"]
