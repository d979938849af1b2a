"""Agent integrations with real clients: OpenAI tool calls (openai SDK against a scripted chat server on
127.0.0.1), the langchain tool, and the MCP server over stdio (the ``mcp`` client launching ``audioedit mcp``)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import soundfile as sf

pytest.importorskip("openai")
pytest.importorskip("langchain_core")
pytest.importorskip("mcp")

from audioedit.agents.tools import AudioTools, execute_tool_calls, langchain_edit_tool, openai_tools  # noqa: E402
from audioedit.scene import save_scene  # noqa: E402
from audioedit.evals.fixtures import street_scene  # noqa: E402
from tests.scripted_chat import ScriptedChatServer, ScriptedReply  # noqa: E402


@pytest.fixture
def root(tmp_path) -> Path:
    save_scene(street_scene(duration_s=10.0), tmp_path / "street.wav")
    (tmp_path.parent / "secret.wav").write_bytes((tmp_path / "street.wav").read_bytes())
    return tmp_path


def test_tool_schemas_come_from_the_argument_models():
    tools = {t["function"]["name"]: t["function"] for t in openai_tools()}
    assert set(tools) == {"edit_audio", "plan_edit", "describe_audio"}
    edit = tools["edit_audio"]["parameters"]
    assert edit["type"] == "object" and set(edit["required"]) == {"audio", "request"}
    assert edit["properties"]["planner"]["enum"] == ["rules", "llm"]
    assert "Edit an audio file" in tools["edit_audio"]["description"]


def test_tool_calls_from_a_chat_completion_are_executed(root):
    import openai

    args = {"audio": "street.wav", "request": "remove the siren", "annotation": "street.jams",
            "stems": "street_events", "output": "calm.wav"}
    script = [ScriptedReply(json.dumps(args), tool="edit_audio"),
              ScriptedReply(json.dumps({"audio": "../secret.wav"}), tool="describe_audio")]
    with ScriptedChatServer(script) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=10)
        messages = [{"role": "user", "content": "Please remove the siren from street.wav"}]
        first = client.chat.completions.create(model=server.model, messages=messages, tools=openai_tools())
        results = execute_tool_calls(first, AudioTools(root))
        second = client.chat.completions.create(model=server.model, messages=messages, tools=openai_tools())
        refused = execute_tool_calls(second.choices[0].message, AudioTools(root))
    assert server.requests[0]["tools"][0]["function"]["name"] == "edit_audio"
    assert results[0]["role"] == "tool" and results[0]["tool_call_id"] == first.choices[0].message.tool_calls[0].id
    outcome = json.loads(results[0]["content"])
    assert outcome["status"] == "ok" and outcome["output"] == "calm.wav" and outcome["report"] == "calm.json"
    assert sf.info(str(root / "calm.wav")).frames == 160000
    assert [s["op"] for s in outcome["steps"]] == ["remove"]
    error = json.loads(refused[0]["content"])
    assert "outside the allowed directory" in error["error"] and error["type"] == "UserInputError"


def test_langchain_tool_invoke(root):
    tool = langchain_edit_tool(AudioTools(root))
    assert tool.name == "edit_audio" and "request" in tool.args
    result = tool.invoke({"audio": "street.wav", "request": "make the dog 6 dB louder", "annotation": "street.jams",
                          "stems": "street_events"})
    assert result["status"] == "ok" and result["output"] == "street_edited.wav"
    assert (root / "street_edited.wav").is_file()
    again = tool.invoke({"audio": "street.wav", "request": "remove the dog", "output": "street_edited.wav"})
    assert "already exists" in again["error"]


def test_mcp_server_over_stdio(root):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    async def session() -> tuple:
        params = StdioServerParameters(command=sys.executable, args=["-m", "audioedit.cli", "mcp", "--root", str(root)])
        async with Client(params, read_timeout_seconds=60) as client:
            listed = await client.list_tools()
            plan = await client.call_tool("plan_edit", {"audio": "street.wav", "request": "remove the siren",
                                                        "annotation": "street.jams"})
            outside = await client.call_tool("describe_audio", {"audio": "../secret.wav"})
            return listed, plan, outside

    listed, plan, outside = asyncio.run(asyncio.wait_for(session(), timeout=90))
    assert {t.name for t in listed.tools} == {"edit_audio", "plan_edit", "describe_audio"}
    assert not plan.is_error
    step = plan.structured_content["steps"][0]
    assert step["op"] == "remove" and step["target"]["event_ids"] == ["foreground0_siren"]
    assert outside.is_error and "outside the allowed directory" in outside.content[0].text
