"""How runs look in a terminal and as JSON. What users, the model or the data wrote is printed
as written: never read as rich markup, never highlighted, never wrapped or cropped by dealbot
(a pipe gets the text and the code verbatim). Only dealbot's own labels are styled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from bot.records import RunRecord
from bot.structured import Chart
from bot.structured import Table as AnswerTable
from bot.watches.store import Watch

QUESTION_WIDTH = 70
SHOWN_STATUS = {"ok": "yes", "failed": "no"}


def make_console(*, stderr: bool = False) -> Console:
    """A console that reads no markup, highlights nothing and leaves wrapping to the terminal."""
    return Console(stderr=stderr, markup=False, highlight=False, soft_wrap=True)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def local_time(moment: datetime, timezone: str) -> datetime:
    """A stored moment (naive UTC) in `timezone`."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def footer(run: RunRecord) -> str:
    reused = f" · reused the program of run {run.reused_from}" if run.reused_from else ""
    return (
        f"run {run.run_id} · {plural(run.usage.llm_calls, 'model call')} · "
        f"{plural(run.tool_calls, 'tool call')} · {run.duration_ms / 1000:.1f} s · "
        f"{run.usage.input_tokens:,} in / {run.usage.output_tokens:,} out tokens{reused}"
    )


def print_code(console: Console, code: str) -> None:
    """Numbered and coloured on a terminal, long lines wrapped (never cropped); verbatim in a
    pipe, so it can be saved and run."""
    if console.is_terminal:
        syntax = Syntax(code, "python", line_numbers=True, word_wrap=True)
        console.print(syntax, soft_wrap=False)
    else:
        console.print(code)


def print_run(console: Console, run: RunRecord, *, show_code: bool) -> None:
    """The answer (or what went wrong) with its table, where its chart was, the program when
    asked, and what it cost."""
    if run.ok:
        console.print(run.answer or "")
        if run.table:
            console.print(answer_table(run.table))
        if run.chart:
            console.print(Text(chart_note(run.chart), style="dim"))
    else:
        console.print(Text(run.error or run.status, style="red"))
    if show_code and run.code:
        print_code(console, run.code)
    console.print(Text(footer(run), style="dim"))


def print_details(console: Console, run: RunRecord, timezone: str) -> None:
    """One run in full: when and how it ended, the question, every program tried, the answer."""
    when = local_time(run.created_at, timezone)
    stamp = f" · {when:%Y-%m-%d %H:%M %Z} · {run.status}"
    console.print(Text.assemble((run.run_id, "bold"), stamp))
    console.print(Text.assemble(("Question: ", "bold"), run.question))
    for number, attempt in enumerate(run.attempts, 1):
        verdict = "ok" if attempt.ok else f"{attempt.error_kind}: {attempt.error}"
        console.print(Text.assemble((f"Program {number}", "bold"), f" ({verdict})"))
        print_code(console, attempt.code)
    if run.ok:
        console.print(Text.assemble(("Answer: ", "bold"), run.answer or ""))
    else:
        console.print(Text.assemble(("Answer: ", "bold"), (run.error or "none", "red")))
    console.print(Text(footer(run), style="dim"))


def answer_table(table: AnswerTable) -> Table:
    """An answer's table as the data wrote it: cells never read as markup, numbers right-aligned."""
    shown = Table(*table.columns)
    for index, column in enumerate(shown.columns):
        if all(_is_number(row[index]) for row in table.rows if row[index] is not None):
            column.justify = "right"
    for row in table.rows:
        shown.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    return shown


def chart_note(chart: Chart) -> str:
    """Where the answer's chart was: Slack draws it, the terminal names it."""
    names = ", ".join(series.name for series in chart.series)
    return (
        f"[{chart.kind} chart in Slack: {chart.title} — {names}, "
        f"{plural(len(chart.labels), 'point')} from {chart.labels[0]} to {chart.labels[-1]}]"
    )


