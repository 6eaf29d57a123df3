"""The run/repair loop: Claude writes one program, the sandbox runs it, the history keeps it."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any

import anthropic
from sqlalchemy import Engine

import sandbox
import tools
from bot.claude import Deadline, ModelCaller, OutOfTime
from bot.history import History, LeaseLost
from bot.model_failures import explain
from bot.ops import metrics
from bot.ops.metrics import observe_run
from bot.program_cache import ProgramCache
from bot.prompt import (
    RUN_TOOL_NAME,
    conversation_messages,
    run_tool_definition,
    system_blocks,
)
from bot.records import Attempt, Origin, Outcome, Progress, RunRecord, RunStatus, Usage
from bot.settings import Settings, SettingsError
from bot.structured import Chart, StructureError, Table, structures_from
from sandbox.text import clean_text

log = logging.getLogger(__name__)

MAX_THREAD_TURNS = 6
GAVE_UP = "I couldn't work that out this time — my program kept failing. Try rephrasing?"
NO_ANSWER = "I ran a program but it gave no answer. Try rephrasing?"
EMPTY_REPLY = "The model gave no answer this time. Try rephrasing?"
DECLINED = "The model declined to answer that question."
CUT_OFF = "The model's answer ran too long and was cut off. Try a narrower question?"
SOMETHING_WRONG = "Something went wrong on my side — sorry."
# Without a client (no ANTHROPIC_API_KEY) only saved programs answer.
NO_MODEL = (
    "ANTHROPIC_API_KEY is not set, and this database keeps no saved program for these words "
    "(`dealbot db seed --demo` stores the demo's)."
)
OUT_OF_TIME = (
    "That took me too long to work out, so I stopped — please try again in a minute, "
    "or ask something simpler."
)


def _setting(name: str) -> Any:
    """A setting's default: what an agent built without settings (tests, benchmarks) uses."""
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class AgentConfig:
    model: str
    timezone: str
    sandbox_timeout_s: float = _setting("dealbot_sandbox_timeout_s")
    sandbox_memory_mb: int = _setting("dealbot_sandbox_memory_mb")
    max_repairs: int = 2
    max_model_calls: int = 4
    max_tokens: int = 4096
    max_question_chars: int = _setting("dealbot_max_question_chars")
    # model calls, retries, programs and repairs, all told
    answer_deadline_s: float = _setting("dealbot_answer_deadline_s")

    @classmethod
    def from_settings(cls, settings: Settings) -> AgentConfig:
        """The one place settings become an agent's configuration."""
        return cls(
            model=settings.model,
            timezone=settings.timezone,
            sandbox_timeout_s=settings.dealbot_sandbox_timeout_s,
            sandbox_memory_mb=settings.dealbot_sandbox_memory_mb,
            max_question_chars=settings.dealbot_max_question_chars,
            answer_deadline_s=settings.dealbot_answer_deadline_s,
        )


def question_problem(question: str, max_chars: int) -> str | None:
    """Why a question cannot be sent to the model, in words for the asker; None when fine."""
    if not question.strip():
        return "Ask me about store deals, e.g. “Any deals on orange soda this weekend?”"
    if len(question) > max_chars:
        return (
            f"That question is {len(question):,} characters long; please keep it under "
            f"{max_chars:,} and ask about one thing at a time."
        )
    return None


@dataclass
class _Meter:
    """Running totals of one question's model and sandbox use."""

    started: float = field(default_factory=time.perf_counter)
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    model_ms: float = 0.0
    sandbox_ms: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def llm_calls(self) -> int:
        return self.usage.llm_calls

    def add_model_call(self, usage: Any | None, elapsed_ms: float) -> None:
        """Count a model call, also one that failed or timed out (it has no usage then)."""
        self.usage += Usage.of_response(usage)
        self.model_ms += elapsed_ms

    @property
    def last_code(self) -> str | None:
        return self.attempts[-1].code if self.attempts else None

    def add_attempt(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)
        self.tool_calls += attempt.tool_calls
        self.sandbox_ms += attempt.duration_ms

    def outcome(self, status: RunStatus, **fields: Any) -> Outcome:
        return Outcome(
            status=status,
            attempts=tuple(self.attempts),
            usage=self.usage,
            tool_calls=self.tool_calls,
            model_ms=round(self.model_ms, 2),
            sandbox_ms=round(self.sandbox_ms, 2),
            duration_ms=round((time.perf_counter() - self.started) * 1000, 2),
            **fields,
        )


