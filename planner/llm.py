"""The LLM planner: request + scene description -> ``Plan``, via any OpenAI-compatible endpoint.

Two clients, same behaviour: the ``openai`` SDK (``client="openai"``) or langchain's
``ChatOpenAI(...).with_structured_output(...)`` (``client="langchain"``). The endpoint comes from
``LLMOptions`` or the environment:

| option | env var | |
|---|---|---|
| base_url | AUDIOEDIT_LLM_BASE_URL | e.g. ``http://127.0.0.1:8080/v1`` |
| model | AUDIOEDIT_LLM_MODEL | required once an endpoint is configured |
| api_key | AUDIOEDIT_LLM_API_KEY | optional for local servers |
| client | AUDIOEDIT_LLM_CLIENT | ``openai`` (default) or ``langchain`` |

Output format, tried in order (``mode="auto"``) until the server accepts one: structured
outputs (``response_format=json_schema``), tool calling (a forced ``submit_plan`` function), JSON
mode (``json_object`` with the schema in the prompt). A reply that is not valid JSON or fails the
pydantic schema is shown back to the model with the validation error, at most ``max_retries``
times; then ``PlanError``. Valid steps are grounded in the scene (``audioedit.planner.llm_ground``).

    plan = plan_with_llm("drop the siren", scene_description, sounds=["bird", "rain"],
                         options=LLMOptions(base_url="http://127.0.0.1:8080/v1", model="qwen"))
    plan.planner   # 'llm:qwen'

``make_llm_plan`` is what ``audioedit.planner.make_plan(..., backend="llm")`` calls: without a configured
endpoint it plans with the rules planner and says so in ``plan.assumptions``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from audioedit.errors import PlanError, UserInputError
from audioedit.scene import SceneDescription
from audioedit.steps import Plan

from audioedit.planner import SceneInput
from audioedit.planner.llm_ground import ground_steps
from audioedit.planner.llm_prompt import LLMPlanOutput, build_messages, output_schema, repair_message

log = logging.getLogger(__name__)
Mode = Literal["json_schema", "tools", "json_object"]
MODES: tuple[Mode, ...] = ("json_schema", "tools", "json_object")
ENV = {"base_url": "AUDIOEDIT_LLM_BASE_URL", "model": "AUDIOEDIT_LLM_MODEL",
       "api_key": "AUDIOEDIT_LLM_API_KEY", "client": "AUDIOEDIT_LLM_CLIENT"}
INSTALL_HINT = "pip install 'audioedit[llm]'  (openai, langchain-openai)"
NO_ENDPOINT_NOTE = (
    "the LLM planner was asked for but no endpoint is configured (set AUDIOEDIT_LLM_BASE_URL and "
    "AUDIOEDIT_LLM_MODEL): planned with the rules planner"
)
TOOL_NAME = "submit_plan"


class LLMOptions(BaseModel):
    """Where and how to ask the model. ``None`` fields are read from the environment (``ENV``)."""

    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    client: Literal["openai", "langchain"] | None = None
    mode: Literal["auto", "json_schema", "tools", "json_object"] = "auto"
    max_retries: int = Field(2, ge=0, le=10, description="repair rounds after an invalid reply")
    timeout_s: float = Field(60.0, gt=0)
    temperature: float = Field(0.0, ge=0, le=2)

    def with_env(self) -> LLMOptions:
        filled = {k: os.environ.get(var) or None for k, var in ENV.items() if getattr(self, k) is None}
        return self.model_copy(update={k: v for k, v in filled.items() if v is not None})

    @property
    def configured(self) -> bool:
        """An endpoint is configured once a base URL or an API key is known."""
        return bool(self.base_url or self.api_key)


def resolve_options(options: LLMOptions | None = None, **overrides: Any) -> LLMOptions:
    """``options`` updated by ``overrides`` and then filled from the environment."""
    base = options or LLMOptions()
    unknown = sorted(set(overrides) - set(LLMOptions.model_fields))
    if unknown:
        raise UserInputError(f"unknown LLM planner option(s) {unknown}; accepted: {sorted(LLMOptions.model_fields)}")
    try:
        merged = LLMOptions.model_validate({**base.model_dump(), **overrides})
    except ValidationError as exc:
        raise UserInputError(f"invalid LLM planner options: {_errors(exc)}") from None
    return merged.with_env()


# --------------------------------------------------------------------------------------------
# entry points


def make_llm_plan(request: str, scene: SceneInput = None, sounds: Sequence[str] = (), **options: Any) -> Plan:
    """``audioedit.planner.make_plan``'s ``llm`` backend: the LLM plan, or the rules plan (noted) without an endpoint."""
    llm_options = options.pop("llm_options", None)
    if scene is not None and hasattr(scene, "describe"):  # a Scene: the planner sees its description
        scene = scene.describe()
    resolved = resolve_options(llm_options, **options)
    if not resolved.configured:
        from audioedit.planner import make_plan

        log.info("no LLM endpoint configured; using the rules planner")
        plan = make_plan(request, scene, sounds=sounds, backend="rules")
        return plan.model_copy(update={"assumptions": [NO_ENDPOINT_NOTE, *plan.assumptions]})
    return plan_with_llm(request, scene, sounds, resolved)


