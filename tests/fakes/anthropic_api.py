"""A local stand-in for Anthropic's Messages API that scripts the model's replies.

Point the real client at it (``anthropic.Anthropic(base_url=fake.url, api_key="test")`` or
``ANTHROPIC_BASE_URL``), queue replies (`reply_text`, `reply_tool_use`, `reply_error`) or set a
`responder`, then assert on `requests`: what the model was sent.

Like the real API it knows a catalogue of models (by default the ids the installed SDK names):
``GET /v1/models`` lists them, ``GET /v1/models/{id}`` describes one (`model_lookups` records
which were asked for), and an unknown model gets ``404 not_found_error`` ("model: nope"), from
the models endpoint and from ``POST /v1/messages`` alike.
"""

from __future__ import annotations

import itertools
import json
import threading
import typing
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import anthropic

from tests.fakes.http_server import LocalHTTPServer, Request, Response, bearer_token

DEFAULT_USAGE: dict[str, int] = {
    "input_tokens": 100,
    "output_tokens": 20,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}
MAX_CACHE_BREAKPOINTS = 4
MODELS_PATH = "/v1/models"
MODEL_CREATED_AT = "2025-01-01T00:00:00Z"


def sdk_models() -> tuple[str, ...]:
    """The model ids the installed anthropic SDK names in its `Model` type."""
    literal = next(
        arg for arg in typing.get_args(anthropic.types.Model) if typing.get_origin(arg) is Literal
    )
    return typing.get_args(literal)


@dataclass(frozen=True)
class Reply:
    """One scripted answer: an HTTP status, a JSON body and headers, sent after `delay` seconds."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received: the parsed JSON body and the headers (names lower-case)."""

    body: dict[str, Any]
    headers: dict[str, str]
    path: str

    @property
    def retry_count(self) -> int:
        """How many times the SDK had already tried this request (``x-stainless-retry-count``)."""
        return int(self.headers.get("x-stainless-retry-count", "0"))

    @property
    def system_blocks(self) -> list[dict[str, Any]]:
        """The system prompt as content blocks (a plain string becomes one text block)."""
        return _as_blocks(self.body.get("system", []))

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools", []))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def last_message_blocks(self) -> list[dict[str, Any]]:
        """The content blocks of the last message (usually the user's turn)."""
        return _as_blocks(self.messages[-1]["content"]) if self.messages else []

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        """The ``tool_result`` blocks of the last message."""
        return [block for block in self.last_message_blocks if block.get("type") == "tool_result"]

    def text(self) -> str:
        """Every text of the request (system, messages, tool results) joined: for `in` checks."""
        return "\n".join(_texts(self.system_blocks + _all_message_blocks(self.messages)))


Responder = Callable[[RecordedRequest], Reply]


def text_reply(
    text: str,
    *,
    usage: dict[str, int] | None = None,
    stop_reason: str = "end_turn",
    delay: float = 0.0,
) -> Reply:
    """The model answers in plain text."""
    return _message_reply([{"type": "text", "text": text}], stop_reason, usage, delay)


def tool_use_reply(
    input: dict[str, Any],
    *,
    name: str = "run_python",
    text: str | None = None,
    id: str | None = None,
    usage: dict[str, int] | None = None,
    delay: float = 0.0,
) -> Reply:
    """The model calls a tool (optionally after some text), stopping with ``tool_use``."""
    block: dict[str, Any] = {"type": "tool_use", "id": id or f"toolu_fake_{uuid.uuid4().hex[:20]}"}
    block |= {"name": name, "input": input}
    content = ([{"type": "text", "text": text}] if text else []) + [block]
    return _message_reply(content, "tool_use", usage, delay)


def error_reply(
    status: int = 529,
    type: str = "overloaded_error",
    message: str = "Overloaded",
    *,
    retry_after: float | None = None,
    should_retry: bool | None = None,
    delay: float = 0.0,
) -> Reply:
    """An API error in Anthropic's shape.

    The SDK waits what ``retry-after-ms`` says before retrying; without `retry_after` the fake
    sends 1 ms so that retries in tests are instant. `should_retry` sets ``x-should-retry``,
    which the SDK obeys over its status-code policy.
    """
    headers = {"retry-after-ms": "1"}
    if retry_after is not None:
        headers = {"retry-after": f"{retry_after:g}", "retry-after-ms": f"{retry_after * 1000:g}"}
    if should_retry is not None:
        headers["x-should-retry"] = "true" if should_retry else "false"
    body = {"type": "error", "error": {"type": type, "message": message}}
    return Reply(status=status, body=body, headers=headers, delay=delay)


def overloaded_reply(*, delay: float = 0.0) -> Reply:
    return error_reply(529, "overloaded_error", "Overloaded", delay=delay)


