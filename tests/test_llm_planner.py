"""The LLM planner against a real HTTP chat-completions server on 127.0.0.1 (scripted replies),
through the real ``openai`` SDK and the real langchain ``ChatOpenAI``."""

from __future__ import annotations

import json
import socket

import pytest

pytest.importorskip("openai")
pytest.importorskip("langchain_openai")

from audioedit.errors import PlanError  # noqa: E402
from audioedit.evals.fixtures import street_scene  # noqa: E402
from audioedit.planner.llm import ENV, NO_ENDPOINT_NOTE, LLMOptions, make_llm_plan, plan_with_llm  # noqa: E402
from tests.scripted_chat import ScriptedChatServer, ScriptedReply  # noqa: E402

SOUNDS = ["bird", "rain", "dog_bark", "siren"]
CLIENTS = ["openai", "langchain"]
GOOD = json.dumps({
    "steps": [
        {"op": "remove", "id": "a", "instruction": "Remove the siren.", "source_text": "drop the ambulance",
         "target": {"label": "ambulance"}},
        {"op": "loudness", "id": "b", "instruction": "Make the horn 6 dB quieter.", "source_text": "horn down",
         "target": {"label": "horn", "event_ids": ["foreground1_car_horn"]}, "gain_db": -6},
        {"op": "add", "id": "c", "instruction": "Add birdsong near the end.", "source_text": "birds near the end",
         "sound": "birdsong", "at_s": 8.0},
    ],
    "assumptions": ["'near the end' = 8 s"],
})


@pytest.fixture(autouse=True)
def _no_env_endpoint(monkeypatch):
    for var in ENV.values():
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def scene():
    return street_scene().describe()


def options(server: ScriptedChatServer, client: str, **kw) -> LLMOptions:
    return LLMOptions(base_url=server.base_url, model=server.model, api_key="test-key", client=client,
                      timeout_s=10, **kw)


@pytest.mark.parametrize("client", CLIENTS)
def test_valid_plan_is_grounded_in_the_scene(client, scene):
    with ScriptedChatServer([GOOD], api_key="test-key") as server:
        plan = plan_with_llm("drop the ambulance, horn down, birds near the end", scene, SOUNDS, options(server, client))
    assert plan.planner == "llm:scripted-model"
    assert [s.op for s in plan.steps] == ["remove", "loudness", "add"]
    assert [s.id for s in plan.steps] == ["s1", "s2", "s3"]
    assert plan.steps[0].target.label == "siren" and plan.steps[0].target.event_ids == ["foreground0_siren"]
    assert plan.steps[0].target.text == "ambulance"
    assert plan.steps[1].target.label == "car_horn" and plan.steps[1].gain_db == -6
    assert plan.steps[2].sound == "bird"
    assert plan.assumptions == ["'near the end' = 8 s"] and plan.unresolved == []
    sent = server.requests[0]
    system = sent["messages"][0]["content"]
    assert "foreground0_siren | siren" in system and "Addable sounds: bird, dog_bark, rain, siren" in system
    assert sent["messages"][1]["content"].endswith("birds near the end")
    assert sent["response_format"]["type"] == "json_schema"  # structured outputs tried first


@pytest.mark.parametrize("client", CLIENTS)
def test_invalid_json_is_repaired_with_the_error_shown(client, scene):
    with ScriptedChatServer(["Sure! Here is the plan: {steps: [", GOOD]) as server:
        plan = plan_with_llm("drop the ambulance", scene, SOUNDS, options(server, client))
    assert len(plan.steps) == 3
    assert len(server.requests) == 2
    retry = server.requests[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "Sure! Here is the plan: {steps: ["}
    assert "not a valid plan" in retry[-1]["content"] and "not JSON" in retry[-1]["content"]


@pytest.mark.parametrize("client", CLIENTS)
def test_schema_errors_exhaust_the_retries_then_plan_error(client, scene):
    bad = json.dumps({"steps": [{"op": "loudness", "id": "s1", "instruction": "louder", "target": {"label": "siren"}}]})
    with ScriptedChatServer([bad] * 3) as server:
        with pytest.raises(PlanError, match="3 attempts.*gain_db"):
            plan_with_llm("make the siren louder", scene, SOUNDS, options(server, client, max_retries=2))
    assert len(server.requests) == 3
    assert "gain_db" in server.requests[2]["messages"][-1]["content"]  # the validation error reached the model


