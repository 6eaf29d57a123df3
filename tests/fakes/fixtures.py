"""Pytest fixtures for the fakes; ``tests/conftest.py`` takes them with a star import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "app_manifest.yml"

__all__ = ["anthropic_env", "fake_anthropic", "fake_slack", "slack_env"]


def load_manifest() -> dict[str, Any]:
    """The Slack app manifest at the repository root, parsed."""
    return yaml.safe_load(MANIFEST_PATH.read_text())


def manifest_bot_scopes() -> list[str]:
    return list(load_manifest()["oauth_config"]["scopes"]["bot"])


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    """A running fake Messages API with an empty script: queue replies before the bot asks."""
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake Web API granting exactly the manifest's bot scopes (else missing_scope)."""
    with FakeSlack(scopes=manifest_bot_scopes()) as fake:
        yield fake


@pytest.fixture
def anthropic_env(monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeAnthropic) -> FakeAnthropic:
    """ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY point the bot's client at `fake_anthropic`."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    return fake_anthropic


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> FakeSlack:
    """SLACK_API_URL, the bot token and the signing secret for `fake_slack`; HTTP mode."""
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    return fake_slack
