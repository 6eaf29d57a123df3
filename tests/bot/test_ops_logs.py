"""Log lines: text or JSON lines, secrets masked wherever they appear, repeats thinned."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest

from bot.ops import logs
from bot.settings import load_settings

TOKEN = "xoxb-1234-5678-abcdefghijkl"
APP_TOKEN = "xapp-1-A0B-99-cafebabe"
API_KEY = "sk-ant-api03-Zx9_secretpart-AA"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """The dealbot handler writing to a buffer; the root logger restored afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    buffer = io.StringIO()
    yield buffer
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_json_lines_parse_and_carry_extra_fields(stream):
    logs.configure("INFO", "json", stream=stream)

    logging.getLogger("bot.test").info("answered %s", "r1", extra={"run_id": "r1", "ms": 12})
    logging.getLogger("bot.test").warning("two\nlines")

    first, second = (json.loads(line) for line in lines(stream))
    assert first["message"] == "answered r1" and first["level"] == "INFO"
    assert (first["logger"], first["run_id"], first["ms"]) == ("bot.test", "r1", 12)
    assert first["time"]
    assert second["message"] == "two\nlines"  # one record, one line


def test_text_lines_name_time_level_and_logger(stream):
    logs.configure("INFO", "text", stream=stream)

    logging.getLogger("bot.test").info("hello")

    [line] = lines(stream)
    assert line.endswith(" INFO bot.test: hello")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_are_masked_in_messages_and_tracebacks(stream, log_format):
    logs.configure("INFO", log_format, secrets=[SIGNING_SECRET, None, "short"], stream=stream)
    log = logging.getLogger("bot.test")

    log.info("token %s key %s app %s", TOKEN, API_KEY, APP_TOKEN)
    log.info("database postgresql://admin:hunter2@db.internal/deals")
    log.info("a short answer")
    try:
        raise ValueError(f"bad signature with secret {SIGNING_SECRET}")
    except ValueError:
        log.exception("refused")

    text = stream.getvalue()
    for secret in (TOKEN, API_KEY, APP_TOKEN, "hunter2", SIGNING_SECRET):
        assert secret not in text
    assert "xoxb-***" in text and "sk-ant-***" in text
    assert "postgresql://admin:***@db.internal/deals" in text
    assert "a short answer" in text  # too short to be taken for a secret


def test_secrets_of_settings_are_the_values_named_like_secrets():
    settings = load_settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        anthropic_api_key=API_KEY,
        slack_app_token=None,
    )

    found = logs.secrets_of(settings)

    assert set(found) >= {TOKEN, SIGNING_SECRET, API_KEY}
    assert settings.database_url not in found and settings.dealbot_model not in found


def test_a_repeated_warning_passes_once_per_window_and_then_says_how_many(stream):
    logs.configure("INFO", "text", stream=stream)
    handler = logging.getLogger().handlers[-1]
    handler.filters = [logs.RepeatFilter(window_s=0.3)]
    log = logging.getLogger("bot.test")

    for attempt in range(4):
        log.warning("could not post to %s", f"C{attempt}")
        log.info("answer %d", attempt)
    log.warning("a different problem")
    time.sleep(0.35)
    log.warning("could not post to %s", "C9")

    warnings = [line for line in lines(stream) if " WARNING " in line]
    assert [line.split(": ", 1)[1] for line in warnings] == [
        "could not post to C0",
        "a different problem",
        "could not post to C9 (3 more like this in the last 0.3s)",
    ]
    assert sum(" INFO " in line for line in lines(stream)) == 4  # never thinned


def test_configure_replaces_its_own_handler_only(stream):
    root = logging.getLogger()
    others = [h for h in root.handlers if h.get_name() != logs.HANDLER_NAME]

    logs.configure("DEBUG", "text", stream=stream)
    logs.configure("INFO", "text", stream=stream)

    ours = [h for h in root.handlers if h.get_name() == logs.HANDLER_NAME]
    assert len(ours) == 1 and [h for h in root.handlers if h not in ours] == others


def test_chatty_libraries_log_only_warnings_even_where_they_set_their_own_levels(stream):
    logs.configure("DEBUG", "text", stream=stream)
    bolt = logging.getLogger("slack_bolt.RequestVerification")
    bolt.setLevel(logging.INFO)  # as Bolt does for its own loggers

    bolt.info("Invalid request signature detected (body: token=verification-token)")
    logging.getLogger("httpx2").info("HTTP Request: POST /v1/messages")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    bolt.warning("something Bolt warns about")
    logging.getLogger("bot.serve").debug("dealbot's own debug line")

    assert [line.split(": ", 1)[1] for line in lines(stream)] == [
        "something Bolt warns about",
        "dealbot's own debug line",
    ]
    bolt.setLevel(logging.NOTSET)
