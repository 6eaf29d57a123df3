"""The ways of answering that the eval compares, behind one small interface: a mode takes a
question and returns what it answered and what that cost. `code` is the product itself."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.runs import Origin, RunRecord

if TYPE_CHECKING:
    from bot.agent import Agent

EVAL_ORIGIN = Origin(source="eval")


@dataclass(frozen=True)
class Usage:
    """Model calls and the tokens they took, summed exactly."""

    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @classmethod
    def of_response(cls, usage: Any) -> Usage:
        """One model call, from the `usage` of an Anthropic response."""
        return cls(
            llm_calls=1,
            input_tokens=usage.input_tokens or 0,
            output_tokens=usage.output_tokens or 0,
            cache_read_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
            cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None) or 0,
        )

    def __add__(self, other: Usage) -> Usage:
        pairs = zip(astuple(self), astuple(other), strict=True)
        return Usage(*(mine + theirs for mine, theirs in pairs))


@dataclass(frozen=True)
class Answered:
    """One try at one question in one mode: the answer (None when it failed) and its cost."""

    answer: str | None
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    duration_ms: float = 0.0
    sandbox_errors: int = 0
    repairs: int = 0
    tool_errors: int = 0
    run_id: str | None = None
    transcript: tuple[dict, ...] = ()


class Mode(Protocol):
    name: str

    def answer(self, question: str) -> Answered: ...


class CodeMode:
    """The product's pipeline, unchanged: `Agent.ask`, recorded in the code history as an
    eval run (so `dealbot show RUN_ID` shows a failed question's programs)."""

    name = "code"

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def answer(self, question: str) -> Answered:
        return answered_from(self.agent.ask(question, origin=EVAL_ORIGIN))


def answered_from(run: RunRecord) -> Answered:
    attempts = run.attempts
    return Answered(
        answer=run.answer if run.ok else None,
        error=None if run.ok else run.error,
        usage=Usage(
            llm_calls=run.llm_calls,
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cache_read_tokens=run.cache_read_tokens,
            cache_write_tokens=run.cache_write_tokens,
        ),
        tool_calls=run.tool_calls,
        duration_ms=run.duration_ms,
        sandbox_errors=sum(not attempt.ok for attempt in attempts),
        repairs=sum(not attempt.ok for attempt in attempts[:-1]),
        tool_errors=sum(attempt.error_kind == "tool" for attempt in attempts),
        run_id=run.run_id,
        transcript=tuple(
            {
                "program": attempt.code,
                "ok": attempt.ok,
                "error_kind": attempt.error_kind,
                "error": attempt.error,
                "tool_calls": attempt.tool_calls,
            }
            for attempt in attempts
        ),
    )
