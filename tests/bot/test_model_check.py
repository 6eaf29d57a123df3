"""The start-up check of DEALBOT_MODEL (`ask`, `serve`, `eval`): a model or key the API refuses
stops start-up with one line naming the setting; an API that cannot say is only a warning."""

from __future__ import annotations

import json
import socket

import pytest

from bot import cli
from bot.cli import main
from bot.database import make_engine
from bot.history import History
from bot.model_failures import UNREACHABLE
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.http_server import Request, Response


class NoModelsEndpoint(FakeAnthropic):
    """A Messages-API-compatible server that has no models endpoints (as some proxies)."""

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/v1/models"):
            return Response.json({"detail": "Not Found"}, status=404)
        return super().handle(request)


@pytest.fixture
def cli_env(monkeypatch, demo_url):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("DEALBOT_MODEL", raising=False)


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_ask_with_an_unknown_model_stops_before_any_work(
    cli_env, monkeypatch, fake_anthropic, demo_url, capsys
):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("DEALBOT_MODEL", "nope")

    assert main(["ask", "Any deals on orange soda?"]) == 2

    line = _one_line(capsys.readouterr().err)
    assert line.startswith("dealbot: DEALBOT_MODEL: 'nope' is not a model this API serves")
    assert "claude-sonnet-5-5" in line, "names models the API does serve"
    assert fake_anthropic.model_lookups == ["nope"] and fake_anthropic.requests == []
    assert History(make_engine(demo_url)).recent() == [], "no run recorded"


def test_ask_checks_the_model_once_then_answers(cli_env, monkeypatch, fake_anthropic, capsys):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("DEALBOT_MODEL", "claude-haiku-4-5")
    fake_anthropic.reply_code("final_answer('ok')")

    assert main(["ask", "Any deals on orange soda?", "--json"]) == 0

    assert json.loads(capsys.readouterr().out)["answer"] == "ok"
    assert fake_anthropic.model_lookups == ["claude-haiku-4-5"]
    assert fake_anthropic.last_request.body["model"] == "claude-haiku-4-5"


def test_a_refused_key_stops_start_up_naming_anthropic_api_key(cli_env, monkeypatch, capsys):
    with FakeAnthropic(api_key="the-right-key") as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)

        assert main(["ask", "Any deals on orange soda?"]) == 2

    line = _one_line(capsys.readouterr().err)
    assert line.startswith("dealbot: ANTHROPIC_API_KEY: the API refused it (401")
    assert "test-key" not in line


def test_an_unreachable_api_at_start_up_is_a_warning_not_a_stop(
    cli_env, monkeypatch, caplog, capsys
):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", _closed_port_url())
    monkeypatch.setenv("DEALBOT_ANSWER_DEADLINE_S", "1")

    assert main(["ask", "Any deals on orange soda?"]) == 1

    assert UNREACHABLE in capsys.readouterr().out, "went on and tried to answer"
    [warning] = [r for r in caplog.records if r.name == "bot.claude" and r.levelname == "WARNING"]
    assert "could not check DEALBOT_MODEL='claude-sonnet-5-5'" in warning.getMessage()


def test_a_server_without_the_models_endpoint_is_a_warning(cli_env, monkeypatch, caplog, capsys):
    with NoModelsEndpoint() as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        fake.reply_code("final_answer('still answered')")

        assert main(["ask", "Any deals on orange soda?", "--json"]) == 0

    assert json.loads(capsys.readouterr().out)["answer"] == "still answered"
    [warning] = [r for r in caplog.records if r.name == "bot.claude"]
    assert "no models endpoint" in warning.getMessage()


def test_eval_with_an_unknown_model_stops_before_asking(cli_env, monkeypatch, fake_anthropic):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)

    assert main(["eval", "--model", "claude-typo"]) == 2
    assert fake_anthropic.requests == []


def test_serve_with_an_unknown_model_stops_before_slack_or_the_database(
    cli_env, slack_env, monkeypatch, fake_anthropic, capsys
):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("DEALBOT_MODEL", "nope")

    def serving_would_fail_the_test(*args, **kwargs):
        raise AssertionError("serve started although DEALBOT_MODEL is unknown")

    monkeypatch.setattr(cli, "serve", serving_would_fail_the_test)

    assert main(["serve", "--port", "3999"]) == 2

    line = _one_line(capsys.readouterr().err)
    assert line.startswith("dealbot: DEALBOT_MODEL: 'nope' is not a model this API serves")
    assert slack_env.calls == [], "stopped before connecting to Slack"