@pytest.mark.parametrize("client", CLIENTS)
def test_falls_back_to_tool_calling_then_json_mode(client, scene):
    reject = [ScriptedReply(status=400, error="response_format json_schema is not supported", when_response_format="json_schema")]
    with ScriptedChatServer([*reject, GOOD]) as server:
        plan = plan_with_llm("drop the ambulance", scene, SOUNDS, options(server, client))
    assert len(plan.steps) == 3
    assert server.requests[1]["tool_choice"]["function"]["name"] == "submit_plan"

    no_tools = ScriptedReply(status=400, error="tools are not supported")
    with ScriptedChatServer([*reject, no_tools, GOOD]) as server:
        plan = plan_with_llm("drop the ambulance", scene, SOUNDS, options(server, client))
    assert len(plan.steps) == 3
    last = server.requests[2]
    assert last["response_format"]["type"] == "json_object"
    assert "JSON schema" in last["messages"][0]["content"]  # JSON mode carries the schema in the prompt


def test_unknown_labels_and_sounds_go_to_unresolved(scene):
    reply = json.dumps({"steps": [
        {"op": "remove", "id": "s1", "instruction": "Remove the trumpet.", "source_text": "remove the trumpet",
         "target": {"label": "trumpet"}},
        {"op": "add", "id": "s2", "instruction": "Add a whale.", "source_text": "add a whale", "sound": "whale"},
        {"op": "speed", "id": "s3", "instruction": "Speed up the dog.", "source_text": "dog faster",
         "target": {"label": "dog"}, "factor": 1.25},
    ]})
    with ScriptedChatServer([reply]) as server:
        plan = plan_with_llm("remove the trumpet, add a whale, dog faster", scene, SOUNDS, options(server, "openai"))
    assert [(s.id, s.op, s.target.label, s.target.event_ids) for s in plan.steps] == [
        ("s1", "speed", "dog_bark", ["foreground2_dog_bark"])]
    reasons = {u.text: u.reason for u in plan.unresolved}
    assert "no 'trumpet' in the recording" in reasons["remove the trumpet"]
    assert "no sound 'whale' to add" in reasons["add a whale"]


def test_environment_configures_the_endpoint(monkeypatch, scene):
    with ScriptedChatServer([GOOD]) as server:
        monkeypatch.setenv(ENV["base_url"], server.base_url)
        monkeypatch.setenv(ENV["model"], "env-model")
        monkeypatch.setenv(ENV["client"], "langchain")
        plan = make_llm_plan("drop the ambulance", scene, SOUNDS)
    assert plan.planner == "llm:env-model"
    assert server.requests[0]["model"] == "env-model"
    assert NO_ENDPOINT_NOTE not in plan.assumptions


def test_without_an_endpoint_the_rules_planner_is_used_and_noted(scene):
    plan = make_llm_plan("remove the siren", scene, SOUNDS)
    assert plan.planner == "rules"
    assert plan.assumptions[0] == NO_ENDPOINT_NOTE
    assert plan.steps[0].op == "remove" and plan.steps[0].target.event_ids == ["foreground0_siren"]


def test_make_plan_dispatches_llm_backend(scene):
    from audioedit.planner import BACKENDS, make_plan

    if "llm" not in BACKENDS:
        pytest.skip("planner/__init__.py has no llm backend registered yet")
    assert make_plan("remove the siren", scene, SOUNDS, backend="llm").assumptions[0] == NO_ENDPOINT_NOTE
    with ScriptedChatServer([GOOD]) as server:
        plan = make_plan("drop the ambulance", scene, SOUNDS, backend="llm", base_url=server.base_url, model="m")
    assert plan.planner == "llm:m" and len(plan.steps) == 3


