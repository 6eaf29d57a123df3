"""Many workspaces: Slack's install flow end to end, and each workspace kept apart.

The real Bolt app serves /slack/install and /slack/oauth_redirect over HTTP; the "browser" is
`browse` following the links, with the fake Slack's authorize page standing in for slack.com and
its ``oauth.v2.access`` issuing each workspace's bot token.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.records import Origin
from bot.serve import check_slack_settings
from bot.settings import SettingsError, load_settings
from bot.slack.installations import BOT_SCOPES, INSTALLATION_METADATA, client_for
from bot.slack.recovery import UNINSTALLED, recover
from tests.bot.slack_harness import OAUTH_SETTINGS, RunningBot, running_bot, streamed_answer
from tests.fakes.fixtures import manifest_bot_scopes
from tests.fakes.slack_api import (
    BOT_TOKEN,
    CHANNEL_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    TEAM_ID,
    USER_ID,
    Workspace,
)
from tests.fakes.slack_payloads import (
    app_mention_event,
    block_actions_body,
    dm_message_event,
    event_callback,
    slash_command_body,
)

SECOND_TEAM = "T0SECOND"
SECOND_CHANNEL = "C0SECOND"
STATE_COOKIE = "slack-app-oauth-state"


@pytest.fixture
def oauth_bot(demo_engine, fake_slack, fake_anthropic) -> Iterator[RunningBot]:
    """`dealbot serve` with the app's client id and secret and no bot token, over HTTP."""
    with running_bot(demo_engine, fake_slack, fake_anthropic, **OAUTH_SETTINGS) as bot:
        fake_slack.redirect_urls = [f"{bot.base_url}/slack/oauth_redirect"]
        yield bot


@pytest.fixture
def two_workspaces(oauth_bot) -> tuple[Workspace, Workspace]:
    """The fake's own workspace and a second one, both installed through the flow; the same
    user id in both (as one person has in an Enterprise Grid), a channel in each."""
    first, second = install(oauth_bot, TEAM_ID), install(oauth_bot, SECOND_TEAM)
    oauth_bot.slack.set_members(CHANNEL_ID, [USER_ID, first.bot_user_id])
    oauth_bot.slack.set_members(SECOND_CHANNEL, [USER_ID, second.bot_user_id])
    return first, second


@dataclass(frozen=True)
class Page:
    status: int
    headers: dict[str, str]  # names in lower case
    text: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test follows each redirect itself, cookie in hand


def browse(url: str, *, cookie: str | None = None) -> Page:
    """GET `url` as a browser would, without following redirects."""
    request = urllib.request.Request(url, headers={"cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=5) as response:
            return Page(response.status, _lower(response.headers), response.read().decode())
    except HTTPError as error:
        return Page(error.code, _lower(error.headers), error.read().decode())


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def open_install_page(bot: RunningBot) -> tuple[str, str]:
    """GET /slack/install: the Add to Slack link and the state cookie it set."""
    page = browse(f"{bot.base_url}/slack/install")
    assert page.status == 200, page.text
    [link] = re.findall(r'<a href="([^"]+)"', page.text)
    cookie = SimpleCookie(page.headers["set-cookie"])
    return unescape(link), cookie[STATE_COOKIE].value


def allow_on_slack(authorize_url: str) -> str:
    """The browser on Slack's authorize page, Allow clicked: where Slack sends it back."""
    at_slack = browse(authorize_url)
    assert at_slack.status == 302, at_slack.text
    return at_slack.headers["location"]


def back_to_the_bot(redirect: str, state: str | None) -> Page:
    """The browser arriving at /slack/oauth_redirect, with the state cookie unless `None`."""
    return browse(redirect, cookie=f"{STATE_COOKIE}={state}" if state else None)


def install(bot: RunningBot, team_id: str, *, user_id: str = USER_ID) -> Workspace:
    """A user of `team_id` installs dealbot: install page, Slack's page, back to the bot."""
    bot.slack.sign_in(team_id, user_id=user_id)
    authorize_url, state = open_install_page(bot)
    finished = back_to_the_bot(allow_on_slack(authorize_url), state)
    assert finished.status == 200 and "Thank you!" in finished.text, finished.text
    return bot.slack.workspace(team_id)


def stored_bots(bot: RunningBot) -> list[dict]:
    bots = INSTALLATION_METADATA.tables["slack_bots"]
    with bot.agent.history.engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(bots)).mappings()]


