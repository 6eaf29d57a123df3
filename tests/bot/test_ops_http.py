"""The server on --port: waitress bound first, endpoints routed, readiness bounded, stopped
gracefully; in process, over real sockets."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.error import HTTPError, URLError

import pytest
from sqlalchemy import create_engine

import sandbox
from bot.ops.health import Readiness, database_check, sandbox_check
from bot.ops.metrics import Metrics
from bot.ops.routes import ops_app
from bot.ops.server import PortError, Server


def get(port: int, path: str, method: str = "GET", timeout: float = 5) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def serving(app) -> Iterator[Server]:
    server = Server("127.0.0.1", 0)
    server.start(app)
    try:
        yield server
    finally:
        server.close(timeout_s=1)


def endpoints(readiness: Readiness, *, slack=None, events: bool = True):
    return ops_app(readiness=readiness, metrics=Metrics(), slack=slack, events=events)


def test_readyz_is_200_when_the_database_answers_and_the_sandbox_runs(demo_engine):
    readiness = Readiness(
        {"database": database_check(demo_engine), "sandbox": sandbox_check(sandbox.run)}
    )
    with serving(endpoints(readiness)) as server:
        assert get(server.port, "/readyz") == (200, "ready\n")
        assert get(server.port, "/healthz") == (200, "ok\n")


def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached(tmp_path):
    unreachable = create_engine(f"sqlite:///{tmp_path}/no/such/folder/dealbot.db")
    readiness = Readiness({"database": database_check(unreachable)})
    with serving(endpoints(readiness)) as server:
        status, body = get(server.port, "/readyz")
        health = get(server.port, "/healthz")

    assert status == 503
    assert body.startswith("database: OperationalError: unable to open database file")
    assert health[0] == 200  # alive, only not ready


def test_readyz_is_503_when_the_sandbox_cannot_run_a_program():
    small = sandbox.Sandbox(max_source_chars=5)  # the probe program is longer: refused
    try:
        readiness = Readiness({"sandbox": sandbox_check(small.run)})
        verdict = readiness()
    finally:
        small.close()

    assert not verdict.ready and verdict.reason.startswith("sandbox: a trivial program failed")


def test_a_hung_check_costs_a_deadline_and_is_never_started_twice():
    release, started = threading.Event(), []

    def hangs() -> None:
        started.append(time.monotonic())
        release.wait(10)

    readiness = Readiness({"database": hangs}, timeout_s=0.2, reuse_for_s=0)
    try:
        began = time.monotonic()
        first, second = readiness(), readiness()
        waited = time.monotonic() - began
    finally:
        release.set()

    assert first == second and first.reason == "database: no answer within 0.2s"
    assert len(started) == 1 and waited < 2
    time.sleep(0.05)
    assert readiness().ready  # released: the next probe starts it afresh and it answers


def test_readyz_says_stopping_once_the_process_drains():
    readiness = Readiness({})
    assert readiness().ready

    readiness.stopping()

    assert (readiness().ready, readiness().reason) == (False, "stopping")


def test_other_paths_go_to_slack_and_posts_only_when_events_are_served():
    def slack(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"slack {environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()]

    with serving(endpoints(Readiness({}), slack=slack, events=False)) as server:
        install = get(server.port, "/slack/install")
        events = get(server.port, "/slack/events", method="POST")

    assert install == (200, "slack GET /slack/install")
    assert events[0] == 404


def test_while_draining_slacks_paths_answer_503_and_the_probes_answer_on():
    def slack(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"slack"]

    readiness = Readiness({})
    with serving(endpoints(readiness, slack=slack, events=True)) as server:
        readiness.stopping()
        answers = [
            get(server.port, "/slack/events", method="POST"),
            get(server.port, "/healthz"),
            get(server.port, "/readyz"),
        ]

    assert answers == [(503, "stopping\n"), (200, "ok\n"), (503, "stopping\n")]


@pytest.mark.parametrize("stamp", ["soon", "1.5e9", "-1700000000", ""])
def test_a_request_with_a_timestamp_that_is_no_number_is_refused_not_an_error(stamp):
    reached = []

    def slack(environ, start_response):
        reached.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"slack"]

    counted = Metrics()
    app = ops_app(readiness=Readiness({}), metrics=counted, slack=slack, events=True)
    with serving(app) as server:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/slack/events",
            data=b"{}",
            headers={"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=00"},
        )
        with pytest.raises(HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)

    assert refused.value.code == 401 and reached == []
    assert counted.registry.get_sample_value("dealbot_refused_requests_total") == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[]", "application/json", 400),
        (b"null", "application/json", 400),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded", 400),
        (b"payload=%7Bbad", "application/x-www-form-urlencoded", 400),
        (b'{"type": "event_callback"}', "application/json", 200),
        (b"command=%2Fdealbot&text=help", "application/x-www-form-urlencoded", 200),
    ],
)
def test_a_body_bolt_cannot_read_is_a_bad_request_before_bolt(body, content_type, status):
    read = []

    def slack(environ, start_response):
        read.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"slack"]

    with serving(endpoints(Readiness({}), slack=slack)) as server:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/slack/events",
            data=body,
            headers={"Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                answered = response.status
        except HTTPError as error:
            answered = error.code

    assert answered == status
    assert read == ([body] if status == 200 else [])  # Bolt reads the very body sent


def test_close_lets_a_request_in_flight_finish_and_refuses_new_ones():
    release = threading.Event()

    def slow(environ, start_response):
        release.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"finished"]

    server = Server("127.0.0.1", 0)
    server.start(endpoints(Readiness({}), slack=slow))
    answers: list[tuple[int, str]] = []
    request = threading.Thread(target=lambda: answers.append(get(server.port, "/slow")))
    request.start()
    time.sleep(0.3)  # the request is in the app now
    closing = threading.Thread(target=server.close, kwargs={"timeout_s": 5})
    closing.start()
    time.sleep(0.3)

    with pytest.raises(URLError):
        get(server.port, "/healthz", timeout=1)
    release.set()
    closing.join(10)
    request.join(10)

    assert answers == [(200, "finished")]
    assert not closing.is_alive()


@pytest.mark.parametrize("port", [70000, -1])
def test_a_port_out_of_range_is_refused_in_one_line(port):
    with pytest.raises(PortError, match=rf"^--port {port}: not a port number \(use 1–65535\)$"):
        Server("127.0.0.1", port)


def test_a_port_in_use_is_refused_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(PortError) as refused:
            Server("127.0.0.1", port)

    assert str(refused.value).startswith(f"--port {port}: already in use")
    assert "\n" not in str(refused.value)
