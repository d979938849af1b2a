"""A scripted OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, canned replies.

``ScriptedChatServer`` speaks enough of the chat-completions API (``POST /v1/chat/completions``,
``GET /v1/models``) for the real ``openai`` SDK and langchain's ``ChatOpenAI`` to talk to it.
Each request takes the next scripted reply; every request body is kept in ``requests`` so a
test can check what the client sent (e.g. that a retry shows the validation error).

    with ScriptedChatServer(['{"steps": []}']) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test")
        client.chat.completions.create(model=server.model, messages=[...])
        server.requests[0]["messages"]

A reply is a string (the assistant's content), a ``ScriptedReply`` (content, or an HTTP error
status to refuse e.g. an unsupported ``response_format``), or is computed by ``responder(body)``.
When the request offers ``tools`` and asks for one by ``tool_choice`` (or ``"required"``), the
content is returned as that function's ``arguments`` instead, as tool-calling models do.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ScriptedReply:
    """One canned answer: assistant ``content``, or an HTTP error ``status`` with ``error`` text.

    ``when_response_format`` limits an error reply to requests whose ``response_format.type``
    is that value (a server that does not support json_schema, say); other requests skip it.
    """

    content: str = ""
    status: int = 200
    error: str = ""
    when_response_format: str | None = None
    tool: str | None = None  # answer as a call of this function (arguments = content)


Responder = Callable[[dict], "str | ScriptedReply"]


class ScriptedChatServer:
    """A chat-completions server on 127.0.0.1 (a free port) answering from a script."""

    def __init__(
        self,
        replies: Iterable[str | ScriptedReply] = (),
        *,
        responder: Responder | None = None,
        model: str = "scripted-model",
        api_key: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.replies = [r if isinstance(r, ScriptedReply) else ScriptedReply(r) for r in replies]
        self.responder = responder
        self.model = model
        self.api_key = api_key
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> ScriptedChatServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="scripted-chat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------
    def next_reply(self, body: dict) -> ScriptedReply:
        """The reply for request ``body`` (recorded first); an error reply when the script ran out."""
        with self._lock:
            self.requests.append(body)
            if self.responder is not None:
                reply = self.responder(body)
                return reply if isinstance(reply, ScriptedReply) else ScriptedReply(reply)
            fmt = (body.get("response_format") or {}).get("type")
            while self.replies:
                reply = self.replies.pop(0)
                if reply.when_response_format is None or reply.when_response_format == fmt:
                    return reply
            return ScriptedReply(status=500, error="scripted server: no replies left in the script")


def completion_body(body: dict, content: str, model: str, tool: str | None = None) -> dict:
    """A chat.completion object answering ``body`` with ``content`` (as a call of ``tool``, or of
    the function the request forces, when there is one)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    finish = "stop"
    tool = tool or _forced_tool(body)
    if tool is not None:
        call = {"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                "function": {"name": tool, "arguments": content}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        finish = "tool_calls"
    tokens_in = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", model),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": tokens_in, "completion_tokens": len(content.split()),
                  "total_tokens": tokens_in + len(content.split())},
    }


def _forced_tool(body: dict) -> str | None:
    tools = body.get("tools") or []
    if not tools:
        return None
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return choice.get("function", {}).get("name")
    if choice in ("required", "auto", None):
        return tools[0].get("function", {}).get("name")
    return None


def _handler_for(server: ScriptedChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            if server.api_key is None:
                return True
            if self.headers.get("Authorization", "") == f"Bearer {server.api_key}":
                return True
            self._send(401, {"error": {"message": "invalid api key", "type": "invalid_request_error"}})
            return False

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if not self._authorized():
                return
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model", "owned_by": "test"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self._authorized():
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
                return
            reply = server.next_reply(body)
            if reply.status != 200:
                self._send(reply.status, {"error": {"message": reply.error, "type": "invalid_request_error"}})
                return
            self._send(200, completion_body(body, reply.content, server.model, reply.tool))

    return Handler