def answer_in(bot: RunningBot, count: int = 1) -> dict:
    return streamed_answer(bot.slack, count)


# --- the install flow ------------------------------------------------------------------------


def test_install_page_links_to_slacks_authorize_page_for_dealbots_scopes(oauth_bot):
    link, state = open_install_page(oauth_bot)

    url = urlsplit(link)
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{oauth_bot.slack.url}/oauth/v2/authorize"
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    assert query["state"] == [state]


def test_the_install_scopes_are_the_manifests():
    assert sorted(BOT_SCOPES) == sorted(manifest_bot_scopes())


def test_an_install_stores_the_workspaces_own_token_in_dealbots_database(oauth_bot):
    second = install(oauth_bot, SECOND_TEAM)

    [exchange] = oauth_bot.slack.calls_to("oauth.v2.access")
    assert exchange["code"]
    [stored] = stored_bots(oauth_bot)
    assert stored["team_id"] == SECOND_TEAM
    assert stored["bot_token"] == second.token != BOT_TOKEN
    assert stored["bot_user_id"] == second.bot_user_id
    assert set(stored["bot_scopes"].split(",")) == set(BOT_SCOPES)


def test_a_second_workspace_is_answered_with_its_own_token(
    oauth_bot, two_workspaces, fake_anthropic
):
    _, second = two_workspaces
    fake_anthropic.reply_text("Second workspace: chips are BOGO.")

    status, _ = oauth_bot.event(
        app_mention_event(
            "any chips?",
            team_id=SECOND_TEAM,
            channel=SECOND_CHANNEL,
            bot_user_id=second.bot_user_id,
        )
    )

    assert status == 200
    update = answer_in(oauth_bot)
    assert "chips are BOGO" in update["text"]
    oauth_bot.drain()
    sent = [c for c in oauth_bot.slack.calls if c.method.startswith(("chat.", "users."))]
    assert sent and {call.token for call in sent} == {second.token}
    assert oauth_bot.slack.message(SECOND_CHANNEL, update["ts"])["team"] == SECOND_TEAM
    assert oauth_bot.agent.history.recent(limit=1)[0].origin.team_id == SECOND_TEAM


def _ask(bot: RunningBot, fake_anthropic, workspace: Workspace, channel: str, text: str) -> str:
    """A mention in `workspace`, answered; returns the run id."""
    fake_anthropic.reply_code(f"final_answer('answer to {text}')")
    before = len(bot.slack.calls_to("chat.stopStream"))
    event = app_mention_event(
        text, team_id=workspace.team_id, channel=channel, bot_user_id=workspace.bot_user_id
    )
    bot.event(event)
    answer_in(bot, before + 1)
    bot.drain()
    return bot.agent.history.recent(limit=1)[0].run_id


def _command(bot: RunningBot, text: str, team_id: str, channel: str) -> dict:
    """A /dealbot command answered through its response_url (or its ack)."""
    earlier = len(bot.slack.calls_to("response_url"))
    response_url = bot.slack.response_url()
    body = slash_command_body(text, team_id=team_id, channel=channel, response_url=response_url)
    _, acked = bot.form(body)
    if acked:
        return json.loads(acked)
    return bot.slack.wait_for("response_url", earlier + 1)[-1]