class Agent:
    """Answers one question: records it, asks Claude for a program, runs it, repairs, records."""

    def __init__(
        self,
        *,
        client: anthropic.Anthropic | None,
        engine: Engine,
        history: History,
        config: AgentConfig,
        run_program: Callable[..., Any] | None = None,
        build_tools: Callable[..., Mapping[str, Callable[..., Any]]] | None = None,
        cache: ProgramCache | None = None,
        connect: Callable[[], anthropic.Anthropic] | None = None,
    ) -> None:
        """`connect`, given instead of `client`, makes the client when the first model call
        needs it (and may raise SettingsError then): an answer the program cache gives then
        needs no client and no network."""
        self.client = client
        # Around each model call: what the caller counts as a wait on another machine (serve:
        # its answers' pool, so that due watches run beside an answer waiting on the model).
        self.model_wait: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext
        self._model_caller = ModelCaller(client) if client is not None else None
        self._connect = connect
        self._connecting = threading.Lock()
        self.engine = engine
        self.history = history
        self.config = config
        self.run_program = run_program or sandbox.run
        self.build_tools = build_tools or tools.build_tools
        self.cache = cache
        self.system = system_blocks(tools.render_reference())
        self.tool_definitions = [run_tool_definition()]

    def connect(self) -> ModelCaller | None:
        """The model caller, its client made now if it is made on demand (`ask`: before any
        work, when the question is one for the model); None with no model."""
        if self._model_caller is None and self._connect is not None:
            with self._connecting:
                if self._model_caller is None:
                    self.client = self._connect()
                    self._model_caller = ModelCaller(self.client)
        return self._model_caller

    @property
    def model_caller(self) -> ModelCaller | None:
        return self.connect()

    def ask(
        self,
        question: str,
        *,
        origin: Origin | None = None,
        timezone: str | None = None,
        event_key: str | None = None,
    ) -> RunRecord:
        """Record the question as a pending run, then answer it (see `complete`)."""
        run = self.record(question, origin=origin or Origin(), event_key=event_key)
        return self.complete(run, timezone=timezone)

    def record(self, question: str, *, origin: Origin, event_key: str | None = None) -> RunRecord:
        """Record a pending run before any work; raises history.DuplicateEvent on a redelivery."""
        return self.history.start(
            question, origin=origin, model=self.config.model, event_key=event_key
        )

    def complete(
        self,
        run: RunRecord,
        *,
        timezone: str | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        fresh: bool = False,
    ) -> RunRecord:
        """Answer a recorded run and store its outcome; never raises for model or program faults,
        nor leaves the run pending while the database works. `on_progress` hears of each
        program as it is written and as it has run; `fresh` skips the program cache."""
        meter = _Meter()
        deadline = Deadline.after(self.config.answer_deadline_s)
        report = _Reporter(run.run_id, on_progress)
        try:
            outcome = self._solve(
                run, timezone or self.config.timezone, meter, deadline, report, fresh
            )
        except SettingsError as exc:  # connecting found the model or key refused
            self._store(run, meter.outcome("failed", error=str(exc)))
            raise
        except Exception:
            log.exception("run %s: unexpected failure", run.run_id)
            outcome = meter.outcome("failed", error=SOMETHING_WRONG)
        observe_run(run.run_id, outcome)
        return self._store(run, outcome)

    def has_cached_program(self, question: str, *, origin: Origin, timezone: str) -> bool:
        """Whether the program cache would answer this top-level question: then it needs
        neither the model nor the network (unless that program fails today)."""
        cache = self.cache
        if cache is None or not cache.serves(origin):
            return False
        return cache.lookup(origin, timezone, question) is not None

    def _store(self, run: RunRecord, outcome: Outcome) -> RunRecord:
        """Store the outcome; when that fails, a bare failure with the costs alone, so the run
        is never left pending while the database works. Raises only when that fails too (the
        database is down: recovery answers the still pending run once it is back)."""
        try:
            return self.history.finish(run.run_id, outcome)
        except LeaseLost:
            raise  # another process answers this run: nothing of this one's may be stored
        except Exception:
            log.exception("run %s: could not store the outcome; storing a failure", run.run_id)
        bare = replace(
            outcome, status="failed", answer=None, code=None, error=SOMETHING_WRONG, attempts=()
        )
        return self.history.finish(run.run_id, bare)

    def _solve(
        self,
        run: RunRecord,
        timezone: str,
        meter: _Meter,
        deadline: Deadline,
        report: _Reporter,
        fresh: bool,
    ) -> Outcome:
        problem = question_problem(run.question, self.config.max_question_chars)
        if problem:
            return meter.outcome("failed", error=problem)
        deal_tools = self.build_tools(self.engine, timezone=timezone)
        # "Ask fresh" asks a top-level question again: no earlier turns, and its program is kept.
        earlier = [] if fresh else self.history.conversation(run.origin, before_run=run.run_id)
        earlier = earlier[-MAX_THREAD_TURNS:]
        cacheable = not earlier and self.cache is not None and self.cache.serves(run.origin)
        if cacheable and not fresh:
            reused = self._reuse(run, timezone, deal_tools, meter, deadline)
            if reused is not None:
                return reused
        if self.model_caller is None:
            return meter.outcome("failed", error=NO_MODEL)
        messages = conversation_messages(
            earlier, run.question, today=deal_tools["today"](), timezone=timezone
        )
        failures = 0
        while meter.llm_calls < self.config.max_model_calls:
            response = self._ask_model(f"run {run.run_id}", messages, meter, deadline)
            if isinstance(response, Outcome):
                return response
            programs = [b for b in response.content if b.type == "tool_use"]
            if not programs:
                return _text_outcome(response, meter)
            if deadline.remaining() <= 0:
                return self._out_of_time(f"run {run.run_id}", meter)
            code = str(programs[0].input.get("code", ""))
            number = len(meter.attempts) + 1
            report(Progress(number, code))
            attempt, answer = self._run(code, deal_tools, deadline)
            meter.add_attempt(attempt)
            report(Progress(number, code, attempt))
            if attempt.ok and answer:
                if cacheable:
                    self._remember(run, timezone, code)
                text, table, chart = answer
                return meter.outcome("ok", answer=text, table=table, chart=chart, code=code)
            failures += 0 if attempt.ok else 1
            if failures > self.config.max_repairs:
                break
            messages.append({"role": "assistant", "content": _as_params(response.content)})
            messages.append({"role": "user", "content": _tool_results(programs, attempt)})
        return meter.outcome("failed", error=GAVE_UP, code=meter.last_code)

    def _reuse(
        self,
        run: RunRecord,
        timezone: str,
        deal_tools: Mapping[str, Callable[..., Any]],
        meter: _Meter,
        deadline: Deadline,
    ) -> Outcome | None:
        """Re-run the cached program for these words, if any; None to ask the model (a cached
        program that fails leaves the cache, and the asker never hears of it)."""
        assert self.cache is not None
        hit = self.cache.lookup(run.origin, timezone, run.question)
        if hit is None:
            return None
        attempt, answer = self._run(hit.code, deal_tools, deadline)
        meter.add_attempt(attempt)
        if attempt.ok and answer:
            metrics.shared().program_cache_hits.inc()
            text, table, chart = answer
            return meter.outcome(
                "ok", answer=text, table=table, chart=chart, code=hit.code, reused_from=hit.run_id
            )
        log.info(
            "run %s: the cached program of run %s failed; asking the model", run.run_id, hit.run_id
        )
        self.cache.forget(hit.run_id)
        return None

    def _remember(self, run: RunRecord, timezone: str, code: str) -> None:
        assert self.cache is not None
        try:
            self.cache.remember(run.origin, timezone, run.question, run.run_id, code)
        except Exception:
            log.exception("run %s: could not keep its program in the cache", run.run_id)

    def rerun(
        self, question: str, code: str, *, timezone: str, repair: bool, label: str
    ) -> Outcome:
        """Run a saved program (a watch's) with no model call; when it fails and `repair` is
        set, spend one model call to repair it: the question, the program and its error go to
        the model, and the repaired program is run once. The caller records the outcome
        (History.add); `label` names the work in the log until then."""
        meter = _Meter()
        deadline = Deadline.after(self.config.answer_deadline_s)
        try:
            return self._rerun(question, code, timezone, repair, label, meter, deadline)
        except Exception:
            log.exception("%s: unexpected failure re-running a saved program", label)
            return meter.outcome("failed", error=SOMETHING_WRONG, code=code)

    def _rerun(
        self,
        question: str,
        code: str,
        timezone: str,
        repair: bool,
        label: str,
        meter: _Meter,
        deadline: Deadline,
    ) -> Outcome:
        deal_tools = self.build_tools(self.engine, timezone=timezone)
        attempt, answer = self._run(code, deal_tools, deadline)
        meter.add_attempt(attempt)
        if attempt.ok and answer:
            text, table, chart = answer
            return meter.outcome("ok", answer=text, table=table, chart=chart, code=code)
        if not repair or self.model_caller is None:
            return meter.outcome("failed", error=_failure_text(attempt), code=code)
        messages = _repair_messages(question, code, attempt, deal_tools["today"](), timezone)
        response = self._ask_model(label, messages, meter, deadline, code=code)
        if isinstance(response, Outcome):
            return response
        programs = [b for b in response.content if b.type == "tool_use"]
        if not programs or deadline.remaining() <= 0:
            return meter.outcome("failed", error=GAVE_UP, code=code)
        repaired = str(programs[0].input.get("code", ""))
        attempt, answer = self._run(repaired, deal_tools, deadline)
        meter.add_attempt(attempt)
        if attempt.ok and answer:
            text, table, chart = answer
            return meter.outcome("ok", answer=text, table=table, chart=chart, code=repaired)
        return meter.outcome("failed", error=_failure_text(attempt), code=repaired)

    def _ask_model(
        self,
        label: str,
        messages: list[dict],
        meter: _Meter,
        deadline: Deadline,
        *,
        code: str | None = None,
    ) -> Any:
        """The model's response, or the run's failed Outcome when the call ran out of time or
        the API refused it (said for the shopper, logged for the operator)."""
        try:
            return self._call_model(messages, meter, deadline)
        except OutOfTime:
            return self._out_of_time(label, meter)
        except anthropic.APIError as exc:
            failure = explain(exc, model=self.config.model)
            log.log(failure.level, "%s: %s", label, failure.log_line())
            return meter.outcome("failed", error=failure.shopper, code=code)

    def _out_of_time(self, label: str, meter: _Meter) -> Outcome:
        log.warning(
            "%s: stopped at the %g s answer deadline after %d model calls and %d programs",
            label,
            self.config.answer_deadline_s,
            meter.llm_calls,
            len(meter.attempts),
        )
        return meter.outcome("failed", error=OUT_OF_TIME, code=meter.last_code)

    def _call_model(self, messages: list[dict], meter: _Meter, deadline: Deadline) -> Any:
        """One model call (retried on transient failures within the deadline); counted once it is
        sent, whether it answers or fails."""
        assert self.model_caller is not None  # _solve and _rerun answer without a client
        started = time.perf_counter()
        response, sent = None, True
        try:
            with self.model_wait():
                response = self.model_caller.create(
                    deadline=deadline,
                    model=self.config.model,
                    max_tokens=self.config.max_tokens,
                    system=self.system,
                    tools=self.tool_definitions,
                    messages=messages,
                )
        except OutOfTime as exc:
            sent = exc.tries > 0
            raise
        finally:
            if sent:
                usage = response.usage if response is not None else None
                meter.add_model_call(usage, (time.perf_counter() - started) * 1000)
        return response

    def _run(
        self, code: str, deal_tools: Mapping[str, Callable[..., Any]], deadline: Deadline
    ) -> tuple[Attempt, tuple[str, Table | None, Chart | None] | None]:
        """Run one program, within the sandbox's limit and what is left of the deadline; the
        attempt as recorded, and what it passed to final_answer (its text, table and chart).
        A table or chart of the wrong shape fails the attempt, for the model to repair."""
        result = self.run_program(
            code,
            deal_tools,
            timeout_s=min(self.config.sandbox_timeout_s, deadline.remaining()),
            memory_mb=self.config.sandbox_memory_mb,
        )
        attempt = Attempt(
            code=code,
            ok=result.ok,
            error=result.error,
            error_kind=result.error_kind,
            stdout=result.stdout or "",
            duration_ms=result.duration_ms,
            tool_calls=result.tool_calls,
        )
        if not result.ok or not result.answer:
            return attempt, None
        try:
            table, chart = structures_from(result.table, result.chart)
        except StructureError as exc:
            return replace(attempt, ok=False, error=str(exc), error_kind="runtime"), None
        return attempt, (result.answer, table, chart)


