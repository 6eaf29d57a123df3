"""Tables and charts an answer carries beside its text: what a program passed to
`final_answer(text, table=..., chart=...)`, checked for shape and kept as JSON-ready data.

A table is a list of rows, each a dict of column -> value; a chart is

    {"type": "line" | "bar", "title": str, "x": [label, ...],
     "series": {name: [number or None, one per label], ...}, "x_label": str, "y_label": str}

(`x_label` and `y_label` optional). Knows nothing of Slack: rendering lives in bot/slack.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

Cell = str | int | float | bool | None
ChartKind = Literal["line", "bar"]
CHART_KINDS: tuple[str, ...] = get_args(ChartKind)
DEFAULT_CHART_TITLE = "Chart"


class StructureError(ValueError):
    """A table or chart that does not have the documented shape; the message is for the model."""


@dataclass(frozen=True)
class Table:
    """Rows of cells under named columns (a row missing a column has None there)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [list(row) for row in self.rows]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Table:
        return cls(columns=tuple(data["columns"]), rows=tuple(tuple(row) for row in data["rows"]))


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per label; None where there is no value


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    x_label: str | None = None
    y_label: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "title": self.title,
            "x": list(self.labels),
            "series": {series.name: list(series.values) for series in self.series},
            "x_label": self.x_label,
            "y_label": self.y_label,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Chart:
        return chart_from(data)


def table_from(rows: Sequence[Mapping[str, Any]]) -> Table | None:
    """The table a program passed (a list of dicts), dates as ISO text; None when empty."""
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        raise StructureError("final_answer(table=...) takes a list of dicts (one per row)")
    columns: dict[str, None] = {}
    for number, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            raise StructureError(f"final_answer(table=...): row {number} is not a dict")
        columns.update(dict.fromkeys(str(key) for key in row))
    if not rows or not columns:
        return None
    cells = tuple(
        tuple(_cell(row.get(column), f"row {number}, {column!r}") for column in columns)
        for number, row in enumerate(rows, 1)
    )
    return Table(columns=tuple(columns), rows=cells)


def chart_from(spec: Mapping[str, Any]) -> Chart:
    """The chart a program passed, checked against the documented shape."""
    if not isinstance(spec, Mapping):
        raise StructureError("final_answer(chart=...) takes a dict")
    kind = spec.get("type")
    if kind not in CHART_KINDS:
        raise StructureError(
            f"final_answer(chart=...): 'type' must be one of {', '.join(CHART_KINDS)}"
        )
    labels = _labels(spec.get("x"))
    series = _series(spec.get("series"), len(labels))
    return Chart(
        kind=kind,
        title=_optional_text(spec, "title") or DEFAULT_CHART_TITLE,
        labels=labels,
        series=series,
        x_label=_optional_text(spec, "x_label"),
        y_label=_optional_text(spec, "y_label"),
    )


def structures_from(table: Any, chart: Any) -> tuple[Table | None, Chart | None]:
    """Both at once, from what the sandbox returned (None where the program passed none)."""
    return (
        None if table is None else table_from(table),
        None if chart is None else chart_from(chart),
    )


def _cell(value: Any, where: str) -> Cell:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise StructureError(f"final_answer(table=...): {where} is not a finite number")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise StructureError(f"final_answer(table=...): {where} must be a str, number, date or None")


def _labels(x: Any) -> tuple[str, ...]:
    if not isinstance(x, Sequence) or isinstance(x, str) or not x:
        raise StructureError("final_answer(chart=...): 'x' must be a non-empty list of labels")
    dates = [value for value in x if isinstance(value, dt.date)]
    years = {value.year for value in dates}
    labels = []
    for value in x:
        if isinstance(value, dt.date):
            labels.append(_date_label(value, several_years=len(years) > 1))
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            labels.append(str(value))
        else:
            raise StructureError("final_answer(chart=...): each 'x' label is a str, number or date")
    return tuple(labels)


def _date_label(value: dt.date, *, several_years: bool) -> str:
    label = f"{value:%b} {value.day}"
    return f"{label} {value.year}" if several_years else label


def _series(series: Any, points: int) -> tuple[Series, ...]:
    if not isinstance(series, Mapping) or not series:
        raise StructureError(
            "final_answer(chart=...): 'series' must be a dict of name -> list of numbers"
        )
    checked = []
    for name, values in series.items():
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise StructureError(f"final_answer(chart=...): series {name!r} must be a list")
        if len(values) != points:
            raise StructureError(
                f"final_answer(chart=...): series {name!r} has {len(values)} values for "
                f"{points} 'x' labels; give one per label (None for a gap)"
            )
        checked.append(Series(name=str(name), values=tuple(_number(v, name) for v in values)))
    return tuple(checked)


def _number(value: Any, series: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StructureError(
            f"final_answer(chart=...): series {series!r} holds {value!r}; values are numbers "
            "or None"
        )
    return value


def _optional_text(spec: Mapping[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise StructureError(f"final_answer(chart=...): {key!r} must be a str")
    return value.strip() or None