def test_history_and_code_show_nothing_of_another_workspace(
    oauth_bot, two_workspaces, fake_anthropic
):
    first, second = two_workspaces
    first_run = _ask(oauth_bot, fake_anthropic, first, CHANNEL_ID, "first-workspace question")
    second_run = _ask(oauth_bot, fake_anthropic, second, SECOND_CHANNEL, "second-workspace one")

    history = json.dumps(_command(oauth_bot, "history", SECOND_TEAM, SECOND_CHANNEL))
    code = _command(oauth_bot, f"code {first_run}", SECOND_TEAM, SECOND_CHANNEL)

    assert second_run in history and "second-workspace one" in history
    assert first_run not in history and "first-workspace" not in history
    assert "can't find a run" in code["text"] and "first-workspace" not in json.dumps(code)
    own = _command(oauth_bot, f"code {first_run}", TEAM_ID, CHANNEL_ID)
    assert "answer to first-workspace question" in json.dumps(own["blocks"])


def test_buttons_in_one_workspace_cannot_open_or_rate_anothers_run(
    oauth_bot, two_workspaces, fake_anthropic
):
    first, _ = two_workspaces
    first_run = _ask(oauth_bot, fake_anthropic, first, CHANNEL_ID, "first-workspace question")

    oauth_bot.form(block_actions_body("view_code", first_run, team_id=SECOND_TEAM))
    oauth_bot.form(block_actions_body("feedback", f"down:{first_run}", team_id=SECOND_TEAM))
    oauth_bot.drain()

    assert oauth_bot.slack.calls_to("views.open") == []
    assert oauth_bot.agent.history.get(first_run).feedback is None
    oauth_bot.form(block_actions_body("feedback", f"up:{first_run}", team_id=TEAM_ID))
    oauth_bot.drain()
    assert oauth_bot.agent.history.get(first_run).feedback == "up"


def test_a_dm_in_another_workspace_does_not_continue_the_first_ones_conversation(
    oauth_bot, two_workspaces, fake_anthropic
):
    fake_anthropic.reply_text("Fanta is $1.99 at Mission.")
    fake_anthropic.reply_text("Which deal do you mean?")

    oauth_bot.event(dm_message_event("any orange soda deals?", team_id=TEAM_ID))
    answer_in(oauth_bot)
    oauth_bot.drain()
    # The same DM channel id and user id, in the second workspace.
    oauth_bot.event(dm_message_event("when does it end?", team_id=SECOND_TEAM))
    answer_in(oauth_bot, 2)

    assert [m["content"] for m in fake_anthropic.last_request.messages][:-1] == []
    assert "Fanta" not in json.dumps(fake_anthropic.last_request.messages)
    assert fake_anthropic.last_request.messages[0]["content"].endswith("when does it end?")


def test_the_rate_limit_counts_each_workspace_apart(demo_engine, fake_slack, fake_anthropic):
    with running_bot(
        demo_engine, fake_slack, fake_anthropic, dealbot_rate_limit=1, **OAUTH_SETTINGS
    ) as bot:
        fake_slack.redirect_urls = [f"{bot.base_url}/slack/oauth_redirect"]
        first, second = install(bot, TEAM_ID), install(bot, SECOND_TEAM)
        _ask(bot, fake_anthropic, first, CHANNEL_ID, "one")
        _ask(bot, fake_anthropic, second, SECOND_CHANNEL, "two")
        bot.event(app_mention_event("three", team_id=TEAM_ID, bot_user_id=first.bot_user_id))
        bot.drain()

    assert len(fake_anthropic.requests) == 2
    assert "that's my limit" in fake_slack.calls_to("chat.postMessage")[-1]["text"]


# --- what goes wrong -------------------------------------------------------------------------


def test_a_workspace_that_never_installed_gets_no_answer_and_spends_nothing(
    oauth_bot, fake_anthropic, caplog
):
    install(oauth_bot, SECOND_TEAM)

    status, _ = oauth_bot.event(app_mention_event("deals?", team_id="T0STRANGER"))
    oauth_bot.drain()

    assert status == 200
    assert oauth_bot.slack.calls_to("chat.postMessage") == []
    assert fake_anthropic.requests == []
    assert oauth_bot.agent.history.recent(limit=5) == []


