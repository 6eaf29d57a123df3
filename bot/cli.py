"""The `dealbot` command line: ask, history, the database, and (with the Slack app) serve."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from anthropic import Anthropic
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

import sandbox
import tools
from bot.agent import Agent, AgentConfig
from bot.claude import check_model, make_client
from bot.database import describe_database, prepare, sqlite_file, today_in
from bot.demo_programs import SAVED_NOTE, demo_questions, save_demo_programs, saved_program
from bot.evals.command import MODES, evaluate, evaluate_references
from bot.evals.questions import DEFAULT_QUESTIONS, EvalFileError
from bot.evals.report import DEFAULT_PRICES
from bot.history import History, utcnow
from bot.ops import logs
from bot.program_cache import ProgramCache
from bot.records import Origin, RunRecord
from bot.serve import check_slack_settings, serve
from bot.settings import (
    DEFAULT_DATABASE_URL,
    Settings,
    SettingsError,
    load_settings,
    mask_passwords,
)
from bot.slack.watches import check_poster_settings, poster_without_app
from bot.terminal import (
    history_table,
    make_console,
    print_details,
    print_run,
    run_as_json,
    watch_as_json,
    watch_table,
)
from bot.watches.runner import WatchConfig, WatchRunner
from bot.watches.scheduler import run_due
from bot.watches.store import WatchStore
from tools.demo import NotDemoData

log = logging.getLogger(__name__)

VERBOSE_HELP = "log what happens, in detail"
NO_KEY = "ANTHROPIC_API_KEY is not set: export ANTHROPIC_API_KEY=sk-ant-... and try again."
NO_DEALS = (
    "the database {where} has no deals: load the demo with `dealbot db seed --demo` "
    "or a feed with `dealbot db import FILE`"
)
WEAK_ISOLATION_SETTING = "DEALBOT_SANDBOX_ALLOW_WEAK_ISOLATION"
INTERRUPTED = "Stopped before it finished: the command was interrupted."
EXIT_STATUS: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


class UsageError(Exception):
    """A problem the person at the terminal can fix; printed as one line, exit status 2."""


class Terminated(BaseException):
    """SIGTERM arrived while `ask` worked (a BaseException, like KeyboardInterrupt, so that
    nothing on the way catches it as an ordinary failure)."""


class Interrupted(Exception):
    """The command was stopped by a signal; printed as one line, exit status 128 + signal."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.exit_status = EXIT_STATUS[signum]


