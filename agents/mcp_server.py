"""An MCP server over stdio (``audioedit mcp --root DIR``): ``edit_audio``, ``plan_edit``, ``describe_audio``.

File arguments are paths under the root directory given at startup (``audioedit.agents.tools.AudioTools``);
a path outside it, a missing file or a bad request comes back as a tool error with the message.

    # a client (e.g. in an MCP host's config): command "audioedit", args ["mcp", "--root", "/srv/audio"]
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from audioedit.agents.tools import AudioTools, DescribeAudioArgs, EditAudioArgs, PlanEditArgs

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Declarative audio editing. describe_audio lists the sound events of a file; plan_edit turns a "
    "plain-language request into atomic steps (add, remove, replace, reorder, loudness, speed); "
    "edit_audio carries them out and writes the edited audio plus a JSON report. Paths are relative "
    "to the server's root directory."
)


def build_server(root: str | Path, *, bank: Any = None) -> Any:
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

    @server.tool(name="describe_audio", description=DescribeAudioArgs.__doc__, structured_output=True)
    def describe_audio(audio: str, annotation: str | None = None, stems: str | None = None) -> dict[str, Any]:
        return run("describe_audio", {"audio": audio, "annotation": annotation, "stems": stems})

    @server.tool(name="plan_edit", description=PlanEditArgs.__doc__, structured_output=True)
    def plan_edit(audio: str, request: str, annotation: str | None = None, stems: str | None = None,
                  planner: Literal["rules", "llm"] = "rules") -> dict[str, Any]:
        return run("plan_edit", {"audio": audio, "request": request, "annotation": annotation,
                                 "stems": stems, "planner": planner})

    @server.tool(name="edit_audio", description=EditAudioArgs.__doc__, structured_output=True)
    def edit_audio(audio: str, request: str, output: str | None = None, annotation: str | None = None,
                   stems: str | None = None, planner: Literal["rules", "llm"] = "rules", seed: int = 0) -> dict[str, Any]:
        return run("edit_audio", {"audio": audio, "request": request, "output": output, "annotation": annotation,
                                  "stems": stems, "planner": planner, "seed": seed})

    return server


def run_stdio(root: str | Path) -> None:
    """Serve the tools on stdin/stdout until the client closes the stream."""
    logging.basicConfig(level=logging.WARNING)  # stdout is the protocol channel: logs go to stderr
    build_server(root).run("stdio")
