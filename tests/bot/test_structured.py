"""Tables and charts beside an answer: their shape is checked, they are kept with the run, and a
program that gets the shape wrong is repaired like any failing program."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.prompt import EXAMPLES
from bot.records import Origin, Progress
from bot.structured import Chart, Series, StructureError, Table, chart_from, table_from

TIDE_CHART = """
history = deal_history(search_products("tide pods")[0]["id"], days=180)
points = sorted(history, key=lambda d: d["starts"])[-6:]
final_answer(
    "Tide Pods were cheapest at the start of the period.",
    chart={
        "type": "line",
        "title": "Tide Pods price",
        "x": [d["starts"] for d in points],
        "series": {"price": [d["price"] for d in points]},
        "y_label": "Price ($)",
    },
)
"""


def test_rows_become_columns_in_first_seen_order_with_gaps_as_none():
    table = table_from([{"product": "Fanta", "price": 1.99}, {"price": 2.5, "store": "Mission"}])

    assert table == Table(
        columns=("product", "price", "store"),
        rows=(("Fanta", 1.99, None), (None, 2.5, "Mission")),
    )


def test_dates_in_a_table_become_iso_text_and_survive_json():
    table = table_from([{"ends": dt.date(2026, 3, 1), "at": dt.datetime(2026, 3, 1, 9, 30)}])

    assert table.rows == (("2026-03-01", "2026-03-01T09:30:00"),)
    assert Table.from_json(table.to_json()) == table


def test_an_empty_table_is_no_table():
    assert table_from([]) is None


def test_a_chart_with_date_labels_reads_as_month_and_day():
    chart = chart_from(
        {
            "type": "bar",
            "x": [dt.date(2026, 1, 5), dt.date(2026, 2, 9)],
            "series": {"Mission": [3.99, None]},
        }
    )

    assert chart == Chart(
        kind="bar",
        title="Chart",
        labels=("Jan 5", "Feb 9"),
        series=(Series("Mission", (3.99, None)),),
    )
    assert Chart.from_json(chart.to_json()) == chart


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"type": "pie", "x": ["a"], "series": {"s": [1]}}, "'type' must be one of line, bar"),
        ({"type": "line", "x": [], "series": {"s": []}}, "'x' must be a non-empty list"),
        ({"type": "line", "x": ["a", "b"], "series": {"s": [1]}}, "has 1 values for 2"),
        ({"type": "line", "x": ["a"], "series": {"s": ["1"]}}, "values are numbers"),
        ({"type": "line", "x": ["a"], "series": {"s": [True]}}, "values are numbers"),
        ({"type": "line", "x": ["a"], "series": [1]}, "'series' must be a dict"),
        ({"type": "line", "x": [["a"]], "series": {"s": [1]}}, "label is a str"),
        ({"type": "line", "x": ["a"], "series": {"s": [1]}, "title": 3}, "'title' must be a str"),
    ],
)
def test_a_chart_of_the_wrong_shape_is_explained(spec, words):
    with pytest.raises(StructureError, match=words):
        chart_from(spec)


def test_a_table_cell_that_is_not_a_scalar_is_explained():
    with pytest.raises(StructureError, match="row 2, 'price' must be"):
        table_from([{"price": 1}, {"price": [1, 2]}])


def test_a_chart_from_the_demo_data_is_kept_with_the_run(agent, fake_anthropic):
    fake_anthropic.reply_code(TIDE_CHART)

    run = agent.ask("Tide Pods' price over the last six months?")

    assert run.ok, run.error
    assert run.chart.kind == "line" and run.chart.y_label == "Price ($)"
    assert len(run.chart.labels) == len(run.chart.series[0].values) > 1
    assert agent.history.get(run.run_id).chart == run.chart


def test_a_table_is_kept_with_the_run(agent, fake_anthropic):
    fake_anthropic.reply_code(
        "deals = find_deals('chips', limit=100)\n"
        "rows = [{'product': d['product'], 'store': d['store'], 'price': d['price'],"
        " 'ends': d['ends']} for d in deals]\n"
        "final_answer(f'{len(rows)} chips deals', table=rows)"
    )

    run = agent.ask("chips deals at every store")

    assert run.ok, run.error
    stored = agent.history.get(run.run_id).table
    assert stored == run.table and stored.columns == ("product", "store", "price", "ends")
    assert run.answer == f"{len(stored.rows)} chips deals"


def test_a_chart_of_the_wrong_shape_is_repaired_with_the_reason_fed_back(agent, fake_anthropic):
    fake_anthropic.reply_code(
        "final_answer('up', chart={'type': 'line', 'x': ['a', 'b'], 'series': {'s': [1]}})"
    )
    fake_anthropic.reply_code(
        "final_answer('up', chart={'type': 'line', 'x': ['a', 'b'], 'series': {'s': [1, 2]}})"
    )

    run = agent.ask("trend?")

    assert run.ok and run.usage.llm_calls == 2
    assert run.attempts[0].error_kind == "runtime" and "1 values for 2" in run.attempts[0].error
    fed_back = fake_anthropic.last_request.messages[-1]["content"][0]["content"]
    assert "1 values for 2" in fed_back


def test_progress_hears_each_program_written_and_run(agent, fake_anthropic):
    fake_anthropic.reply_code("final_answer(str(1/0))")
    fake_anthropic.reply_code("final_answer('fixed')")
    heard: list[Progress] = []

    agent.complete(agent.record("q", origin=Origin()), on_progress=heard.append)

    assert [(step.number, step.attempt is not None) for step in heard] == [
        (1, False),
        (1, True),
        (2, False),
        (2, True),
    ]
    assert heard[1].attempt.error_kind == "runtime" and heard[3].attempt.ok


def test_a_failing_progress_listener_does_not_stop_the_answer(agent, fake_anthropic):
    fake_anthropic.reply_code("final_answer('fine')")

    def broken(step: Progress) -> None:
        raise RuntimeError("listener bug")

    run = agent.complete(agent.record("q", origin=Origin()), on_progress=broken)

    assert run.ok and run.answer == "fine"


@pytest.mark.parametrize("kind", ["table", "chart"])
def test_the_prompts_table_and_chart_examples_carry_one_on_the_demo_data(
    agent, fake_anthropic, kind
):
    examples = re.findall(r"```python\n(.*?)```", EXAMPLES, re.S)
    fake_anthropic.reply_code(next(code for code in examples if f"{kind}=" in code))

    run = agent.ask("an example question")

    assert run.ok, run.error
    assert getattr(run, kind) is not None
