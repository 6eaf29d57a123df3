"""Rendering is pure: a run in, Block Kit out, held to Slack's limits at every rendering."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.records import RunRecord, Usage
from bot.slack.render import (
    RENDERINGS,
    code_view_line,
    count_lines,
    render_answer,
    render_failure,
    render_history,
    render_rate_limited,
)
from bot.slack.render_data import (
    CHART_POINTS,
    TABLE_CHARS,
    TABLE_COLUMNS,
    TABLE_ROWS,
    chart_block,
    data_table_block,
    left_out_note,
    table_block,
)
from bot.slack.text import code_fence, to_markdown
from bot.slack.watch_render import LIST_MAX, render_watch_list
from bot.structured import Chart, Series, Table
from bot.watches.schedule import parse_schedule
from bot.watches.store import Watch
from tests.bot.conftest import a_watch
from tests.fakes.slack_api import MESSAGE_BLOCKS_LIMIT, SlackError, _check_blocks

WHEN = datetime(2026, 3, 5, 14, 30)


def run_with(**fields) -> RunRecord:
    values = {
        "run_id": "abc2345",
        "question": "chips deals at every store?",
        "created_at": WHEN,
        "status": "ok",
        "answer": "**3 deals** on chips.",
        "code": "deals = find_deals('chips')\nfinal_answer('3 deals')\n",
        "model": "claude-sonnet-5-5",
        "usage": Usage(llm_calls=1),
        "tool_calls": 2,
        "duration_ms": 2345.0,
    }
    return RunRecord(**values | fields)


def table_of(rows: int, columns: int = 3, cell: str = "Lay's Classic") -> Table:
    names = tuple(f"col{n}" for n in range(columns))
    return Table(names, tuple((cell, *([1.5] * (columns - 1))) for _ in range(rows)))


def chart_of(points: int = 3, series: int = 1, label: str = "w{n}") -> Chart:
    labels = tuple(label.format(n=n) for n in range(points))
    return Chart(
        "line",
        "Price",
        labels,
        tuple(Series(f"s{s}", tuple(float(n) for n in range(points))) for s in range(series)),
    )


def assert_slack_accepts(blocks: list[dict]) -> None:
    try:
        _check_blocks(blocks, MESSAGE_BLOCKS_LIMIT)
    except SlackError as error:
        pytest.fail(f"Slack would refuse these blocks: {error.fields}")


@pytest.mark.parametrize(
    ("model_wrote", "shown"),
    [
        ("ping <@U0BOSS> now", "ping ＜@U0BOSS> now"),
        ("<!here> and @channel", "＜!here> and ＠channel"),
        ("&lt;!channel&gt;", "＆lt;!channel＆gt;"),
        ("[your bank](https://evil.example)", "your bank (https://evil.example)"),
        ("[https://a.example](https://a.example)", "https://a.example"),
        ("![logo](https://i.example/x.png)", "logo (https://i.example/x.png)"),
        ("[bank][1]\n[1]: https://evil.example", "[bank][1]\n1: https://evil.example"),
        ("<https://evil.example|bank>", "＜https://evil.example|bank>"),
        ("safe \u202eevil\u202c text\x07", "safe evil text"),
        ("**bold**, _it_, `code`, - list", "**bold**, _it_, `code`, - list"),
    ],
)
def test_markdown_from_the_model_stays_markdown_but_cannot_mention_or_mislead(model_wrote, shown):
    assert to_markdown(model_wrote) == shown


def test_a_program_in_a_code_fence_cannot_close_it_or_mention_anyone():
    fence = code_fence('s = "<!channel> ```"\nx = 1 & 2')

    assert fence == '```\ns = "&lt;!channel&gt; ˋˋˋ"\nx = 1 &amp; 2\n```'


@pytest.mark.parametrize(
    ("code", "lines"), [("a = 1", 1), ("a = 1\n", 1), ("a\nb\n", 2), ("a\n\nb", 3), ("", 0)]
)
def test_lines_are_counted_as_an_editor_numbers_them(code, lines):
    assert count_lines(code) == lines


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_every_rendering_of_an_answer_with_a_table_and_a_chart_is_accepted(rendering):
    run = run_with(table=table_of(240), chart=chart_of(points=30))

    answer = render_answer(run, rendering)

    assert_slack_accepts(answer.message().blocks)
    assert_slack_accepts(answer.blocks)


def test_the_rich_rendering_has_the_text_the_data_the_program_and_feedback():
    run = run_with(table=table_of(3), chart=chart_of())

    blocks = render_answer(run, "rich").message().blocks

    kinds = [block["type"] for block in blocks]
    assert kinds == [
        "markdown",
        "data_table",
        "data_visualization",
        "container",
        "context",
        "context_actions",
        "actions",
    ]
    assert blocks[0]["text"] == "**3 deals** on chips."
    container = blocks[3]
    assert container["title"]["text"] == "Program (2 lines)"
    assert [child["type"] for child in container["child_blocks"]] == ["section", "context"]
    assert blocks[4]["elements"][0]["text"] == "Answered in 2.3 s · run `abc2345`"


def test_the_basic_rendering_uses_the_table_block_and_a_chart_image():
    answer = render_answer(run_with(table=table_of(3), chart=chart_of()), "basic")

    kinds = [block["type"] for block in answer.blocks]
    assert "table" in kinds and "data_table" not in kinds and "data_visualization" not in kinds
    [image] = answer.uploads
    assert image.filename == "chart.png" and image.content.startswith(b"\x89PNG")


def test_the_plain_rendering_is_text_with_the_program_table_and_chart_as_files():
    answer = render_answer(run_with(table=table_of(3), chart=chart_of()), "plain")
    message = answer.message()

    assert message.blocks == []
    assert "*3 deals* on chips." in message.text and "run `abc2345`" in message.text
    assert {upload.filename for upload in answer.uploads} == {
        "program.py",
        "table.csv",
        "chart.png",
    }


def test_a_table_over_slacks_rows_shows_a_hundred_and_says_how_many_it_left_out():
    table = table_of(240)

    shown = data_table_block(table, "caption")

    assert shown.rows_shown == TABLE_ROWS and len(shown.block["rows"]) == TABLE_ROWS + 1
    assert left_out_note(table, shown) == (
        "140 rows left out (showing 100 of 240) — ask me to narrow it down."
    )


def test_a_table_over_slacks_characters_shows_fewer_rows():
    table = table_of(80, cell="x" * 190)

    shown = data_table_block(table, "caption")

    cells = sum(len(cell["text"]) for row in shown.block["rows"] for cell in row)
    assert cells <= TABLE_CHARS and shown.rows_shown < 80
    assert "rows left out" in left_out_note(table, shown)


def test_a_table_over_slacks_columns_says_so():
    table = table_of(2, columns=TABLE_COLUMNS + 3)

    shown = data_table_block(table, "caption")

    assert len(shown.block["rows"][0]) == TABLE_COLUMNS
    assert left_out_note(table, shown) == "3 columns left out — ask me to narrow it down."


def test_a_table_that_fits_leaves_nothing_out():
    table = table_of(1)
    assert left_out_note(table, data_table_block(table, "c")) is None


def test_table_cells_are_typed_for_sorting_and_never_empty():
    table = Table(("name", "price", "card", "note"), (("Fanta", 1.5, True, None),))

    [_, row] = data_table_block(table, "c").block["rows"]

    assert row == [
        {"type": "raw_text", "text": "Fanta"},
        {"type": "raw_number", "value": 1.5, "text": "1.50"},
        {"type": "raw_text", "text": "yes"},
        {"type": "raw_text", "text": "—"},
    ]


def test_the_table_block_holds_at_most_a_hundred_rows_in_all():
    shown = table_block(table_of(240))

    assert len(shown.block["rows"]) == 100 and shown.rows_shown == 99


@pytest.mark.parametrize(
    ("chart", "fits"),
    [
        (chart_of(points=CHART_POINTS), True),
        (chart_of(points=CHART_POINTS + 1), False),
        (chart_of(series=6), True),
        (chart_of(series=7), False),
        (chart_of(label="a label far longer than twenty {n}"), False),
    ],
    ids=["20-points", "21-points", "6-series", "7-series", "long-labels"],
)
def test_a_chart_is_a_block_only_when_it_fits_one(chart, fits):
    block = chart_block(chart)

    assert (block is not None) == fits
    if block is not None:
        assert_slack_accepts([block])


def test_a_chart_leaves_out_missing_values():
    chart = Chart("bar", "t", ("a", "b"), (Series("s", (1.0, None)),))

    assert chart_block(chart)["chart"]["series"][0]["data"] == [{"label": "a", "value": 1.0}]


def test_the_cost_shows_only_when_given():
    run = run_with()

    assert "$" not in code_view_line(run)
    assert code_view_line(run, 0.0123).endswith("· ≈ $0.0123")
    assert code_view_line(run).startswith("claude-sonnet-5-5 · 1 model call · 2 tool calls · 2.3 s")


def test_a_failure_says_why_and_keeps_the_program():
    answer = render_failure(run_with(status="failed", answer=None, error="It broke <!here>."))

    assert answer.markdown == "⚠️ It broke ＜!here>."
    assert any(block["type"] == "container" for block in answer.blocks)
    assert_slack_accepts(answer.message().blocks)


def test_the_rate_limit_reply_counts_right_and_says_when_in_the_readers_time():
    message = render_rate_limited(1, "hour", datetime(2026, 3, 5, 15, 30))

    assert message.text.startswith("You've asked 1 question in the last hour")
    assert "You can ask again <!date^1772724600^{date_short_pretty} at {time}|" in message.text


def test_history_times_are_in_the_readers_own_time():
    message = render_history([run_with()])

    assert message.text == "Your last 1 question"
    assert "<!date^1772721000^" in json.dumps(message.blocks)  # 2026-03-05 14:30 UTC


def _watch(number: int) -> Watch:
    return a_watch(
        watch_id=f"w{number:03d}",
        question=f"deals on thing {number}?",
        timezone="America/Chicago",
        schedule=parse_schedule("every Friday at 9am"),
    )


@pytest.mark.parametrize("count", [1, LIST_MAX, LIST_MAX + 10])
def test_the_watch_list_fits_one_message_and_says_how_many_it_leaves_out(count):
    message = render_watch_list([_watch(n) for n in range(count)])

    assert_slack_accepts(message.blocks)
    assert f"Your watches ({count})" in message.text
    shown = json.dumps(message.blocks)
    assert ("delete some to see the others" in shown) == (count > LIST_MAX)
    assert f"deals on thing {min(count, LIST_MAX) - 1}?" in shown
    assert f"deals on thing {LIST_MAX}?" not in shown
