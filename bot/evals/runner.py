"""Runs a question set through each mode, k tries a question, and judges every answer.

A question's reference runs once, before its tries, through the same tools the model uses.
Nothing stops the run: a model error, a crash in a mode or a broken reference makes that
try a failure with its reason, and the next try goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.evals.checks import Facts, Verdict, judge
from bot.evals.modes import Answered, Mode
from bot.evals.questions import EvalQuestion
from bot.evals.selection import Tools

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trial:
    """One try (1 to k) at one question in one mode, and the verdict on its answer."""

    question_id: str
    mode: str
    attempt: int
    passed: bool
    why: str
    answered: Answered


@dataclass(frozen=True)
class QuestionResult:
    question: EvalQuestion
    expected: tuple[Facts, ...]
    reference_error: str | None
    trials: tuple[Trial, ...]


@dataclass(frozen=True)
class EvalRun:
    """Everything one `dealbot eval` measured, for the table and the JSON report."""

    model: str
    timezone: str
    repeat: int
    modes: tuple[str, ...]
    questions_file: str
    started: datetime
    results: tuple[QuestionResult, ...]

    def trials(self, mode: str) -> list[Trial]:
        return [trial for result in self.results for trial in result.trials if trial.mode == mode]


def run_questions(
    questions: Sequence[EvalQuestion],
    modes: Sequence[Mode],
    deal_tools: Tools,
    *,
    repeat: int = 1,
    on_trial: Callable[[Trial], None] | None = None,
) -> tuple[QuestionResult, ...]:
    """Ask every question `repeat` times in every mode; `on_trial` hears of each try."""
    results = []
    for question in questions:
        expected, problem = _expected(question, deal_tools)
        trials = []
        for mode in modes:
            for attempt in range(1, repeat + 1):
                trial = _try(question, mode, attempt, expected, problem)
                trials.append(trial)
                if on_trial is not None:
                    on_trial(trial)
        results.append(QuestionResult(question, expected, problem, tuple(trials)))
    return tuple(results)


def _expected(question: EvalQuestion, deal_tools: Tools) -> tuple[tuple[Facts, ...], str | None]:
    try:
        return question.expected(deal_tools), None
    except Exception as exc:  # a broken reference fails its question, not the run
        log.exception("question %s: the reference failed", question.id)
        return (), f"reference failed: {type(exc).__name__}: {exc}"


def _try(
    question: EvalQuestion,
    mode: Mode,
    attempt: int,
    expected: tuple[Facts, ...],
    problem: str | None,
) -> Trial:
    if problem is not None:
        answered, verdict = Answered(answer=None, error=problem), Verdict(False, problem)
    else:
        answered = _answer(mode, question)
        verdict = _verdict(answered, expected, question)
    log.info("%s %s try %d: %s %s", mode.name, question.id, attempt, verdict.passed, verdict.why)
    return Trial(question.id, mode.name, attempt, verdict.passed, verdict.why, answered)


def _answer(mode: Mode, question: EvalQuestion) -> Answered:
    try:
        return mode.answer(question.text)
    except Exception as exc:  # one question's crash never stops the run
        log.exception("%s mode failed on question %s", mode.name, question.id)
        return Answered(answer=None, error=f"{type(exc).__name__}: {exc}")


def _verdict(answered: Answered, expected: tuple[Facts, ...], question: EvalQuestion) -> Verdict:
    if answered.answer is None:
        return Verdict(False, f"no answer: {answered.error or 'the mode gave none'}")
    return judge(answered.answer, expected, question.check)
