"""A chart drawn as a PNG, in the bot's process from plain data (never in the sandbox): the
fallback where Slack refuses the data_visualization block or the chart does not fit one.

Uses matplotlib (the `charts` extra) through its object API and the Agg canvas, so nothing is
shared between threads and no display is needed. Without matplotlib, `draw_chart` returns None
and the answer goes without its picture.
"""

from __future__ import annotations

import io
import logging
import math

from bot.structured import Chart

log = logging.getLogger(__name__)

SIZE_INCHES = (8.0, 4.5)
DPI = 110
MANY_LABELS = 8  # past this many, x labels are turned to fit


def draw_chart(chart: Chart) -> bytes | None:
    """The chart as PNG bytes; None when matplotlib is not installed."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        log.warning("matplotlib is not installed (pip install 'dealbot[charts]'): no chart image")
        return None
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(chart.labels))
    if chart.kind == "bar":
        _bars(axes, chart, positions)
    else:
        for series in chart.series:
            values = [math.nan if v is None else v for v in series.values]
            axes.plot(positions, values, marker="o", label=series.name)
    axes.set_xticks(list(positions), chart.labels, rotation=45 if _crowded(chart) else 0)
    if _crowded(chart):
        for label in axes.get_xticklabels():
            label.set_horizontalalignment("right")
    axes.set_title(chart.title)
    axes.set_xlabel(chart.x_label or "")
    axes.set_ylabel(chart.y_label or "")
    axes.grid(axis="y", alpha=0.3)
    if len(chart.series) > 1:
        axes.legend()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _bars(axes, chart: Chart, positions: range) -> None:
    width = 0.8 / len(chart.series)
    for index, series in enumerate(chart.series):
        offset = (index - (len(chart.series) - 1) / 2) * width
        values = [0 if v is None else v for v in series.values]
        axes.bar([p + offset for p in positions], values, width=width, label=series.name)


def _crowded(chart: Chart) -> bool:
    return len(chart.labels) > MANY_LABELS or max(len(label) for label in chart.labels) > 10
