"""What each question's reference costs: the deals-tool calls (and time) working out its facts
takes. `dealbot eval --references` prints it without asking a model; a reference that needs
many calls is a sign the tools make a program loop where one call should do."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.evals.questions import EvalQuestion
from bot.evals.selection import Tools

MOST_CALLS = 10  # the goal: no reference needs more


class CountingTools(Mapping[str, Callable[..., Any]]):
    """The deals tools, counting every call made through them."""

    def __init__(self, tools: Tools) -> None:
        self._tools = tools
        self.calls = 0

    def __getitem__(self, name: str) -> Callable[..., Any]:
        tool = self._tools[name]

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return tool(*args, **kwargs)

        return counted

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def __len__(self) -> int:
        return len(self._tools)


@dataclass(frozen=True)
class ReferenceCost:
    question_id: str
    calls: int
    readings: int  # the question's readings (argument sets), each computed
    milliseconds: float
    found: bool  # whether any reading found facts (else the answer must say "none")
    error: str | None = None


def reference_costs(questions: Sequence[EvalQuestion], tools: Tools) -> list[ReferenceCost]:
    """Each question's reference run once through counting tools."""
    costs = []
    for question in questions:
        counting = CountingTools(tools)
        started = time.perf_counter()
        try:
            found, error = any(question.expected(counting)), None
        except Exception as exc:  # a broken reference is reported, not fatal
            found, error = False, f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        readings = len(question.args)
        costs.append(ReferenceCost(question.id, counting.calls, readings, elapsed, found, error))
    return costs


def print_costs(console: Console, costs: Sequence[ReferenceCost]) -> None:
    table = Table(title="Tool calls each reference needs")
    for column in ("question", "tool calls", "readings", "ms", "facts"):
        table.add_column(column, justify="left" if column in ("question", "facts") else "right")
    for cost in costs:
        facts = cost.error or ("found" if cost.found else "none (must say so)")
        row = (str(cost.calls), str(cost.readings), f"{cost.milliseconds:.0f}", facts)
        table.add_row(cost.question_id, *row)
    console.print(table)
    worst = max(costs, key=lambda cost: cost.calls)
    over = [cost.question_id for cost in costs if cost.calls > MOST_CALLS]
    verdict = f"over {MOST_CALLS}: {', '.join(over)}" if over else f"none above {MOST_CALLS}"
    console.print(
        f"{len(costs)} questions: mean {sum(c.calls for c in costs) / len(costs):.1f} calls,"
        f" most {worst.calls} ({worst.question_id}); {verdict}",
        highlight=False,
    )