def plan_with_llm(
    request: str,
    scene: SceneDescription | None = None,
    sounds: Sequence[str] = (),
    options: LLMOptions | None = None,
    **overrides: Any,
) -> Plan:
    """Ask the model for a plan, repair invalid replies up to ``max_retries`` times, ground it."""
    if not request or not request.strip():
        raise UserInputError("the request is empty; say what to change, e.g. 'remove the siren'")
    opts = resolve_options(options, **overrides)
    if scene is not None and hasattr(scene, "describe"):
        scene = scene.describe()
    if not opts.configured:
        raise UserInputError(f"no LLM endpoint: set {ENV['base_url']} (and {ENV['model']}) or pass base_url")
    if not opts.model:
        raise UserInputError(f"no LLM model named: set {ENV['model']} or pass model=")
    chat = _LangchainChat(opts) if opts.client == "langchain" else _OpenAIChat(opts)
    messages = build_messages(request, scene, sounds)
    last_error = ""
    for attempt in range(1, opts.max_retries + 2):
        text = chat.complete(messages)
        try:
            output = parse_output(text)
        except ValueError as exc:
            last_error = str(exc)
            log.info("LLM plan attempt %d invalid: %s", attempt, last_error)
            messages = [*messages, {"role": "assistant", "content": text}, repair_message(last_error)]
            continue
        steps, unresolved, notes = ground_steps(output.steps, scene, sounds)
        return Plan(
            request=request,
            steps=steps,
            planner=f"llm:{opts.model}",
            assumptions=[*output.assumptions, *notes],
            unresolved=[*output.unresolved, *unresolved],
            scene=scene,
        )
    raise PlanError(
        f"the LLM ({opts.model} at {opts.base_url or 'the default endpoint'}) gave no valid plan in "
        f"{opts.max_retries + 1} attempts; last error: {last_error}"
    )


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_output(text: str) -> LLMPlanOutput:
    """The model's reply as ``LLMPlanOutput``; ``ValueError`` saying what is wrong otherwise."""
    match = _FENCE.match(text or "")
    body = match.group(1) if match else (text or "").strip()
    if not body:
        raise ValueError("the reply was empty; expected a JSON object with 'steps'")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not JSON ({exc}); reply with a JSON object only") from None
    if isinstance(data, list):
        data = {"steps": data}
    if not isinstance(data, dict):
        raise ValueError(f"the reply is JSON {type(data).__name__}; expected an object with 'steps'")
    try:
        return LLMPlanOutput.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"the JSON does not match the plan schema: {_errors(exc)}") from None


