"""audioedit as tools for chat agents: OpenAI function schemas, a tool-call adapter, langchain tools.

Three tools, each with a pydantic argument model whose JSON schema is the function's parameters:
``edit_audio`` (edit a file, write the result + a JSON report), ``plan_edit`` (the plan only) and
``describe_audio`` (the scene: events with labels, times, levels). File arguments are paths under
one allowed root directory (``AudioTools(root)``); anything resolving outside it is refused, and an
edit never overwrites an existing file.

    tools = AudioTools("/srv/audio")
    completion = client.chat.completions.create(model=..., messages=..., tools=openai_tools())
    messages += [completion.choices[0].message, *execute_tool_calls(completion, tools)]

The MCP server (``audioedit.agents.mcp_server``) and the HTTP service expose the same functions.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from audioedit.audio import WRITABLE_SUFFIXES, AudioLimits
from audioedit.errors import AudioEditError, UserInputError
from audioedit.options import EditOptions, PlanOptions, problems
from audioedit.protocols import Bank

log = logging.getLogger(__name__)


class DescribeAudioArgs(BaseModel):
    """Describe the sound events in an audio file (labels, onset/offset in seconds, levels); without an annotation
    or stems, where people talk (voice detector); other sounds are found when an edit names them. Also measures the
    recording (loudness, loudness range, mains hum, silence at the ends) and suggests requests for what it found
    ("remove the hum", "even out the volume")."""

    audio: str = Field(description="input audio file, a path relative to the allowed root directory")
    annotation: str | None = Field(None, description="optional JAMS or onset/offset/label .txt annotation file")
    stems: str | None = Field(None, description="optional folder of per-event stems (Scaper layout)")


class PlanEditArgs(PlanOptions, DescribeAudioArgs):
    """Plan a declarative audio edit (atomic steps grounded to the recording's events) without editing."""

    request: str = Field(description="what to change, in plain language, e.g. 'remove the siren, add birds at the end'")


class EditAudioArgs(EditOptions, PlanEditArgs):
    """Edit an audio file as requested; writes the edited audio and a JSON report beside it."""

    output: str | None = Field(
        None, description="output audio path (.wav/.flac/.ogg) under the root; default '<input>_edited.wav'"
    )


TOOL_ARGS: dict[str, type[BaseModel]] = {
    "edit_audio": EditAudioArgs,
    "plan_edit": PlanEditArgs,
    "describe_audio": DescribeAudioArgs,
}


def openai_tool(name: str) -> dict:
    """The OpenAI tool (function) definition of one tool: ``{"type": "function", "function": {...}}``."""
    if name not in TOOL_ARGS:
        raise UserInputError(f"unknown tool {name!r}; available: {sorted(TOOL_ARGS)}")
    model = TOOL_ARGS[name]
    schema = model.model_json_schema()
    schema.pop("title", None)
    description = schema.pop("description", "") or (model.__doc__ or "").strip()
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return {"type": "function", "function": {"name": name, "description": description, "parameters": schema}}


def openai_tools() -> list[dict]:
    """All three tool definitions, for ``chat.completions.create(tools=...)``."""
    return [openai_tool(name) for name in TOOL_ARGS]


class AudioTools:
    """The tool implementations, with every path confined to ``root``."""

    def __init__(self, root: str | Path, *, bank: Bank | None = None, limits: AudioLimits | None = None) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise UserInputError(f"tool root {str(root)!r} is not a directory")
        self.bank = bank
        self.limits = limits

    # --- paths ----------------------------------------------------------------------------
    def resolve(self, path: str, *, what: str = "file", must_exist: bool = True) -> Path:
        """``path`` (relative to the root, or absolute inside it) as an absolute path inside the root."""
        if not path or "\x00" in path:
            raise UserInputError(f"{what} path {path!r} is empty or invalid")
        candidate = Path(path)
        full = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        if not full.is_relative_to(self.root):
            raise UserInputError(f"{what} path {path!r} is outside the allowed directory; give a path under it")
        if must_exist and not full.exists():
            raise UserInputError(f"{what} {path!r} not found under the allowed directory")
        return full

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def _output_for(self, args: EditAudioArgs, audio: Path) -> Path:
        if args.output:
            out = self.resolve(args.output, what="output", must_exist=False)
            if out.suffix.lower() not in WRITABLE_SUFFIXES:
                raise UserInputError(f"output {args.output!r}: accepted suffixes are {sorted(WRITABLE_SUFFIXES)}")
            if out.exists():
                raise UserInputError(f"output {args.output!r} already exists; choose a new name")
            return out
        for n in range(1, 1000):
            out = audio.with_name(f"{audio.stem}_edited{'' if n == 1 else n}.wav")
            if not out.exists():
                return out
        raise UserInputError(f"too many edited copies of {self.relative(audio)!r}; name the output")

    def _inputs(self, args: DescribeAudioArgs) -> tuple[Path, Path | None, Path | None]:
        audio = self.resolve(args.audio, what="audio")
        annotation = self.resolve(args.annotation, what="annotation") if args.annotation else None
        stems = self.resolve(args.stems, what="stems folder") if args.stems else None
        return audio, annotation, stems

    # --- the tools ------------------------------------------------------------------------
    def describe_audio(self, args: DescribeAudioArgs) -> dict:
        from audioedit.agents.pipeline import analyze, describe_scene

        audio, annotation, stems = self._inputs(args)
        return describe_scene(analyze(audio, annotation, stems, self.limits)).model_dump(mode="json")

    def plan_edit(self, args: PlanEditArgs) -> dict:
        from audioedit.agents.pipeline import analyze, plan_request

        audio, annotation, stems = self._inputs(args)
        scene = analyze(audio, annotation, stems, self.limits)
        plan = plan_request(scene, args.request, planner=args.planner, bank=self.bank)
        return plan.model_dump(mode="json", exclude={"scene"})

    def edit_audio(self, args: EditAudioArgs) -> dict:
        from audioedit.agents.pipeline import edit_request

        audio, annotation, stems = self._inputs(args)
        output = self._output_for(args, audio)
        outcome = edit_request(audio, args.request, output, annotation=annotation, stems=stems,
                               **args.edit_kwargs(), bank=self.bank, limits=self.limits)
        report = outcome.report
        written = report.status != "failed"
        return {
            "status": report.status,
            "output": self.relative(output) if written else None,
            "report": self.relative(output.with_suffix(".json")),
            "planner": report.plan.planner,
            "steps": [{"id": s.step_id, "op": s.op, "instruction": s.instruction, "status": s.status}
                      for s in report.steps],
            "messages": report.messages,
        }

    # --- dispatch -------------------------------------------------------------------------
    def run(self, name: str, arguments: str | dict | BaseModel) -> dict:
        """Validate ``arguments`` for tool ``name`` and run it; errors are raised."""
        if name not in TOOL_ARGS:
            raise UserInputError(f"unknown tool {name!r}; available: {sorted(TOOL_ARGS)}")
        model = TOOL_ARGS[name]
        try:
            if isinstance(arguments, BaseModel):
                args = model.model_validate(arguments.model_dump())
            elif isinstance(arguments, str):
                args = model.model_validate_json(arguments or "{}")
            else:
                args = model.model_validate(arguments)
        except ValidationError as exc:
            raise UserInputError(f"invalid arguments for {name}: {problems(exc)}") from None
        return getattr(self, name)(args)

    def call(self, name: str, arguments: str | dict) -> dict:
        """``run``, with an audioedit error returned as ``{"error": message}`` for the model to read."""
        try:
            return self.run(name, arguments)
        except AudioEditError as exc:
            log.info("tool %s failed: %s", name, exc)
            return {"error": str(exc), "type": type(exc).__name__}


def _tool_calls(message: Any) -> list[tuple[str, str, str]]:
    """(id, name, arguments) of each tool call in a ChatCompletion, a message object or a message dict."""
    if hasattr(message, "choices"):
        message = message.choices[0].message
    calls = message.get("tool_calls") if isinstance(message, dict) else getattr(message, "tool_calls", None)
    out = []
    for call in calls or []:
        if isinstance(call, dict):
            out.append((call["id"], call["function"]["name"], call["function"].get("arguments") or "{}"))
        else:
            out.append((call.id, call.function.name, call.function.arguments or "{}"))
    return out


def execute_tool_calls(message: Any, tools: AudioTools) -> list[dict]:
    """Run every tool call of a chat completion; one ``{"role": "tool", ...}`` message per call."""
    return [
        {"role": "tool", "tool_call_id": call_id, "content": json.dumps(tools.call(name, arguments))}
        for call_id, name, arguments in _tool_calls(message)
    ]


def langchain_tools(tools: AudioTools) -> list:
    """langchain-core ``StructuredTool``s for the three tools (``edit_audio`` first)."""
    try:
        from langchain_core.tools import StructuredTool
    except ImportError as exc:
        raise ImportError("the langchain tools need langchain-core: pip install 'audioedit[llm]'") from exc

    def make(name: str) -> Any:
        model = TOOL_ARGS[name]

        def run(**kwargs: Any) -> dict:
            return tools.call(name, kwargs)

        return StructuredTool.from_function(func=run, name=name, description=(model.__doc__ or "").strip(),
                                            args_schema=model)

    return [make(name) for name in TOOL_ARGS]


def langchain_edit_tool(tools: AudioTools) -> Any:
    """The ``edit_audio`` langchain ``StructuredTool``."""
    return langchain_tools(tools)[0]
