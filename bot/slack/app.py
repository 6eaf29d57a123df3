"""Builds the Bolt app from settings and the shared service; no Slack traffic at import time."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.settings import Settings
from bot.slack import actions, commands, events, home, installations, watches
from bot.slack.service import SlackService

log = logging.getLogger(__name__)

LISTENER_THREADS = 16


def make_web_client(settings: Settings) -> WebClient:
    """The Web API client: SLACK_API_URL when set (GovSlack, tests); 429s retried by the SDK."""
    base_url = WebClient.BASE_URL
    if settings.slack_api_url:
        base_url = settings.slack_api_url.rstrip("/") + "/"
    client = WebClient(token=settings.slack_bot_token, base_url=base_url)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
    ]
    return client


def make_app(
    settings: Settings,
    service: SlackService,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
) -> App:
    """The Bolt app; listeners only check, record and queue, so their threads stay free. With
    many workspaces (see installations) it runs the install flow and answers each workspace
    with its own token."""
    client = client or make_web_client(settings)
    with installations.settings_only_for_bolt(settings):
        app = App(
            client=client,
            signing_secret=settings.slack_signing_secret,
            listener_executor=listener_executor
            or ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
            **installations.app_options(settings, service.history.engine, client),
        )
    events.register(app, service)
    commands.register(app, service)
    actions.register(app, service)
    home.register(app, service)
    watches.register(app, service)
    installations.register(app)
    app.error(log_listener_error)
    return app


def log_listener_error(error: Exception, body: dict) -> None:
    """What Bolt calls when a listener raises: logged with its traceback (Slack got its ack)."""
    log.error("listener failed on %s: %r", body.get("type"), error, exc_info=error)
