"""dealbot's configuration, read once from the environment and passed in from there."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

import sandbox

DEFAULT_MODEL = "claude-sonnet-5-5"
DEFAULT_DATABASE_URL = "sqlite:///dealbot.db"
# The sandbox's own limits are the settings' defaults.
SANDBOX_TIMEOUT_S: float = sandbox.DEFAULT_TIMEOUT_S
SANDBOX_MEMORY_MB: int = sandbox.DEFAULT_MEMORY_MB

# The password of a URL's user ("scheme://user:PASSWORD@host", up to the last "@" before the
# path) and a `password=` query parameter: what mask_passwords() hides.
_URL_PASSWORD = re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^\s/?#]*(?=@)", re.I)
_PARAM_PASSWORD = re.compile(r"(?P<keep>\bpassword=)[^&\s]+", re.I)


def mask_passwords(text: str) -> str:
    """`text` with every database URL's password shown as ***: for messages and logs."""
    text = _URL_PASSWORD.sub(r"\g<keep>***", text)
    return _PARAM_PASSWORD.sub(r"\g<keep>***", text)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


# Spans of time a setting may name: up to a year (datetime arithmetic overflows far beyond).
YEAR_H = 366 * 24
YEAR_S = YEAR_H * 3600


def _http_url(text: str) -> str:
    if not re.match(r"https?://[^/\s]+", text):
        raise ValueError("must be an http:// or https:// URL (e.g. https://slack.com/api/)")
    return text


# A URL of a service, kept as the text given.
HttpUrlText = Annotated[str, AfterValidator(_http_url)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: HttpUrlText | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_redirect_uri: HttpUrlText | None = None
    anthropic_api_key: str | None = None
    anthropic_base_url: HttpUrlText | None = None
    dealbot_model: Annotated[str, Field(min_length=1)] = DEFAULT_MODEL
    dealbot_timezone: str = "America/Los_Angeles"
    dealbot_rate_limit: Annotated[int, Field(ge=0)] = 20
    dealbot_rate_window_s: Annotated[int, Field(gt=0, le=YEAR_S)] = 3600
    dealbot_sandbox_timeout_s: Annotated[float, Field(gt=0, le=60)] = SANDBOX_TIMEOUT_S
    dealbot_sandbox_memory_mb: Annotated[int, Field(ge=64, le=4096)] = SANDBOX_MEMORY_MB
    # Run programs even when the sandbox's process layer lacks a required protection.
    dealbot_sandbox_allow_weak_isolation: bool = False
    dealbot_workers: Annotated[int, Field(ge=1, le=256)] = 64
    dealbot_model_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    dealbot_answer_deadline_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    dealbot_max_question_chars: Annotated[int, Field(ge=10)] = 2000
    dealbot_program_cache: bool = True
    dealbot_program_cache_hours: Annotated[float, Field(gt=0, le=YEAR_H)] = 24.0
    dealbot_max_watches: Annotated[int, Field(ge=1)] = 20
    dealbot_watch_min_interval_minutes: Annotated[int, Field(ge=1, le=YEAR_H * 60)] = 60
    dealbot_watch_fresh_hours: Annotated[float, Field(gt=0, le=YEAR_H)] = 6.0
    # A slot alternates between this process (tools, database) and its sandbox worker: two
    # threads per core keep both busy (1,000 unchanged slots on 2 cores: ~180/s with 2, ~215
    # with 4; bench/bench_watches.py).
    dealbot_watch_workers: Annotated[int, Field(ge=1, le=64)] = 4
    # Unset: INFO for `serve` (its ready line and one line per answer), WARNING elsewhere.
    dealbot_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None
    dealbot_log_format: Literal["text", "json"] = "text"
    dealbot_show_cost: bool = False

    @field_validator("dealbot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a known time zone (e.g. America/New_York)") from exc
        return value

    @field_validator("dealbot_log_level", "dealbot_log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "dealbot_log_level" else value.lower()

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        shown = mask_passwords(value)
        if not value.startswith(("sqlite", "postgresql", "postgres:")):
            raise ValueError(f"{shown!r} must start with sqlite:// or postgresql://")
        try:
            make_url(value)
        except (ArgumentError, ValueError) as exc:
            reason = mask_passwords(str(exc))
            raise ValueError(f"{shown!r} is not a database URL ({reason})") from None
        return value

    @property
    def model(self) -> str:
        return self.dealbot_model

    @property
    def timezone(self) -> str:
        return self.dealbot_timezone


def load_settings(**overrides: Any) -> Settings:
    """Read the environment; turn any problem into a one-line SettingsError naming the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "setting"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
