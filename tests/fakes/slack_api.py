"""A local stand-in for Slack's Web API that records every call the bot makes.

Point the real client at it: ``WebClient(token=BOT_TOKEN, base_url=fake.api_url)`` (or
``SLACK_API_URL``). It answers the methods dealbot uses with Slack's response shapes, keeps
the messages it was sent (so ``conversations.replies`` and ``chat.update`` behave), enforces
the granted scopes when told them, and fails on demand (`fail_next`, `rate_limit_next`).
``apps.connections.open`` (with the app-level token) hands out URLs of `socket_mode`, a local
Socket Mode WebSocket endpoint (tests.fakes.socket_mode).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fakes.http_server import LocalHTTPServer, Request, Response, bearer_token
from tests.fakes.socket_mode import FakeSocketMode

BOT_TOKEN = "xoxb-fake-dealbot-token"
APP_TOKEN = "xapp-1-A0DEALBOT-1-fake-app-level-token"
SIGNING_SECRET = "fake-signing-secret"
TEAM_ID = "T0DEALS"
APP_ID = "A0DEALBOT"
BOT_USER_ID = "U0DEALBOT"
BOT_ID = "B0DEALBOT"
USER_ID = "U0SHOPPER"
CHANNEL_ID = "C0DEALS"
DM_CHANNEL_ID = "D0SHOPPER"
DEFAULT_TZ = "America/New_York"

MESSAGE_TEXT_LIMIT = 40_000
MESSAGE_BLOCKS_LIMIT = 50
MODAL_BLOCKS_LIMIT = 100
# Form-encoded calls carry these as JSON strings; the fake records them decoded.
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "loading_messages"})

# Methods that take the app-level token (xapp-) and no other; every other method refuses it.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})

# The bot scopes each method needs (any one of them), by conversation type where it matters.
_READ = {"C": "channels:read", "G": "groups:read", "D": "im:read"}
_HISTORY = {"C": "channels:history", "G": "groups:history", "D": "im:history"}
_CHAT_WRITE = frozenset({"chat:write"})
METHOD_SCOPES: dict[str, frozenset[str] | dict[str, str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": _CHAT_WRITE,
    "chat.update": _CHAT_WRITE,
    "chat.postEphemeral": _CHAT_WRITE,
    "chat.delete": _CHAT_WRITE,
    "views.open": frozenset(),
    # Since 2026-03 setStatus accepts chat:write, so channel apps need no assistant:write.
    "assistant.threads.setStatus": frozenset({"chat:write", "assistant:write"}),
    "reactions.add": frozenset({"reactions:write"}),
    "reactions.remove": frozenset({"reactions:write"}),
    "users.info": frozenset({"users:read"}),
    "conversations.members": _READ,
    "conversations.replies": _HISTORY,
}


_ts_serial = itertools.count(1)


def new_ts() -> str:
    """A fresh message timestamp in Slack's ``seconds.micros`` form, unique in this process."""
    return f"{int(time.time())}.{next(_ts_serial) % 1_000_000:06d}"


class SlackError(Exception):
    """Raised by a method handler: becomes ``{"ok": false, "error": error, **fields}``."""

    def __init__(self, error: str, **fields: Any) -> None:
        super().__init__(error)
        self.error = error
        self.fields = fields


