"""`dealbot serve`: the Slack app over Socket Mode or HTTP, with recovery and graceful stop."""

from __future__ import annotations

import logging
import signal
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError

import sandbox
from bot.agent import Agent
from bot.history import History
from bot.settings import Settings, SettingsError
from bot.slack.answering import RateLimit, Responder
from bot.slack.app import make_app, make_web_client
from bot.slack.installations import check_token_settings, install_paths
from bot.slack.recovery import recover
from bot.slack.service import SlackService
from bot.slack.work import WorkPool

log = logging.getLogger(__name__)

DRAIN_SECONDS = 30
RECOVERY_EVERY_SECONDS = 60
EVENTS_PATH = "/slack/events"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 resets connections when Slack sends a burst


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        log.debug("http: " + format, *args)


def build_service(settings: Settings, agent: Agent, history: History) -> SlackService:
    responder = Responder(
        agent=agent,
        history=history,
        rate_limit=RateLimit(settings.dealbot_rate_limit, settings.dealbot_rate_window_s),
        default_timezone=settings.timezone,
        show_cost=settings.dealbot_show_cost,
    )
    return SlackService(
        responder=responder, history=history, pool=WorkPool(settings.dealbot_workers)
    )


def check_slack_settings(settings: Settings) -> None:
    check_token_settings(settings)
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set (needed for HTTP; or set SLACK_APP_TOKEN for "
            "Socket Mode)"
        )
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")


def serve(settings: Settings, agent: Agent, *, port: int) -> None:
    """Run until SIGTERM/SIGINT; then stop taking work and let answers in flight finish."""
    check_slack_settings(settings)
    service = build_service(settings, agent, agent.history)
    client = make_web_client(settings)
    try:
        app = make_app(settings, service, client)
    except BoltError as exc:  # Bolt checks the token with auth.test at start-up
        raise SettingsError(f"SLACK_BOT_TOKEN: Slack did not accept it ({exc})") from None
    except OSError as exc:
        where = settings.slack_api_url or "https://slack.com/api/"
        raise SettingsError(f"SLACK_API_URL: cannot reach Slack at {where} ({exc})") from None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    recovered = recover(service, app)
    if recovered:
        log.info("recovered %d unanswered questions", recovered)
    close = (
        _start_socket_mode(app, settings) if settings.slack_app_token else _start_http(app, port)
    )
    while not stop.wait(RECOVERY_EVERY_SECONDS):
        recover(service, app)
    log.info("stopping: no new work; waiting up to %ss for answers in flight", DRAIN_SECONDS)
    close()
    service.pool.close(DRAIN_SECONDS)
    sandbox.shutdown()


def _start_socket_mode(app: App, settings: Settings):
    handler = SocketModeHandler(app, settings.slack_app_token)
    handler.connect()
    log.info("dealbot is listening over Socket Mode")
    return handler.close


def events_endpoint(app: App):
    """A WSGI app: Bolt at /slack/events (and the install pages), 404 elsewhere."""
    bolt = SlackRequestHandler(app)

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") not in (EVENTS_PATH, *install_paths(app)):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return bolt(environ, start_response)

    return wsgi


def start_http(app: App, host: str, port: int) -> WSGIServer:
    """Serve the app at /slack/events on a thread per request; `server.shutdown()` stops it."""
    server = make_server(
        host,
        port,
        events_endpoint(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="http", daemon=True
    ).start()
    log.info("dealbot is listening on http://%s:%d%s", host, server.server_port, EVENTS_PATH)
    return server


def _start_http(app: App, port: int):
    server = start_http(app, "0.0.0.0", port)

    def close() -> None:
        server.shutdown()
        server.server_close()

    return close
