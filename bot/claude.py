"""The Anthropic client dealbot uses: model calls bounded by an answer's deadline, and the
start-up check that the API knows DEALBOT_MODEL."""

from __future__ import annotations

import email.utils
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import anthropic

from bot.model_failures import error_summary
from bot.settings import DEFAULT_MODEL, Settings, SettingsError

log = logging.getLogger(__name__)

MAX_RETRIES = 3
CHECK_TIMEOUT_S = 10.0
MODELS_SHOWN = 5
INITIAL_BACKOFF_S = 0.5  # the SDK's own back-off: 0.5 s doubling to 8 s, less up to 25 % jitter
MAX_BACKOFF_S = 8.0
RETRY_COUNT_HEADER = "x-stainless-retry-count"


def make_client(settings: Settings) -> anthropic.Anthropic:
    """The real client; ANTHROPIC_BASE_URL (read here from settings) points tests at a fake."""
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key,
        base_url=settings.anthropic_base_url,
        timeout=settings.dealbot_model_timeout_s,
        max_retries=MAX_RETRIES,
    )


@dataclass(frozen=True)
class Deadline:
    """The moment (on `time.monotonic`) after which nothing more is spent on an answer."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.at - time.monotonic()


class OutOfTime(Exception):
    """The answer's deadline passed while the model was being asked, after `tries` tries were
    sent (0: none, the deadline had passed already)."""

    def __init__(self, tries: int) -> None:
        super().__init__(f"the deadline passed after {tries} tries")
        self.tries = tries


class ModelCaller:
    """Sends Messages API requests with the client's timeout and retries, both cut to a deadline.

    The SDK's own retry loop gives every try the full timeout and waits whatever retry-after
    says, so it cannot keep an answer's deadline; this loop sends single tries through the same
    client and retries what the SDK would retry (connection errors, timeouts, 408, 409, 429,
    5xx, or what ``x-should-retry`` says), waiting what the API asks, only while time is left.
    """

    def __init__(self, client: anthropic.Anthropic) -> None:
        self.retries = client.max_retries
        self.timeout_s = _seconds(client.timeout)
        self._single = client.with_options(max_retries=0)

    def create(self, *, deadline: Deadline, **request: Any) -> Any:
        """`messages.create(**request)`; raises OutOfTime, or the last `anthropic.APIError`."""
        tries = 0
        while True:
            timeout = min(self.timeout_s, deadline.remaining())
            if timeout <= 0:
                raise OutOfTime(tries)
            try:
                return self._single.messages.create(
                    **request, timeout=timeout, extra_headers={RETRY_COUNT_HEADER: str(tries)}
                )
            except anthropic.APITimeoutError as exc:
                if timeout < self.timeout_s:
                    raise OutOfTime(tries + 1) from exc
                wait = self._wait_before_retry(exc, tries, deadline)
            except anthropic.APIError as exc:
                wait = self._wait_before_retry(exc, tries, deadline)
            tries += 1
            time.sleep(wait)

    def _wait_before_retry(self, exc: anthropic.APIError, tries: int, deadline: Deadline) -> float:
        """How long to wait before the next try; re-raises `exc` when no retry is due or it would
        start after the deadline (the failure then stands for the answer)."""
        wait = _retry_wait(exc, tries)
        if wait is None or tries >= self.retries or wait >= deadline.remaining():
            raise exc
        log.info("model call failed (%s); try %d in %.1f s", error_summary(exc), tries + 2, wait)
        return wait


def _retry_wait(exc: anthropic.APIError, tries: int) -> float | None:
    """Seconds to wait before retrying after `tries` failed tries, or None when retrying cannot
    help. The SDK's policy, stated once here for dealbot's bounded loop."""
    if isinstance(exc, anthropic.APIConnectionError):  # timeouts included
        return _backoff(tries)
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    headers = exc.response.headers
    verdict = headers.get("x-should-retry")
    retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
    if verdict == "false" or (verdict != "true" and not retryable):
        return None
    asked = _retry_after(headers)
    return asked if asked is not None else _backoff(tries)


def _retry_after(headers: Any) -> float | None:
    """What ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date) asks for."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value) * scale, 0.0)
        except ValueError:
            pass
        try:
            return max(email.utils.parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            pass
    return None


def _backoff(tries: int) -> float:
    return min(INITIAL_BACKOFF_S * 2.0**tries, MAX_BACKOFF_S) * (1 - 0.25 * random.random())


def _seconds(timeout: Any) -> float:
    """A client timeout as seconds: a number, or an httpx.Timeout's read timeout."""
    if isinstance(timeout, int | float):
        return float(timeout)
    read = getattr(timeout, "read", None)
    return float(read) if read else 600.0


def check_model(client: anthropic.Anthropic, model: str) -> None:
    """Ask the API once, at start-up, whether it serves `model` (``GET /v1/models/{id}``).

    Stops start-up (SettingsError, one line naming the setting) when the API refuses the key,
    or answers that it does not know the model while its model list works: then no question
    could be answered. What cannot settle it — the API unreachable, overloaded or slow, or a
    Messages-API-compatible server without the models endpoints — is a warning, and start-up
    goes on.
    """
    checking = client.with_options(timeout=CHECK_TIMEOUT_S, max_retries=1)
    try:
        checking.models.retrieve(model)
    except anthropic.AuthenticationError as exc:
        raise SettingsError(
            f"ANTHROPIC_API_KEY: the API refused it ({error_summary(exc)})"
        ) from None
    except anthropic.PermissionDeniedError as exc:
        raise SettingsError(
            f"ANTHROPIC_API_KEY: it may not use DEALBOT_MODEL={model!r} ({error_summary(exc)})"
        ) from None
    except anthropic.NotFoundError as exc:
        served = _served_models(checking)
        if served is None:
            log.warning(
                "could not check DEALBOT_MODEL=%r: the API has no models endpoint (%s)",
                model,
                error_summary(exc),
            )
            return
        raise SettingsError(
            f"DEALBOT_MODEL: {model!r} is not a model this API serves "
            f"(it serves {_some(served)}; default {DEFAULT_MODEL})"
        ) from None
    except anthropic.APIError as exc:
        log.warning(
            "could not check DEALBOT_MODEL=%r at start-up (%s); starting anyway",
            model,
            error_summary(exc),
        )


def _served_models(client: anthropic.Anthropic) -> list[str] | None:
    """The ids on the first page of ``GET /v1/models``, or None when the API has no such list."""
    try:
        return [info.id for info in client.models.list(limit=MODELS_SHOWN * 4).data]
    except anthropic.APIError:
        return None


def _some(ids: list[str]) -> str:
    shown = ", ".join(ids[:MODELS_SHOWN]) or "none"
    return shown + (", …" if len(ids) > MODELS_SHOWN else "")
