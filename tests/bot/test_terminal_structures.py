"""`dealbot ask` with a table or a chart: Rich draws the table, the terminal says where the
chart was, and --json carries both."""

from __future__ import annotations

import json

import pytest

from bot.cli import main

TABLE_PROGRAM = (
    "final_answer('2 chips deals', table=["
    "{'product': 'Lay\\'s [red]Classic[/red]', 'store': 'Mission', 'price': 2.5},"
    "{'product': 'Doritos', 'store': 'Sunset', 'price': 3.25}])"
)
CHART_PROGRAM = (
    "final_answer('Cheaper lately.', chart={'type': 'line', 'title': 'Tide Pods price',"
    " 'x': ['Jan', 'Feb', 'Mar'], 'series': {'Mission': [12.99, 11.49, 10.99]}})"
)


@pytest.fixture
def cli_env(monkeypatch, fake_anthropic, demo_url):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("DATABASE_URL", demo_url)
    return fake_anthropic


def test_ask_draws_the_table_with_markup_shown_as_written(cli_env, capsys):
    cli_env.reply_code(TABLE_PROGRAM)

    assert main(["ask", "chips deals at every store"]) == 0

    out = capsys.readouterr().out
    assert "2 chips deals" in out
    for cell in ("product", "store", "price", "Mission", "Doritos", "3.25"):
        assert cell in out
    assert "[red]Classic[/red]" in out  # data, not markup
    assert "│" in out or "|" in out  # drawn as a table


def test_ask_says_where_the_chart_was(cli_env, capsys):
    cli_env.reply_code(CHART_PROGRAM)

    assert main(["ask", "Tide Pods' price over the last six months"]) == 0

    out = capsys.readouterr().out
    assert "Cheaper lately." in out
    assert "line chart in Slack: Tide Pods price — Mission, 3 points from Jan to Mar" in out


def test_ask_json_carries_the_table_and_the_chart(cli_env, capsys):
    chart = "chart={'type': 'bar', 'x': ['a'], 'series': {'n': [1]}}"
    cli_env.reply_code(TABLE_PROGRAM.removesuffix(")") + f", {chart})")

    assert main(["ask", "chips", "--json"]) == 0

    out = json.loads(capsys.readouterr().out)
    assert out["table"]["columns"] == ["product", "store", "price"]
    assert out["table"]["rows"][1] == ["Doritos", "Sunset", 3.25]
    assert out["chart"]["type"] == "bar" and out["chart"]["series"] == {"n": [1]}