def _errors(exc: ValidationError, limit: int = 8) -> str:
    items = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()[:limit]]
    more = len(exc.errors()) - limit
    return "; ".join(items) + (f"; and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------------------------
# transports


class _Chat:
    """One chat call per ``complete``; remembers which output mode the server accepted."""

    def __init__(self, options: LLMOptions) -> None:
        self.options = options
        self.modes: list[Mode] = list(MODES) if options.mode == "auto" else [options.mode]
        self.rejections: list[str] = []

    def complete(self, messages: list[dict]) -> str:
        import openai

        while self.modes:
            mode = self.modes[0]
            try:
                return self._call(_messages_for(messages, mode), mode)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                self.rejections.append(f"{mode}: {_api_message(exc)}")
                log.info("LLM endpoint rejected output mode %s: %s", mode, exc)
                self.modes.pop(0)
            except openai.AuthenticationError as exc:
                raise UserInputError(f"the LLM endpoint refused the API key ({_api_message(exc)}); "
                                     f"check {ENV['api_key']}") from None
            except openai.APIConnectionError as exc:
                raise PlanError(f"cannot reach the LLM endpoint {self.options.base_url!r}: {exc}") from None
            except openai.APIStatusError as exc:
                raise PlanError(f"the LLM endpoint failed (HTTP {exc.status_code}): {_api_message(exc)}") from None
        raise PlanError(f"the LLM endpoint accepted none of the output modes: {'; '.join(self.rejections)}")

    def _call(self, messages: list[dict], mode: Mode) -> str:
        raise NotImplementedError


def _messages_for(messages: list[dict], mode: Mode) -> list[dict]:
    if mode != "json_object":
        return messages
    schema = "\n\nThe reply must validate against this JSON schema:\n" + json.dumps(output_schema())
    return [{**messages[0], "content": messages[0]["content"] + schema}, *messages[1:]]


def _api_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error", {}).get("message") or body)
    return str(exc)


class _OpenAIChat(_Chat):
    """The ``openai`` SDK's chat completions."""

    def __init__(self, options: LLMOptions) -> None:
        super().__init__(options)
        try:
            import openai
        except ImportError as exc:
            raise ImportError(f"the LLM planner needs the openai SDK: {INSTALL_HINT}") from exc
        self.client = openai.OpenAI(base_url=options.base_url, api_key=options.api_key or "not-needed",
                                    timeout=options.timeout_s, max_retries=1)

    def _call(self, messages: list[dict], mode: Mode) -> str:
        kwargs: dict[str, Any] = {"model": self.options.model, "messages": messages,
                                  "temperature": self.options.temperature}
        if mode == "json_schema":
            kwargs["response_format"] = {"type": "json_schema",
                                         "json_schema": {"name": "edit_plan", "schema": output_schema(), "strict": False}}
        elif mode == "tools":
            kwargs["tools"] = [_plan_tool()]
            kwargs["tool_choice"] = {"type": "function", "function": {"name": TOOL_NAME}}
        else:
            kwargs["response_format"] = {"type": "json_object"}
        response = self.client.chat.completions.create(**kwargs)
        message = response.choices[0].message
        if message.tool_calls:
            return message.tool_calls[0].function.arguments or ""
        return message.content or ""


def _plan_tool() -> dict:
    return {"type": "function", "function": {
        "name": TOOL_NAME, "description": "Submit the edit plan for the request.", "parameters": output_schema()}}


class _LangchainChat(_Chat):
    """langchain's ``ChatOpenAI(...).with_structured_output(schema, method=..., include_raw=True)``."""

    METHODS = {"json_schema": "json_schema", "tools": "function_calling", "json_object": "json_mode"}

    def __init__(self, options: LLMOptions) -> None:
        super().__init__(options)
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise ImportError(f"the langchain LLM client needs langchain-openai: {INSTALL_HINT}") from exc
        self.llm = ChatOpenAI(model=options.model, base_url=options.base_url, api_key=options.api_key or "not-needed",
                              temperature=options.temperature, timeout=options.timeout_s, max_retries=1)

    def _call(self, messages: list[dict], mode: Mode) -> str:
        schema = _plan_tool()["function"]
        runnable = self.llm.with_structured_output(schema, method=self.METHODS[mode], include_raw=True)
        result = runnable.invoke(messages)
        if result.get("parsed") is not None:
            return json.dumps(result["parsed"])
        return _raw_text(result["raw"])


def _raw_text(message: Any) -> str:
    """The model's text (or tool-call arguments) from a langchain ``AIMessage``."""
    calls = (getattr(message, "additional_kwargs", None) or {}).get("tool_calls") or []
    if calls:
        return calls[0].get("function", {}).get("arguments") or ""
    invalid = getattr(message, "invalid_tool_calls", None) or []
    if invalid:
        return invalid[0].get("args") or ""
    content = getattr(message, "content", "")
    return content if isinstance(content, str) else json.dumps(content)
