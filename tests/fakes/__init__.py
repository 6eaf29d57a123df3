"""Local HTTP servers that speak Slack's Web API and Anthropic's Messages API, for tests.

The real `slack_sdk`/`slack_bolt` and `anthropic` clients talk to them over HTTP, so tests
exercise the client libraries end to end without a network.
"""

from __future__ import annotations

from tests.fakes.anthropic_api import (
    FakeAnthropic,
    RecordedRequest,
    Reply,
    error_reply,
    overloaded_reply,
    rate_limit_reply,
    server_error_reply,
    text_reply,
    tool_use_reply,
)
from tests.fakes.bolt_server import BoltHTTPServer
from tests.fakes.slack_api import (
    APP_ID,
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    SIGNING_SECRET,
    TEAM_ID,
    USER_ID,
    FakeSlack,
    SlackCall,
    new_ts,
)
from tests.fakes.slack_payloads import (
    FORM,
    JSON,
    app_mention_event,
    block_actions_body,
    bot_message_event,
    dm_message_event,
    event_callback,
    message_changed_event,
    message_deleted_event,
    post_to_app,
    signed_request,
    slash_command_body,
    view_submission_body,
)
from tests.fakes.socket_mode import (
    Ack,
    FakeSocketMode,
    SocketConnection,
    events_api_envelope,
    interactive_envelope,
    slash_commands_envelope,
)

__all__ = [
    "APP_ID",
    "APP_TOKEN",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DM_CHANNEL_ID",
    "FORM",
    "JSON",
    "SIGNING_SECRET",
    "TEAM_ID",
    "USER_ID",
    "Ack",
    "BoltHTTPServer",
    "FakeAnthropic",
    "FakeSlack",
    "FakeSocketMode",
    "RecordedRequest",
    "Reply",
    "SlackCall",
    "SocketConnection",
    "app_mention_event",
    "block_actions_body",
    "bot_message_event",
    "dm_message_event",
    "error_reply",
    "event_callback",
    "events_api_envelope",
    "interactive_envelope",
    "message_changed_event",
    "message_deleted_event",
    "new_ts",
    "overloaded_reply",
    "post_to_app",
    "rate_limit_reply",
    "server_error_reply",
    "signed_request",
    "slash_command_body",
    "slash_commands_envelope",
    "text_reply",
    "tool_use_reply",
    "view_submission_body",
]
