"""Model calls through the real client and the fake Messages API: what each API error means to
the shopper and the operator, retries, the answer's deadline, and what a failed call costs."""

from __future__ import annotations

import email.utils
import logging
import socket
import time
from dataclasses import replace

import anthropic
import pytest

from bot import model_failures as says
from bot.agent import OUT_OF_TIME, Agent, AgentConfig
from bot.history import History
from tests.bot.conftest import TEST_MODEL, make_test_agent
from tests.fakes.anthropic_api import (
    FakeAnthropic,
    error_reply,
    overloaded_reply,
    rate_limit_reply,
    server_error_reply,
    text_reply,
    tool_use_reply,
)

CREDIT = (
    "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits."
)
PROMPT_TOO_LONG = "prompt is too long: 215000 tokens > 200000 maximum"
USAGE = {"input_tokens": 1000, "output_tokens": 200}


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _agent(engine, client: anthropic.Anthropic, **config) -> Agent:
    config = {"model": TEST_MODEL, "timezone": "America/Los_Angeles", **config}
    return Agent(
        client=client, engine=engine, history=History(engine), config=AgentConfig(**config)
    )


def _model_failure_logs(caplog) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "bot.agent" and "model call failed" in r.getMessage()
    ]


# --- Each error class: the shopper's words, the operator's log line, no retry where none helps


@pytest.mark.parametrize(
    ("reply", "shopper", "level", "log_says"),
    [
        (error_reply(400, "invalid_request_error", CREDIT), says.NO_CREDIT, "ERROR", "credit"),
        (
            error_reply(401, "authentication_error", "invalid x-api-key"),
            says.KEY_REFUSED,
            "ERROR",
            "ANTHROPIC_API_KEY",
        ),
        (
            error_reply(403, "permission_error", "Your API key does not have permission"),
            says.KEY_NOT_ALLOWED,
            "ERROR",
            "ANTHROPIC_API_KEY may not use 'claude-sonnet-5-5'",
        ),
        (
            error_reply(400, "invalid_request_error", PROMPT_TOO_LONG),
            says.TOO_LONG,
            "ERROR",
            "a bug",
        ),
        (
            error_reply(400, "invalid_request_error", "messages.1.content: Field required"),
            says.REJECTED,
            "ERROR",
            "a bug",
        ),
    ],
    ids=["credit", "key", "permission", "prompt-too-long", "bad-request"],
)
def test_operator_problems_and_bugs_are_told_plainly_and_logged_loudly(
    agent, fake_anthropic, caplog, reply, shopper, level, log_says
):
    fake_anthropic.push(reply, text_reply("never sent"))

    run = agent.ask("Any deals on orange soda this weekend?")

    assert not run.ok and run.error == shopper
    assert len(fake_anthropic.requests) == 1, "retrying cannot help"
    [record] = _model_failure_logs(caplog)
    assert record.levelname == level and log_says in record.getMessage()
    assert run.run_id in record.getMessage() and "req_fake_" in record.getMessage()
    stored = agent.history.get(run.run_id)
    assert (stored.status, stored.error, stored.usage.llm_calls) == ("failed", shopper, 1)


def test_an_unknown_model_asks_an_operator_to_fix_dealbot_model(
    demo_engine, fake_anthropic, caplog
):
    agent = make_test_agent(demo_engine, fake_anthropic, model="nope")

    run = agent.ask("Any deals on orange soda this weekend?")

    assert run.error == says.BAD_MODEL
    [record] = _model_failure_logs(caplog)
    assert record.levelname == "ERROR"
    assert "DEALBOT_MODEL='nope' is not a model this API serves" in record.getMessage()
    assert "model: nope" in record.getMessage()


def test_a_refused_key_is_an_operator_problem(demo_engine):
    with FakeAnthropic(api_key="the-right-key") as fake:
        agent = _agent(demo_engine, fake.client(api_key="sk-ant-wrong", max_retries=3))

        run = agent.ask("Any deals on orange soda this weekend?")

    assert run.error == says.KEY_REFUSED


@pytest.mark.parametrize(
    ("reply", "shopper"),
    [
        (rate_limit_reply(), says.RATE_LIMITED),
        (overloaded_reply(), says.OVERLOADED),
        (server_error_reply(), says.SERVER_TROUBLE),
        (error_reply(504, "timeout_error", "Request timed out"), says.SERVER_TROUBLE),
    ],
    ids=["429", "529", "500", "504"],
)
def test_transient_errors_are_retried_then_say_try_again_in_a_minute(
    agent, fake_anthropic, caplog, reply, shopper
):
    fake_anthropic.push(reply, reply)

    run = agent.ask("Any deals on orange soda this weekend?")

    assert run.error == shopper and "try again in a minute" in shopper
    assert [r.retry_count for r in fake_anthropic.requests] == [0, 1]
    [record] = _model_failure_logs(caplog)
    assert record.levelname == "WARNING"
    assert run.usage.llm_calls == 1, "one call, retried once"


def test_a_transient_error_that_clears_on_retry_is_answered_as_one_call(agent, fake_anthropic):
    fake_anthropic.push(rate_limit_reply(), tool_use_reply({"code": "final_answer('ok')"}))

    run = agent.ask("Any deals on orange soda this weekend?")

    assert run.ok and run.answer == "ok" and run.usage.llm_calls == 1


def test_a_server_saying_do_not_retry_is_obeyed(agent, fake_anthropic):
    fake_anthropic.push(error_reply(500, "api_error", "broken", should_retry=False))

    run = agent.ask("Any deals on orange soda this weekend?")

    assert run.error == says.SERVER_TROUBLE and len(fake_anthropic.requests) == 1