def rate_limit_reply(*, retry_after: float = 0.001, delay: float = 0.0) -> Reply:
    message = "Number of request tokens has exceeded your per-minute rate limit"
    return error_reply(429, "rate_limit_error", message, retry_after=retry_after, delay=delay)


def server_error_reply(*, delay: float = 0.0) -> Reply:
    return error_reply(500, "api_error", "Internal server error", delay=delay)


class FakeAnthropic(LocalHTTPServer):
    """The Messages API on 127.0.0.1: scripted replies first, then `responder`, else a loud 500."""

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        api_key: str | None = None,
        models: Iterable[str] | None = None,
    ) -> None:
        super().__init__()
        self.responder = responder
        self.api_key = api_key
        self.models = tuple(sdk_models() if models is None else models)
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lookups: list[str] = []
        self._ids = itertools.count(1)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def model_lookups(self) -> list[str]:
        """The model ids asked for with ``GET /v1/models/{id}``, in order (a copy)."""
        with self._lock:
            return list(self._lookups)

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            if not self._requests:
                raise AssertionError("FakeAnthropic received no request")
            return self._requests[-1]

    @property
    def pending(self) -> int:
        """How many scripted replies are still unused."""
        with self._lock:
            return len(self._queue)

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def reply_text(self, text: str, **options: Any) -> None:
        self.push(text_reply(text, **options))

    def reply_tool_use(self, input: dict[str, Any] | None = None, **options: Any) -> None:
        """Queues a tool call; ``reply_tool_use(input={"code": "..."})``, `name` run_python."""
        self.push(tool_use_reply(input or {}, **options))

    def reply_code(self, code: str, **options: Any) -> None:
        """Queues a ``run_python`` call with this program."""
        self.push(tool_use_reply({"code": code}, **options))

    def reply_error(
        self, status: int = 529, type: str = "overloaded_error", **options: Any
    ) -> None:
        self.push(error_reply(status, type, **options))

    def client(self, **options: Any) -> anthropic.Anthropic:
        """A real `anthropic.Anthropic` pointed here (`max_retries` etc. pass through)."""
        defaults = {"base_url": self.url, "api_key": self.api_key or "test"}
        return anthropic.Anthropic(**defaults | options)

    def handle(self, request: Request) -> Response:
        number = next(self._ids)
        if request.method == "POST" and request.path == "/v1/messages":
            route = self._messages
        elif request.method == "GET" and request.path == MODELS_PATH:
            route = self._list_models
        elif request.method == "GET" and request.path.startswith(MODELS_PATH + "/"):
            route = self._get_model
        else:
            message = (
                "FakeAnthropic serves POST /v1/messages and GET /v1/models[/{id}], "
                f"not {request.method} {request.path}"
            )
            return _render(error_reply(404, "not_found_error", message, should_retry=False), number)
        refusal = self._refuse(request)
        return _render(refusal, number) if refusal is not None else route(request, number)

    def _messages(self, request: Request, number: int) -> Response:
        body = _json_object(request.body)
        if body is None:
            message = "the request body is not a JSON object"
            return _render(error_reply(400, "invalid_request_error", message), number)
        recorded = RecordedRequest(body, request.headers, request.path)
        with self._lock:
            self._requests.append(recorded)
        problem = validation_problem(recorded.body)
        if problem:
            reply = error_reply(400, "invalid_request_error", problem)
        elif recorded.body["model"] not in self.models:
            reply = _unknown_model(recorded.body["model"])
        else:
            reply = self._next_reply(recorded, number)
        self.sleep(reply.delay)
        return _render(reply, number, model=recorded.body.get("model"))

    def _get_model(self, request: Request, number: int) -> Response:
        model = request.path.removeprefix(MODELS_PATH + "/")
        with self._lock:
            self._lookups.append(model)
        if model not in self.models:
            return _render(_unknown_model(model), number)
        return Response.json(model_info(model), headers={"request-id": f"req_fake_{number:06d}"})

    def _list_models(self, request: Request, number: int) -> Response:
        """One page, newest first as the API lists them; ``limit`` (1–1000) and ``after_id``."""
        limit = max(1, min(int((request.query.get("limit") or ["20"])[0]), 1000))
        after = (request.query.get("after_id") or [""])[0]
        start = self.models.index(after) + 1 if after in self.models else 0
        page = self.models[start : start + limit]
        body = {
            "data": [model_info(model) for model in page],
            "has_more": start + limit < len(self.models),
            "first_id": page[0] if page else None,
            "last_id": page[-1] if page else None,
        }
        return Response.json(body, headers={"request-id": f"req_fake_{number:06d}"})

    def _refuse(self, request: Request) -> Reply | None:
        key = request.headers.get("x-api-key") or bearer_token(request.headers.get("authorization"))
        if not key or (self.api_key is not None and key != self.api_key):
            return error_reply(401, "authentication_error", "invalid x-api-key", should_retry=False)
        if "anthropic-version" not in request.headers:
            message = "anthropic-version: header is required"
            return error_reply(400, "invalid_request_error", message, should_retry=False)
        return None

    def _next_reply(self, recorded: RecordedRequest, number: int) -> Reply:
        with self._lock:
            scripted = self._queue.popleft() if self._queue else None
        if scripted is not None:
            return scripted
        if self.responder is not None:
            return self.responder(recorded)
        return error_reply(
            500, "api_error", _unscripted_message(recorded, number), should_retry=False
        )


