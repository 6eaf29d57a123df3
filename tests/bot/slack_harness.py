"""A running dealbot Slack app for tests: real Bolt over real HTTP, the fakes behind it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
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

    def drain(self) -> None:
        """Wait for every answer in flight (the pool stays usable)."""
        deadline_ok = _wait_idle(self.service)
        assert deadline_ok, "answers still in flight"


def _wait_idle(service: SlackService, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.pool.in_flight == 0:
            return True
        time.sleep(0.01)
    return False


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
    app = make_app(settings, service)
    server = start_http(app, "127.0.0.1", 0)
    try:
        yield RunningBot(
            url=f"http://127.0.0.1:{server.server_port}/slack/events",
            agent=agent,
            service=service,
            slack=slack,
        )
    finally:
        server.shutdown()
        server.server_close()
        service.pool.close(10)
