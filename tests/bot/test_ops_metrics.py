"""Metrics: a finished run counted once, by status, kind and latency, and logged in one line."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import generate_latest

from bot.ops import metrics
from bot.ops.metrics import Metrics, observe_run
from bot.records import Attempt, Outcome, Usage
from sandbox import ERROR_KINDS


def sample(registry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    assert value is not None, f"no sample {name} {labels}"
    return value


def failed(kind: str) -> Attempt:
    return Attempt(code="x", ok=False, error="boom", error_kind=kind)


def test_a_run_is_counted_by_status_kind_and_latency():
    counted = Metrics()
    outcome = Outcome(
        status="ok",
        attempts=(failed("runtime"), failed("timeout"), Attempt(code="y", ok=True)),
        usage=Usage(
            llm_calls=3,
            input_tokens=1500,
            output_tokens=200,
            cache_read_tokens=900,
            cache_write_tokens=40,
        ),
        tool_calls=7,
        duration_ms=2500,
    )

    counted.observe(outcome)

    registry = counted.registry
    assert sample(registry, "dealbot_answers_total", status="ok") == 1
    assert sample(registry, "dealbot_answers_total", status="failed") == 0
    assert sample(registry, "dealbot_model_calls_total") == 3
    assert sample(registry, "dealbot_tool_calls_total") == 7
    tokens = {k: sample(registry, "dealbot_tokens_total", kind=k) for k in metrics.TOKEN_KINDS}
    assert tokens == {"input": 1500, "output": 200, "cache_read": 900, "cache_write": 40}
    assert sample(registry, "dealbot_sandbox_errors_total", kind="runtime") == 1
    assert sample(registry, "dealbot_sandbox_errors_total", kind="timeout") == 1
    assert sample(registry, "dealbot_sandbox_errors_total", kind="policy") == 0
    assert sample(registry, "dealbot_answer_seconds_count") == 1
    assert sample(registry, "dealbot_answer_seconds_sum") == 2.5
    assert sample(registry, "dealbot_answer_seconds_bucket", le="2.0") == 0
    assert sample(registry, "dealbot_answer_seconds_bucket", le="3.0") == 1


def test_every_series_exists_at_zero_before_the_first_run_and_is_named_dealbot():
    registry = Metrics().registry

    text = generate_latest(registry).decode()

    for kind in ERROR_KINDS:
        assert f'dealbot_sandbox_errors_total{{kind="{kind}"}} 0.0' in text
    assert 'dealbot_tokens_total{kind="cache_read"} 0.0' in text
    assert "dealbot_queue_depth 0.0" in text
    names = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert names and all(name.startswith("dealbot_") for name in names)


def test_observe_run_counts_in_the_shared_registry_and_logs_one_line(caplog):
    registry = metrics.shared().registry
    before = sample(registry, "dealbot_answers_total", status="failed")
    caplog.set_level(logging.INFO, logger="bot.ops.metrics")

    observe_run(
        "r-42",
        Outcome(status="failed", usage=Usage(llm_calls=2, input_tokens=10), duration_ms=812.4),
    )

    assert sample(registry, "dealbot_answers_total", status="failed") == before + 1
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        "finished run_id=r-42 status=failed ms=812 model_calls=2 tool_calls=0 input_tokens=10 "
        "output_tokens=0 cache_read_tokens=0 cache_write_tokens=0"
    )
    assert (record.run_id, record.status, record.model_calls) == ("r-42", "failed", 2)


@pytest.fixture
def counted():
    """The shared metrics, read as differences (other tests count in them too)."""
    registry = metrics.shared().registry

    def now() -> dict[str, float]:
        return {
            "model_calls": sample(registry, "dealbot_model_calls_total"),
            "runtime_errors": sample(registry, "dealbot_sandbox_errors_total", kind="runtime"),
            "ok": sample(registry, "dealbot_answers_total", status="ok"),
        }

    return now


def test_the_agent_reports_each_finished_run_once(agent, fake_anthropic, counted):
    fake_anthropic.reply_code("deals = find_deals('soda')\nfinal_answer(deals[99999]['product'])")
    fake_anthropic.reply_code("final_answer('Fanta is on sale')")
    before = counted()

    run = agent.ask("Any soda deals?")

    after = counted()
    assert run.ok and run.usage.llm_calls == 2
    assert after["model_calls"] - before["model_calls"] == 2
    assert after["runtime_errors"] - before["runtime_errors"] == 1
    assert after["ok"] - before["ok"] == 1


def test_watch_runs_and_program_cache_hits_are_served_from_zero():
    text = generate_latest(Metrics().registry).decode()

    for outcome in ("posted", "unchanged", "failed", "target_gone", "skipped"):
        assert f'dealbot_watch_runs_total{{outcome="{outcome}"}} 0.0' in text
    assert "dealbot_program_cache_hits_total 0.0" in text
