"""A local stand-in for Slack's Web API that records every call the bot makes.

Point the real client at it: ``WebClient(token=BOT_TOKEN, base_url=fake.api_url)`` (or
``SLACK_API_URL``). It answers the methods dealbot uses with Slack's response shapes, keeps
the messages it was sent (so ``chat.update`` and the streams behave), enforces
the granted scopes when told them, and fails on demand (`fail_next`, `rate_limit_next`).
A workspace can refuse a method for good (`refuse`: status or streaming it does not allow),
and the block validator can refuse block types (`refuse_blocks`) as Slack's does for a block
it does not know. Streams (``chat.startStream``/``appendStream``/``stopStream``), statuses,
suggested prompts, Home tabs (``views.publish``) and file uploads (``files.getUploadURLExternal``,
the upload URL, ``files.completeUploadExternal``) are kept for tests to read back.
``apps.connections.open`` (with the app-level token) hands out URLs of `socket_mode`, a local
Socket Mode WebSocket endpoint (tests.fakes.socket_mode).

It holds one workspace installed from the start (`token`, `team_id`) and installs more through
Slack's OAuth flow: its authorize page (``GET /oauth/v2/authorize``, approved as the user a test
`sign_in`s) redirects the browser back with a code, which ``oauth.v2.access`` exchanges for that
workspace's own bot token. Each token acts in its own workspace.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fakes.http_server import LocalHTTPServer, Request, Response, bearer_token
from tests.fakes.slack_blocks import (
    all_blocks,
    chunk_problem,
    container_problem,
    data_table_problem,
    data_visualization_problem,
    message_problem,
    table_problem,
)
from tests.fakes.socket_mode import FakeSocketMode

BOT_TOKEN = "xoxb-fake-dealbot-token"
CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "fake-client-secret"
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
LOADING_MESSAGES_LIMIT = 10
SUGGESTED_PROMPTS_LIMIT = 4
# Form-encoded calls carry these as JSON strings; the fake records them decoded.
JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "metadata", "loading_messages", "chunks", "prompts", "files"}
)

# Methods that take the app-level token (xapp-) and no other; every other method refuses it.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Methods an app calls with its client id and secret (HTTP Basic or form fields), not a token.
CLIENT_CREDENTIAL_METHODS = frozenset({"oauth.v2.access"})
OAUTH_CODE_SECONDS = 600  # Slack's codes expire after ten minutes

# The bot scopes each method needs (any one of them), by conversation type where it matters.
_READ = {"C": "channels:read", "G": "groups:read", "D": "im:read"}
_HISTORY = {"C": "channels:history", "G": "groups:history", "D": "im:history"}
_CHAT_WRITE = frozenset({"chat:write"})
_FILES_WRITE = frozenset({"files:write"})
METHOD_SCOPES: dict[str, frozenset[str] | dict[str, str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": _CHAT_WRITE,
    "chat.update": _CHAT_WRITE,
    "chat.delete": _CHAT_WRITE,
    "chat.startStream": _CHAT_WRITE,
    "chat.appendStream": _CHAT_WRITE,
    "chat.stopStream": _CHAT_WRITE,
    "chat.getPermalink": frozenset(),
    "views.open": frozenset(),
    "views.publish": frozenset(),
    "files.getUploadURLExternal": _FILES_WRITE,
    "files.completeUploadExternal": _FILES_WRITE,
    # Since 2026-03 setStatus accepts chat:write, so channel apps need no assistant:write.
    "assistant.threads.setStatus": frozenset({"chat:write", "assistant:write"}),
    "assistant.threads.setSuggestedPrompts": frozenset({"assistant:write"}),
    "users.info": frozenset({"users:read"}),
    "conversations.members": _READ,
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
    token: str | None = None  # the token the call carried: whose workspace it acted in

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class Workspace:
    """A workspace the app is installed in: its team, its bot user and the bot token it holds."""

    team_id: str
    token: str
    team_name: str = "Fake Deals"
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    scopes: frozenset[str] | None = None  # None grants every method
    revoked: bool = False
    refusals: dict[str, str] = field(default_factory=dict)  # method -> the error it answers


@dataclass(frozen=True)
class _Grant:
    """What a user allowed on the authorize page, until ``oauth.v2.access`` exchanges its code."""

    team_id: str
    team_name: str
    user_id: str
    scopes: frozenset[str]
    redirect_uri: str | None  # as the authorize URL named it (None: the app's first one)
    expires: float


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
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        latency_s: float = 0.0,
    ) -> None:
        super().__init__()
        # How long each Web API call takes to answer: nothing by default; Slack's servers take
        # ~100-300 ms from a cloud host (a new TLS connection per call, as slack_sdk makes).
        self.latency_s = latency_s
        self.token = token
        self.app_token = app_token
        self.scopes = None if scopes is None else frozenset(scopes)
        self.validate_blocks = validate_blocks
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_urls: list[str] = []  # the app's OAuth redirect URLs, as its settings list
        self._workspaces = {
            token: Workspace(
                team_id, token, bot_user_id=bot_user_id, bot_id=bot_id, scopes=self.scopes
            )
        }
        self._signed_in: tuple[str, str, str] | None = None
        self._deny_next_install = False
        self._grants: dict[str, _Grant] = {}
        self.members_page_size = 100
        self._changed = threading.Condition()
        self._calls: list[SlackCall] = []
        self._failures: dict[str, deque[_Answer]] = defaultdict(deque)
        self._members: dict[str, list[str]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._streaming: set[tuple[str, str]] = set()  # (channel, ts) of streams not stopped
        self._statuses: dict[tuple[str, str], dict[str, Any]] = {}
        self._prompts: dict[str, dict[str, Any]] = {}
        self._home_views: dict[tuple[str, str], dict[str, Any]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._refused_blocks: set[str] = set()
        self._refusing: dict[str, str] = {}
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

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, ok: bool = False
    ) -> list[dict[str, Any]]:
        """Blocks until `method` was called `count` times (with `ok`, answered ok that many
        times); returns the arguments of those calls."""
        with self._changed:
            done = self._changed.wait_for(lambda: self._count(method, ok) >= count, timeout)
            if not done:
                seen = [call.method for call in self._calls]
                raise AssertionError(
                    f"{method} called {self._count(method, ok)}/{count} times; saw {seen}"
                )
            return [c.args for c in self._calls if c.method == method and (c.ok or not ok)]

    def _count(self, method: str, ok: bool = False) -> int:
        return sum(1 for call in self._calls if call.method == method and (call.ok or not ok))

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

    def refuse(
        self, method: str, error: str = "access_denied", *, team_id: str | None = None
    ) -> None:
        """Workspace `team_id` (default the first) answers every call to `method` with `error`
        from now on, as a workspace that does not allow a feature does."""
        with self._changed:
            for workspace in self._workspaces.values():
                if workspace.team_id == (team_id or self.team_id):
                    workspace.refusals[method] = error

    def refuse_blocks(self, *block_types: str) -> None:
        """The validator answers invalid_blocks for any message holding one of these types."""
        with self._changed:
            self._refused_blocks.update(block_types)

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
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Registers a user for ``users.info``; `tz=None` gives a profile without a time zone."""
        user = _user(user_id, team_id or self.team_id, tz=tz, name=name, is_bot=is_bot)
        with self._changed:
            self._users[user_id] = user
        return user

    def sign_in(self, team_id: str, *, user_id: str = USER_ID, team_name: str = "") -> None:
        """Who the browser is signed in as: the user that allows an install on the authorize
        page, into their workspace `team_id`."""
        with self._changed:
            self._signed_in = (team_id, team_name or f"Workspace {team_id}", user_id)

    def deny_next_install(self) -> None:
        """The next visit to the authorize page clicks Cancel instead of Allow."""
        with self._changed:
            self._deny_next_install = True

    def workspace(self, team_id: str) -> Workspace:
        """The installed workspace `team_id` (its token, its bot user)."""
        with self._changed:
            return next(w for w in self._workspaces.values() if w.team_id == team_id)

    def revoke(self, team_id: str) -> None:
        """The workspace's bot token stops working (an uninstall): calls get token_revoked."""
        with self._changed:
            for workspace in self._workspaces.values():
                if workspace.team_id == team_id:
                    workspace.revoked = True

    def refuse_posts(self, channel: str, error: str = "channel_not_found") -> None:
        """From now on ``chat.postMessage`` to `channel` answers `error`, as Slack does for a
        deleted or archived channel (``is_archived``), one the bot was removed from
        (``not_in_channel``), or a deactivated user's DM (``user_not_found``)."""
        with self._changed:
            self._refusing[channel] = error

    def accept_posts(self, channel: str) -> None:
        """``chat.postMessage`` to `channel` works again (after refuse_posts)."""
        with self._changed:
            self._refusing.pop(channel, None)

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

    def streaming(self, channel: str, ts: str) -> bool:
        """Whether the message is a stream not stopped yet."""
        with self._changed:
            return (channel, ts) in self._streaming

    def status(self, channel: str, thread_ts: str) -> str | None:
        """The thread's status as the user sees it now ("" or None: none)."""
        with self._changed:
            return (self._statuses.get((channel, thread_ts)) or {}).get("status")

    def suggested_prompts(self, channel: str) -> dict[str, Any] | None:
        """The prompts set for the agent view of `channel` (``title`` and ``prompts``)."""
        with self._changed:
            return self._prompts.get(channel)

    def home_view(self, user_id: str, team_id: str | None = None) -> dict[str, Any] | None:
        """The Home tab last published for the user."""
        with self._changed:
            return self._home_views.get((team_id or self.team_id, user_id))

    def uploads(self) -> list[dict[str, Any]]:
        """Files uploaded and shared (``content`` holds their bytes), oldest first."""
        with self._changed:
            return [dict(upload) for upload in self._uploads.values() if upload.get("shared")]

    # --- HTTP ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/upload/v1/") and request.method == "POST":
            return self._receive_upload(request)  # the file's raw bytes, not a form
        args = _parse_args(request)
        if request.path.startswith(("/commands/", "/actions/")):
            return self._webhook(request, args)
        if request.path == "/oauth/v2/authorize" and request.method == "GET":
            return self._authorize_page(args)
        if not request.path.startswith("/api/"):
            return Response.json({"ok": False, "error": "fake_slack_unknown_path"}, status=404)
        method = request.path.removeprefix("/api/")
        if self.latency_s:
            time.sleep(self.latency_s)
        authorization = request.headers.get("authorization")
        token = args.pop("token", None) or bearer_token(authorization)
        with self._changed:
            injected = self._failures[method].popleft() if self._failures[method] else None
        answer = injected or self._answer(method, args, token, authorization)
        call = SlackCall(method, args, request.headers, answer.status, answer.body, token=token)
        self._record(call)
        return Response.json(answer.body, status=answer.status, headers=answer.headers)

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None, authorization: str | None
    ) -> _Answer:
        headers: dict[str, str] = {}
        try:
            if method in APP_TOKEN_METHODS or method in CLIENT_CREDENTIAL_METHODS:
                self._authorize_app(method, args, token, authorization)
                with self._changed:
                    body = {"ok": True, **_APP_HANDLERS[method](self, args)}
            else:
                workspace = self._authorize(method, args, token)
                handler = _HANDLERS.get(method)
                if handler is None:
                    raise SlackError("unknown_method", req_method=method)
                with self._changed:
                    body = {"ok": True, **handler(self, args, workspace)}
                if method == "auth.test":
                    headers = {"x-oauth-scopes": ",".join(sorted(workspace.scopes or ()))}
        except SlackError as error:
            body = {"ok": False, "error": error.error, **error.fields}
        return _Answer(200, body, headers)

    def _authorize_app(
        self, method: str, args: dict[str, Any], token: str | None, authorization: str | None
    ) -> None:
        """The app's own credentials: its app-level token, or its client id and secret."""
        if method in CLIENT_CREDENTIAL_METHODS:
            client_id, client_secret = _client_credentials(args, authorization)
            if client_id != self.client_id:
                raise SlackError("invalid_client_id")
            if client_secret != self.client_secret:
                raise SlackError("bad_client_secret")
            return
        if not token:
            raise SlackError("not_authed")
        if token != self.app_token:
            wrong_type = token in self._workspaces
            raise SlackError("not_allowed_token_type" if wrong_type else "invalid_auth")

    def _authorize(self, method: str, args: dict[str, Any], token: str | None) -> Workspace:
        """The workspace whose bot token made the call; Slack's error when it may not."""
        if not token:
            raise SlackError("not_authed")
        if token == self.app_token:
            raise SlackError("not_allowed_token_type")
        with self._changed:
            workspace = self._workspaces.get(token)
        if workspace is None:
            raise SlackError("invalid_auth")
        if workspace.revoked:
            raise SlackError("token_revoked")
        needed = _needed_scopes(method, args)
        granted = workspace.scopes
        if granted is not None and needed and not needed & granted:
            provided = ",".join(sorted(granted))
            raise SlackError("missing_scope", needed=",".join(sorted(needed)), provided=provided)
        if method in workspace.refusals:
            raise SlackError(workspace.refusals[method])
        return workspace

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
        if message.get("bot_id") and thread_ts:
            # A message from the app in the thread clears its status, as Slack does.
            self._statuses.pop((channel, thread_ts), None)
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

    def _bot_message(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        message = {"type": "message", "user": workspace.bot_user_id, "bot_id": workspace.bot_id}
        message |= {"app_id": self.app_id, "team": workspace.team_id, "text": args.get("text", "")}
        return message | {
            key: args[key] for key in ("blocks", "attachments", "metadata") if key in args
        }

    # --- methods ---------------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        return {
            "url": "https://fake-deals.slack.com/",
            "team": workspace.team_name,
            "user": "dealbot",
            "team_id": workspace.team_id,
            "user_id": workspace.bot_user_id,
            "bot_id": workspace.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel = _required(args, "channel")
        if channel in self._refusing:
            raise SlackError(self._refusing[channel])
        self._check_message(args)
        thread_ts = args.get("thread_ts") or None
        self._stand_in_thread(channel, thread_ts)
        message = self._store(channel, self._bot_message(args, workspace), thread_ts)
        return {"channel": channel, "ts": message["ts"], "message": message}

    def _stand_in_thread(self, channel: str, thread_ts: str | None) -> None:
        if thread_ts and not any(m["ts"] == thread_ts for m in self._messages[channel]):
            # The thread starts at a message the fake was not told of (a test's event): stand it in.
            self._messages[channel].append({"type": "message", "ts": thread_ts, "text": ""})

    def _chat_update(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        self._check_message(args)
        message = self._find(channel, ts)
        if message.get("user") != workspace.bot_user_id:
            raise SlackError("cant_update_message")
        self._streaming.discard((channel, ts))  # an update ends a stream, as its fallback
        message.update(
            {key: value for key, value in self._bot_message(args, workspace).items() if key in args}
        )
        message["edited"] = {"user": workspace.bot_user_id, "ts": new_ts()}
        return {"channel": channel, "ts": ts, "text": message["text"], "message": dict(message)}

    def _chat_start_stream(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel, thread_ts = _required(args, "channel"), _required(args, "thread_ts")
        if channel[:1] in ("C", "G"):  # streaming in a channel names its one reader
            if not args.get("recipient_user_id"):
                raise SlackError("missing_recipient_user_id")
            if not args.get("recipient_team_id"):
                raise SlackError("missing_recipient_team_id")
        chunks = self._checked_chunks(args)
        self._stand_in_thread(channel, thread_ts)
        message: dict[str, Any] = {"type": "message", "user": workspace.bot_user_id}
        message |= {"bot_id": workspace.bot_id, "app_id": self.app_id, "team": workspace.team_id}
        message |= {"text": "", "tasks": []}
        stored = self._store(channel, message, thread_ts)
        self._streaming.add((channel, stored["ts"]))
        self._apply_chunks(self._find(channel, stored["ts"]), chunks)
        return {"channel": channel, "ts": stored["ts"]}

    def _chat_append_stream(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        message, channel, ts = self._stream_of(args, workspace)
        chunks = self._checked_chunks(args)
        if not chunks:
            raise SlackError("no_text")
        self._apply_chunks(message, chunks)
        return {"channel": channel, "ts": ts}

    def _chat_stop_stream(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        message, channel, ts = self._stream_of(args, workspace)
        chunks = self._checked_chunks(args)
        blocks = args.get("blocks")
        if blocks and self.validate_blocks:
            self._check_blocks(blocks)
        self._apply_chunks(message, chunks)
        if blocks:
            message["blocks"] = blocks
        self._streaming.discard((channel, ts))
        return {"channel": channel, "ts": ts, "message": dict(message)}

    def _stream_of(
        self, args: dict[str, Any], workspace: Workspace
    ) -> tuple[dict[str, Any], str, str]:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        message = self._find(channel, ts)
        if message.get("user") != workspace.bot_user_id:
            raise SlackError("cant_update_message")
        if (channel, ts) not in self._streaming:
            raise SlackError("message_not_in_streaming_state")
        return message, channel, ts

    def _checked_chunks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        chunks = list(args.get("chunks") or [])
        if args.get("markdown_text"):
            chunks.insert(0, {"type": "markdown_text", "text": args["markdown_text"]})
        problems = [problem for chunk in chunks if (problem := chunk_problem(chunk))]
        if problems:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": [f"[ERROR] {problems[0]}"]}
            )
        return chunks

    @staticmethod
    def _apply_chunks(message: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
        """Streamed text is appended; a task update replaces the task with its id."""
        for chunk in chunks:
            if chunk["type"] == "markdown_text":
                message["text"] += chunk["text"]
            elif chunk["type"] == "task_update":
                tasks = [task for task in message["tasks"] if task["id"] != chunk["id"]]
                message["tasks"] = [*tasks, {k: v for k, v in chunk.items() if k != "type"}]

    def _chat_get_permalink(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel, ts = _required(args, "channel"), _required(args, "message_ts")
        message = self._find(channel, ts)
        link = f"https://fake-deals.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if message.get("thread_ts") and message["thread_ts"] != ts:
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _chat_delete(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel, ts = _required(args, "channel"), _required(args, "ts")
        message = self._find(channel, ts)
        if message.get("user") != workspace.bot_user_id:
            raise SlackError("cant_delete_message")
        self._messages[channel].remove(message)
        return {"channel": channel, "ts": ts}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_mode.issue_url()}

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        grant = self._grants.pop(str(args.get("code") or ""), None)
        if grant is None or grant.expires < time.time():
            raise SlackError("invalid_code")
        if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
            raise SlackError("bad_redirect_uri")
        workspace = self._install(grant.team_id, grant.team_name, grant.scopes)
        return {
            "app_id": self.app_id,
            "authed_user": {"id": grant.user_id},
            "scope": ",".join(sorted(grant.scopes)),
            "token_type": "bot",
            "access_token": workspace.token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _install(self, team_id: str, team_name: str, scopes: frozenset[str]) -> Workspace:
        """The workspace's bot token: the one it holds (a reinstall keeps it), else a new one."""
        for workspace in self._workspaces.values():
            if workspace.team_id == team_id and not workspace.revoked:
                workspace.scopes = scopes
                return workspace
        token = f"xoxb-{team_id.lower()}-{secrets.token_hex(8)}"
        workspace = Workspace(
            team_id,
            token,
            team_name=team_name,
            bot_user_id=f"U0BOT{team_id[1:]}",
            bot_id=f"B0BOT{team_id[1:]}",
            scopes=scopes,
        )
        self._workspaces[token] = workspace
        return workspace

    def _authorize_page(self, args: dict[str, Any]) -> Response:
        """slack.com/oauth/v2/authorize with the signed-in user clicking Allow (or Cancel):
        the browser is sent to the app's redirect URL with a code (or an error) and the state."""
        with self._changed:
            if args.get("client_id") != self.client_id:
                return _error_page(400, "invalid_client_id")
            redirect_uri = args.get("redirect_uri") or None
            target = redirect_uri or (self.redirect_urls[0] if self.redirect_urls else None)
            if target is None or target not in self.redirect_urls:
                return _error_page(400, "bad_redirect_uri")
            scopes = frozenset(filter(None, str(args.get("scope") or "").split(",")))
            if not scopes:
                return _error_page(400, "invalid_scope")
            if self._signed_in is None:
                return _error_page(401, "not_signed_in")
            team_id, team_name, user_id = self._signed_in
            answer = {"state": args.get("state", "")}
            if self._deny_next_install:
                self._deny_next_install = False
                answer["error"] = "access_denied"
            else:
                code = f"{int(time.time())}.{secrets.token_hex(16)}"
                expires = time.time() + OAUTH_CODE_SECONDS
                grant = _Grant(team_id, team_name, user_id, scopes, redirect_uri, expires)
                self._grants[code] = grant
                answer["code"] = code
        return Response(302, b"", {"location": f"{target}?{urlencode(answer)}"})

    def _views_open(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        _required(args, "trigger_id")
        view = _required(args, "view")
        if self.validate_blocks:
            _check_view(view)
        view_id = f"V{next(self._serial):08d}"
        extra: dict[str, Any] = {
            "id": view_id,
            "team_id": workspace.team_id,
            "app_id": self.app_id,
            "bot_id": workspace.bot_id,
        }
        extra |= {
            "root_view_id": view_id,
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.fake",
        }
        return {"view": {**view, **extra}}

    def _set_status(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel, thread_ts = _required(args, "channel_id"), _required(args, "thread_ts")
        if "status" not in args:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["status is required"]}
            )
        loading = args.get("loading_messages") or []
        if not isinstance(loading, list) or len(loading) > LOADING_MESSAGES_LIMIT:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"at most {LOADING_MESSAGES_LIMIT} messages"]},
            )
        self._statuses[(channel, thread_ts)] = {"status": args["status"], "loading": loading}
        return {}

    def _set_suggested_prompts(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel, prompts = _required(args, "channel_id"), _required(args, "prompts")
        if not isinstance(prompts, list) or len(prompts) > SUGGESTED_PROMPTS_LIMIT:
            raise SlackError("invalid_arguments")
        if not all(isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
            raise SlackError("invalid_arguments")
        if args.get("thread_ts"):
            return {}  # an agent app's call with thread_ts silently does nothing, as Slack's does
        self._prompts[channel] = {"title": args.get("title"), "prompts": prompts}
        return {}

    def _views_publish(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        user_id, view = _required(args, "user_id"), _required(args, "view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackError("invalid_arguments")
        if self.validate_blocks:
            self._check_blocks(view.get("blocks") or [], MODAL_BLOCKS_LIMIT)
        published = view | {"id": f"V{next(self._serial):08d}", "team_id": workspace.team_id}
        self._home_views[(workspace.team_id, user_id)] = published
        return {"view": published}

    def _files_get_upload_url(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        filename, length = _required(args, "filename"), _required(args, "length")
        if not str(length).isdigit() or int(length) <= 0:
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._serial):08d}"
        self._uploads[file_id] = {
            "id": file_id,
            "name": filename,
            "length": int(length),
            "alt_txt": args.get("alt_txt"),
            "snippet_type": args.get("snippet_type"),
            "team": workspace.team_id,
            "content": None,
        }
        return {"upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id}

    def _receive_upload(self, request: Request) -> Response:
        file_id = request.path.removeprefix("/upload/v1/")
        with self._changed:
            upload = self._uploads.get(file_id)
            if upload is None:
                return Response(404, b"not found")
            upload["content"] = request.body
        return Response(200, f"OK - {len(request.body)}".encode(), {"content-type": "text/plain"})

    def _files_complete_upload(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        files = _required(args, "files")
        channel, thread_ts = args.get("channel_id"), args.get("thread_ts") or None
        completed = []
        for entry in files if isinstance(files, list) else []:
            upload = self._uploads.get(str(entry.get("id")))
            if upload is None or upload["team"] != workspace.team_id:
                raise SlackError("file_not_found")
            if upload["content"] is None or len(upload["content"]) != upload["length"]:
                raise SlackError("file_upload_size_mismatch")
            upload |= {"title": entry.get("title") or upload["name"], "shared": bool(channel)}
            upload |= {"channel": channel, "thread_ts": thread_ts}
            completed.append({"id": upload["id"], "name": upload["name"], "title": upload["title"]})
        if not completed:
            raise SlackError("invalid_arguments")
        if channel:
            self._stand_in_thread(channel, thread_ts)
            message = self._bot_message({"text": args.get("initial_comment") or ""}, workspace)
            self._store(channel, message | {"files": completed}, thread_ts)
        return {"files": completed}

    def _conversations_members(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        channel = _required(args, "channel")
        if channel not in self._members:
            raise SlackError("channel_not_found")
        members, next_cursor = _page(self._members[channel], args, self.members_page_size)
        return {"members": members, "response_metadata": {"next_cursor": next_cursor}}

    def _users_info(self, args: dict[str, Any], workspace: Workspace) -> dict[str, Any]:
        user_id = _required(args, "user")
        if user_id not in self._users and not user_id.startswith(("U", "W")):
            raise SlackError("user_not_found")
        return {
            "user": self._users.get(user_id) or _user(user_id, workspace.team_id, tz=DEFAULT_TZ)
        }

    def _check_message(self, args: dict[str, Any]) -> None:
        text, blocks = args.get("text") or "", args.get("blocks")
        if not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise SlackError("msg_too_long")
        if blocks and self.validate_blocks:
            self._check_blocks(blocks)

    def _check_blocks(self, blocks: Any, limit: int = MESSAGE_BLOCKS_LIMIT) -> None:
        _check_blocks(blocks, limit)
        refused = [
            block.get("type")
            for block in all_blocks(blocks)
            if block.get("type") in self._refused_blocks
        ]
        if refused:
            problem = f"unsupported block type: {refused[0]}"
            raise SlackError(
                "invalid_blocks", errors=[problem], response_metadata={"messages": [problem]}
            )


_HANDLERS: dict[str, Callable[[FakeSlack, dict[str, Any], Workspace], dict[str, Any]]] = {
    "auth.test": FakeSlack._auth_test,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.update": FakeSlack._chat_update,
    "chat.delete": FakeSlack._chat_delete,
    "chat.startStream": FakeSlack._chat_start_stream,
    "chat.appendStream": FakeSlack._chat_append_stream,
    "chat.stopStream": FakeSlack._chat_stop_stream,
    "chat.getPermalink": FakeSlack._chat_get_permalink,
    "views.open": FakeSlack._views_open,
    "views.publish": FakeSlack._views_publish,
    "files.getUploadURLExternal": FakeSlack._files_get_upload_url,
    "files.completeUploadExternal": FakeSlack._files_complete_upload,
    "assistant.threads.setStatus": FakeSlack._set_status,
    "assistant.threads.setSuggestedPrompts": FakeSlack._set_suggested_prompts,
    "conversations.members": FakeSlack._conversations_members,
    "users.info": FakeSlack._users_info,
}


# Methods called with the app's own credentials, in no workspace.
_APP_HANDLERS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "apps.connections.open": FakeSlack._apps_connections_open,
    "oauth.v2.access": FakeSlack._oauth_v2_access,
}


def _client_credentials(args: dict[str, Any], authorization: str | None) -> tuple[str, str]:
    """The client id and secret of an ``oauth.v2.access`` call: HTTP Basic, else form fields."""
    if authorization and authorization.startswith("Basic "):
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            return user, password
    return str(args.get("client_id") or ""), str(args.get("client_secret") or "")


def _error_page(status: int, error: str) -> Response:
    """Slack's error page on slack.com: it does not send the browser back to the app."""
    body = f"<html><body><h1>Something went wrong</h1><p>{error}</p></body></html>"
    return Response(status, body.encode(), {"content-type": "text/html; charset=utf-8"})


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
    if not problems and (problem := message_problem(blocks)):
        problems.append(problem)
    if problems:
        messages = [f"[ERROR] {problem}" for problem in problems]
        raise SlackError(
            "invalid_blocks", errors=problems, response_metadata={"messages": messages}
        )


# Blocks slack_sdk does not model (or models more loosely than Slack checks them).
_OWN_CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "data_table": data_table_problem,
    "data_visualization": data_visualization_problem,
    "table": table_problem,
    "container": container_problem,
}


def _block_problem(block: Any) -> str | None:
    check = _OWN_CHECKS.get(str(block.get("type"))) if isinstance(block, dict) else None
    if check is not None and (problem := check(block)):
        return problem
    if isinstance(block, dict) and block.get("type") in ("data_table", "data_visualization"):
        return None
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