def validation_problem(body: dict[str, Any]) -> str | None:
    """What the real API would reject in this request body, or None."""
    if body.get("stream"):
        return "FakeAnthropic does not stream: call messages.create without stream=True"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: Field required (a positive integer)"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    return _roles_problem(messages) or _tools_problem(messages) or _cache_problem(body)


def _roles_problem(messages: list[dict[str, Any]]) -> str | None:
    for index, message in enumerate(messages):
        if message.get("role") not in ("user", "assistant"):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'"
        if "content" not in message:
            return f"messages.{index}.content: Field required"
    return None


def _tools_problem(messages: list[dict[str, Any]]) -> str | None:
    """Every tool_use needs its tool_result in the very next message, and no stray results."""
    previous_uses: set[str] = set()
    for index, message in enumerate(messages):
        blocks = _as_blocks(message["content"])
        results = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
        if not results <= previous_uses:
            stray = sorted(str(r) for r in results - previous_uses)
            return f"messages.{index}: unexpected tool_use_id found in tool_result blocks: {stray}"
        missing = previous_uses - results
        if missing:
            return (
                f"messages.{index}: tool_use ids were found without tool_result blocks "
                f"immediately after: {sorted(missing)}"
            )
        uses = {b["id"] for b in blocks if b.get("type") == "tool_use"}
        previous_uses = uses if message["role"] == "assistant" else set()
    if previous_uses:
        return f"the last message has tool_use ids without tool_result: {sorted(previous_uses)}"
    return None


def _cache_problem(body: dict[str, Any]) -> str | None:
    marked = sum(1 for block in _all_blocks(body) if "cache_control" in block)
    if marked > MAX_CACHE_BREAKPOINTS:
        limit = MAX_CACHE_BREAKPOINTS
        return f"A maximum of {limit} blocks with cache_control may be provided. Found {marked}."
    return None


def _all_blocks(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from _as_blocks(body.get("system", []))
    yield from body.get("tools", [])
    yield from _all_message_blocks(body.get("messages", []))


def _all_message_blocks(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    blocks = [block for message in messages for block in _as_blocks(message.get("content", []))]
    nested = [
        inner
        for block in blocks
        if block.get("type") == "tool_result"
        for inner in _as_blocks(block.get("content", []))
    ]
    return blocks + nested


def _as_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"] for block in blocks if block.get("type") == "text"]


def _message_reply(
    content: list[dict[str, Any]], stop_reason: str, usage: dict[str, int] | None, delay: float
) -> Reply:
    body = {
        "type": "message",
        "role": "assistant",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": DEFAULT_USAGE | (usage or {}),
    }
    return Reply(status=200, body=body, delay=delay)


def model_info(model: str) -> dict[str, Any]:
    """A model as ``GET /v1/models/{id}`` describes it."""
    return {
        "type": "model",
        "id": model,
        "display_name": model.removeprefix("claude-").replace("-", " ").title(),
        "created_at": MODEL_CREATED_AT,
        "lifecycle": "active",
    }


def _unknown_model(model: str) -> Reply:
    """What the API answers for a model it does not serve."""
    return error_reply(404, "not_found_error", f"model: {model}", should_retry=False)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _render(reply: Reply, number: int, *, model: str | None = None) -> Response:
    request_id = f"req_fake_{number:06d}"
    body = dict(reply.body)
    if reply.status == 200:
        body = {"id": f"msg_fake_{number:06d}", "model": model or "claude-fake", **body}
    else:
        body["request_id"] = request_id
    return Response.json(
        body, status=reply.status, headers={"request-id": request_id, **reply.headers}
    )


def _unscripted_message(recorded: RecordedRequest, number: int) -> str:
    last = " ".join(_texts(recorded.last_message_blocks))[:200]
    return (
        f"FakeAnthropic has no scripted reply for request #{number} (last message: {last!r}); "
        "queue one with reply_text/reply_tool_use/reply_error or set a responder"
    )