class _Version(argparse.Action):
    """--version: the installed package's version, looked up only when asked for (reading the
    package metadata took 1.6 ms of every command)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: Any) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="show the version and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"{parser.prog} {version('dealbot')}")
        parser.exit()


@functools.cache
def build_parser() -> argparse.ArgumentParser:
    """The command line, built once per process: argparse looks up a translation of each of
    its messages as it builds (~8 ms for these commands), and a parser parses any number of
    argument lists."""
    parser = argparse.ArgumentParser(prog="dealbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer one question in the terminal")
    ask.add_argument("question", nargs="?", help='the question, or "-" to read it from stdin')
    ask.add_argument("--show-code", action="store_true", help="show the program it ran")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument(
        "--fresh", action="store_true", help="ask the model even when a cached program fits"
    )
    ask.add_argument(
        "--list-demo", action="store_true", help="the questions the demo answers with no key"
    )
    ask.set_defaults(handler=cmd_ask)

    serve = commands.add_parser("serve", help="run the Slack app")
    serve.add_argument("--port", type=_positive_int, default=3000)
    serve.set_defaults(handler=cmd_serve)

    history = commands.add_parser("history", help="recent runs from the code history")
    history.add_argument("--limit", type=_positive_int, default=20)
    history.add_argument("--json", action="store_true", help="print a JSON list of runs")
    history.set_defaults(handler=cmd_history)

    show = commands.add_parser("show", help="one run: question, programs, answer, cost")
    show.add_argument("run_id", help='a run id, or "last" for the most recent run')
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(handler=cmd_show)

    db = commands.add_parser("db", help="database: upgrade, seed, import")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_upgrade)
    seed = db_commands.add_parser("seed", help="fill the database with demo data")
    seed.add_argument("--demo", action="store_true", required=True)
    seed.add_argument("--products", type=_positive_int, default=None)
    seed.add_argument("--deals", type=_positive_int, default=None)
    seed.add_argument("--seed", type=int, default=None)
    seed.add_argument(
        "--replace", action="store_true", help="also delete deals that are not demo deals"
    )
    seed.set_defaults(handler=cmd_seed)
    feed = db_commands.add_parser("import", help="load a deals feed (CSV or JSON)")
    feed.add_argument("file")
    feed.set_defaults(handler=cmd_import)

    add_watch_commands(commands)

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
    _verbose_after_commands(parser)
    return parser


def add_watch_commands(commands: argparse._SubParsersAction) -> None:
    watches = commands.add_parser("watches", help="watches: list them, run the due ones")
    sub = watches.add_subparsers(dest="watches_command", required=True, metavar="WATCHES_COMMAND")
    listing = sub.add_parser("list", help="every watch of every workspace")
    listing.add_argument("--json", action="store_true", help="print a JSON list of watches")
    listing.set_defaults(handler=cmd_watches_list)
    due = sub.add_parser("run-due", help="run, once, every watch due now (what serve does)")
    due.add_argument(
        "--at", metavar="ISO8601", help="the instant to run for (no offset: DEALBOT_TIMEZONE)"
    )
    due.set_defaults(handler=cmd_watches_run_due)


def _verbose_after_commands(parser: argparse.ArgumentParser) -> None:
    """`dealbot serve -v` as well as `dealbot -v serve`; SUPPRESS keeps the earlier -v."""
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command.add_argument(
                    "-v",
                    "--verbose",
                    action="store_true",
                    default=argparse.SUPPRESS,
                    help=VERBOSE_HELP,
                )
                _verbose_after_commands(command)


MAX_COUNT = 2**31 - 1  # the largest count every database here takes


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 < value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"expected a number from 1 to {MAX_COUNT:,}, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        settings = load_settings()
        logs.configure(
            log_level(settings, verbose=args.verbose, command=args.command),
            settings.dealbot_log_format,
            secrets=logs.secrets_of(settings),
        )
        return handler(args, settings)
    except (SettingsError, UsageError) as exc:
        print(f"dealbot: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:  # operational, permissions, not a database, a bad parameter
        print(f"dealbot: {database_problem(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader left (`dealbot history --json | head`): nothing more to say, to anyone.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Interrupted as exc:
        print(f"dealbot: {exc}", file=sys.stderr)
        return exc.exit_status
    except (KeyboardInterrupt, Terminated) as exc:
        print("dealbot: interrupted", file=sys.stderr)
        return EXIT_STATUS[_signal_of(exc)]


def log_level(settings: Settings, *, verbose: bool, command: str) -> str:
    """-v: everything; else DEALBOT_LOG_LEVEL; else what the command's user wants to see."""
    if verbose:
        return "DEBUG"
    return settings.dealbot_log_level or ("INFO" if command == "serve" else "WARNING")


