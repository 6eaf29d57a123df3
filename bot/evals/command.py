"""`dealbot eval` behind the command line: the chosen modes on the configured model over the
question set, a progress bar while it runs, then the table, the failed questions with why,
and the JSON report when asked for one."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

import tools
from bot.evals.function_mode import FunctionsConfig, FunctionsMode
from bot.evals.modes import CodeMode, Mode
from bot.evals.questions import DEFAULT_QUESTIONS, EvalFileError, load_questions
from bot.evals.reference_calls import MOST_CALLS, print_costs, reference_costs
from bot.evals.report import (
    DEFAULT_PRICES,
    load_prices,
    price_for,
    print_report,
    report_json,
    summarize,
)
from bot.evals.runner import EvalRun, Trial, run_questions

if TYPE_CHECKING:
    from bot.agent import Agent

log = logging.getLogger(__name__)

MODES = ("code", "functions", "both")


def evaluate(
    agent: Agent,
    *,
    mode: str = "both",
    repeat: int = 1,
    questions: Path = DEFAULT_QUESTIONS,
    prices: Path = DEFAULT_PRICES,
    out: Path | None = None,
    console: Console | None = None,
) -> int:
    """Run the eval and print what it measured; raises EvalFileError for unusable files."""
    question_set = load_questions(questions)
    price = price_for(load_prices(prices), agent.config.model)
    if out is not None and not out.resolve().parent.is_dir():
        raise EvalFileError(f"cannot write {out}: no folder {out.resolve().parent}")
    modes = build_modes(mode, agent)
    deal_tools = tools.build_tools(agent.engine, timezone=agent.config.timezone)
    started = datetime.now(UTC)
    log.info(
        "eval: %d questions x %d tries, modes %s, model %s",
        len(question_set),
        repeat,
        ", ".join(m.name for m in modes),
        agent.config.model,
    )
    with _progress(len(question_set) * len(modes) * repeat) as advance:
        results = run_questions(question_set, modes, deal_tools, repeat=repeat, on_trial=advance)
    run = EvalRun(
        model=agent.config.model,
        timezone=agent.config.timezone,
        repeat=repeat,
        modes=tuple(m.name for m in modes),
        questions_file=str(questions),
        started=started,
        results=results,
    )
    summaries = [summarize(run, name, price) for name in run.modes]
    console = console or Console()
    print_report(console, run, summaries, price)
    if out is not None:
        report = report_json(run, summaries, price)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        console.print(f"JSON report: {out}", highlight=False)
    return 0


def evaluate_references(
    engine: Engine,
    *,
    timezone: str,
    questions: Path = DEFAULT_QUESTIONS,
    console: Console | None = None,
) -> int:
    """Work out every question's facts through the deals tools, no model asked, and print
    the tool calls each needed; 1 when a reference fails or needs more than MOST_CALLS."""
    question_set = load_questions(questions)
    costs = reference_costs(question_set, tools.build_tools(engine, timezone=timezone))
    print_costs(console or Console(), costs)
    return 1 if any(cost.error or cost.calls > MOST_CALLS for cost in costs) else 0


def build_modes(mode: str, agent: Agent) -> list[Mode]:
    """The modes to compare, sharing one client, model, time zone and database."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    modes: list[Mode] = []
    if mode in ("code", "both"):
        modes.append(CodeMode(agent))
    if mode in ("functions", "both"):
        assert agent.client is not None  # `dealbot eval` refuses to start without a key
        config = FunctionsConfig(
            model=agent.config.model,
            timezone=agent.config.timezone,
            max_tokens=agent.config.max_tokens,
        )
        modes.append(FunctionsMode(client=agent.client, engine=agent.engine, config=config))
    return modes


@contextmanager
def _progress(total: int) -> Iterator[Callable[[Trial], None]]:
    """A progress bar on stderr (the table goes to stdout) and the callback that moves it."""
    columns = (
        TextColumn("{task.description}", markup=False),  # question ids come from a file
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    counts = {"done": 0, "passed": 0}
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("starting", total=total)

        def advance(trial: Trial) -> None:
            counts["done"] += 1
            counts["passed"] += trial.passed
            passed, done = counts["passed"], counts["done"]
            description = f"{passed}/{done} passed · {trial.mode} · {trial.question_id}"
            progress.update(task, advance=1, description=description)

        yield advance
