"""`dealbot serve`: the Slack app over Socket Mode or HTTP, with recovery and graceful stop.

Both modes listen on `--port` (waitress) for /healthz, /readyz and /metrics; HTTP mode also
takes Slack's requests there.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

import sandbox
from bot.agent import Agent
from bot.leases import Leases
from bot.ops import metrics
from bot.ops.health import Readiness, database_check, sandbox_check
from bot.ops.routes import WSGIApp, ops_app
from bot.ops.server import Server
from bot.settings import Settings, SettingsError
from bot.slack.answering import Responder
from bot.slack.app import make_app, make_web_client
from bot.slack.installations import check_token_settings
from bot.slack.rate_limit import RateLimit
from bot.slack.recovery import recover
from bot.slack.service import SlackService
from bot.slack.watches import WatchDesk
from bot.slack.work import WorkPool
from bot.watches.scheduler import WatchScheduler

log = logging.getLogger(__name__)

HOST = "0.0.0.0"
DRAIN_SECONDS = 30
HTTP_DRAIN_SECONDS = 5  # for requests (acks) in flight when the server stops
# How often unfinished work of gone or stalled instances is looked for: with the heartbeat's
# dead_after and the lease (bot/leases.py) it bounds how long a shopper waits on a dead process.
RECOVERY_EVERY_SECONDS = 5


def build_service(settings: Settings, agent: Agent) -> SlackService:
    responder = Responder(
        agent=agent,
        rate_limit=RateLimit(settings.dealbot_rate_limit, settings.dealbot_rate_window_s),
        default_timezone=settings.timezone,
        show_cost=settings.dealbot_show_cost,
    )
    pool = WorkPool(settings.dealbot_workers)
    agent.model_wait = pool.waiting  # an answer waiting on the model holds no core
    return SlackService(responder=responder, pool=pool, watches=WatchDesk.build(settings, agent))


def check_slack_settings(settings: Settings) -> None:
    check_token_settings(settings)
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set (needed for HTTP; or set SLACK_APP_TOKEN for "
            "Socket Mode)"
        )
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")


def make_readiness(agent: Agent) -> Readiness:
    """Ready when the agent's database answers and its sandbox runs a trivial program."""
    return Readiness(
        {"database": database_check(agent.engine), "sandbox": sandbox_check(agent.run_program)}
    )


def routes(app: App, readiness: Readiness, *, events: bool) -> WSGIApp:
    return ops_app(
        readiness=readiness, metrics=metrics.shared(), slack=SlackRequestHandler(app), events=events
    )


def serve(settings: Settings, agent: Agent, *, port: int) -> None:
    """Run until SIGTERM/SIGINT; then stop taking work and let answers in flight finish."""
    check_slack_settings(settings)
    server = Server(HOST, port)  # first: a bad or busy port fails before Slack is contacted
    try:
        service, app = _connect(settings, agent)
    except BaseException:
        server.close()
        raise
    leases = Leases(agent.engine).start()
    agent.history.leases = leases
    settle_start_up_heap()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    socket_mode = bool(settings.slack_app_token)
    readiness = make_readiness(agent)
    server.start(routes(app, readiness, events=not socket_mode))
    recovered = recover(service, app)
    if recovered:
        log.info("recovered %d unanswered questions", recovered)
    try:
        # Over HTTP the routes refuse Slack's requests once readiness says stopping; the
        # server itself stays up for /healthz, /readyz and /metrics until the end.
        close_intake = start_socket_mode(app, settings) if socket_mode else _nothing
    except SlackApiError as exc:
        server.close()
        service.pool.close(DRAIN_SECONDS)
        leases.stop()
        reason = exc.response.get("error")
        raise SettingsError(f"SLACK_APP_TOKEN: Slack did not accept it ({reason})") from None
    watches = start_watches(settings, service, leases)
    _say_ready(settings, agent, server.port, readiness, "socket" if socket_mode else "http")
    while not stop.wait(RECOVERY_EVERY_SECONDS):
        recover(service, app)
    readiness.stopping()
    log.info("stopping: no new work; waiting up to %ss for answers in flight", DRAIN_SECONDS)
    close_intake()
    watches.stop(DRAIN_SECONDS)
    service.pool.close(DRAIN_SECONDS)
    leases.stop()
    server.close(HTTP_DRAIN_SECONDS)
    sandbox.shutdown()


def _nothing() -> None:
    pass


def settle_start_up_heap() -> int:
    """Collect what start-up left over, then freeze the rest (modules, the app, the clients):
    it lives as long as the process, and a full collection no longer walks it. Start-up holds
    ~240,000 objects, and a full collection of them stopped every thread for ~130 ms; frozen,
    one walks only what came since. Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def start_watches(
    settings: Settings, service: SlackService, leases: Leases | None = None
) -> WatchScheduler:
    """Run due watches on threads of their own; live questions (the work pool) come first.
    With `leases`, slots are claimed as this instance, and a gone instance's taken at once."""
    assert service.watches is not None
    return WatchScheduler(
        service.watches.runner,
        workers=settings.dealbot_watch_workers,
        live_in_flight=lambda: service.pool.busy,
        claimant=leases.instance_id if leases is not None else None,
        gone=leases.gone_instances if leases is not None else tuple,
    ).start()


def _connect(settings: Settings, agent: Agent) -> tuple[SlackService, App]:
    service = build_service(settings, agent)
    client = make_web_client(settings)
    try:
        app = make_app(settings, service, client)
    except BoltError as exc:  # Bolt checks the token with auth.test at start-up
        raise SettingsError(f"SLACK_BOT_TOKEN: Slack did not accept it ({exc})") from None
    except OSError as exc:
        where = settings.slack_api_url or "https://slack.com/api/"
        raise SettingsError(f"SLACK_API_URL: cannot reach Slack at {where} ({exc})") from None
    return service, app


def _say_ready(
    settings: Settings, agent: Agent, port: int, readiness: Readiness, mode: str
) -> None:
    """The one line an operator looks for: what is running, where, on what."""
    facts = ready_facts(settings, agent.engine, port=port, mode=mode)
    log.info("dealbot ready: " + " ".join(f"{k}=%s" for k in facts), *facts.values(), extra=facts)
    verdict = readiness()
    if not verdict.ready:
        log.warning("not ready yet (/readyz answers 503): %s", verdict.reason)


def ready_facts(settings: Settings, engine: Engine, *, port: int, mode: str) -> dict[str, Any]:
    return {
        "mode": mode,
        "port": port,
        "database": engine.url.render_as_string(hide_password=True),
        "sandbox": _isolation(),
        "model": settings.model,
    }


def _isolation() -> str:
    """What the operating system let the sandbox set up (starting its worker server now)."""
    try:
        isolation = sandbox.default_sandbox().isolation
    except Exception as exc:
        log.error("the sandbox could not start: %r", exc)
        return "unavailable"
    summary = getattr(isolation, "summary", None)
    return summary() if callable(summary) else str(isolation)


def start_socket_mode(app: App, settings: Settings) -> Callable[[], None]:
    """Connect to Slack over Socket Mode; what closes the connection."""
    handler = SocketModeHandler(app, settings.slack_app_token)
    handler.connect()
    return handler.close


def start_http(app: App, host: str, port: int, *, readiness: Readiness) -> Server:
    """The Slack app at /slack/events and the ops endpoints on host:port (0: any free port)."""
    server = Server(host, port)
    server.start(routes(app, readiness, events=True))
    return server