def database_problem(exc: DBAPIError, where: str = "") -> str:
    """One line naming DATABASE_URL (and the database, when known) and what the driver said,
    without the traceback or a password."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    database = f" {where}" if where else ""
    return f"DATABASE_URL: cannot use the database{database} ({mask_passwords(reason)})"


def _engine(settings: Settings, *, seed_default: bool = True) -> Engine:
    """The configured database, migrated (a SQLite file is created); the embedded default is
    also seeded on first use (unless the command loads data itself)."""
    try:
        return prepare(
            settings.database_url,
            seed_if_empty=seed_default and settings.database_url == DEFAULT_DATABASE_URL,
            timezone=settings.timezone,
            after_seed=lambda engine: _save_demo_programs(engine, settings),
        )
    except DBAPIError as exc:
        raise UsageError(database_problem(exc, describe_database(settings.database_url))) from None
    except NoSuchModuleError:  # "sqlitex://", "postgresqlx://"
        raise UsageError(
            "DATABASE_URL: unknown kind of database; use sqlite:///FILE or "
            "postgresql://USER@HOST/DATABASE"
        ) from None
    except ImportError as exc:
        raise UsageError(
            f"DATABASE_URL: its driver is not installed ({exc}); for PostgreSQL: "
            "pip install 'dealbot[postgres]'"
        ) from None


def _existing_engine(settings: Settings) -> Engine:
    """The configured database for commands that only read it: says which one on stderr, and
    never creates a SQLite file (a missing one is a one-line error)."""
    where = describe_database(settings.database_url)
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        raise UsageError(
            f"no database at {where}: `dealbot ask` or `dealbot db upgrade` creates it, "
            "or set DATABASE_URL to the one you mean"
        )
    engine = _engine(settings, seed_default=False)
    print(f"database: {where}", file=sys.stderr)
    return engine


def _check_sandbox(settings: Settings) -> None:
    """Start the sandbox and refuse, in one line, to go on when its isolation is incomplete
    (unless the operator accepts that)."""
    allowed = settings.dealbot_sandbox_allow_weak_isolation
    sandbox.configure(allow_weak_isolation=allowed)
    problem = sandbox.default_sandbox().isolation.problem()
    if problem is None:
        return
    if not allowed:
        raise UsageError(f"{problem}; or set {WEAK_ISOLATION_SETTING}=1 to run programs anyway")
    log.warning("%s; running programs anyway (%s=1)", problem, WEAK_ISOLATION_SETTING)


def _say_if_no_deals(engine: Engine, settings: Settings) -> None:
    """One line on stderr when there are no deals to answer from."""
    if tools.has_deals(engine):
        return
    print(
        f"dealbot: {NO_DEALS.format(where=describe_database(settings.database_url))}",
        file=sys.stderr,
    )


def make_agent(
    settings: Settings,
    engine: Engine,
    client: Anthropic | None = None,
    *,
    connect: Callable[[], Anthropic] | None = None,
) -> Agent:
    """The agent with `client`, or one made now, or by `connect` when a model call needs it."""
    cache = None
    if settings.dealbot_program_cache:
        cache = ProgramCache(engine, window=timedelta(hours=settings.dealbot_program_cache_hours))
    if client is None and connect is None:
        client = make_client(settings)
    return Agent(
        client=client,
        engine=engine,
        history=History(engine),
        config=AgentConfig.from_settings(settings),
        cache=cache,
        connect=connect,
    )


def make_saved_agent(settings: Settings, engine: Engine) -> Agent:
    """An agent with no model: it answers only with the demo's saved programs."""
    return Agent(
        client=None,
        engine=engine,
        history=History(engine),
        config=AgentConfig.from_settings(settings),
        cache=ProgramCache(engine, window=timedelta(hours=settings.dealbot_program_cache_hours)),
    )


def _save_demo_programs(engine: Engine, settings: Settings) -> int:
    """Store the demo's saved programs as proven runs on the demo data just seeded (by any
    command: the sandbox runs them as `ask` would)."""
    sandbox.configure(allow_weak_isolation=settings.dealbot_sandbox_allow_weak_isolation)
    agent = make_saved_agent(settings, engine)
    assert agent.cache is not None
    return save_demo_programs(agent, agent.cache, timezone=settings.timezone)


