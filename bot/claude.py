"""The Anthropic client dealbot uses, and what its failures mean to a shopper."""

from __future__ import annotations

import anthropic

from bot.settings import Settings

MAX_RETRIES = 3


def make_client(settings: Settings) -> anthropic.Anthropic:
    """The real client; ANTHROPIC_BASE_URL (read here from settings) points tests at a fake."""
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key,
        base_url=settings.anthropic_base_url,
        timeout=settings.dealbot_model_timeout_s,
        max_retries=MAX_RETRIES,
    )


def describe_failure(exc: anthropic.APIError) -> str:
    """A short, human message for a model failure the client's own retries did not fix."""
    if isinstance(exc, anthropic.APITimeoutError):
        return "The model took too long to answer — please try again in a minute."
    if isinstance(exc, anthropic.APIConnectionError):
        return "I couldn't reach the model just now — please try again in a minute."
    if isinstance(exc, anthropic.RateLimitError):
        return "We're over the model's rate limit right now — please try again in a minute."
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return "The model service refused our API key — an operator needs to check it."
    if isinstance(exc, anthropic.APIStatusError) and exc.status_code == 529:
        return "The model is overloaded right now — please try again in a minute."
    if isinstance(exc, anthropic.BadRequestError):
        return "The model couldn't take that request — try asking it more simply."
    return "The model had a problem answering — please try again in a minute."
