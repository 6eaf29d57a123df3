"""Tools run in the bot's process; programs reach them only as plain data over the pipe."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from sandbox import Sandbox


def test_tool_runs_in_the_bot_process_with_decoded_arguments(run):
    seen = []

    def record(*args, **kwargs):
        seen.append((os.getpid(), args, kwargs))
        return {"echo": [args, kwargs]}

    result = run(
        """
        import datetime
        back = record(1, "two", [3.5, None], (4, 5), {6: "six"}, when=datetime.date(2024, 5, 3),
                      at=datetime.datetime(2024, 5, 3, 9, 30), flag=True)
        final_answer(repr(back))
        """,
        tools={"record": record},
    )

    args = (1, "two", [3.5, None], (4, 5), {6: "six"})
    kwargs = {"when": dt.date(2024, 5, 3), "at": dt.datetime(2024, 5, 3, 9, 30), "flag": True}
    assert seen == [(os.getpid(), args, kwargs)]
    assert result.answer == repr({"echo": [args, kwargs]})


def test_dates_from_tools_are_real_dates_in_the_program(run):
    result = run(
        """
        import datetime
        d = find_deals("milk")[0]
        final_answer(f"{isinstance(d['ends'], datetime.date)} {(d['ends'] - today()).days}")
        """
    )

    assert result.answer == "True 4"


def test_tool_error_can_be_caught_by_the_program(run):
    result = run(
        """
        try:
            find_deals(store="Costco")
        except ValueError as error:
            final_answer("caught: " + str(error))
        """
    )

    assert (
        result.answer
        == "caught: find_deals: unknown store 'Costco'; stores are: FreshMart, ValueFoods"
    )
    assert result.tool_calls == 1


def test_uncaught_tool_error_fails_the_run_as_a_tool_error(run):
    result = run("x = 1\ndeals = find_deals(store='Costco')")

    assert (result.ok, result.error_kind) == (False, "tool")
    assert result.error == (
        "line 2: find_deals() raised ValueError: find_deals: unknown store 'Costco'; "
        "stores are: FreshMart, ValueFoods\n    deals = find_deals(store='Costco')"
    )


def test_tool_exception_without_builtin_type_arrives_as_tool_error(run):
    result = run("store_hours('FreshMart')")

    assert result.error_kind == "tool"
    assert "store_hours() raised ToolError: store_hours: no hours known for 'FreshMart'" in (
        result.error
    )


def test_tool_raising_system_exit_fails_the_call_not_the_bot(run):
    def leaving() -> None:
        raise SystemExit(3)

    result = run("leaving()", tools={"leaving": leaving})

    assert (result.ok, result.error_kind) == (False, "tool")
    assert "the tool raised SystemExit" in result.error
    assert run("final_answer('still here')").answer == "still here"


def test_tool_type_error_from_a_wrong_call_reaches_the_program(run):
    result = run("find_deals(flavour='orange')")

    assert result.error_kind == "tool"
    assert "TypeError: find_deals() got an unexpected keyword argument 'flavour'" in result.error


def test_tool_returning_data_that_is_not_plain_fails_as_a_tool_error(run):
    result = run("weird()", tools={"weird": lambda: {1, 2, 3}})

    assert result.error_kind == "tool"
    assert "weird() returned data the program cannot use" in result.error


@pytest.mark.parametrize(
    ("argument", "fragment"),
    [
        ("{1, 2}", "a set is not plain data"),
        ("echo", "a function is not plain data"),
        ("object()", "a object is not plain data"),
        ("(lambda: 1)", "a function is not plain data"),
        ("10 ** 5000", "an integer has more than 4300 digits"),
    ],
)
def test_unserialisable_argument_is_refused_before_it_leaves_the_worker(argument, fragment, run):
    calls = []

    result = run(f"echo({argument})", tools={"echo": lambda *a: calls.append(a)})

    assert (result.error_kind, result.tool_calls, calls) == ("tool", 0, [])
    assert fragment in result.error


def test_self_referencing_argument_is_refused(run):
    result = run("x = []\nx.append(x)\nfind_deals(x)")

    assert result.error_kind == "tool"
    assert "nested too deeply" in result.error


def test_oversized_argument_is_refused(run):
    result = run("find_deals('x' * 2_000_000)")

    assert result.error_kind == "tool"
    assert "a tool call may carry 65536" in result.error


def test_misspelt_tool_is_a_name_error_listing_the_tools(run):
    result = run("find_deal('soda')")

    assert result.error_kind == "runtime"
    assert result.error.startswith("line 1: NameError: name 'find_deal' is not defined — ")
    assert "the tools are: deal_history, find_deals, list_categories" in result.error


def test_too_many_tool_calls_stop_the_run():
    with Sandbox(max_tool_calls=10) as box:
        result = box.run("while True:\n    today()", {"today": dt.date.today})

    assert (result.ok, result.error_kind, result.tool_calls) == (False, "tool", 10)
    assert "too many tool calls: a program may make 10" in result.error


def test_slow_tool_counts_against_the_deadline(run):
    def slow():
        import time

        time.sleep(0.4)
        return 1

    result = run("while True:\n    slow()", tools={"slow": slow}, timeout_s=1.0)

    assert result.error_kind == "timeout"
    assert 2 <= result.tool_calls <= 3


@pytest.mark.parametrize("name", ["_private", "print", "final_answer", "not valid", "class", ""])
def test_bad_tool_names_are_refused_by_the_caller_check(name, box):
    with pytest.raises(ValueError, match="cannot be a tool name"):
        box.run("pass", {name: print})
