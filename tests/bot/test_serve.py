"""`dealbot serve` as a real process: HTTP mode, graceful stop on SIGTERM, clear start-up errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.error import HTTPError, URLError

import pytest

from tests.bot.slack_harness import streamed_answer
from tests.fakes.anthropic_api import text_reply
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_payloads import JSON, app_mention_event, post_to_app

MAIN = "import sys; from bot.cli import main; sys.exit(main())"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(demo_url: str, fake_slack, fake_anthropic, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DEALBOT_"))}
    env |= {
        "DATABASE_URL": demo_url,
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake_anthropic.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    return env | extra


def _wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except HTTPError:
            return  # a 404 means the server is up
        except URLError:
            time.sleep(0.1)
    raise AssertionError("dealbot serve did not start listening")


@contextmanager
def _serving(env: dict[str, str], *options: str) -> Iterator[subprocess.Popen]:
    """`dealbot serve` as a process; killed if the test leaves it running."""
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, "serve", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM, then the process must exit cleanly on its own."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr


def _start_up_error(env: dict[str, str]) -> str:
    """The one line `dealbot serve` prints when it refuses to start (exit status 2)."""
    result = subprocess.run(
        [sys.executable, "-c", MAIN, "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_sigterm_lets_the_answer_in_flight_finish(demo_url, fake_slack, fake_anthropic):
    fake_anthropic.push(text_reply("Answered before stopping.", delay=1.5))
    port = _free_port()
    env = _environment(demo_url, fake_slack, fake_anthropic)
    with _serving(env, "--port", str(port)) as process:
        _wait_until_listening(port, process)
        url = f"http://127.0.0.1:{port}/slack/events"
        status, _ = post_to_app(url, json.dumps(app_mention_event("deals?")), JSON)
        assert status == 200
        fake_slack.wait_for("assistant.threads.setStatus")  # the status: work has started
        _stop(process)
    assert "Answered before stopping." in streamed_answer(fake_slack)["text"]


def test_socket_mode_process_answers_and_stops_cleanly(demo_url, fake_slack, fake_anthropic):
    fake_anthropic.push(text_reply("Answered over Socket Mode."))
    env = _environment(demo_url, fake_slack, fake_anthropic, SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none
    with _serving(env) as process:
        socket_mode = fake_slack.socket_mode
        socket_mode.wait_for_connection(timeout=20)
        envelope = socket_mode.push_event(app_mention_event("deals?"))
        socket_mode.wait_for_ack(envelope)
        answer = streamed_answer(fake_slack, timeout=10)
        _stop(process)
    assert "Answered over Socket Mode." in answer["text"]


@pytest.mark.parametrize(
    ("missing", "named"),
    [("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"), ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET")],
)
def test_missing_slack_setting_stops_start_up_with_one_line(
    demo_url, fake_slack, fake_anthropic, missing, named
):
    env = _environment(demo_url, fake_slack, fake_anthropic)
    del env[missing]

    assert named in _start_up_error(env)


def test_a_token_slack_refuses_stops_start_up_with_one_line(demo_url, fake_slack, fake_anthropic):
    env = _environment(demo_url, fake_slack, fake_anthropic, SLACK_BOT_TOKEN="xoxb-revoked")

    line = _start_up_error(env)

    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line