def _no_key_try_demo() -> str:
    """The no-key line for a question no saved program answers: what to set, what to try."""
    tries = " · ".join(f'"{question}"' for question in demo_questions(3))
    return (
        "ANTHROPIC_API_KEY is not set: export ANTHROPIC_API_KEY=sk-ant-... to ask anything; "
        f"without a key, try a demo question: {tries} (dealbot ask --list-demo lists them all)"
    )


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.list_demo:
        print("\n".join(demo_questions()))
        return 0
    if args.question is None:
        raise UsageError('ask needs a question, e.g. dealbot ask "What deals end tomorrow?"')
    question = sys.stdin.read().strip() if args.question == "-" else args.question
    if not settings.anthropic_api_key:
        return _ask_saved(args, settings, question)
    _check_sandbox(settings)
    with _sigterm_raises():
        engine = _engine(settings)
        agent = make_agent(settings, engine, connect=lambda: _connected_client(settings))
        cached = agent.has_cached_program(question, origin=Origin(), timezone=settings.timezone)
        if args.fresh or not cached:
            agent.connect()  # a question for the model: its client and model checked first
        _say_if_no_deals(engine, settings)
        run = _answer(agent, question, fresh=args.fresh)
    if args.json:
        print(json.dumps(run_as_json(run, settings.timezone), ensure_ascii=False))
    else:
        print_run(make_console(), run, show_code=args.show_code)
    return 0 if run.ok else 1


def _connected_client(settings: Settings) -> Anthropic:
    """The model's client, its model looked up (`check_model`) before its first use."""
    client = make_client(settings)  # one client: building one loads the CA bundle (~15 ms)
    check_model(client, settings.model)
    return client


def _ask_saved(args: argparse.Namespace, settings: Settings, question: str) -> int:
    """No key: a demo question is answered by its saved program, with no model call."""
    if args.fresh or saved_program(question) is None:
        raise UsageError(_no_key_try_demo())
    _check_sandbox(settings)
    with _sigterm_raises():
        engine = _engine(settings)
        _say_if_no_deals(engine, settings)
        run = _answer(make_saved_agent(settings, engine), question)
    if args.json:
        print(json.dumps(run_as_json(run, settings.timezone), ensure_ascii=False))
    else:
        print_run(make_console(), run, show_code=args.show_code)
    if run.reused_from is not None:
        print(SAVED_NOTE, file=sys.stderr if args.json else sys.stdout)
    return 0 if run.ok else 1


def _answer(agent: Agent, question: str, *, fresh: bool = False) -> RunRecord:
    """Ask; a run stopped by Ctrl-C or SIGTERM is marked interrupted instead of left pending."""
    run = agent.record(question, origin=Origin())
    try:
        return agent.complete(run, fresh=fresh)
    except (KeyboardInterrupt, Terminated) as exc:
        if agent.history.mark_interrupted(run.run_id, INTERRUPTED):
            message = f"interrupted: run {run.run_id} is marked interrupted"
        else:
            message = f"interrupted after run {run.run_id} finished"
        raise Interrupted(message, _signal_of(exc)) from None


