"""dealbot's Prometheus metrics, and the one hook where a finished run is counted and logged.

The agent calls `observe_run` once per run it finishes (the Slack app too, for a question
over the rate limit); the Slack app counts a question once it is recorded, and its work pool
the jobs as they queue and leave. Everything lives in one registry per process, served at /metrics.
"""

from __future__ import annotations

import logging
import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from bot.records import Outcome
from bot.watches.store import SLOT_OUTCOMES
from sandbox import ERROR_KINDS

log = logging.getLogger(__name__)

TOKEN_KINDS = {
    "input": "input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
}
STATUSES = ("ok", "failed")
# What a process takes over from one that died or stalled (bot/leases.py).
RECOVERED_KINDS = ("answer", "watch_slot")
# Answers take one model call of a few seconds, sometimes repairs; the deadline is a minute.
ANSWER_BUCKETS = (0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 90, 120)


class Metrics:
    """The metrics of one process, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(namespace="dealbot", registry=self.registry)

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, labels, registry=self.registry)

        self.questions = counter("dealbot_questions", "Questions accepted for an answer")
        self.queue_depth = Gauge(
            "dealbot_queue_depth",
            "Questions accepted but not yet answered",
            registry=self.registry,
        )
        self.answers = counter("dealbot_answers", "Finished runs, by status", ("status",))
        self.model_calls = counter("dealbot_model_calls", "Calls to the model")
        self.tokens = counter("dealbot_tokens", "Model tokens, by kind", ("kind",))
        self.tool_calls = counter("dealbot_tool_calls", "Deals-tool calls made by programs")
        self.sandbox_errors = counter(
            "dealbot_sandbox_errors", "Programs that failed in the sandbox, by kind", ("kind",)
        )
        self.answer_seconds = Histogram(
            "dealbot_answer_seconds",
            "Time from starting a run to its outcome",
            buckets=ANSWER_BUCKETS,
            registry=self.registry,
        )
        self.refused_requests = counter(
            "dealbot_refused_requests", "Requests to /slack/events refused for their signature"
        )
        self.watch_runs = counter(
            "dealbot_watch_runs", "Watch slots handled, by outcome", ("outcome",)
        )
        self.program_cache_hits = counter(
            "dealbot_program_cache_hits", "Questions answered by re-running a cached program"
        )
        self.recovered_runs = counter(
            "dealbot_recovered_runs",
            "Unfinished work taken over from a gone or stalled instance, by kind",
            ("kind",),
        )
        for kind in RECOVERED_KINDS:
            self.recovered_runs.labels(kind)
        for outcome in SLOT_OUTCOMES:
            self.watch_runs.labels(outcome)
        for status in STATUSES:
            self.answers.labels(status)
        for kind in TOKEN_KINDS:
            self.tokens.labels(kind)
        for kind in sorted(ERROR_KINDS):
            self.sandbox_errors.labels(kind)

    def observe(self, outcome: Outcome) -> None:
        self.answers.labels(outcome.status).inc()
        self.model_calls.inc(outcome.usage.llm_calls)
        self.tool_calls.inc(outcome.tool_calls)
        for kind, field in TOKEN_KINDS.items():
            self.tokens.labels(kind).inc(getattr(outcome.usage, field))
        for attempt in outcome.attempts:
            if not attempt.ok:
                self.sandbox_errors.labels(attempt.error_kind or "unknown").inc()
        self.answer_seconds.observe(outcome.duration_ms / 1000)


_shared: Metrics | None = None
_shared_lock = threading.Lock()


def shared() -> Metrics:
    """This process's metrics, created on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Metrics()
        return _shared


def observe_run(run_id: str, outcome: Outcome) -> None:
    """Count a finished run and log its one line (with the same figures as JSON fields)."""
    shared().observe(outcome)
    figures = {
        "run_id": run_id,
        "status": outcome.status,
        "ms": round(outcome.duration_ms),
        "model_calls": outcome.usage.llm_calls,
        "tool_calls": outcome.tool_calls,
        **{field: getattr(outcome.usage, field) for field in TOKEN_KINDS.values()},
    }
    log.info(
        "finished " + " ".join(f"{name}=%s" for name in figures), *figures.values(), extra=figures
    )
