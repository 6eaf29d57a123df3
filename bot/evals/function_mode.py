"""The function-calling baseline, built as a careful team would ship it: the same deals tools
as Anthropic tool definitions generated from the registry (`tools.tool_schemas()`), the same
model and the same facts in a cached system prompt, parallel tool use, every result fed
back, incremental prompt caching, and a loop that runs until the model answers in text
(bounded)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import anthropic
from anthropic.types import CacheControlEphemeralParam, MessageParam, TextBlockParam, ToolParam
from sqlalchemy import Engine

import tools
from bot.evals.modes import Answered
from bot.model_failures import describe_failure
from bot.prompt import ROLE, SHARED_RULES, conversation_messages
from bot.records import Usage

log = logging.getLogger(__name__)

CACHED: CacheControlEphemeralParam = {"type": "ephemeral"}
NO_TEXT = "The model ended without an answer."
NO_TEXT_ANSWER = "No text answer after {calls} model calls."

HOW = """\
You answer by calling the deals tools, then replying in text with the message for the \
shopper. Call several tools in one turn when they do not depend on each other. Tool results \
are JSON; dates are "YYYY-MM-DD" strings, and you pass dates the same way. Work out per-unit \
prices, totals and date ranges carefully from the results. find_deals returns at most \
`limit` deals (default 50): pass null for every match, or count them with count_deals."""

# The most items of a list or dict result the model is shown: what find_deals' docstring
# promises for a limit (the schemas' descriptions say so, from this same number).
MAX_RESULT_ROWS = tools.registry.MAX_DEALS


def system_blocks() -> list[TextBlockParam]:
    """The baseline's stable prefix: the product's role and rules, this mode's how-to."""
    text = "\n\n".join([ROLE, HOW, "Rules:\n" + SHARED_RULES])
    return [{"type": "text", "text": text, "cache_control": CACHED}]


@dataclass(frozen=True)
class FunctionsConfig:
    model: str
    timezone: str
    max_tokens: int = 4096
    max_model_calls: int = 12
    max_result_rows: int = MAX_RESULT_ROWS


@dataclass
class _Tally:
    """Running totals of one question's model and tool use."""

    started: float = field(default_factory=time.perf_counter)
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    tool_errors: int = 0
    turns: list[dict] = field(default_factory=list)

    def answered(self, answer: str | None, error: str | None = None) -> Answered:
        return Answered(
            answer=answer,
            error=error,
            usage=self.usage,
            tool_calls=self.tool_calls,
            tool_errors=self.tool_errors,
            duration_ms=round((time.perf_counter() - self.started) * 1000, 2),
            transcript=tuple(self.turns),
        )


class FunctionsMode:
    """Answers a question by function calling over the deals tools."""

    name = "functions"

    def __init__(
        self,
        *,
        client: anthropic.Anthropic,
        engine: Engine,
        config: FunctionsConfig,
        build_tools: Callable[..., Mapping[str, Callable[..., Any]]] = tools.build_tools,
    ) -> None:
        self.client = client
        self.engine = engine
        self.config = config
        self.build_tools = build_tools
        self.system = system_blocks()
        self.tool_definitions = tools.tool_schemas(max_rows=config.max_result_rows)

    def answer(self, question: str) -> Answered:
        tally = _Tally()
        deal_tools = self.build_tools(self.engine, timezone=self.config.timezone)
        today = deal_tools["today"]()
        messages = conversation_messages([], question, today=today, timezone=self.config.timezone)
        try:
            text = self._converse(messages, deal_tools, tally)
        except anthropic.APIError as exc:
            log.warning("functions mode: model failed: %s", exc)
            return tally.answered(None, describe_failure(exc))
        if text is None:
            return tally.answered(None, NO_TEXT_ANSWER.format(calls=tally.usage.llm_calls))
        return tally.answered(text) if text else tally.answered(None, NO_TEXT)

    def _converse(
        self, messages: list[dict], deal_tools: Mapping[str, Callable[..., Any]], tally: _Tally
    ) -> str | None:
        """Call the model, run the tools it asks for, feed results back; its text, or None."""
        while tally.usage.llm_calls < self.config.max_model_calls:
            response = self.client.messages.create(
                model=self.config.model,
                max_tokens=self.config.max_tokens,
                system=self.system,
                # JSON from the registry and the prompt, in the shapes the API documents
                tools=cast("list[ToolParam]", self.tool_definitions),
                messages=cast("list[MessageParam]", cache_marked(messages)),
            )
            tally.usage += Usage.of_response(response.usage)
            uses = [block for block in response.content if block.type == "tool_use"]
            if not uses:
                text = "".join(b.text for b in response.content if b.type == "text").strip()
                tally.turns.append({"text": text})
                return text
            results = [self._call(use, deal_tools, tally) for use in uses]
            content = [b.model_dump(mode="json", exclude_none=True) for b in response.content]
            messages.append({"role": "assistant", "content": content})
            messages.append({"role": "user", "content": results})
        return None

    def _call(self, use: Any, deal_tools: Mapping[str, Callable[..., Any]], tally: _Tally) -> dict:
        text, ok = run_tool(deal_tools, use.name, use.input, self.config.max_result_rows)
        tally.tool_calls += 1
        tally.tool_errors += not ok
        tally.turns.append({"tool": use.name, "input": use.input, "ok": ok, "chars": len(text)})
        result = {"type": "tool_result", "tool_use_id": use.id, "content": text}
        return result if ok else {**result, "is_error": True}


def run_tool(
    deal_tools: Mapping[str, Callable[..., Any]], name: str, arguments: Any, max_rows: int
) -> tuple[str, bool]:
    """Call one tool as the model asked: (JSON of the result, True) or (the error, False)."""
    function = deal_tools.get(name)
    if function is None:
        return f"There is no tool named {name!r}; the tools are {', '.join(deal_tools)}.", False
    if not isinstance(arguments, dict):
        return f"{name}: the arguments must be a JSON object, got {arguments!r}", False
    try:
        value = function(**arguments)
    except Exception as exc:  # the model reads every tool failure, as in the sandbox
        return f"{type(exc).__name__}: {exc}", False
    return as_json(value, max_rows), True


def as_json(value: Any, max_rows: int) -> str:
    """The result as JSON; a list or dict of more than `max_rows` items keeps the first ones
    and says how many it left out."""
    if not isinstance(value, list | dict) or len(value) <= max_rows:
        return _dumps(value)
    kept = value[:max_rows] if isinstance(value, list) else dict(list(value.items())[:max_rows])
    return (
        f"{_dumps(kept)}\n({len(value) - max_rows:,} more of the {len(value):,} results were left"
        " out; narrow the search, or count with count_deals.)"
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} to the model")


def cache_marked(messages: list[dict]) -> list[dict]:
    """A copy whose last block is a cache breakpoint, so each turn of the loop reads the
    turns before it from the prompt cache instead of paying for them again."""
    *earlier, last = messages
    content = last["content"]
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    blocks[-1] = {**blocks[-1], "cache_control": CACHED}
    return [*earlier, {**last, "content": blocks}]