def test_unreachable_endpoint_is_a_plan_error(scene):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    opts = LLMOptions(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout_s=2)
    with pytest.raises(PlanError, match="cannot reach"):
        plan_with_llm("remove the siren", scene, SOUNDS, opts)


GOAL_REPLY = json.dumps({
    "steps": [
        {"op": "remove", "id": "a", "instruction": "Remove the siren.", "source_text": "sound like a mountain cabin",
         "target": {"label": "siren"}},
        {"op": "add", "id": "b", "instruction": "Add a crackling fire in the background.",
         "source_text": "sound like a mountain cabin", "sound": "crackling_fire", "role": "background", "snr_db": -4},
        {"op": "reverb", "id": "c", "instruction": "Add small room reverb to the whole recording.",
         "source_text": "sound like a mountain cabin", "target": {"label": "recording", "scope": "recording"},
         "room": "small_room"},
        {"op": "eq", "id": "d", "instruction": "Make the whole recording sound darker.",
         "source_text": "sound like a mountain cabin", "target": {"label": "recording", "scope": "recording"},
         "preset": "darker"},
    ],
    "assumptions": ["a mountain cabin: fire, wind, small room"],
})


@pytest.mark.parametrize("client", CLIENTS)
def test_goal_plan_with_reverb_and_eq_validates_and_the_prompt_has_the_knowledge_base(client, scene):
    with ScriptedChatServer([GOAL_REPLY], api_key="test-key") as server:
        plan = plan_with_llm("make it sound like a mountain cabin", scene, SOUNDS + ["crackling_fire"],
                             options(server, client))
    assert [s.op for s in plan.steps] == ["remove", "add", "reverb", "eq"]
    assert plan.steps[2].room == "small_room" and plan.steps[2].target.scope == "recording"
    assert plan.steps[3].preset == "darker"
    system = server.requests[0]["messages"][0]["content"]
    assert "Scene knowledge base" in system and "- mountain cabin: add [crackling_fire(b," in system
    assert "crackling_fire" in system.split("Addable sounds:")[1].splitlines()[0]
    assert '"reverb"' in json.dumps(server.requests[0]["response_format"])  # the schema has the new ops


@pytest.mark.parametrize("client", CLIENTS)
def test_goal_plan_with_an_unknown_preset_is_rejected_and_repaired(client, scene):
    bad = json.loads(GOAL_REPLY)
    bad["steps"][3]["preset"] = "vintage"
    with ScriptedChatServer([json.dumps(bad), GOAL_REPLY], api_key="test-key") as server:
        plan = plan_with_llm("make it sound like a mountain cabin", scene, SOUNDS + ["crackling_fire"],
                             options(server, client))
    assert [s.op for s in plan.steps][-1] == "eq" and len(server.requests) == 2
    assert "preset" in server.requests[1]["messages"][-1]["content"]


def test_a_move_is_in_the_schema_and_the_prompt_validated_grounded_and_checked_where_it_lands(scene):
    both = {"op": "move", "id": "s1", "instruction": "Move the dog.", "source_text": "move the dog to the end",
            "target": {"label": "dog"}, "to": "end", "by_s": 2.0}  # two destinations: the schema refuses it
    good = json.dumps({"steps": [
        {**both, "by_s": None},
        {"op": "move", "id": "s2", "instruction": "Move the siren to 20 s.", "source_text": "siren to 20 s",
         "target": {"label": "siren"}, "to_s": 20.0},
    ]})
    with ScriptedChatServer([json.dumps({"steps": [both]}), good]) as server:
        plan = plan_with_llm("move the dog to the end and the siren to 20 s", scene, SOUNDS, options(server, "openai"))
    assert len(server.requests) == 2 and "exactly one of to_s, to, by_s" in server.requests[1]["messages"][-1]["content"]
    assert [(s.op, s.target.event_ids, s.to) for s in plan.steps] == [("move", ["foreground2_dog_bark"], "end")]
    assert "past the end of the 10 s recording" in plan.unresolved[0].reason
    system = server.requests[0]["messages"][0]["content"]
    assert "- move:" in system and '"move"' in json.dumps(server.requests[0]["response_format"])
