"""A running dealbot Slack app for tests: real Bolt over real HTTP, the fakes behind it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from bot.agent import Agent
from bot.serve import build_service, start_http
from bot.settings import Settings, load_settings
from bot.slack.app import make_app
from bot.slack.service import SlackService
from tests.bot.conftest import make_test_agent
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.fakes.slack_payloads import FORM, JSON, post_to_app


@dataclass
class RunningBot:
    url: str
    agent: Agent
    service: SlackService
    slack: FakeSlack

    def event(self, payload: dict[str, Any], *, retry_num: int | None = None) -> tuple[int, str]:
        return post_to_app(self.url, json.dumps(payload), JSON, retry_num=retry_num)

    def form(self, body: str) -> tuple[int, str]:
        return post_to_app(self.url, body, FORM)

    listeners: TrackingExecutor

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until Bolt's listeners and every answer they queued have finished."""
        deadline = time.monotonic() + timeout
        while self.listeners.busy or self.service.pool.in_flight:
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


def bot_settings(slack: FakeSlack, model: FakeAnthropic, **overrides: Any) -> Settings:
    return load_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        slack_app_token=None,
        anthropic_api_key="test-key",
        anthropic_base_url=model.url,
        **overrides,
    )


@contextmanager
def running_bot(
    engine: Engine, slack: FakeSlack, model: FakeAnthropic, **overrides: Any
) -> Iterator[RunningBot]:
    settings = bot_settings(slack, model, **overrides)
    agent = make_test_agent(engine, model)
    service = build_service(settings, agent, agent.history)
    listeners = TrackingExecutor()
    app = make_app(settings, service, listener_executor=listeners)
    server = start_http(app, "127.0.0.1", 0)
    try:
        yield RunningBot(
            url=f"http://127.0.0.1:{server.server_port}/slack/events",
            agent=agent,
            service=service,
            slack=slack,
            listeners=listeners,
        )
    finally:
        server.shutdown()
        server.server_close()
        service.pool.close(10)