def test_a_code_slack_refuses_ends_on_the_failure_page_and_stores_nothing(oauth_bot, caplog):
    oauth_bot.slack.sign_in(SECOND_TEAM)
    authorize_url, state = open_install_page(oauth_bot)
    redirect = allow_on_slack(authorize_url)
    forged = re.sub(r"code=[^&]+", "code=not-a-code", redirect)

    with caplog.at_level(logging.WARNING, logger="bot.slack.installations"):
        page = back_to_the_bot(forged, state)

    assert page.status == 401 and "invalid_code" in page.text
    [exchange] = oauth_bot.slack.calls
    assert exchange.method == "oauth.v2.access" and exchange.response["error"] == "invalid_code"
    assert stored_bots(oauth_bot) == []
    assert "an install did not complete: invalid_code" in caplog.text


def test_an_install_link_used_twice_is_refused_the_second_time(oauth_bot):
    oauth_bot.slack.sign_in(SECOND_TEAM)
    authorize_url, state = open_install_page(oauth_bot)
    redirect = allow_on_slack(authorize_url)
    assert back_to_the_bot(redirect, state).status == 200

    replay = back_to_the_bot(redirect, state)

    assert replay.status == 401 and "invalid_state" in replay.text
    assert len(oauth_bot.slack.calls_to("oauth.v2.access")) == 1


def test_a_redirect_without_the_browsers_state_cookie_is_refused(oauth_bot):
    oauth_bot.slack.sign_in(SECOND_TEAM)
    authorize_url, _ = open_install_page(oauth_bot)

    page = back_to_the_bot(allow_on_slack(authorize_url), state=None)

    assert page.status == 400 and "invalid_browser" in page.text
    assert oauth_bot.slack.calls_to("oauth.v2.access") == []
    assert stored_bots(oauth_bot) == []


def test_cancel_on_slacks_page_ends_on_the_failure_page(oauth_bot):
    oauth_bot.slack.sign_in(SECOND_TEAM)
    oauth_bot.slack.deny_next_install()
    authorize_url, state = open_install_page(oauth_bot)

    page = back_to_the_bot(allow_on_slack(authorize_url), state)

    assert "access_denied" in page.text
    assert stored_bots(oauth_bot) == []


def test_a_wrong_client_secret_is_refused_by_slack_and_logged(
    demo_engine, fake_slack, fake_anthropic, caplog
):
    settings = OAUTH_SETTINGS | {"slack_client_secret": "not-the-secret"}
    with running_bot(demo_engine, fake_slack, fake_anthropic, **settings) as bot:
        fake_slack.redirect_urls = [f"{bot.base_url}/slack/oauth_redirect"]
        fake_slack.sign_in(SECOND_TEAM)
        authorize_url, state = open_install_page(bot)
        with caplog.at_level(logging.WARNING, logger="bot.slack.installations"):
            page = back_to_the_bot(allow_on_slack(authorize_url), state)
        assert stored_bots(bot) == []

    assert page.status == 401
    assert fake_slack.calls_to("oauth.v2.access")
    assert fake_slack.calls[-1].response["error"] == "bad_client_secret"
    assert "not-the-secret" not in caplog.text


def test_an_uninstalled_workspace_loses_its_token_and_gets_no_more_answers(
    oauth_bot, two_workspaces, fake_anthropic
):
    oauth_bot.slack.revoke(SECOND_TEAM)

    status, _ = oauth_bot.event(
        event_callback(
            {"type": "app_uninstalled", "event_ts": "1700000000.000100"}, team_id=SECOND_TEAM
        )
    )
    oauth_bot.drain()
    oauth_bot.event(app_mention_event("still there?", team_id=SECOND_TEAM, channel=SECOND_CHANNEL))
    oauth_bot.drain()

    assert status == 200
    assert [row["team_id"] for row in stored_bots(oauth_bot)] == [TEAM_ID]
    assert fake_anthropic.requests == []
    assert oauth_bot.slack.calls_to("chat.postMessage") == []


