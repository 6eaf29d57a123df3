"""What a failed model call means: what the shopper is told, and what the operator must fix.

Three kinds, from the Messages API's documented errors:

- ``transient`` — overloaded, rate-limited, timed out, unreachable, a server error: the
  shopper is asked to try again in a minute; logged as a warning.
- ``operator`` — the key is refused, the account is out of credit, the model is unknown or
  not allowed: nothing works until someone changes a setting. The shopper is told that an
  operator needs to act; the log says, at ERROR, what to fix and which setting it is.
- ``bug`` — the API rejected the request dealbot built (a 400 about the prompt): logged at
  ERROR as a bug to report; the shopper gets an apology.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anthropic

from bot.settings import DEFAULT_MODEL

TOOK_TOO_LONG = "The model took too long to answer — please try again in a minute."
UNREACHABLE = "I couldn't reach the model just now — please try again in a minute."
RATE_LIMITED = "We're over the model's rate limit right now — please try again in a minute."
OVERLOADED = "The model is overloaded right now — please try again in a minute."
SERVER_TROUBLE = "The model had a problem answering — please try again in a minute."
KEY_REFUSED = "I can't answer right now — an operator needs to check my API key."
KEY_NOT_ALLOWED = "I can't answer right now — an operator needs to check what my API key may use."
NO_CREDIT = "I can't answer right now — an operator needs to top up my model account."
BAD_MODEL = "I can't answer right now — an operator needs to fix my model setting."
BAD_SERVICE = "I can't answer right now — an operator needs to fix my model service setting."
TOO_LONG = (
    "The model couldn't take that request: this conversation has grown too long — "
    "please ask again in a new thread."
)
REJECTED = "The model couldn't take that request — something is wrong on my side, sorry."

LEVELS = {"transient": logging.WARNING, "operator": logging.ERROR, "bug": logging.ERROR}


@dataclass(frozen=True)
class Failure:
    """One failed model call, explained: its kind, the shopper's message, the operator's fix."""

    kind: str  # "transient" | "operator" | "bug"
    shopper: str
    fix: str | None = None
    detail: str = ""

    @property
    def level(self) -> int:
        return LEVELS[self.kind]

    def log_line(self) -> str:
        """One line for the log: what to do first, then what the API said."""
        head = {
            "transient": "model call failed (transient)",
            "operator": "model call failed — an operator needs to act",
            "bug": "model call failed — dealbot sent a request the API rejects (a bug: report it)",
        }[self.kind]
        return f"{head}: {self.fix}; {self.detail}" if self.fix else f"{head}: {self.detail}"


def describe_failure(exc: anthropic.APIError) -> str:
    """The shopper's message for a failed model call."""
    return explain(exc).shopper


def explain(exc: anthropic.APIError, *, model: str | None = None) -> Failure:
    """What this failure means, for the shopper and the operator (`model`: the one asked for)."""
    detail = error_summary(exc)
    if isinstance(exc, anthropic.APITimeoutError):
        return Failure("transient", TOOK_TOO_LONG, detail=detail)
    if isinstance(exc, anthropic.APIConnectionError):
        fix = "check ANTHROPIC_BASE_URL and the network if this persists"
        return Failure("transient", UNREACHABLE, fix, detail)
    if not isinstance(exc, anthropic.APIStatusError):
        fix = "ANTHROPIC_BASE_URL answered with something that is not a Messages API reply"
        return Failure("operator", BAD_SERVICE, fix, detail)
    return _explain_status(exc, model or "DEALBOT_MODEL", detail)


def _explain_status(exc: anthropic.APIStatusError, model: str, detail: str) -> Failure:
    status = exc.status_code
    kind, message = error_fields(exc)
    lowered = message.lower()
    if status == 401 or kind == "authentication_error":
        fix = "the API refused ANTHROPIC_API_KEY: set a valid key"
        return Failure("operator", KEY_REFUSED, fix, detail)
    if status == 403 or kind == "permission_error":
        fix = f"ANTHROPIC_API_KEY may not use {model!r}: check the key's workspace and model access"
        return Failure("operator", KEY_NOT_ALLOWED, fix, detail)
    if status == 402 or kind == "billing_error" or "credit balance" in lowered:
        fix = "the Anthropic account is out of credit: add credit under Plans & Billing"
        return Failure("operator", NO_CREDIT, fix, detail)
    if status == 404:
        return _not_found(model, lowered, detail)
    if status == 429 or kind == "rate_limit_error":
        return Failure("transient", RATE_LIMITED, detail=detail)
    if status == 529 or kind == "overloaded_error":
        return Failure("transient", OVERLOADED, detail=detail)
    if status >= 500 or status in (408, 409):
        return Failure("transient", SERVER_TROUBLE, detail=detail)
    if status == 413 or kind == "request_too_large" or "prompt is too long" in lowered:
        fix = "the prompt outgrew the model's context window (a long thread?)"
        return Failure("bug", TOO_LONG, fix, detail)
    return Failure("bug", REJECTED, detail=detail)


def _not_found(model: str, lowered_message: str, detail: str) -> Failure:
    """404: the API names a model it does not serve ("model: nope"); another 404 may also mean
    that ANTHROPIC_BASE_URL does not lead to the Messages API."""
    if lowered_message.startswith("model:") or f"model: {model.lower()}" in lowered_message:
        fix = (
            f"DEALBOT_MODEL={model!r} is not a model this API serves: "
            f"set it to a current model, e.g. {DEFAULT_MODEL}"
        )
        return Failure("operator", BAD_MODEL, fix, detail)
    fix = f"check DEALBOT_MODEL={model!r} and that ANTHROPIC_BASE_URL leads to a Messages API"
    return Failure("operator", BAD_SERVICE, fix, detail)


def error_fields(exc: anthropic.APIStatusError) -> tuple[str, str]:
    """The error's type and message from an Anthropic-shaped body (``{"error": {...}}``)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error")
    error = inner if isinstance(inner, dict) else body
    kind, message = error.get("type"), error.get("message")
    return (
        kind if isinstance(kind, str) else "",
        message if isinstance(message, str) else (exc.body if isinstance(exc.body, str) else ""),
    )


def error_summary(exc: anthropic.APIError) -> str:
    """The status, type, message and request id, on one line and capped (never a secret: the API
    does not echo the key)."""
    if not isinstance(exc, anthropic.APIStatusError):
        return _one_line(f"{type(exc).__name__}: {exc}")
    kind, message = error_fields(exc)
    request_id = f", request {exc.request_id}" if exc.request_id else ""
    return _one_line(
        f"{exc.status_code} {kind or 'error'}: {message or '(no message)'}{request_id}"
    )


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
