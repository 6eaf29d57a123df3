"""`dealbot serve` processes killed with SIGKILL mid-answer: the question is answered within a
minute, by the restarted process or by a replica sharing PostgreSQL that stays up."""

from __future__ import annotations

import itertools
import json
import re
import signal
import subprocess
import time

import pytest

from bot.history import History
from tests.bot.slack_harness import streamed_answer
from tests.bot.test_serve import (
    _environment,
    _free_port,
    _metrics,
    _serving,
    _wait_until_listening,
)
from tests.fakes.anthropic_api import text_reply
from tests.fakes.slack_payloads import JSON, app_mention_event, post_to_app

WITHIN_S = 60


def _model_thinking_forever_then_answering(fake_anthropic) -> None:
    """The first answer takes far longer than the test (the process dies during it); every
    later one comes at once."""
    calls = itertools.count()

    def model(_request):
        if next(calls) == 0:
            return text_reply("Answer of the dead process.", delay=90)
        return text_reply("Recovered answer.")

    fake_anthropic.responder = model


def _ask_and_kill(process: subprocess.Popen, port: int, fake_anthropic) -> float:
    """Mention the bot at `port`, SIGKILL it while the model is thinking; when it died."""
    status, _ = post_to_app(
        f"http://127.0.0.1:{port}/slack/events", json.dumps(app_mention_event("deals?")), JSON
    )
    assert status == 200
    deadline = time.monotonic() + 10
    while not fake_anthropic.requests:
        assert time.monotonic() < deadline, "the model was never asked"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return time.monotonic()


def test_a_process_killed_mid_answer_and_restarted_answers_within_a_minute(
    demo_url, fake_slack, fake_anthropic
):
    _model_thinking_forever_then_answering(fake_anthropic)
    env = _environment(demo_url, fake_slack, fake_anthropic)
    port = _free_port()
    with _serving(env, "--port", str(port)) as first:
        _wait_until_listening(port, first)
        killed_at = _ask_and_kill(first, port, fake_anthropic)
        dead_pid = first.pid
    with _serving(env, "--port", str(port)) as second:
        answer = streamed_answer(fake_slack, timeout=WITHIN_S)
        waited = time.monotonic() - killed_at
        _wait_until_listening(port, second)
        recovered = _metrics(port)[("dealbot_recovered_runs_total", (("kind", "answer"),))]
        second.send_signal(signal.SIGTERM)
        _, log = second.communicate(timeout=30)

    assert "Recovered answer." in answer["text"]
    assert waited < WITHIN_S
    assert re.search(rf"run \w+: recovered from instance [^ ]+:{dead_pid}:", log)
    assert recovered == 1
    [run] = _history(demo_url).recent(limit=1)
    assert run.status == "ok" and run.answer == "Recovered answer."


@pytest.mark.postgres
def test_two_replicas_on_postgres_the_survivor_answers_within_a_minute(
    postgres_url, fake_slack, fake_anthropic
):
    import tools
    from bot.database import make_engine, upgrade

    engine = make_engine(postgres_url)
    upgrade(engine)
    tools.seed_demo(engine, products=200, deals=1000)
    engine.dispose()
    _model_thinking_forever_then_answering(fake_anthropic)
    env = _environment(postgres_url, fake_slack, fake_anthropic)
    ports = _free_port(), _free_port()
    with (
        _serving(env, "--port", str(ports[0])) as doomed,
        _serving(env, "--port", str(ports[1])) as survivor,
    ):
        _wait_until_listening(ports[0], doomed)
        _wait_until_listening(ports[1], survivor)
        killed_at = _ask_and_kill(doomed, ports[0], fake_anthropic)
        answer = streamed_answer(fake_slack, timeout=WITHIN_S)
        waited = time.monotonic() - killed_at
        survivor.send_signal(signal.SIGTERM)
        _, log = survivor.communicate(timeout=30)

    assert "Recovered answer." in answer["text"]
    assert waited < WITHIN_S
    assert "recovered from instance" in log
    assert len(fake_slack.calls_to("chat.stopStream")) == 1
    [run] = _history(postgres_url).recent(limit=1)
    assert run.status == "ok" and run.answer == "Recovered answer."


def _history(url: str) -> History:
    from bot.database import make_engine

    return History(make_engine(url))
