"""An MCP server over stdio (``audioedit mcp --root DIR``): ``edit_audio``, ``plan_edit``, ``describe_audio``.

File arguments are paths under the root directory given at startup (``audioedit.agents.tools.AudioTools``);
a path outside it, a missing file or a bad request comes back as a tool error with the message.

    # a client (e.g. in an MCP host's config): command "audioedit", args ["mcp", "--root", "/srv/audio"]
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, Field

from audioedit.agents.tools import TOOL_ARGS, AudioTools
from audioedit.protocols import Bank
from audioedit.steps import REGISTRY_OPS

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Declarative audio editing. describe_audio lists the sound events of a file, measures it and suggests "
    "requests for what it finds (a hum, silence at the ends, uneven volume); plan_edit turns a "
    "plain-language request into atomic steps (add, remove, replace, reorder, loudness, speed, move in time, "
    f"cut the pauses, and {', '.join(REGISTRY_OPS)}); "
    "edit_audio carries them out and writes the edited audio plus a JSON report. Paths are relative "
    "to the server's root directory."
)


def build_server(root: str | Path, *, bank: Bank | None = None) -> Any:
    """An ``mcp`` ``MCPServer`` whose tools run against files under ``root``."""
    try:
        from mcp.server import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError as exc:
        raise ImportError("the MCP server needs the mcp package: pip install 'audioedit[llm]'") from exc
    from audioedit.errors import AudioEditError

    tools = AudioTools(root, bank=bank)
    server = MCPServer("audioedit", instructions=INSTRUCTIONS)

    def run(name: str, args: dict) -> dict[str, Any]:
        try:
            return tools.run(name, {k: v for k, v in args.items() if v is not None})
        except AudioEditError as exc:
            raise ToolError(str(exc)) from None

    for name, model in TOOL_ARGS.items():
        server.add_tool(_tool_function(name, model, run), name=name, description=model.__doc__, structured_output=True)
    return server


def _tool_function(name: str, model: type[BaseModel], run: Callable[[str, dict], dict[str, Any]]) -> Callable:
    """A function whose keyword parameters are ``model``'s fields (the MCP tool schema is read from its
    signature), so the MCP tools take exactly the chat tools' arguments."""

    def tool(**arguments: Any) -> dict[str, Any]:
        return run(name, arguments)

    parameters = [
        inspect.Parameter(field, inspect.Parameter.KEYWORD_ONLY,
                          default=inspect.Parameter.empty if info.is_required() else info.default,
                          annotation=Annotated[(info.annotation, *info.metadata, Field(description=info.description))])
        for field, info in model.model_fields.items()
    ]
    tool.__signature__ = inspect.Signature(parameters, return_annotation=dict[str, Any])
    tool.__name__ = name
    return tool


def run_stdio(root: str | Path) -> None:
    """Serve the tools on stdin/stdout until the client closes the stream."""
    logging.basicConfig(level=logging.WARNING)  # stdout is the protocol channel: logs go to stderr
    build_server(root).run("stdio")