class _Reporter:
    """Tells `on_progress` of each step; a listener that fails is logged, never fatal."""

    def __init__(self, run_id: str, listener: Callable[[Progress], None] | None) -> None:
        self.run_id = run_id
        self.listener = listener

    def __call__(self, step: Progress) -> None:
        if self.listener is None:
            return
        try:
            self.listener(step)
        except Exception:
            log.exception("run %s: progress listener failed", self.run_id)


SAVED_PROGRAM_ID = "toolu_saved_program"


def _repair_messages(
    question: str, code: str, attempt: Attempt, today: Any, timezone: str
) -> list[dict]:
    """The question, the saved program as the model's own earlier call, and its error now: the
    model repairs it as it would any failed run."""
    messages = conversation_messages([], question, today=today, timezone=timezone)
    call = {
        "type": "tool_use",
        "id": SAVED_PROGRAM_ID,
        "name": RUN_TOOL_NAME,
        "input": {"code": code},
    }
    messages.append({"role": "assistant", "content": [call]})
    note = (
        "This program answered the question before and is saved to run again on fresh data, "
        "but now it fails (the tools or the data may have changed):\n"
    )
    result = {
        "type": "tool_result",
        "tool_use_id": SAVED_PROGRAM_ID,
        "content": note + _feedback_for_model(attempt),
        "is_error": True,
    }
    messages.append({"role": "user", "content": [result]})
    return messages


