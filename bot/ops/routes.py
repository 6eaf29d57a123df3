"""The one WSGI app on `--port`: Slack's paths go to Bolt, plus /healthz, /readyz, /metrics.

While the process drains before it exits, Slack's paths answer 503 and the others go on."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from prometheus_client import make_wsgi_app

from bot.ops.health import Readiness
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
EVENTS_PATH = "/slack/events"
TEXT = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]


def ops_app(
    *, readiness: Readiness, metrics: Metrics, slack: WSGIApp | None, events: bool
) -> WSGIApp:
    """`slack` (Bolt's WSGI handler) gets every other path; with `events` False (Socket Mode,
    where no signing secret guards it) POSTs to Slack's paths are not served."""
    serve_metrics = make_wsgi_app(metrics.registry)

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz":
            return _text(start_response, "200 OK", "ok")
        if path == "/readyz":
            verdict = readiness()
            status = "200 OK" if verdict.ready else "503 Service Unavailable"
            return _text(start_response, status, verdict.reason)
        if path == "/metrics":
            return serve_metrics(environ, start_response)
        if slack is None or (method == "POST" and not events):
            return _text(start_response, "404 Not Found", "not found")
        if readiness.is_stopping:  # draining: Slack redelivers an event later, elsewhere
            return _text(start_response, "503 Service Unavailable", "stopping")
        if method == "POST":
            stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
            if stamp is not None and not (stamp.isascii() and stamp.isdigit()):
                # Bolt's int() of it raised: a 500 for what is an unsigned request.
                return _refused(environ, start_response)
            if not _well_formed(environ):  # Bolt reads the body before the signature
                return _text(start_response, "400 Bad Request", "not a Slack request")
        return _slack(slack, environ, start_response)

    def _noted(environ: dict) -> None:
        if environ.get("PATH_INFO") == EVENTS_PATH:
            metrics.refused_requests.inc()
            log.warning(
                "refused a request to %s from %s: its signature does not match "
                "SLACK_SIGNING_SECRET (or is missing or stale)",
                EVENTS_PATH,
                environ.get("REMOTE_ADDR", "?"),
            )

    def _refused(environ: dict, start_response: Callable) -> Iterable[bytes]:
        _noted(environ)
        return _text(start_response, "401 Unauthorized", "invalid request")

    def _slack(slack: WSGIApp, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def noting_refusals(status: str, headers: list, *args):
            if status.startswith("401"):
                _noted(environ)
            return start_response(status, headers, *args)

        return slack(environ, noting_refusals)

    return app


def _well_formed(environ: dict) -> bool:
    """Whether a POST's body is what Bolt can read: a JSON object, or a form whose `payload`
    (if any) is one. Bolt's parsing of anything else raised, and any sender, signed or not,
    got a 500 and a traceback in the log. The body is put back for Bolt to read again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        if environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return isinstance(json.loads(body), dict)
        payload = parse_qs(body.decode()).get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except (ValueError, UnicodeDecodeError):
        return False


def _text(start_response: Callable, status: str, body: str) -> list[bytes]:
    start_response(status, TEXT)
    return [body.encode() + b"\n"]