def test_a_timeout_of_the_model_request_says_it_took_too_long(demo_engine, fake_anthropic):
    fake_anthropic.push(text_reply("late", delay=5), text_reply("late", delay=5))
    agent = _agent(demo_engine, fake_anthropic.client(timeout=0.3, max_retries=1))

    run = agent.ask("Any deals on orange soda this weekend?")

    assert run.error == says.TOOK_TOO_LONG
    assert len(fake_anthropic.requests) == 2
    assert run.usage.llm_calls == 1 and run.usage.input_tokens == 0


def test_an_unreachable_api_says_so(demo_engine):
    client = anthropic.Anthropic(base_url=_closed_port_url(), api_key="k", max_retries=1)

    run = _agent(demo_engine, client).ask("Any deals on orange soda this weekend?")

    assert run.error == says.UNREACHABLE and run.usage.llm_calls == 1


# --- The answer's deadline ---


def test_a_stalled_model_is_cut_at_the_deadline_and_nothing_more_is_spent(
    demo_engine, fake_anthropic
):
    fake_anthropic.push(text_reply("late", delay=30), tool_use_reply({"code": "final_answer(1)"}))
    agent = make_test_agent(demo_engine, fake_anthropic, answer_deadline_s=1.0)

    started = time.monotonic()
    run = agent.ask("Any deals on orange soda this weekend?")
    elapsed = time.monotonic() - started

    assert 0.9 < elapsed < 3, "stopped at the deadline, not at the client's 600 s timeout"
    assert run.error == OUT_OF_TIME
    assert len(fake_anthropic.requests) == 1 and fake_anthropic.pending == 1, "no retry"
    stored = agent.history.get(run.run_id)
    assert (stored.status, stored.usage.llm_calls, stored.usage.input_tokens) == ("failed", 1, 0)
    assert stored.model_ms >= 900, "the timed-out call's time is counted"


def test_a_long_program_is_cut_at_the_deadline_and_the_model_is_not_asked_again(
    demo_engine, fake_anthropic
):
    fake_anthropic.push(tool_use_reply({"code": "while True:\n    pass"}, usage=USAGE))
    fake_anthropic.reply_code("final_answer('never sent')")
    agent = make_test_agent(
        demo_engine, fake_anthropic, answer_deadline_s=1.5, sandbox_timeout_s=30
    )

    started = time.monotonic()
    run = agent.ask("What is the cheapest cereal?")

    assert time.monotonic() - started < 5
    assert run.error == OUT_OF_TIME and run.code == "while True:\n    pass"
    assert [a.error_kind for a in run.attempts] == ["timeout"]
    assert fake_anthropic.pending == 1, "no repair after the deadline"
    assert (run.usage.llm_calls, run.usage.input_tokens, run.usage.output_tokens) == (1, 1000, 200)


def test_a_retry_that_would_wait_past_the_deadline_is_not_waited_for(demo_engine, fake_anthropic):
    fake_anthropic.push(rate_limit_reply(retry_after=30), text_reply("never sent"))
    agent = make_test_agent(demo_engine, fake_anthropic, answer_deadline_s=5)

    started = time.monotonic()
    run = agent.ask("Any deals on orange soda this weekend?")

    assert time.monotonic() - started < 2
    assert run.error == says.RATE_LIMITED and len(fake_anthropic.requests) == 1


def test_retries_wait_what_the_api_asks_within_the_deadline(demo_engine, fake_anthropic):
    fake_anthropic.push(rate_limit_reply(retry_after=0.3), text_reply("ok"))
    agent = make_test_agent(demo_engine, fake_anthropic, answer_deadline_s=5)

    started = time.monotonic()
    run = agent.ask("Any deals on orange soda this weekend?")

    assert time.monotonic() - started >= 0.3
    assert run.ok and run.answer == "ok"


def test_an_answer_within_the_deadline_is_unaffected(demo_engine, fake_anthropic):
    fake_anthropic.push(tool_use_reply({"code": "final_answer('fine')"}, delay=0.2))
    agent = make_test_agent(demo_engine, fake_anthropic, answer_deadline_s=5)

    assert agent.ask("anything?").answer == "fine"


# --- What failed runs cost ---


def test_a_run_that_fails_later_keeps_the_tokens_and_calls_it_spent(agent, fake_anthropic):
    fake_anthropic.push(tool_use_reply({"code": "final_answer(1 / 0)"}, usage=USAGE))
    fake_anthropic.push(error_reply(401, "authentication_error", "invalid x-api-key"))

    run = agent.ask("Any deals on orange soda this weekend?")

    stored = agent.history.get(run.run_id)
    assert stored.status == "failed" and stored.error == says.KEY_REFUSED
    assert (stored.usage.llm_calls, stored.usage.input_tokens, stored.usage.output_tokens) == (
        2,
        1000,
        200,
    )
    assert len(stored.attempts) == 1 and stored.attempts[0].error_kind == "runtime"


def test_a_failed_only_call_is_still_counted(agent, fake_anthropic):
    fake_anthropic.push(overloaded_reply(), overloaded_reply())

    run = agent.ask("Any deals on orange soda this weekend?")

    assert agent.history.get(run.run_id).usage.llm_calls == 1


@pytest.mark.parametrize(("seconds_ahead", "retried"), [(30, False), (-5, True)])
def test_a_retry_after_date_is_understood(demo_engine, fake_anthropic, seconds_ahead, retried):
    when = email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)
    limited = rate_limit_reply()
    fake_anthropic.push(replace(limited, headers={"retry-after": when}), text_reply("ok"))
    agent = make_test_agent(demo_engine, fake_anthropic, answer_deadline_s=5)

    run = agent.ask("Any deals on orange soda this weekend?")

    assert len(fake_anthropic.requests) == (2 if retried else 1)
    assert run.ok is retried
