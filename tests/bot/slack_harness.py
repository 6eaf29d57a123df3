"""A running dealbot Slack app for tests: real Bolt over real HTTP or Socket Mode, fakes behind.

`running_bot` serves the app over HTTP and tests post signed requests to it; `socket_mode_bot`
connects it as `dealbot serve` does with SLACK_APP_TOKEN, to `FakeSlack.socket_mode`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from slack_bolt import App
from sqlalchemy import Engine

from bot.agent import Agent
from bot.serve import (
    build_service,
    check_slack_settings,
    make_readiness,
    start_http,
    start_socket_mode,
)
from bot.settings import Settings, load_settings
from bot.slack.app import make_app
from bot.slack.service import SlackService
from tests.bot.conftest import make_test_agent
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.slack_api import (
    APP_TOKEN,
    BOT_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    FakeSlack,
)
from tests.fakes.slack_payloads import (
    FORM,
    JSON,
    block_actions_body,
    post_to_app,
    slash_command_body,
)
from tests.fakes.socket_mode import FakeSocketMode


@dataclass
class RunningBot:
    url: str
    agent: Agent
    service: SlackService
    slack: FakeSlack
    app: App

    def event(self, payload: dict[str, Any], *, retry_num: int | None = None) -> tuple[int, str]:
        return post_to_app(self.url, json.dumps(payload), JSON, retry_num=retry_num)

    def form(self, body: str) -> tuple[int, str]:
        return post_to_app(self.url, body, FORM)

    listeners: TrackingExecutor

    @property
    def base_url(self) -> str:
        """Where the bot's HTTP server listens, e.g. for ``/slack/install``."""
        return self.url.removesuffix("/slack/events")

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until Bolt's listeners and every answer they queued have finished."""
        wait_until_quiet(self.listeners, self.service, timeout)


def wait_until_quiet(listeners: TrackingExecutor, service: SlackService, timeout: float) -> None:
    """Until Bolt's listeners and every answer they queued have finished."""
    deadline = time.monotonic() + timeout
    while listeners.busy or service.pool.in_flight:
        assert time.monotonic() < deadline, "answers still in flight"
        time.sleep(0.005)


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting what it runs, so tests can wait for quiet."""

    def __init__(self) -> None:
        super().__init__(max_workers=16, thread_name_prefix="listener")
        self._busy = 0
        self._lock = threading.Lock()

    @property
    def busy(self) -> int:
        with self._lock:
            return self._busy

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            self._busy += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._lock:
            self._busy -= 1


def streamed_answer(slack: FakeSlack, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
    """The `count`-th answer streamed (its chat.stopStream that Slack took), as Slack now holds
    its message: the streamed text, the blocks, the thread, and the channel."""
    stop = slack.wait_for("chat.stopStream", count, timeout, ok=True)[count - 1]
    return slack.message(stop["channel"], stop["ts"]) | {"channel": stop["channel"]}


def bot_settings(slack: FakeSlack, model: FakeAnthropic, **overrides: Any) -> Settings:
    settings = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "slack_app_token": None,
        "anthropic_api_key": "test-key",
        "anthropic_base_url": model.url,
    }
    return load_settings(**settings | overrides)


# What `dealbot serve` reads to serve every workspace that installs the app: no bot token.
OAUTH_SETTINGS = {
    "slack_bot_token": None,
    "slack_client_id": CLIENT_ID,
    "slack_client_secret": CLIENT_SECRET,
}


@contextmanager
def running_bot(
    engine: Engine,
    slack: FakeSlack,
    model: FakeAnthropic,
    *,
    program_cache: bool = False,
    **overrides: Any,
) -> Iterator[RunningBot]:
    settings = bot_settings(slack, model, **overrides)
    agent = make_test_agent(engine, model, program_cache=program_cache)
    service = build_service(settings, agent)
    listeners = TrackingExecutor()
    app = make_app(settings, service, listener_executor=listeners)
    server = start_http(app, "127.0.0.1", 0, readiness=make_readiness(agent))
    try:
        yield RunningBot(
            url=f"http://127.0.0.1:{server.port}/slack/events",
            agent=agent,
            service=service,
            slack=slack,
            app=app,
            listeners=listeners,
        )
    finally:
        server.close()
        service.pool.close(10)


# --- Socket Mode ---------------------------------------------------------------------------


@dataclass
class SocketModeBot:
    """The bot connected over Socket Mode to `slack.socket_mode`; `close` is serve's own stop."""

    agent: Agent
    service: SlackService
    slack: FakeSlack
    listeners: TrackingExecutor
    close: Callable[[], None]

    @property
    def socket(self) -> FakeSocketMode:
        return self.slack.socket_mode

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until Bolt's listeners and every answer they queued have finished."""
        wait_until_quiet(self.listeners, self.service, timeout)


def socket_mode_settings(slack: FakeSlack, model: FakeAnthropic, **overrides: Any) -> Settings:
    """What `dealbot serve` reads in Socket Mode: an app-level token and no signing secret."""
    settings = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": None,
        "slack_app_token": APP_TOKEN,
        "slack_api_url": slack.api_url,
        "anthropic_api_key": "test-key",
        "anthropic_base_url": model.url,
    }
    return load_settings(**settings | overrides)


@contextmanager
def socket_mode_bot(
    engine: Engine, slack: FakeSlack, model: FakeAnthropic, **overrides: Any
) -> Iterator[SocketModeBot]:
    """The app connected through serve's own Socket Mode start-up, closed on leaving."""
    settings = socket_mode_settings(slack, model, **overrides)
    check_slack_settings(settings)
    agent = make_test_agent(engine, model)
    service = build_service(settings, agent)
    listeners = TrackingExecutor()
    app = make_app(settings, service, listener_executor=listeners)
    close = start_socket_mode(app, settings)
    try:
        yield SocketModeBot(
            agent=agent, service=service, slack=slack, listeners=listeners, close=close
        )
    finally:
        _hurry(close)
        close()
        service.pool.close(10)


def _hurry(close: Callable[[], None]) -> None:
    """Saves a second per test: the SDK's message loop polls its queue for up to a second
    before it sees `close()`; mark the client closed and wake the loop with an empty item
    (which it skips). Harmless when already closed; the close test goes without it.
    """
    handler = getattr(close, "__self__", None)
    client = getattr(handler, "client", None)
    if client is not None:
        client.closed = True
        client.enqueue_message(None)


def slash_command_fields(text: str, **options: Any) -> dict[str, str]:
    """A slash command as a Socket Mode payload carries it: the form fields as an object."""
    return dict(parse_qsl(slash_command_body(text, **options), keep_blank_values=True))


def block_actions_payload(action_id: str, value: str = "", **options: Any) -> dict[str, Any]:
    """A button click as a Socket Mode ``interactive`` payload: the decoded JSON."""
    return json.loads(parse_qs(block_actions_body(action_id, value, **options))["payload"][0])