def _is_number(cell: object) -> bool:
    return isinstance(cell, int | float) and not isinstance(cell, bool)


def history_table(runs: list[RunRecord], timezone: str) -> Table:
    table = Table("run", "when", "origin", "ok", "model calls", "question")
    for run in runs:
        table.add_row(
            run.run_id,
            f"{local_time(run.created_at, timezone):%Y-%m-%d %H:%M %Z}",
            run.origin.source,
            SHOWN_STATUS.get(run.status, run.status),
            str(run.usage.llm_calls),
            Text(one_line(run.question, QUESTION_WIDTH)),
        )
    return table


def one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def run_as_json(run: RunRecord, timezone: str, *, programs: bool = False) -> dict[str, Any]:
    """One run as plain data: what `ask --json`, `history --json` and `show --json` print
    (`show` adds every program tried)."""
    shown: dict[str, Any] = {
        "ok": run.ok,
        "status": run.status,
        "question": run.question,
        "answer": run.answer,
        "error": run.error,
        "code": run.code,
        "run_id": run.run_id,
        "created_at": local_time(run.created_at, timezone).isoformat(),
        "source": run.origin.source,
        "llm_calls": run.usage.llm_calls,
        "tool_calls": run.tool_calls,
        "duration_ms": run.duration_ms,
        "model_ms": run.model_ms,
        "sandbox_ms": run.sandbox_ms,
        "input_tokens": run.usage.input_tokens,
        "output_tokens": run.usage.output_tokens,
        "cache_read_tokens": run.usage.cache_read_tokens,
        "cache_write_tokens": run.usage.cache_write_tokens,
        "attempts": len(run.attempts),
        "model": run.model,
        "table": run.table.to_json() if run.table else None,
        "chart": run.chart.to_json() if run.chart else None,
        "reused_from": run.reused_from,
    }
    if programs:
        shown["programs"] = [
            {
                "code": attempt.code,
                "ok": attempt.ok,
                "error": attempt.error,
                "error_kind": attempt.error_kind,
                "stdout": attempt.stdout,
                "duration_ms": attempt.duration_ms,
                "tool_calls": attempt.tool_calls,
            }
            for attempt in run.attempts
        ]
    return shown


def watch_target(watch: Watch) -> str:
    """Where a watch posts, for operators: "channel C0DEALS", "thread C0DEALS/1715…", "dm U0…"."""
    if watch.target == "thread":
        return f"thread {watch.channel_id}/{watch.thread_ts}"
    return f"{watch.target} {watch.channel_id}"


def watch_as_json(watch: Watch) -> dict[str, Any]:
    """One watch as `dealbot watches list --json` prints it; times in the owner's zone."""
    return {
        "id": watch.watch_id,
        "question": watch.question,
        "schedule": watch.schedule.describe(),
        "rule": watch.schedule.rule,
        "timezone": watch.timezone,
        "next_run_at": local_time(watch.next_run_at, watch.timezone).isoformat(),
        "owner": watch.owner_id,
        "team": watch.team_id,
        "target": watch_target(watch),
        "paused": watch.paused,
        "pause_reason": watch.pause_reason,
        "only_changes": watch.only_changes,
        "failures": watch.failures,
        "last_posted_at": (
            local_time(watch.last_posted_at, watch.timezone).isoformat()
            if watch.last_posted_at
            else None
        ),
        "last_run_id": watch.last_run_id,
        "source_run_id": watch.source_run_id,
    }


def watch_table(watches: list[Watch]) -> Table:
    table = Table("watch", "owner", "schedule", "next run", "target", "paused", "question")
    for watch in watches:
        table.add_row(
            watch.watch_id,
            watch.owner_id,
            f"{watch.schedule.describe()} ({watch.timezone})",
            f"{local_time(watch.next_run_at, watch.timezone):%Y-%m-%d %H:%M %Z}",
            watch_target(watch),
            "yes" if watch.paused else "no",
            Text(one_line(watch.question, QUESTION_WIDTH)),
        )
    return table