def test_an_uninstall_of_the_one_workspace_is_logged(
    demo_engine, fake_slack, fake_anthropic, caplog
):
    uninstalled = event_callback({"type": "app_uninstalled", "event_ts": "1700000000.000300"})
    with (
        running_bot(demo_engine, fake_slack, fake_anthropic) as bot,
        caplog.at_level(logging.WARNING, logger="bot.slack.installations"),
    ):
        status, _ = bot.event(uninstalled)
        bot.drain()

    assert status == 200
    assert f"dealbot was uninstalled from workspace {TEAM_ID}" in caplog.text


# --- recovery after a crash ------------------------------------------------------------------


def test_recovery_answers_each_workspace_with_its_own_token(
    oauth_bot, two_workspaces, fake_anthropic
):
    _, second = two_workspaces
    origin = Origin(
        source="slack",
        team_id=SECOND_TEAM,
        channel_id=SECOND_CHANNEL,
        user_id=USER_ID,
        thread_ts="1700000000.000200",
    )
    run = oauth_bot.agent.record("orphaned question", origin=origin)
    fake_anthropic.reply_text("Recovered in the second workspace.")

    assert recover(oauth_bot.service, oauth_bot.app, stale_after=timedelta(0)) == 1

    update = answer_in(oauth_bot)
    assert "Recovered in the second workspace." in update["text"]
    oauth_bot.drain()
    [posted] = [c for c in oauth_bot.slack.calls if c.method == "chat.stopStream"]
    assert posted.token == second.token
    assert oauth_bot.agent.history.get(run.run_id).status == "ok"


def test_recovery_of_a_workspace_without_installation_fails_the_run_quietly(
    oauth_bot, fake_anthropic
):
    origin = Origin(source="slack", team_id="T0GONE", channel_id="C0GONE", user_id=USER_ID)
    run = oauth_bot.agent.record("asked before the uninstall", origin=origin)

    assert recover(oauth_bot.service, oauth_bot.app, stale_after=timedelta(0)) == 1

    stored = oauth_bot.agent.history.get(run.run_id)
    assert stored.status == "failed" and stored.error == UNINSTALLED
    assert fake_anthropic.requests == [] and oauth_bot.slack.calls == []


# --- settings --------------------------------------------------------------------------------


def test_one_workspace_is_served_with_the_bot_token_even_with_client_credentials_around(
    demo_engine, fake_slack, fake_anthropic, monkeypatch
):
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "fake-client-secret")
    fake_anthropic.reply_text("Answered with the one token.")
    with running_bot(demo_engine, fake_slack, fake_anthropic) as bot:
        assert bot.app.oauth_flow is None
        assert client_for(bot.app, TEAM_ID) is bot.app.client
        bot.event(app_mention_event("deals?"))
        assert "one token" in answer_in(bot)["text"]
        assert browse(f"{bot.base_url}/slack/install").status == 404

    assert {call.token for call in fake_slack.calls if call.method != "response_url"} == {BOT_TOKEN}
    assert os.environ["SLACK_CLIENT_ID"] == CLIENT_ID  # given back after Bolt was built


def test_bolt_built_with_the_token_in_the_environment_warns_of_nothing(
    demo_engine, fake_slack, fake_anthropic, monkeypatch, caplog
):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    with (
        caplog.at_level(logging.DEBUG, logger="slack_bolt"),
        running_bot(demo_engine, fake_slack, fake_anthropic),
    ):
        assert os.environ["SLACK_BOT_TOKEN"] == BOT_TOKEN  # given back after Bolt was built

    bolt_warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("slack_bolt") and r.levelno >= logging.WARNING
    ]
    assert bolt_warnings == []


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"slack_client_id": CLIENT_ID}, "SLACK_CLIENT_SECRET is not set"),
        ({"slack_client_secret": "s3cret"}, "SLACK_CLIENT_ID is not set"),
    ],
)
def test_a_missing_token_or_half_the_client_credentials_is_named(monkeypatch, given, named):
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(slack_signing_secret="x", **given)

    with pytest.raises(SettingsError) as raised:
        check_slack_settings(settings)

    assert str(raised.value).startswith(named)
    assert "s3cret" not in str(raised.value)


