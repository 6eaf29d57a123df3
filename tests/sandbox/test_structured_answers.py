"""final_answer(text, table=..., chart=...): plain data comes back checked, capped and cleaned."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox import wire
from sandbox.result import MAX_STRUCTURED_STRING_CHARS, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS
from tests.sandbox.test_conversation import DONE, converse, send


def test_a_table_and_a_chart_come_back_with_the_text(run):
    result = run(
        """
        deals = find_deals("orange soda")
        rows = [{"product": d["product"], "price": d["price"], "ends": d["ends"]} for d in deals]
        chart = {"type": "bar", "title": "Prices", "x": [d["product"] for d in deals],
                 "series": {"price": [d["price"] for d in deals]}}
        final_answer(f"{len(rows)} deals", table=rows, chart=chart)
        """
    )

    assert result.ok and result.answer.endswith("deals")
    assert result.table and set(result.table[0]) == {"product", "price", "ends"}
    assert isinstance(result.table[0]["ends"], dt.date)
    assert result.chart["series"]["price"] == [row["price"] for row in result.table]


def test_text_alone_still_carries_no_table_or_chart(run):
    result = run("final_answer('just text')")

    assert result.ok and result.table is None and result.chart is None


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        ("final_answer('x', table=[1, 2])", "runtime", "list of dicts"),
        ("final_answer('x', table={'a': 1})", "runtime", "list of dicts"),
        ("final_answer('x', table=[{'a': [1, 2]}])", "runtime", "str, number, bool, date"),
        ("final_answer('x', table=[{1: 'a'}])", "runtime", "column names"),
        ("final_answer('x', chart=[1, 2])", "runtime", "takes a dict"),
        ("final_answer('x', chart={'y': [float('inf')]})", "runtime", "not finite"),
        ("final_answer('x', table=[{'a': object()}])", "runtime", "plain data"),
        (
            f"final_answer('x', table=[{{'a': i}} for i in range({MAX_TABLE_ROWS + 1})])",
            "output_limit",
            "rows",
        ),
        (
            f"final_answer('x', table=[{{f'c{{i}}': i for i in range({MAX_TABLE_COLUMNS + 1})}}])",
            "output_limit",
            "columns",
        ),
        (
            f"final_answer('x', chart={{'title': 'x' * {MAX_STRUCTURED_STRING_CHARS + 1}}})",
            "runtime",
            "characters",
        ),
        (
            "final_answer('x', table=[{'a': 'x' * 900} for i in range(400)])",
            "output_limit",
            "bytes",
        ),
    ],
    ids=[
        "rows-not-dicts",
        "table-a-dict",
        "cell-a-list",
        "key-not-str",
        "chart-a-list",
        "infinity",
        "not-plain-data",
        "too-many-rows",
        "too-many-columns",
        "string-too-long",
        "too-many-bytes",
    ],
)
def test_a_table_or_chart_breaking_the_rules_is_an_error_the_model_can_fix(run, call, kind, words):
    result = run(call)

    assert not result.ok and result.error_kind == kind
    assert words in result.error
    assert result.table is None and result.chart is None


def test_a_table_that_cannot_be_sent_is_the_programs_error_to_catch(run):
    # Checked while the program still runs: it can catch the error and answer again.
    code = (
        "try:\n    final_answer('x', table=[{'a': 10 ** 5000}])\n"
        "except TypeError as e:\n    final_answer('caught: ' + str(e))"
    )

    result = run(code)

    assert result.ok
    assert result.answer == (
        "caught: final_answer's table or chart cannot be sent: an integer has more than 4300 digits"
    )


def test_strings_from_the_worker_are_cleaned():
    def worker(sock):
        table = wire.encode([{"na\x00me": "Fan\x1bta\ud800"}])
        send(sock, DONE | {"table": table, "chart": {"title": "a\x07b"}})

    outcome = converse(worker)

    assert outcome.reason == "done"
    assert outcome.report["table"] == [{"name": "Fanta\ufffd"}]
    assert outcome.report["chart"] == {"title": "ab"}


def test_a_worker_sending_a_malformed_tag_broke_the_protocol():
    def worker(sock):
        send(sock, DONE | {"table": [{"ends": {"$date": "not a date"}}]})

    assert converse(worker).reason == "protocol"


def test_a_failed_run_carries_no_table_even_if_the_worker_sent_one():
    def worker(sock):
        failed = DONE | {"ok": False, "answer": None, "error": "boom", "error_kind": "runtime"}
        send(sock, failed | {"table": [{"a": 1}]})

    report = converse(worker).report

    assert report["ok"] is False and report["table"] is None
