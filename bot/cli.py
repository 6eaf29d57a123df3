"""The `dealbot` command line: ask, history, the database, and (with the Slack app) serve."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from sqlalchemy.exc import OperationalError

import tools
from bot.agent import Agent, AgentConfig
from bot.claude import make_client
from bot.database import prepare, today_in
from bot.evals.command import MODES, evaluate, evaluate_references
from bot.evals.questions import DEFAULT_QUESTIONS, EvalFileError
from bot.evals.report import DEFAULT_PRICES
from bot.history import History
from bot.runs import RunRecord
from bot.serve import check_slack_settings, serve
from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

NO_KEY = "ANTHROPIC_API_KEY is not set: export ANTHROPIC_API_KEY=sk-ant-... and try again."
NO_DEALS = "the database has no deals: load some with `dealbot db seed --demo` or `db import FILE`"


class UsageError(Exception):
    """A problem the person at the terminal can fix; printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dealbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer one question in the terminal")
    ask.add_argument("question")
    ask.add_argument("--show-code", action="store_true", help="show the program it ran")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.set_defaults(handler=cmd_ask)

    serve = commands.add_parser("serve", help="run the Slack app")
    serve.add_argument("--port", type=_positive_int, default=3000)
    serve.set_defaults(handler=cmd_serve)

    history = commands.add_parser("history", help="recent runs from the code history")
    history.add_argument("--limit", type=_positive_int, default=20)
    history.set_defaults(handler=cmd_history)

    show = commands.add_parser("show", help="one run: question, programs, answer, cost")
    show.add_argument("run_id")
    show.set_defaults(handler=cmd_show)

    db = commands.add_parser("db", help="database: upgrade, seed, import")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_upgrade)
    seed = db_commands.add_parser("seed", help="fill the database with demo data")
    seed.add_argument("--demo", action="store_true", required=True)
    seed.add_argument("--products", type=_positive_int, default=None)
    seed.add_argument("--deals", type=_positive_int, default=None)
    seed.add_argument("--seed", type=int, default=None)
    seed.set_defaults(handler=cmd_seed)
    feed = db_commands.add_parser("import", help="load a deals feed (CSV or JSON)")
    feed.add_argument("file")
    feed.set_defaults(handler=cmd_import)

    evaluation = commands.add_parser("eval", help="measure ephemeral code against function calling")
    evaluation.add_argument("--mode", choices=MODES, default="both")
    evaluation.add_argument("--model", help="the model both modes use (default DEALBOT_MODEL)")
    evaluation.add_argument(
        "--repeat", type=_positive_int, default=1, metavar="K", help="tries per question"
    )
    evaluation.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, metavar="FILE")
    evaluation.add_argument("--prices", type=Path, default=DEFAULT_PRICES, metavar="FILE")
    evaluation.add_argument("--out", type=Path, metavar="FILE", help="write the JSON report")
    evaluation.add_argument(
        "--references", action="store_true", help="only the tool calls each reference needs"
    )
    evaluation.set_defaults(handler=cmd_eval)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, load_settings())
    except (SettingsError, UsageError) as exc:
        print(f"dealbot: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"dealbot: {database_problem(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def database_problem(exc: OperationalError) -> str:
    """One line naming DATABASE_URL and what the driver said, without the traceback."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return f"DATABASE_URL: cannot use the database ({reason})"


def _engine(settings: Settings, *, seed_default: bool = True):
    """The configured database, migrated; the embedded default is also seeded on first use
    (unless the command loads data itself)."""
    return prepare(
        settings.database_url,
        seed_if_empty=seed_default and settings.database_url == DEFAULT_DATABASE_URL,
        timezone=settings.timezone,
    )


def make_agent(settings: Settings, engine) -> Agent:
    config = AgentConfig(
        model=settings.model,
        timezone=settings.timezone,
        sandbox_timeout_s=settings.dealbot_sandbox_timeout_s,
        sandbox_memory_mb=settings.dealbot_sandbox_memory_mb,
        max_question_chars=settings.dealbot_max_question_chars,
    )
    return Agent(
        client=make_client(settings), engine=engine, history=History(engine), config=config
    )


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.anthropic_api_key:
        raise UsageError(NO_KEY)
    engine = _engine(settings)
    run = make_agent(settings, engine).ask(args.question)
    if args.json:
        print(json.dumps(run_as_json(run), ensure_ascii=False))
    else:
        _print_run(Console(), run, show_code=args.show_code)
    return 0 if run.ok else 1


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    check_slack_settings(settings)
    if not settings.anthropic_api_key:
        raise UsageError(NO_KEY)
    engine = _engine(settings)
    serve(settings, make_agent(settings, engine), port=args.port)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    if args.references:
        return _references(args, settings)
    if not settings.anthropic_api_key:
        raise UsageError(NO_KEY)
    if args.model:
        settings = settings.model_copy(update={"dealbot_model": args.model})
    agent = make_agent(settings, _engine(settings))
    try:
        return evaluate(
            agent,
            mode=args.mode,
            repeat=args.repeat,
            questions=args.questions,
            prices=args.prices,
            out=args.out,
        )
    except EvalFileError as exc:
        raise UsageError(str(exc)) from None


def _references(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    if not tools.has_deals(engine):
        raise UsageError(NO_DEALS)
    try:
        return evaluate_references(
            engine, timezone=settings.dealbot_timezone, questions=args.questions
        )
    except EvalFileError as exc:
        raise UsageError(str(exc)) from None


def run_as_json(run: RunRecord) -> dict:
    return {
        "ok": run.ok,
        "answer": run.answer,
        "error": run.error,
        "code": run.code,
        "run_id": run.run_id,
        "llm_calls": run.llm_calls,
        "tool_calls": run.tool_calls,
        "duration_ms": run.duration_ms,
        "model_ms": run.model_ms,
        "sandbox_ms": run.sandbox_ms,
        "input_tokens": run.input_tokens,
        "output_tokens": run.output_tokens,
        "cache_read_tokens": run.cache_read_tokens,
        "cache_write_tokens": run.cache_write_tokens,
        "attempts": len(run.attempts),
        "model": run.model,
    }


def _print_run(console: Console, run: RunRecord, *, show_code: bool) -> None:
    console.print(run.answer if run.ok else f"[red]{run.error}[/red]", markup=not run.ok)
    if show_code and run.code:
        console.print(Syntax(run.code, "python", line_numbers=True))
    console.print(
        f"[dim]run {run.run_id} · {run.llm_calls} model calls · {run.tool_calls} tool calls · "
        f"{run.duration_ms / 1000:.1f}s · {run.input_tokens}/{run.output_tokens} tokens[/dim]"
    )


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    runs = History(_engine(settings)).recent(limit=args.limit)
    if not runs:
        print('No runs yet: try dealbot ask "Any deals on orange soda this weekend?"')
        return 0
    table = Table("run", "when (UTC)", "ok", "calls", "question")
    for run in runs:
        table.add_row(
            run.run_id,
            f"{run.created_at:%Y-%m-%d %H:%M}",
            {"ok": "yes", "failed": "no"}.get(run.status, run.status),
            str(run.llm_calls),
            _one_line(run.question, 70),
        )
    Console().print(table)
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    run = History(_engine(settings)).get(args.run_id.strip())
    if run is None:
        raise UsageError(f"no run {args.run_id!r}: dealbot history lists the recent ones")
    console = Console()
    console.print(f"[bold]{run.run_id}[/bold] · {run.created_at:%Y-%m-%d %H:%M} UTC · {run.status}")
    console.print(f"[bold]Question:[/bold] {run.question}", markup=True, highlight=False)
    for number, attempt in enumerate(run.attempts, 1):
        verdict = "ok" if attempt.ok else f"{attempt.error_kind}: {attempt.error}"
        console.print(f"[bold]Program {number}[/bold] ({verdict})", highlight=False)
        console.print(Syntax(attempt.code, "python", line_numbers=True))
    _print_run(console, run, show_code=False)
    return 0


def cmd_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    _engine(settings, seed_default=False)
    print("database is up to date")
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings, seed_default=False)
    options = {k: v for k in ("products", "deals", "seed") if (v := getattr(args, k)) is not None}
    report = tools.seed_demo(engine, today=today_in(settings.timezone), **options)
    print(f"seeded: {report}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings, seed_default=False)
    try:
        report = tools.import_feed(engine, args.file)
    except tools.FeedError as exc:
        print(f"dealbot: {exc}", file=sys.stderr)
        return 1
    print(f"imported {args.file}: {report}")
    return 0


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
