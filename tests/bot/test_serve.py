"""`dealbot serve` as a real process: HTTP and Socket Mode, the endpoints on --port, its log
lines, graceful stop on SIGTERM, clear start-up errors."""

from __future__ import annotations

import gc
import json
import os
import re
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
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from bot.database import make_engine
from bot.history import History
from bot.serve import ready_facts, settle_start_up_heap
from bot.settings import DEFAULT_MODEL, load_settings
from tests.bot.slack_harness import streamed_answer
from tests.fakes.anthropic_api import text_reply, tool_use_reply
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


def _get(port: int, path: str, method: str = "GET") -> tuple[int, str, str]:
    """(status, content type, body) of a request to the running serve."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def _wait_until_ready(port: int, timeout: float = 20) -> tuple[int, str, str]:
    """/readyz's answer once it is 200, or its last one: its checks (the database, a sandbox
    run) each have a time limit that a machine busy with other tests can overrun once."""
    deadline = time.monotonic() + timeout
    while (answer := _get(port, "/readyz"))[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    return answer


def _wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            if _get(port, "/healthz")[0] == 200:
                return
        except URLError:
            pass
        time.sleep(0.1)
    raise AssertionError("dealbot serve did not start listening")


def _metrics(port: int) -> dict[tuple[str, tuple], float]:
    """Every sample /metrics serves, parsed by prometheus_client's own parser."""
    status, _, text = _get(port, "/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _wait_for_metric(port: int, key: tuple[str, tuple], value: float, timeout=10) -> dict:
    deadline = time.monotonic() + timeout
    while (samples := _metrics(port)).get(key) != value:
        assert time.monotonic() < deadline, f"{key} stayed {samples.get(key)}, not {value}"
        time.sleep(0.05)
    return samples


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


def _stop(process: subprocess.Popen) -> str:
    """SIGTERM, then the process must exit cleanly on its own; what it logged."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    return stderr


def _start_up_error(env: dict[str, str], port: int | None = None) -> str:
    """The one line `dealbot serve` prints when it refuses to start (exit status 2)."""
    result = subprocess.run(
        [sys.executable, "-c", MAIN, "serve", "--port", str(port or _free_port())],
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
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _get(port, "/readyz")[0] != 503 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Draining: the probes answer on, Slack's path refuses new work (Slack redelivers).
        assert _get(port, "/readyz")[::2] == (503, "stopping\n")
        assert _get(port, "/healthz")[::2] == (200, "ok\n")
        assert _get(port, "/slack/events", method="POST")[0] == 503
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


def test_http_mode_serves_health_readiness_and_metrics_beside_slack(
    demo_url, fake_slack, fake_anthropic
):
    port = _free_port()
    with _serving(_environment(demo_url, fake_slack, fake_anthropic), "--port", str(port)) as p:
        _wait_until_listening(port, p)
        ready = _wait_until_ready(port)
        health, metrics = _get(port, "/healthz"), _get(port, "/metrics")
        unknown = _get(port, "/nowhere")
        _stop(p)

    assert health[0] == 200 and ready == (200, health[1], "ready\n")
    assert metrics[0] == 200 and metrics[1].startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(metrics[2])}
    assert {
        "dealbot_questions",
        "dealbot_answers",
        "dealbot_model_calls",
        "dealbot_tokens",
    } <= names
    assert all(name.startswith("dealbot_") for name in names)
    assert unknown[0] == 404


def test_metrics_move_when_a_question_is_answered(demo_url, fake_slack, fake_anthropic):
    program = "final_answer('Fanta is $1.99')"
    fake_anthropic.push(tool_use_reply({"code": program}, usage={"input_tokens": 1234}))
    port = _free_port()
    with _serving(_environment(demo_url, fake_slack, fake_anthropic), "--port", str(port)) as p:
        _wait_until_listening(port, p)
        before = _metrics(port)
        post_to_app(f"http://127.0.0.1:{port}/slack/events", json.dumps(app_mention_event("?")))
        streamed_answer(fake_slack, timeout=10)
        after = _wait_for_metric(port, ("dealbot_queue_depth", ()), 0)
        _stop(p)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before[key]

    assert moved("dealbot_questions_total") == 1
    assert moved("dealbot_answers_total", status="ok") == 1
    assert moved("dealbot_answers_total", status="failed") == 0
    assert moved("dealbot_model_calls_total") == 1
    assert moved("dealbot_tool_calls_total") == 0
    assert moved("dealbot_tokens_total", kind="input") == 1234
    assert moved("dealbot_answer_seconds_count") == 1


def test_json_log_lines_carry_the_ready_line_and_one_line_per_answer(
    demo_url, fake_slack, fake_anthropic
):
    fake_anthropic.push(text_reply("Here you go.", usage={"input_tokens": 321, "output_tokens": 9}))
    port = _free_port()
    env = _environment(demo_url, fake_slack, fake_anthropic, DEALBOT_LOG_FORMAT="json")
    with _serving(env, "--port", str(port)) as process:
        _wait_until_listening(port, process)
        post_to_app(f"http://127.0.0.1:{port}/slack/events", json.dumps(app_mention_event("?")))
        streamed_answer(fake_slack, timeout=10)
        stderr = _stop(process)

    lines = [json.loads(line) for line in stderr.splitlines()]
    [ready] = [line for line in lines if line["message"].startswith("dealbot ready")]
    assert (ready["level"], ready["mode"], ready["port"]) == ("INFO", "http", port)
    assert ready["database"] == demo_url and ready["model"] == DEFAULT_MODEL and ready["sandbox"]
    [answered] = [line for line in lines if "run_id" in line]
    engine = make_engine(demo_url)
    [run] = History(engine).recent(limit=1)
    engine.dispose()
    assert answered["run_id"] == run.run_id and answered["status"] == "ok"
    assert (answered["model_calls"], answered["input_tokens"], answered["output_tokens"]) == (
        1,
        321,
        9,
    )


def test_socket_mode_serves_the_endpoints_on_port_and_no_events(
    demo_url, fake_slack, fake_anthropic
):
    port = _free_port()
    env = _environment(demo_url, fake_slack, fake_anthropic, SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]
    with _serving(env, "--port", str(port), "-v") as process:
        fake_slack.socket_mode.wait_for_connection(timeout=20)
        _wait_until_listening(port, process)
        ready, metrics = _wait_until_ready(port), _get(port, "/metrics")
        events = post_to_app(f"http://127.0.0.1:{port}/slack/events", "{}", signing_secret="")
        stderr = _stop(process)

    assert ready[0] == 200 and metrics[0] == 200
    assert events[0] == 404  # no signing secret guards it in Socket Mode: not served at all
    line = re.search(
        r"dealbot ready: mode=socket port=(\d+) database=(\S+) sandbox=.+ model=", stderr
    )
    assert line and line.groups() == (str(port), demo_url)
    assert " DEBUG " in stderr  # -v after the subcommand
    assert BOT_TOKEN not in stderr and APP_TOKEN not in stderr


def test_refused_signatures_are_logged_without_the_secret_and_not_flooding(
    demo_url, fake_slack, fake_anthropic
):
    port = _free_port()
    with _serving(_environment(demo_url, fake_slack, fake_anthropic), "--port", str(port)) as p:
        _wait_until_listening(port, p)
        url = f"http://127.0.0.1:{port}/slack/events"
        body = json.dumps(app_mention_event("deals?"))
        statuses = [post_to_app(url, body, signing_secret="wrong")[0] for _ in range(5)]
        refused = _metrics(port)[("dealbot_refused_requests_total", ())]
        stderr = _stop(p)

    assert statuses == [401] * 5 and refused == 5
    assert len(re.findall("refused a request to /slack/events", stderr)) == 1
    assert SIGNING_SECRET not in stderr and "fake-dealbot-token" not in stderr
    assert "Invalid request signature" not in stderr  # Bolt's line, which carries the body
    assert fake_slack.calls_to("chat.postMessage") == []


def test_an_app_token_slack_refuses_stops_start_up_without_a_traceback(
    demo_url, fake_slack, fake_anthropic
):
    env = _environment(demo_url, fake_slack, fake_anthropic, SLACK_APP_TOKEN="xapp-1-revoked")
    command = [sys.executable, "-c", MAIN, "serve", "--port", str(_free_port())]

    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)

    # The Socket Mode client logs its own error line first; dealbot's line comes last.
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == "dealbot: SLACK_APP_TOKEN: Slack did not accept it (invalid_auth)"


def test_a_port_out_of_range_stops_start_up_with_one_line(demo_url, fake_slack, fake_anthropic):
    line = _start_up_error(_environment(demo_url, fake_slack, fake_anthropic), port=70000)

    assert "--port 70000" in line and "65535" in line


def test_a_port_in_use_stops_start_up_with_one_line(demo_url, fake_slack, fake_anthropic):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]

        line = _start_up_error(_environment(demo_url, fake_slack, fake_anthropic), port=port)

    assert f"--port {port}" in line and "in use" in line
    assert fake_slack.calls_to("auth.test") == []  # refused before Slack was contacted


def test_the_ready_line_masks_the_database_password():
    engine = create_engine("postgresql+psycopg://admin:hunter2@db.internal/deals")

    settings = load_settings()

    facts = ready_facts(settings, engine, port=3000, mode="http")

    assert facts["database"] == "postgresql+psycopg://admin:***@db.internal/deals"
    assert (facts["mode"], facts["port"], facts["model"]) == ("http", 3000, settings.model)


def test_start_up_is_frozen_out_of_full_collections():
    """serve freezes what start-up built: later full collections walk only newer objects."""
    tracked = len(gc.get_objects())
    try:
        frozen = settle_start_up_heap()

        assert frozen > tracked / 2
        assert len(gc.get_objects()) < tracked / 10  # what a full collection still walks
    finally:
        gc.unfreeze()