def _failure_text(attempt: Attempt) -> str:
    if attempt.ok:
        return NO_ANSWER
    return f"The program failed ({attempt.error_kind}): {attempt.error}"


def _text_outcome(response: Any, meter: _Meter) -> Outcome:
    """A reply without a program: its text, unless the model refused or was cut off (a
    truncated sentence is not an answer) or said nothing."""
    if response.stop_reason == "refusal":
        return meter.outcome("failed", error=DECLINED)
    if response.stop_reason == "max_tokens":
        return meter.outcome("failed", error=CUT_OFF)
    text = "".join(b.text for b in response.content if b.type == "text").strip()
    if not text:
        return meter.outcome("failed", error=EMPTY_REPLY)
    return meter.outcome("ok", answer=text)


def _as_params(content: list[Any]) -> list[dict]:
    return [block.model_dump(mode="json", exclude_none=True) for block in content]


def _tool_results(programs: list[Any], attempt: Attempt) -> list[dict]:
    first, *rest = programs
    results = [
        {
            "type": "tool_result",
            "tool_use_id": first.id,
            "content": _feedback_for_model(attempt),
            "is_error": not attempt.ok,
        }
    ]
    results += [
        {
            "type": "tool_result",
            "tool_use_id": extra.id,
            "content": "Skipped: only one program runs per turn. Put everything in one program.",
            "is_error": True,
        }
        for extra in rest
    ]
    return results


def _feedback_for_model(attempt: Attempt) -> str:
    """How the run went, in text the API accepts whatever the program printed or raised."""
    if not attempt.ok:
        return clean_text(
            f"The program failed ({attempt.error_kind}): {attempt.error}\n"
            "Fix the program and run it again."
        )
    printed = attempt.stdout.strip() or "(nothing)"
    return clean_text(
        f"The program ended without calling final_answer. It printed:\n{printed}\n"
        "Now finish: run a program that calls final_answer(text) with the reply for the shopper."
    )
