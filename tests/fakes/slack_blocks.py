"""What Slack's block validator says about the newer blocks slack_sdk does not model yet
(`data_table`, `data_visualization`), the `table` block's limits, and the message-wide ones.

Limits are Slack's published ones (docs.slack.dev/reference/block-kit/blocks/...): a data table
has a header row and 1–100 rows of 1–20 equal-length rows of `raw_text`/`raw_number` cells
(no `rich_text` in the header), at most 10,000 characters across its cells (and across every
data table of a message), `page_size` 1–100 and a caption; a data visualization has a title of
at most 50 characters and a line, bar, area or pie chart of 1–6 series of 1–20 points whose
labels (at most 20 characters) are the axis's categories; a message holds at most two of them,
one `table` block of at most 100 rows of 20 cells, and 12,000 characters of `markdown` blocks.
The live validator also refuses `rich_text` among a `container`'s children, whatever the docs
say (so the fake does too).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

DATA_TABLE_ROWS = 101  # the header and 100 rows
DATA_TABLE_COLUMNS = 20
DATA_TABLE_CHARS = 10_000
DATA_TABLE_PAGE_SIZE = 100
CHART_TITLE_CHARS = 50
CHART_SERIES = 6
CHART_POINTS = 20
CHART_LABEL_CHARS = 20
CHART_AXIS_LABEL_CHARS = 50
CHARTS_PER_MESSAGE = 2
CHART_TYPES = frozenset({"line", "bar", "area", "pie"})
TABLE_ROWS = 100
TABLE_CELLS = 20
TABLES_PER_MESSAGE = 1
MARKDOWN_CHARS = 12_000
CELL_TYPES = frozenset({"raw_text", "raw_number", "rich_text"})
TASK_STATUSES = frozenset({"pending", "in_progress", "complete", "error"})


def data_table_problem(block: dict[str, Any]) -> str | None:
    rows = block.get("rows")
    if not isinstance(block.get("caption"), str) or not block["caption"]:
        return "data_table block: caption is required"
    if not isinstance(rows, list) or not 2 <= len(rows) <= DATA_TABLE_ROWS:
        return f"data_table block: rows must hold 2 to {DATA_TABLE_ROWS} rows"
    width = len(rows[0]) if isinstance(rows[0], list) else 0
    if not 1 <= width <= DATA_TABLE_COLUMNS or any(len(row) != width for row in rows):
        return f"data_table block: every row must hold the same 1 to {DATA_TABLE_COLUMNS} cells"
    page_size = block.get("page_size", 5)
    if not isinstance(page_size, int) or not 1 <= page_size <= DATA_TABLE_PAGE_SIZE:
        return f"data_table block: page_size must be 1 to {DATA_TABLE_PAGE_SIZE}"
    for number, row in enumerate(rows):
        for cell in row:
            problem = _cell_problem(cell, header=number == 0)
            if problem:
                return f"data_table block: row {number}: {problem}"
    if table_chars(block) > DATA_TABLE_CHARS:
        return f"data_table block: more than {DATA_TABLE_CHARS} characters across its cells"
    return None


def table_problem(block: dict[str, Any]) -> str | None:
    rows = block.get("rows")
    if not isinstance(rows, list) or not 1 <= len(rows) <= TABLE_ROWS:
        return f"table block: rows must hold 1 to {TABLE_ROWS} rows"
    for number, row in enumerate(rows):
        if not isinstance(row, list) or not 1 <= len(row) <= TABLE_CELLS:
            return f"table block: row {number} must hold 1 to {TABLE_CELLS} cells"
        for cell in row:
            if not isinstance(cell, dict) or cell.get("type") not in CELL_TYPES:
                return f"table block: row {number} holds a cell of an unknown type"
    return None


def data_visualization_problem(block: dict[str, Any]) -> str | None:
    title, chart = block.get("title"), block.get("chart")
    if not isinstance(title, str) or not 1 <= len(title) <= CHART_TITLE_CHARS:
        return f"data_visualization block: title must be 1 to {CHART_TITLE_CHARS} characters"
    if not isinstance(chart, dict) or chart.get("type") not in CHART_TYPES:
        return "data_visualization block: chart.type must be one of line, bar, area, pie"
    if chart["type"] == "pie":
        return None if chart.get("segments") else "data_visualization block: no segments"
    return _series_problem(chart)


def _series_problem(chart: dict[str, Any]) -> str | None:
    axis, series = chart.get("axis_config"), chart.get("series")
    if not isinstance(axis, dict) or not isinstance(axis.get("categories"), list):
        return "data_visualization block: axis_config.categories is required"
    categories = axis["categories"]
    if not all(isinstance(c, str) and len(c) <= CHART_LABEL_CHARS for c in categories):
        return f"data_visualization block: categories are at most {CHART_LABEL_CHARS} characters"
    for key in ("x_label", "y_label"):
        if len(str(axis.get(key) or "")) > CHART_AXIS_LABEL_CHARS:
            return f"data_visualization block: {key} is over {CHART_AXIS_LABEL_CHARS} characters"
    if not isinstance(series, list) or not 1 <= len(series) <= CHART_SERIES:
        return f"data_visualization block: 1 to {CHART_SERIES} series"
    names = [entry.get("name") for entry in series]
    if len(set(names)) != len(names):
        return "data_visualization block: series names must be unique"
    for entry in series:
        problem = _one_series_problem(entry, set(categories))
        if problem:
            return problem
    return None


def _one_series_problem(entry: dict[str, Any], categories: set[str]) -> str | None:
    name, data = entry.get("name"), entry.get("data")
    if not isinstance(name, str) or not 1 <= len(name) <= CHART_LABEL_CHARS:
        return f"data_visualization block: series names are 1 to {CHART_LABEL_CHARS} characters"
    if not isinstance(data, list) or not 1 <= len(data) <= CHART_POINTS:
        return f"data_visualization block: a series holds 1 to {CHART_POINTS} points"
    for point in data:
        if point.get("label") not in categories:
            return "data_visualization block: a point's label is not one of the categories"
        if not _is_number(point.get("value")):
            return "data_visualization block: a point's value must be a number"
    return None


def message_problem(blocks: list[dict[str, Any]]) -> str | None:
    """What Slack checks across a message's blocks rather than in one."""
    flat = list(all_blocks(blocks))
    kinds = [block.get("type") for block in flat]
    if kinds.count("data_visualization") > CHARTS_PER_MESSAGE:
        return f"no more than {CHARTS_PER_MESSAGE} data_visualization blocks per message"
    if kinds.count("table") > TABLES_PER_MESSAGE:
        return "only one table block per message"
    tables = [block for block in flat if block.get("type") == "data_table"]
    if sum(table_chars(table) for table in tables) > DATA_TABLE_CHARS:
        return f"more than {DATA_TABLE_CHARS} characters across the message's data tables"
    markdown = sum(len(b.get("text") or "") for b in flat if b.get("type") == "markdown")
    if markdown > MARKDOWN_CHARS:
        return f"more than {MARKDOWN_CHARS} characters across the message's markdown blocks"
    return None


