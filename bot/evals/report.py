"""What an eval run measured, per mode: the printed table, the failed questions with why,
the JSON report with every question's transcript summary, and the editable price table."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.evals.checks import Facts
from bot.evals.questions import EvalFileError, read_yaml
from bot.evals.references import fact_list
from bot.evals.runner import EvalRun, QuestionResult, Trial
from bot.records import Usage

DEFAULT_PRICES = Path(__file__).resolve().parents[2] / "evals" / "prices.yaml"
PER_MILLION = 1_000_000


@dataclass(frozen=True)
class Prices:
    """US dollars per million tokens."""

    input: float
    output: float
    cache_write: float
    cache_read: float

    def cost(self, usage: Usage) -> float:
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_write_tokens * self.cache_write
            + usage.cache_read_tokens * self.cache_read
        ) / PER_MILLION


def load_prices(path: Path) -> dict[str, Prices]:
    data = read_yaml(path)
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict):
        raise EvalFileError(f"{path}: expected a 'models:' mapping of model -> prices")
    table = {}
    for model, prices in models.items():
        try:
            table[str(model)] = Prices(**{k: float(v) for k, v in prices.items()})
        except (AttributeError, TypeError, ValueError):
            fields = "input, output, cache_write, cache_read"
            raise EvalFileError(f"{path}: {model}: expected numbers for {fields}") from None
    return table


def price_for(table: Mapping[str, Prices], model: str) -> Prices | None:
    """The model's own entry, else the longest entry its id starts with, else None."""
    if model in table:
        return table[model]
    prefixes = [name for name in table if model.startswith(name)]
    return table[max(prefixes, key=len)] if prefixes else None


@dataclass(frozen=True)
class ModeSummary:
    mode: str
    questions: int
    tries: int
    repeat: int
    pass_1: float
    pass_k: float
    mean_calls: float
    max_calls: int
    mean_tool_calls: float
    usage: Usage
    cost_per_100: float | None
    p50_ms: float
    p95_ms: float
    sandbox_errors: int
    repairs: int
    tool_errors: int
    failures: tuple[tuple[str, int, str], ...]  # (question id, try, why)


def pass_hat(passes: Sequence[int], tries: int, k: int) -> float:
    """pass^k: the chance that k tries at a question all pass, averaged over the questions
    (the unbiased estimate from `tries` tries with `passes[q]` passes each)."""
    if not passes:
        return 0.0
    return fmean(math.comb(passed, k) / math.comb(tries, k) for passed in passes)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.5 is the median); 0 for no values. The one
    percentile of the project: the eval and every benchmark report with it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def summarize(run: EvalRun, mode: str, prices: Prices | None) -> ModeSummary:
    trials = run.trials(mode)
    usage = sum((trial.answered.usage for trial in trials), Usage())
    passes = [sum(t.passed for t in r.trials if t.mode == mode) for r in run.results]
    calls = [trial.answered.usage.llm_calls for trial in trials]
    latencies = [trial.answered.duration_ms for trial in trials]
    cost = prices.cost(usage) / len(trials) * 100 if prices and trials else None
    return ModeSummary(
        mode=mode,
        questions=len(run.results),
        tries=len(trials),
        repeat=run.repeat,
        pass_1=pass_hat(passes, run.repeat, 1),
        pass_k=pass_hat(passes, run.repeat, run.repeat),
        mean_calls=fmean(calls) if calls else 0.0,
        max_calls=max(calls, default=0),
        mean_tool_calls=fmean(t.answered.tool_calls for t in trials) if trials else 0.0,
        usage=usage,
        cost_per_100=cost,
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        sandbox_errors=sum(trial.answered.sandbox_errors for trial in trials),
        repairs=sum(trial.answered.repairs for trial in trials),
        tool_errors=sum(trial.answered.tool_errors for trial in trials),
        failures=tuple((t.question_id, t.attempt, t.why) for t in trials if not t.passed),
    )


def print_report(
    console: Console, run: EvalRun, summaries: Sequence[ModeSummary], prices: Prices | None
) -> None:
    console.print(measures_table(run, summaries, prices))
    for summary in summaries:
        _print_failures(console, summary)


def measures_table(run: EvalRun, summaries: Sequence[ModeSummary], prices: Prices | None) -> Table:
    title = f"dealbot eval · {run.model} · {len(run.results)} questions × {run.repeat}"
    table = Table(title=Text(title), title_justify="left")  # Text: a model name is no markup
    table.add_column("measure")
    for summary in summaries:
        table.add_column(summary.mode, justify="right")
    for label, cell in _rows(run.repeat, prices, run.model):
        table.add_row(label, *(Text(cell(summary)) for summary in summaries))
    return table