def test_client_id_and_secret_without_a_bot_token_are_enough(monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    settings = load_settings(slack_signing_secret="x", **OAUTH_SETTINGS)

    check_slack_settings(settings)


def test_installs_round_trip_through_sqlite_and_postgresql(
    migrated_engine, fake_slack, fake_anthropic
):
    with running_bot(migrated_engine, fake_slack, fake_anthropic, **OAUTH_SETTINGS) as bot:
        fake_slack.redirect_urls = [f"{bot.base_url}/slack/oauth_redirect"]
        second = install(bot, SECOND_TEAM)
        install(bot, SECOND_TEAM)  # installed again (new scopes, say): the newest row wins

        client = client_for(bot.app, SECOND_TEAM)

        assert len(stored_bots(bot)) == 2
        assert client is not None and client.token == second.token
        assert client.auth_test()["team_id"] == SECOND_TEAM
        assert client_for(bot.app, "T0NEVER") is None


# --- the fake speaks Slack's OAuth protocol, errors included -------------------------------

APP_REDIRECT = "https://dealbot.example/slack/oauth_redirect"


def _authorize_at(fake_slack, **params: str) -> Page:
    query = {"client_id": CLIENT_ID, "scope": "chat:write,commands", "state": "s1"} | params
    return browse(f"{fake_slack.url}/oauth/v2/authorize?{urlencode(query)}")


def _code(page: Page) -> str:
    return parse_qs(urlsplit(page.headers["location"]).query)["code"][0]


def _exchange(fake_slack, code: str, **options: str) -> dict:
    client = WebClient(base_url=fake_slack.api_url)
    arguments = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET} | options
    try:
        return client.oauth_v2_access(code=code, **arguments).data
    except SlackApiError as error:
        return error.response.data


def test_the_fakes_code_is_exchanged_once_for_the_workspaces_token(fake_slack):
    fake_slack.redirect_urls = [APP_REDIRECT]
    fake_slack.sign_in(SECOND_TEAM, user_id="U0INSTALLER")
    code = _code(_authorize_at(fake_slack))

    first = _exchange(fake_slack, code)
    again = _exchange(fake_slack, code)

    assert first["ok"] and first["team"]["id"] == SECOND_TEAM
    assert first["authed_user"] == {"id": "U0INSTALLER"}
    assert first["access_token"] == fake_slack.workspace(SECOND_TEAM).token
    assert again == {"ok": False, "error": "invalid_code"}


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"client_secret": "wrong"}, "bad_client_secret"),
        ({"client_id": "999.999"}, "invalid_client_id"),
        ({"redirect_uri": "https://elsewhere.example/"}, "bad_redirect_uri"),
    ],
)
def test_the_fake_refuses_what_oauth_v2_access_refuses(fake_slack, options, error):
    fake_slack.redirect_urls = [APP_REDIRECT]
    fake_slack.sign_in(SECOND_TEAM)
    code = _code(_authorize_at(fake_slack, redirect_uri=APP_REDIRECT))

    assert _exchange(fake_slack, code, **options) == {"ok": False, "error": error}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"client_id": "999.999"}, "invalid_client_id"),
        ({"redirect_uri": "https://elsewhere.example/"}, "bad_redirect_uri"),
        ({"scope": ""}, "invalid_scope"),
    ],
)
def test_the_fakes_authorize_page_does_not_send_a_bad_request_back(fake_slack, params, error):
    fake_slack.redirect_urls = [APP_REDIRECT]
    fake_slack.sign_in(SECOND_TEAM)

    page = _authorize_at(fake_slack, **params)

    assert page.status == 400 and error in page.text and "location" not in page.headers


def test_the_readme_documents_the_workspace_settings():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table_rows = [line.split(" | ")[0] for line in readme.splitlines() if line.startswith("| `")]

    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_REDIRECT_URI"):
        assert any(f"`{name}`" in row for row in table_rows), name