@dataclass(frozen=True)
class SlackCall:
    """One call the fake received: the method (or ``response_url``), its arguments, the answer."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True)
class _Answer:
    """An HTTP answer to one call: an injected failure or the method's own result."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class FakeSlack(LocalHTTPServer):
    """Slack's Web API on 127.0.0.1 (``api_url``) plus ``response_url`` webhooks."""

    def __init__(
        self,
        token: str = BOT_TOKEN,
        *,
        scopes: Iterable[str] | None = None,
        validate_blocks: bool = True,
        team_id: str = TEAM_ID,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = APP_ID,
        app_token: str = APP_TOKEN,
    ) -> None:
        super().__init__()
        self.token = token
        self.app_token = app_token
        self.scopes = None if scopes is None else frozenset(scopes)
        self.validate_blocks = validate_blocks
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.members_page_size = 100
        self._changed = threading.Condition()
        self._calls: list[SlackCall] = []
        self._failures: dict[str, deque[_Answer]] = defaultdict(deque)
        self._members: dict[str, list[str]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._serial = itertools.count(1)
        self._socket_mode: FakeSocketMode | None = None
        self._socket_mode_lock = threading.Lock()

    def stop(self) -> None:
        with self._socket_mode_lock:
            socket_mode, self._socket_mode = self._socket_mode, None
        if socket_mode is not None:
            socket_mode.stop()
        super().stop()

    # --- pointing clients here -------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The Web API base URL, ending in a slash as `WebClient(base_url=...)` wants."""
        return f"{self.url}/api/"

    def client(self, **options: Any) -> WebClient:
        """A real `slack_sdk.WebClient` pointed here with the bot token."""
        return WebClient(**{"token": self.token, "base_url": self.api_url} | options)

    @property
    def socket_mode(self) -> FakeSocketMode:
        """The Socket Mode endpoint ``apps.connections.open`` points at, started on first use."""
        with self._socket_mode_lock:
            if self._socket_mode is None:
                self._socket_mode = FakeSocketMode(app_id=self.app_id).start()
            return self._socket_mode

    def response_url(self, kind: str = "commands") -> str:
        """A fresh ``response_url`` (as in slash commands and actions) that posts back here."""
        return f"{self.url}/{kind}/{self.team_id}/{next(self._serial)}/fake-response-token"

    # --- what the bot did ------------------------------------------------------------------

    @property
    def calls(self) -> list[SlackCall]:
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The arguments of every call to `method`, in order (failed attempts included)."""
        return [call.args for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Blocks until `method` was called `count` times; returns their arguments."""
        with self._changed:
            done = self._changed.wait_for(lambda: self._count(method) >= count, timeout)
            if not done:
                seen = [call.method for call in self._calls]
                raise AssertionError(
                    f"{method} called {self._count(method)}/{count} times; saw {seen}"
                )
        return self.calls_to(method)

    def _count(self, method: str) -> int:
        return sum(1 for call in self._calls if call.method == method)

    # --- the world the bot sees ------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        *,
        times: int = 1,
        status: int = 200,
        **fields: Any,
    ) -> None:
        """The next `times` calls to `method` answer ``{"ok": false, "error": error}``."""
        failure = _Answer(status, {"ok": False, "error": error, **fields}, {})
        self._queue_failure(method, failure, times)

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls to `method` get HTTP 429 with ``Retry-After``."""
        failure = _Answer(
            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        )
        self._queue_failure(method, failure, times)

    def _queue_failure(self, method: str, failure: _Answer, times: int) -> None:
        with self._changed:
            self._failures[method].extend([failure] * times)

    def set_members(self, channel: str, members: Iterable[str]) -> None:
        """Who ``conversations.members`` lists for `channel`; others are channel_not_found."""
        with self._changed:
            self._members[channel] = list(members)

    def add_user(
        self,
        user_id: str,
        *,
        tz: str | None = DEFAULT_TZ,
        name: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Registers a user for ``users.info``; `tz=None` gives a profile without a time zone."""
        user = _user(user_id, self.team_id, tz=tz, name=name, is_bot=is_bot)
        with self._changed:
            self._users[user_id] = user
        return user

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = USER_ID,
        thread_ts: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Puts a message in `channel` (as if a person wrote it) and returns it with its ``ts``."""
        message = {"type": "message", "user": user, "text": text, "team": self.team_id, **fields}
        with self._changed:
            return self._store(channel, message, thread_ts)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages now in `channel` (posted, updated, not deleted), oldest first."""
        with self._changed:
            return [dict(message) for message in self._messages[channel]]

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        with self._changed:
            return dict(self._find(channel, ts))

    # --- HTTP ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        args = _parse_args(request)
        if request.path.startswith(("/commands/", "/actions/")):
            return self._webhook(request, args)
        if not request.path.startswith("/api/"):
            return Response.json({"ok": False, "error": "fake_slack_unknown_path"}, status=404)
        method = request.path.removeprefix("/api/")
        token = args.pop("token", None) or bearer_token(request.headers.get("authorization"))
        with self._changed:
            injected = self._failures[method].popleft() if self._failures[method] else None
        answer = injected or self._answer(method, args, token)
        self._record(SlackCall(method, args, request.headers, answer.status, answer.body))
        return Response.json(answer.body, status=answer.status, headers=answer.headers)

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> _Answer:
        try:
            self._authorize(method, args, token)
            handler = _HANDLERS.get(method)
            if handler is None:
                raise SlackError("unknown_method", req_method=method)
            with self._changed:
                body = {"ok": True, **handler(self, args)}
        except SlackError as error:
            body = {"ok": False, "error": error.error, **error.fields}
        headers = (
            {"x-oauth-scopes": ",".join(sorted(self.scopes or ()))} if method == "auth.test" else {}
        )
        return _Answer(200, body, headers)

    def _authorize(self, method: str, args: dict[str, Any], token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        if method in APP_TOKEN_METHODS:
            if token != self.app_token:
                wrong_type = token == self.token
                raise SlackError("not_allowed_token_type" if wrong_type else "invalid_auth")
            return
        if token == self.app_token:
            raise SlackError("not_allowed_token_type")
        if token != self.token:
            raise SlackError("invalid_auth")
        needed = _needed_scopes(method, args)
        if self.scopes is not None and needed and not needed & self.scopes:
            provided = ",".join(sorted(self.scopes))
            raise SlackError("missing_scope", needed=",".join(sorted(needed)), provided=provided)

    def _webhook(self, request: Request, args: dict[str, Any]) -> Response:
        body = {"ok": True}
        self._record(
            SlackCall("response_url", {**args, "url": request.path}, request.headers, 200, body)
        )
        return Response.json(body)

    def _record(self, call: SlackCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    # --- state (callers hold self._changed) ------------------------------------------------

    def _store(
        self, channel: str, message: dict[str, Any], thread_ts: str | None
    ) -> dict[str, Any]:
        message["ts"] = new_ts()
        if thread_ts:
            parent = self._find(channel, thread_ts)
            parent.update(thread_ts=thread_ts, reply_count=parent.get("reply_count", 0) + 1)
            message["thread_ts"] = thread_ts
        self._messages[channel].append(message)
        return dict(message)

    def _find(self, channel: str, ts: str) -> dict[str, Any]:
        for message in self._messages[channel]:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _bot_message(self, args: dict[str, Any]) -> dict[str, Any]:
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id}
        message |= {"app_id": self.app_id, "team": self.team_id, "text": args.get("text", "")}
        return message | {
            key: args[key] for key in ("blocks", "attachments", "metadata") if key in args
        }

    # --- methods ---------------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake-deals.slack.com/",
            "team": "Fake Deals",
            "user": "dealbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel")
        self._check_message(args)
        thread_ts = args.get("thread_ts") or None
        if thread_ts and not any(m["ts"] == thread_ts for m in self._messages[channel]):
            # The thread starts at a message the fake was not told of (a test's event): stand it in.
            self._messages[channel].append({"type": "message", "ts": thread_ts, "text": ""})
        message = self._store(channel, self._bot_message(args), thread_ts)
        return {"channel": channel, "ts": message["ts"], "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        self._check_message(args)
        message = self._find(channel, ts)
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_update_message")
        message.update(
            {key: value for key, value in self._bot_message(args).items() if key in args}
        )
        message["edited"] = {"user": self.bot_user_id, "ts": new_ts()}
        return {"channel": channel, "ts": ts, "text": message["text"], "message": dict(message)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        _required(args, "channel")
        _required(args, "user")
        self._check_message(args)
        return {"message_ts": new_ts()}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        message = self._find(channel, ts)
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_delete_message")
        self._messages[channel].remove(message)
        return {"channel": channel, "ts": ts}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_mode.issue_url()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        _required(args, "trigger_id")
        view = _required(args, "view")
        if self.validate_blocks:
            _check_view(view)
        view_id = f"V{next(self._serial):08d}"
        extra = {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        extra |= {
            "root_view_id": view_id,
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.fake",
        }
        return {"view": {**view, **extra}}

    def _set_status(self, args: dict[str, Any]) -> dict[str, Any]:
        _required(args, "channel_id")
        _required(args, "thread_ts")
        if "status" not in args:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["status is required"]}
            )
        return {}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(_required(args, "channel"), _required(args, "timestamp"))
        name = _required(args, "name")
        reactions = message.setdefault("reactions", [])
        if any(reaction["name"] == name for reaction in reactions):
            raise SlackError("already_reacted")
        reactions.append({"name": name, "users": [self.bot_user_id], "count": 1})
        return {}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(_required(args, "channel"), _required(args, "timestamp"))
        name = _required(args, "name")
        kept = [reaction for reaction in message.get("reactions", []) if reaction["name"] != name]
        if len(kept) == len(message.get("reactions", [])):
            raise SlackError("no_reaction")
        message["reactions"] = kept
        return {}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel")
        if channel not in self._members:
            raise SlackError("channel_not_found")
        members, next_cursor = _page(self._members[channel], args, self.members_page_size)
        return {"members": members, "response_metadata": {"next_cursor": next_cursor}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = _required(args, "user")
        if user_id not in self._users and not user_id.startswith(("U", "W")):
            raise SlackError("user_not_found")
        return {"user": self._users.get(user_id) or _user(user_id, self.team_id, tz=DEFAULT_TZ)}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        thread = [m for m in self._messages[channel] if ts in (m["ts"], m.get("thread_ts"))]
        if not any(message["ts"] == ts for message in thread):
            raise SlackError("thread_not_found")
        page, next_cursor = _page([dict(m) for m in thread], args, 1000)
        return {
            "messages": page,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _check_message(self, args: dict[str, Any]) -> None:
        text, blocks = args.get("text") or "", args.get("blocks")
        if not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise SlackError("msg_too_long")
        if blocks and self.validate_blocks:
            _check_blocks(blocks, MESSAGE_BLOCKS_LIMIT)


_HANDLERS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": FakeSlack._auth_test,
    "apps.connections.open": FakeSlack._apps_connections_open,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.update": FakeSlack._chat_update,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "chat.delete": FakeSlack._chat_delete,
    "views.open": FakeSlack._views_open,
    "assistant.threads.setStatus": FakeSlack._set_status,
    "reactions.add": FakeSlack._reactions_add,
    "reactions.remove": FakeSlack._reactions_remove,
    "conversations.members": FakeSlack._conversations_members,
    "users.info": FakeSlack._users_info,
    "conversations.replies": FakeSlack._conversations_replies,
}


def _needed_scopes(method: str, args: dict[str, Any]) -> frozenset[str]:
    needed = METHOD_SCOPES.get(method, frozenset())
    if isinstance(needed, dict):
        kind = str(args.get("channel", "C"))[:1]
        return frozenset({needed.get(kind, needed["C"])})
    return needed


def _check_blocks(blocks: Any, limit: int) -> None:
    """Rejects what Slack would: too many blocks, unknown types, fields over Block Kit's limits."""
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    problems = [f"no more than {limit} items allowed"] if len(blocks) > limit else []
    problems += [problem for block in blocks if (problem := _block_problem(block))]
    if problems:
        messages = [f"[ERROR] {problem}" for problem in problems]
        raise SlackError(
            "invalid_blocks", errors=problems, response_metadata={"messages": messages}
        )


def _block_problem(block: Any) -> str | None:
    try:
        parsed = Block.parse(block) if isinstance(block, dict) else None
        if parsed is None or type(parsed) is Block:
            return f"unsupported block: {json.dumps(block)[:200]}"
        parsed.to_dict()
    except (SlackObjectFormationError, TypeError, ValueError) as error:
        return f"{block.get('type')} block: {error}"
    return None


def _check_view(view: Any) -> None:
    if not isinstance(view, dict) or "type" not in view:
        raise SlackError("invalid_arguments")
    _check_blocks(view.get("blocks", []), MODAL_BLOCKS_LIMIT)
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError) as error:
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": [f"[ERROR] {error}"]}
        ) from error