def _signal_of(exc: BaseException) -> signal.Signals:
    return signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated in the main thread (instead of ending the
    process on the spot), so the command can record that it was stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(_signum: int, _frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    check_slack_settings(settings)
    if not settings.anthropic_api_key:
        raise UsageError(NO_KEY)
    _check_sandbox(settings)
    check_model(make_client(settings), settings.model)
    engine = _engine(settings)
    if not tools.has_deals(engine):
        log.warning(NO_DEALS.format(where=describe_database(settings.database_url)))
    serve(settings, make_agent(settings, engine), port=args.port)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    if args.references:
        return _references(args, settings)
    if not settings.anthropic_api_key:
        raise UsageError(NO_KEY)
    if args.model:
        settings = settings.model_copy(update={"dealbot_model": args.model})
    _check_sandbox(settings)
    check_model(make_client(settings), settings.model)
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
        raise UsageError(NO_DEALS.format(where=describe_database(settings.database_url)))
    try:
        return evaluate_references(
            engine, timezone=settings.dealbot_timezone, questions=args.questions
        )
    except EvalFileError as exc:
        raise UsageError(str(exc)) from None


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    runs = History(_existing_engine(settings)).recent(limit=args.limit)
    if args.json:
        print(json.dumps([run_as_json(r, settings.timezone) for r in runs], ensure_ascii=False))
    elif not runs:
        print('No runs yet: try dealbot ask "Any deals on orange soda this weekend?"')
    else:
        make_console().print(history_table(runs, settings.timezone))
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    history = History(_existing_engine(settings))
    wanted = args.run_id.strip()
    if wanted.lower() == "last":
        run = next(iter(history.recent(limit=1)), None)
        if run is None:
            raise UsageError('no runs yet: try dealbot ask "Any deals on orange soda?"')
    elif (run := history.get(wanted)) is None:
        raise UsageError(f"no run {wanted!r}: dealbot history lists the recent ones")
    if args.json:
        print(json.dumps(run_as_json(run, settings.timezone, programs=True), ensure_ascii=False))
    else:
        print_details(make_console(), run, settings.timezone)
    return 0


def cmd_watches_list(args: argparse.Namespace, settings: Settings) -> int:
    watches = WatchStore(_existing_engine(settings)).all()
    if args.json:
        print(json.dumps([watch_as_json(watch) for watch in watches], ensure_ascii=False))
    elif not watches:
        print("No watches yet: press 🔔 Watch under an answer in Slack, or /dealbot watch …")
    else:
        make_console().print(watch_table(watches))
    return 0


def cmd_watches_run_due(args: argparse.Namespace, settings: Settings) -> int:
    at = _instant(args.at, settings.timezone) if args.at is not None else None
    when = f"at {args.at}" if args.at is not None else "now"
    check_poster_settings(settings)
    engine = _existing_engine(settings)
    store = WatchStore(engine, max_per_owner=settings.dealbot_max_watches)
    if not settings.anthropic_api_key:
        # Run from cron, most calls find nothing due: that needs no model.
        if not store.has_due(at or utcnow()):
            print(f"no watch was due {when}")
            return 0
        raise UsageError(NO_KEY + " (a broken watch program is repaired by the model)")
    runner = WatchRunner(
        agent=make_agent(settings, engine),
        store=store,
        poster_for=poster_without_app(settings, engine),
        config=WatchConfig.from_settings(settings),
    )
    outcomes = run_due(runner, at, workers=settings.dealbot_watch_workers)
    if not outcomes:
        print(f"no watch was due {when}")
    else:
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        print(f"ran {sum(outcomes.values())} due watch slots {when}: {counts}")
    return 0 if not outcomes["failed"] else 1


def _instant(text: str, timezone: str) -> datetime:
    """An ISO 8601 instant as naive UTC; without an offset it is read in `timezone`."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--at {text!r} is not an ISO 8601 time (e.g. 2026-05-08T09:00 or "
            "2026-05-08T09:00:00-05:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00+14:00 is in year 0 in UTC
        raise UsageError(f"--at {text!r} is out of the range of dates") from None


def cmd_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    _engine(settings, seed_default=False)
    print(f"database {describe_database(settings.database_url)} is up to date")
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings, seed_default=False)
    options = {k: v for k in ("products", "deals", "seed") if (v := getattr(args, k)) is not None}
    try:
        report = tools.seed_demo(
            engine, today=today_in(settings.timezone), replace=args.replace, **options
        )
    except NotDemoData as exc:
        print(
            f"dealbot: {exc}, which seeding would delete: nothing changed "
            "(add --replace to delete them)",
            file=sys.stderr,
        )
        return 1
    saved = _save_demo_programs(engine, settings)
    print(
        f"seeded {describe_database(settings.database_url)}: {report.stores:,} stores, "
        f"{report.products:,} products, {report.deals:,} deals dated around {report.today}, "
        f"{saved} saved programs ({report.seconds:.1f} s)"
    )
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        feed = tools.open_feed(args.file)  # first: a mistyped name touches no database
        engine = _engine(settings, seed_default=False)
        with _import_progress() as progress:
            report = tools.import_feed(engine, feed, progress)
    except tools.FeedError as exc:
        print(f"dealbot: {exc}", file=sys.stderr)
        return 1
    print(f"imported {feed.path}: {report}")
    return 0


@contextmanager
def _import_progress() -> Iterator[tools.ImportProgress | None]:
    """A bar on stderr while a feed imports, only when stderr is a terminal; it vanishes
    when done, leaving the result line."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("reading", total=None)

        def show(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield show
