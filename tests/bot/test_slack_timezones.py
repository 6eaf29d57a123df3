"""Each asker's time zone from their Slack profile: asked once an hour, a failure not kept."""

from __future__ import annotations

from bot.records import Origin
from bot.slack.timezones import TimeZones
from tests.fakes.slack_api import TEAM_ID

DEFAULT = "America/Chicago"


def _origin(user: str | None) -> Origin:
    return Origin(source="slack", team_id=TEAM_ID, user_id=user)


def test_a_users_zone_is_asked_of_slack_once(fake_slack):
    fake_slack.add_user("U0TOKYO", tz="Asia/Tokyo")
    zones, client = TimeZones(DEFAULT), fake_slack.client()
    assert zones.of(client, _origin("U0TOKYO")) == "Asia/Tokyo"
    assert zones.of(client, _origin("U0TOKYO")) == "Asia/Tokyo"
    assert len(fake_slack.calls_to("users.info")) == 1


def test_no_user_no_zone_or_a_failure_gives_the_default(fake_slack):
    fake_slack.add_user("U0NOWHERE", tz=None)
    zones, client = TimeZones(DEFAULT), fake_slack.client()
    assert zones.of(client, _origin(None)) == DEFAULT
    assert zones.of(client, _origin("U0NOWHERE")) == DEFAULT
    fake_slack.add_user("U0LATER", tz="Europe/Paris")
    fake_slack.fail_next("users.info", "ratelimited")
    assert zones.of(client, _origin("U0LATER")) == DEFAULT
    assert zones.of(client, _origin("U0LATER")) == "Europe/Paris"  # the failure was not kept