def _rows(repeat: int, prices: Prices | None, model: str) -> list[tuple[str, Any]]:
    def tokens(name: str):
        return lambda s: _tokens(getattr(s.usage, name), s.questions * s.repeat)

    rows = [("pass^1", lambda s: f"{s.pass_1:.1%}")]
    if repeat > 1:
        rows.append((f"pass^{repeat} (all {repeat} tries)", lambda s: f"{s.pass_k:.1%}"))
    rows += [
        ("model calls / question", lambda s: f"{s.mean_calls:.2f} mean · {s.max_calls} max"),
        ("tool calls / question", lambda s: f"{s.mean_tool_calls:.1f}"),
        ("input tokens", tokens("input_tokens")),
        ("output tokens", tokens("output_tokens")),
        ("cache-read tokens", tokens("cache_read_tokens")),
        ("cache-write tokens", tokens("cache_write_tokens")),
        ("est. cost / 100 questions", lambda s: _cost(s.cost_per_100, model)),
        ("latency p50 / p95", lambda s: f"{s.p50_ms / 1000:.1f} s / {s.p95_ms / 1000:.1f} s"),
        ("sandbox errors · repairs", lambda s: f"{s.sandbox_errors} · {s.repairs}"),
        ("tool-call errors", lambda s: str(s.tool_errors)),
    ]
    return rows


def _tokens(total: int, tries: int) -> str:
    return f"{total:,} ({total / tries:,.0f}/q)" if tries else "0"


def _cost(cost: float | None, model: str) -> str:
    return f"${cost:,.2f}" if cost is not None else f"n/a (add {model} to prices.yaml)"


def _print_failures(console: Console, summary: ModeSummary) -> None:
    if not summary.failures:
        console.print(f"[green]{summary.mode}: every try passed[/green]")
        return
    failed = len({question for question, _try, _why in summary.failures})
    console.print(
        f"[bold]{summary.mode}: {failed} of {summary.questions} questions failed "
        f"at least once[/bold]",
        highlight=False,
    )
    for question, attempt, why in summary.failures:
        tries = f" (try {attempt}/{summary.repeat})" if summary.repeat > 1 else ""
        console.print(f"  - {question}{tries}: {why}", markup=False, highlight=False)


def report_json(
    run: EvalRun, summaries: Sequence[ModeSummary], prices: Prices | None
) -> dict[str, Any]:
    """The whole run as plain data: settings, per-mode measures, every question's tries."""
    return {
        "model": run.model,
        "timezone": run.timezone,
        "started": run.started.isoformat(timespec="seconds"),
        "repeat": run.repeat,
        "modes": list(run.modes),
        "questions_file": run.questions_file,
        "prices_per_million_tokens": asdict(prices) if prices else None,
        "summary": {summary.mode: _summary_json(summary) for summary in summaries},
        "questions": [_question_json(result) for result in run.results],
    }


def _summary_json(summary: ModeSummary) -> dict[str, Any]:
    data = asdict(summary)
    data["failures"] = [
        {"question": question, "try": attempt, "why": why}
        for question, attempt, why in summary.failures
    ]
    return data


def _question_json(result: QuestionResult) -> dict[str, Any]:
    question = result.question
    return {
        "id": question.id,
        "question": question.text,
        "tags": list(question.tags),
        "reference": question.reference,
        "when": question.when,
        "check": list(question.check),
        "reference_error": result.reference_error,
        "expected": [_checked(facts, question.check) for facts in result.expected],
        "trials": [_trial_json(trial) for trial in result.trials],
    }


def _checked(facts: Facts, check: Sequence[str]) -> dict[str, list[dict]]:
    """The facts the answer had to state (all the reference found is more than that)."""
    return fact_list({label: group for label, group in facts.items() if label in check})


def _trial_json(trial: Trial) -> dict[str, Any]:
    answered = trial.answered
    return {
        "mode": trial.mode,
        "try": trial.attempt,
        "passed": trial.passed,
        "why": trial.why,
        "answer": answered.answer,
        "error": answered.error,
        "run_id": answered.run_id,
        **asdict(answered.usage),
        "tool_calls": answered.tool_calls,
        "duration_ms": answered.duration_ms,
        "sandbox_errors": answered.sandbox_errors,
        "repairs": answered.repairs,
        "tool_errors": answered.tool_errors,
        "transcript": list(answered.transcript),
    }
