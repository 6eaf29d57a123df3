"""Requests as Slack sends them to an app: signed headers, event envelopes, commands, actions.

Shapes follow what Slack delivers (and slack_bolt's own tests): events are JSON
``event_callback`` envelopes; slash commands and interactivity are form-encoded, the latter
as one ``payload`` field holding JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.fakes.slack_api import (
    APP_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    SIGNING_SECRET,
    TEAM_ID,
    USER_ID,
    new_ts,
)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def signed_request(
    signing_secret: str,
    body: str | bytes,
    content_type: str = JSON,
    timestamp: int | None = None,
    *,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """The headers Slack sends with `body`: a v0 HMAC-SHA256 signature over ``v0:ts:body``.

    `retry_num` adds Slack's redelivery headers (``X-Slack-Retry-Num``/``-Reason``).
    """
    raw = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }
    if retry_num is not None:
        headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    return headers


def post_to_app(
    url: str,
    body: str | bytes,
    content_type: str = JSON,
    *,
    signing_secret: str = SIGNING_SECRET,
    retry_num: int | None = None,
    timeout: float = 5.0,
) -> tuple[int, str]:
    """POSTs a signed request to a running app (e.g. ``.../slack/events``): (status, body)."""
    raw = body.encode() if isinstance(body, str) else body
    headers = signed_request(signing_secret, raw, content_type, retry_num=retry_num)
    request = Request(url, data=raw, headers=headers, method="POST")
    try:
        with urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def event_callback(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    authorized_user: str = BOT_USER_ID,
    api_app_id: str = APP_ID,
) -> dict[str, Any]:
    """The Events API envelope around `event`."""
    event_time = int(float(event.get("event_ts") or time.time()))
    return {
        "token": "fake-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": authorized_user,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event['type']}-{team_id}-{event.get('channel', '')}",
    }


def app_mention_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    bot_user_id: str = BOT_USER_ID,
    mention: bool = True,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """``@dealbot text`` in a channel; `mention` prefixes ``<@BOT>`` as Slack's text has it."""
    full_text = f"<@{bot_user_id}> {text}".rstrip() if mention else text
    event = _user_message("app_mention", full_text, user, channel, ts, thread_ts, team_id)
    return event_callback(event, event_id=event_id, team_id=team_id, authorized_user=bot_user_id)


def dm_message_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A person's message in their DM with the bot (``message.im``)."""
    event = _user_message("message", text, user, channel, ts, thread_ts, team_id)
    return event_callback(event | {"channel_type": "im"}, event_id=event_id, team_id=team_id)


def channel_message_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    channel_type: str = "channel",
    ts: str | None = None,
    thread_ts: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A person's message in a channel (``message.channels``; ``message.groups`` with
    `channel_type` "group"), in a thread when `thread_ts` is given."""
    event = _user_message("message", text, user, channel, ts, thread_ts, team_id)
    return event_callback(event | {"channel_type": channel_type}, team_id=team_id)


def app_home_opened_event(
    tab: str = "messages",
    *,
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """The user opened the app's Messages tab (its DM: the agent view) or its Home tab."""
    event = {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab}
    event["event_ts"] = new_ts()
    return event_callback(event, team_id=team_id)


def bot_message_event(
    text: str,
    *,
    bot_id: str = "B0OTHERBOT",
    user: str | None = "U0OTHERBOT",
    channel: str = DM_CHANNEL_ID,
    channel_type: str = "im",
    classic: bool = False,
) -> dict[str, Any]:
    """A message written by a bot (pass the fake's own ids for the bot's own echo).

    `classic` gives the old ``bot_message`` subtype without a user.
    """
    ts = new_ts()
    event: dict[str, Any] = {"type": "message", "text": text, "ts": ts, "bot_id": bot_id}
    event |= {"channel": channel, "event_ts": ts, "channel_type": channel_type}
    if classic:
        event |= {"subtype": "bot_message", "username": "other-bot"}
    elif user is not None:
        event |= {"user": user, "team": TEAM_ID, "app_id": "A0OTHERBOT"}
    return event_callback(event)


