"""Many workspaces: Slack's OAuth install flow, its installations and states kept in dealbot's
own database (slack_sdk's SQLAlchemy stores), and each workspace answered with its own token."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin

from slack_bolt import App, BoltContext
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, desc, select
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

# What the install flow asks each workspace for. app_manifest.yml says why each is needed;
# a test holds the two lists equal.
BOT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "im:history",
    "channels:history",
    "groups:history",
    "commands",
    "users:read",
    "channels:read",
    "groups:read",
    "assistant:write",
    "files:write",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# How long an install link works, from /slack/install to Slack sending the browser back.
STATE_EXPIRATION_S = 600
# Bolt starts its own OAuth flow (with files in the home directory) when it sees these.
_BOLT_OAUTH_ENVIRONMENT = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


def _store_tables(metadata: MetaData) -> MetaData:
    store, states = SQLAlchemyInstallationStore, SQLAlchemyOAuthStateStore
    store.build_bots_table(metadata, store.default_bots_table_name)
    store.build_installations_table(metadata, store.default_installations_table_name)
    states.build_oauth_states_table(metadata, states.default_table_name)
    return metadata


# The stores' tables as slack_sdk defines them, so the Alembic chain is checked against the
# library's own definitions (tests/test_migrations.py): an upgrade that changes them fails there.
INSTALLATION_METADATA = _store_tables(MetaData())


def oauth_enabled(settings: Settings) -> bool:
    """Many workspaces: the app's client id and secret are set, and no one workspace's token."""
    return bool(
        settings.slack_client_id and settings.slack_client_secret and not settings.slack_bot_token
    )


def check_token_settings(settings: Settings) -> None:
    """One workspace's bot token, or the app's client id and secret; else one line naming what
    is missing."""
    if settings.slack_bot_token or oauth_enabled(settings):
        return
    if settings.slack_client_id or settings.slack_client_secret:
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        raise SettingsError(
            f"{missing} is not set (from your app's Basic Information page; with "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, dealbot serves every workspace that "
            "installs it)"
        )
    raise SettingsError(
        "SLACK_BOT_TOKEN is not set (xoxb-…, from your app's OAuth page; or set "
        "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to serve every workspace that installs it)"
    )


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on dealbot's database; a failed save becomes Bolt's storage_error page
    (Bolt catches only BoltError there), and a workspace's bot token can be looked up alone."""

    def save(self, installation: Installation) -> None:
        try:
            super().save(installation)
        except SQLAlchemyError as exc:
            raise BoltError(f"could not store the installation ({type(exc).__name__})") from exc

    def bot_token(self, team_id: str | None) -> str | None:
        """The newest bot token installed in `team_id` (in or outside an Enterprise Grid)."""
        bots = self.bots.c
        query = (
            select(bots.bot_token)
            .where(
                bots.client_id == self.client_id,
                bots.team_id == team_id,
                bots.bot_token.is_not(None),
            )
            .order_by(desc(bots.installed_at))
            .limit(1)
        )
        with self.engine.connect() as connection:
            return connection.scalar(query)


def app_options(settings: Settings, engine: Engine, client: WebClient) -> dict[str, Any]:
    """Bolt's App arguments for many workspaces (install flow, per-workspace tokens); {} for one."""
    if not oauth_enabled(settings):
        return {}
    client_id, client_secret = settings.slack_client_id, settings.slack_client_secret
    assert client_id and client_secret, "oauth_enabled() checked both"
    installations = InstallationStore(client_id=client_id, engine=engine, logger=log)
    oauth_settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=_installed, failure=_install_failed),
        authorization_url=_authorization_url(settings),
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_S, engine=engine, logger=log
        ),
        state_expiration_seconds=STATE_EXPIRATION_S,
        logger=log,
    )
    # Bolt's own token lookup, but remembering auth.test's answer per token: by default it asks
    # Slack again before acknowledging every request.
    authorize = InstallationStoreAuthorize(
        logger=log,
        installation_store=installations,
        client_id=client_id,
        client_secret=client_secret,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    return {"oauth_settings": oauth_settings, "authorize": authorize}


def _authorization_url(settings: Settings) -> str | None:
    """Slack's authorize page beside its Web API (slack-gov.com for GovSlack); Bolt's default
    (slack.com) when SLACK_API_URL is not set."""
    if not settings.slack_api_url:
        return None
    return urljoin(settings.slack_api_url.rstrip("/") + "/", "../oauth/v2/authorize")


@contextmanager
def settings_only_for_bolt(settings: Settings) -> Iterator[None]:
    """While Bolt builds the app it reads the environment itself; dealbot hands it what it
    needs (the client carries the bot token), so Bolt does not see:
    - SLACK_BOT_TOKEN, which Bolt would warn it skips in favour of the client's (the same);
    - SLACK_CLIENT_ID/SECRET when SLACK_BOT_TOKEN is set: dealbot then answers that one
      workspace, but Bolt would start an install flow of its own and ignore the token."""
    names = ["SLACK_BOT_TOKEN"]
    if settings.slack_bot_token and all(name in os.environ for name in _BOLT_OAUTH_ENVIRONMENT):
        log.warning(
            "SLACK_BOT_TOKEN is set: answering its workspace only and ignoring SLACK_CLIENT_ID "
            "and SLACK_CLIENT_SECRET (unset SLACK_BOT_TOKEN to serve many workspaces)"
        )
        names += _BOLT_OAUTH_ENVIRONMENT
    hidden = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


def client_for(app: App, team_id: str | None) -> WebClient | None:
    """A Web API client with the bot token of workspace `team_id`: the app's own client with one
    workspace; else the stored token (None when the workspace never installed, or left)."""
    store = app.installation_store
    if not isinstance(store, InstallationStore):
        return app.client
    token = store.bot_token(team_id)
    if token is None:
        return None
    template = app.client
    return WebClient(
        token=token,
        base_url=template.base_url,
        timeout=template.timeout,
        retry_handlers=list(template.retry_handlers),
    )


def register(app: App) -> None:
    """Uninstalls and revoked tokens are logged; with many workspaces, their tokens deleted."""
    store = app.installation_store
    revocation = TokenRevocationListeners(store) if store is not None else None

    @app.event("app_uninstalled")
    def on_uninstalled(context: BoltContext) -> None:
        log.warning("dealbot was uninstalled from workspace %s", context.team_id)
        if revocation is not None:
            revocation.handle_app_uninstalled_events(context)

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict, context: BoltContext) -> None:
        log.warning("Slack revoked dealbot's tokens in workspace %s", context.team_id)
        if revocation is not None:
            revocation.handle_tokens_revoked_events(event, context)


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    log.info(
        "dealbot was installed in workspace %s (%r) by %s",
        installation.team_id,
        installation.team_name,
        installation.user_id,
    )
    return args.default.success(args)


def _install_failed(args: FailureArgs) -> BoltResponse:
    cause = f" ({args.error})" if args.error else ""
    log.warning("an install did not complete: %s%s", args.reason, cause)
    return args.default.failure(args)


def install_paths(app: App) -> tuple[str, ...]:
    """The install flow's pages when the app runs it (Bolt's HTTP adapters serve them)."""
    flow = app.oauth_flow
    return () if flow is None else (flow.install_path, flow.redirect_uri_path)
