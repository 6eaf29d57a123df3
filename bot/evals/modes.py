"""The ways of answering that the eval compares, behind one small interface: a mode takes a
question and returns what it answered and what that cost. `code` is the product itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.records import Origin, RunRecord, Usage

if TYPE_CHECKING:
    from bot.agent import Agent

EVAL_ORIGIN = Origin(source="eval")


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
        usage=run.usage,
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