def _parse_args(request: Request) -> dict[str, Any]:
    args: dict[str, Any] = {key: values[-1] for key, values in request.query.items()}
    if request.headers.get("content-type", "").startswith("application/json"):
        args.update(json.loads(request.body or b"{}"))
    elif request.body:
        form = parse_qs(request.body.decode(), keep_blank_values=True)
        args.update({key: values[-1] for key, values in form.items()})
    return {key: _decoded(key, value) for key, value in args.items()}


def _decoded(key: str, value: Any) -> Any:
    if key in JSON_FIELDS and isinstance(value, str):
        # Slack rejects what does not parse (invalid_blocks_format); the check sees the string.
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _required(args: dict[str, Any], name: str) -> Any:
    if not args.get(name):
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
        )
    return args[name]


def _page(items: list[Any], args: dict[str, Any], default_limit: int) -> tuple[list[Any], str]:
    start = int(str(args.get("cursor") or "offset:0").removeprefix("offset:"))
    limit = int(args.get("limit") or default_limit)
    end = start + limit
    return items[start:end], (f"offset:{end}" if end < len(items) else "")


def _user(
    user_id: str, team_id: str, *, tz: str | None, name: str | None = None, is_bot: bool = False
) -> dict[str, Any]:
    name = name or user_id.lower()
    user: dict[str, Any] = {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "real_name": name.title(),
    }
    user |= {
        "deleted": False,
        "is_bot": is_bot,
        "profile": {"real_name": name.title(), "display_name": name},
    }
    if tz is not None:
        user |= {"tz": tz, "tz_label": tz, "tz_offset": _tz_offset(tz)}
    return user


def _tz_offset(tz: str) -> int:
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset else 0