def message_changed_event(
    text: str,
    previous_text: str,
    *,
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    channel_type: str = "im",
    message_ts: str | None = None,
) -> dict[str, Any]:
    """A person edited their message: Slack sends ``message`` with subtype ``message_changed``."""
    previous = _previous_message(previous_text, user, message_ts)
    ts = new_ts()
    edited = previous | {"text": text, "team": TEAM_ID, "edited": {"user": user, "ts": ts}}
    fields = {"message": edited, "previous_message": previous}
    return _hidden_event("message_changed", channel, channel_type, ts, fields)


def message_deleted_event(
    previous_text: str,
    *,
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    channel_type: str = "im",
    message_ts: str | None = None,
) -> dict[str, Any]:
    """A person deleted their message: ``message`` with subtype ``message_deleted``."""
    previous = _previous_message(previous_text, user, message_ts)
    fields = {"deleted_ts": previous["ts"], "previous_message": previous}
    return _hidden_event("message_deleted", channel, channel_type, new_ts(), fields)


def _previous_message(text: str, user: str, ts: str | None) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts or new_ts()}


def _hidden_event(
    subtype: str, channel: str, channel_type: str, ts: str, fields: dict[str, Any]
) -> dict[str, Any]:
    event = {"type": "message", "subtype": subtype, "hidden": True, "channel": channel}
    event |= {"channel_type": channel_type, "ts": ts, "event_ts": ts}
    return event_callback(event | fields)


def slash_command_body(
    text: str,
    *,
    command: str = "/dealbot",
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    channel_name: str = "deals",
    response_url: str = "https://hooks.slack.com/commands/T0DEALS/1/fake",
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> str:
    """The form body of a slash command (``Content-Type: application/x-www-form-urlencoded``)."""
    fields = {
        "token": "fake-verification-token",
        "team_id": team_id,
        "team_domain": "fake-deals",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else channel_name,
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }
    return urlencode(fields)


def block_actions_body(
    action_id: str,
    value: str = "",
    *,
    block_id: str = "actions",
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    message: dict[str, Any] | None = None,
    response_url: str = "https://hooks.slack.com/actions/T0DEALS/1/fake",
    trigger_id: str | None = None,
    is_ephemeral: bool = False,
    team_id: str = TEAM_ID,
) -> str:
    """The form body of a button click on a message: ``payload=<block_actions JSON>``."""
    message = message or {"type": "message", "ts": new_ts(), "text": "", "user": BOT_USER_ID}
    container = {"type": "message", "message_ts": message["ts"], "channel_id": channel}
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "value": value}
    action |= {"type": "button", "text": {"type": "plain_text", "text": "Button"}}
    action["action_ts"] = new_ts()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": container | {"is_ephemeral": is_ephemeral},
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": "fake-deals"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "deals"},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    user: str = USER_ID,
    team_id: str = TEAM_ID,
) -> str:
    """The form body of a modal's submit: ``payload=<view_submission JSON>``; `view` is the
    view as opened (callback_id, private_metadata), `values` the inputs' state by block and
    action id, shaped as Slack sends them (``{"type": "plain_text_input", "value": …}``)."""
    view_id = f"V{uuid.uuid4().hex[:10].upper()}"
    submitted = view | {"id": view_id, "team_id": team_id, "state": {"values": values}}
    submitted |= {"hash": f"{time.time():.6f}.fake", "app_id": APP_ID}
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "fake-deals"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "trigger_id": _trigger_id(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)})


def _user_message(
    kind: str,
    text: str,
    user: str,
    channel: str,
    ts: str | None,
    thread_ts: str | None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    ts = ts or new_ts()
    event = {"client_msg_id": str(uuid.uuid4()), "type": kind, "text": text, "user": user}
    event |= {"ts": ts, "team": team_id, "channel": channel, "event_ts": ts}
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def _trigger_id() -> str:
    return f"{new_ts().replace('.', '')}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"