def container_problem(block: dict[str, Any]) -> str | None:
    children = block.get("child_blocks") or []
    if any(child.get("type") == "rich_text" for child in children):
        return "container block: rich_text is not a valid child block"
    return None


def all_blocks(blocks: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every block, a container's children included."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        yield block
        yield from all_blocks(block.get("child_blocks") or [])


def table_chars(block: dict[str, Any]) -> int:
    return sum(len(_cell_text(cell)) for row in block.get("rows") or [] for cell in row)


def chunk_problem(chunk: Any) -> str | None:
    """A streaming chunk as chat.startStream/appendStream/stopStream accept it."""
    if not isinstance(chunk, dict):
        return "a chunk must be an object"
    kind = chunk.get("type")
    if kind == "markdown_text":
        text = chunk.get("text")
        return None if isinstance(text, str) and len(text) <= MARKDOWN_CHARS else "bad text"
    if kind == "task_update":
        if not chunk.get("id") or not chunk.get("title"):
            return "task_update chunks need an id and a title"
        return None if chunk.get("status") in TASK_STATUSES else "unknown task status"
    if kind in ("plan_update", "blocks"):
        return None
    return f"unknown chunk type {kind!r}"


def _cell_problem(cell: Any, *, header: bool) -> str | None:
    kind = cell.get("type") if isinstance(cell, dict) else None
    if kind == "raw_text":
        return None if isinstance(cell.get("text"), str) and cell["text"] else "empty raw_text"
    if kind == "raw_number":
        return None if _is_number(cell.get("value")) else "raw_number without a number value"
    if kind == "rich_text" and not header:
        return None
    return "header cells are raw_text or raw_number" if header else f"unknown cell type {kind!r}"


def _cell_text(cell: Any) -> str:
    if not isinstance(cell, dict):
        return ""
    if cell.get("type") == "raw_number":
        return str(cell.get("text") or cell.get("value"))
    return str(cell.get("text") or "")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
