"""An answer's table and chart as Block Kit: pure functions, held to what Slack accepts.

A table becomes a `data_table` block (paged and sortable) or, where that is refused, a `table`
block; rows past Slack's limits are left out and counted. A chart becomes a
`data_visualization` block when it fits one (else None: it is drawn as a PNG instead). For the
plainest rendering a table is a CSV file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.slack.text import plain_text, plural, shorten
from bot.structured import Cell, Chart, Table

# Slack's limits (docs.slack.dev/reference/block-kit/blocks/data-table-block, table-block,
# data-visualization-block).
TABLE_ROWS = 100  # below the header, in a data table; rows in all for a table block
TABLE_COLUMNS = 20
TABLE_CHARS = 10_000  # across every cell of a data table (and of a message)
TABLE_PAGE_SIZE = 10
CELL_CHARS = 200  # dealbot's own cap, so one long cell cannot crowd out rows
CHART_TITLE_CHARS = 50
CHART_SERIES = 6
CHART_POINTS = 20
CHART_LABEL_CHARS = 20
CHART_AXIS_LABEL_CHARS = 50
EMPTY_CELL = "—"


@dataclass(frozen=True)
class TableBlock:
    """A table as one block, and how many of its rows and columns it shows."""

    block: dict[str, Any]
    rows_shown: int
    columns_shown: int


def data_table_block(table: Table, caption: str) -> TableBlock:
    """The table as a paged, sortable `data_table` (header row first)."""
    columns = table.columns[:TABLE_COLUMNS]
    header = [{"type": "raw_text", "text": _cell_text(name) or EMPTY_CELL} for name in columns]
    budget = TABLE_CHARS - sum(len(cell["text"]) for cell in header)
    rows = []
    for row in table.rows[:TABLE_ROWS]:
        cells = [_cell(value) for value in row[: len(columns)]]
        budget -= sum(len(cell["text"]) for cell in cells)
        if budget < 0:
            break
        rows.append(cells)
    block = {
        "type": "data_table",
        "caption": shorten(plain_text(caption), 200) or "Table",
        "page_size": min(TABLE_PAGE_SIZE, max(len(rows), 1)),
        "rows": [header, *rows],
    }
    return TableBlock(block, rows_shown=len(rows), columns_shown=len(columns))


def table_block(table: Table) -> TableBlock:
    """The table as the older `table` block (header row first, at most 100 rows in all)."""
    shown = data_table_block(table, caption="")
    rows = shown.block["rows"][:TABLE_ROWS]
    block = {"type": "table", "rows": rows}
    return TableBlock(block, rows_shown=len(rows) - 1, columns_shown=shown.columns_shown)


def left_out_note(table: Table, shown: TableBlock) -> str | None:
    """What the table block could not show, said plainly; None when it shows everything."""
    missing = []
    if shown.rows_shown < len(table.rows):
        missing.append(
            f"{plural(len(table.rows) - shown.rows_shown, 'row')} left out "
            f"(showing {shown.rows_shown} of {len(table.rows)})"
        )
    if shown.columns_shown < len(table.columns):
        missing.append(f"{plural(len(table.columns) - shown.columns_shown, 'column')} left out")
    return "; ".join(missing) + " — ask me to narrow it down." if missing else None


def table_csv(table: Table) -> bytes:
    """The whole table as CSV, for the plainest rendering."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([["" if cell is None else cell for cell in row] for row in table.rows])
    return out.getvalue().encode()


def chart_block(chart: Chart) -> dict[str, Any] | None:
    """The chart as a `data_visualization` block, or None when it does not fit one (too many
    series or points, labels too long to tell apart)."""
    labels = [plain_text(label) for label in chart.labels]
    names = [
        shorten(plain_text(series.name), CHART_LABEL_CHARS) or "value" for series in chart.series
    ]
    fits = (
        len(chart.series) <= CHART_SERIES
        and len(labels) <= CHART_POINTS
        and all(0 < len(label) <= CHART_LABEL_CHARS for label in labels)
        and len(set(labels)) == len(labels)
        and len(set(names)) == len(names)
        and all(any(v is not None for v in series.values) for series in chart.series)
    )
    if not fits:
        return None
    axis: dict[str, Any] = {"categories": labels}
    for key, value in (("x_label", chart.x_label), ("y_label", chart.y_label)):
        if value:
            axis[key] = shorten(plain_text(value), CHART_AXIS_LABEL_CHARS)
    series = [
        {"name": name, "data": _points(labels, values.values)}
        for name, values in zip(names, chart.series, strict=True)
    ]
    return {
        "type": "data_visualization",
        "title": shorten(plain_text(chart.title), CHART_TITLE_CHARS),
        "chart": {"type": chart.kind, "axis_config": axis, "series": series},
    }


def _points(labels: Sequence[str], values: Sequence[float | None]) -> list[dict[str, Any]]:
    return [
        {"label": label, "value": value}
        for label, value in zip(labels, values, strict=True)
        if value is not None
    ]


def _cell(value: Cell) -> dict[str, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"type": "raw_number", "value": value, "text": _number_text(value)}
    return {"type": "raw_text", "text": _cell_text(value) or EMPTY_CELL}


def _cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return shorten(plain_text(str(value)).replace("\n", " ").strip(), CELL_CHARS)


def _number_text(value: float) -> str:
    if isinstance(value, int) or value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"
