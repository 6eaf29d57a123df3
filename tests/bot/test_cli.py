"""The `dealbot` command line, end to end: real settings, database, client and sandbox."""

from __future__ import annotations

import io
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

import sandbox
import tools
from bot.cli import main
from bot.database import make_engine, upgrade
from bot.history import History
from bot.records import Attempt, Origin, Outcome, Usage
from bot.tables import RunRow
from tests.fakes.anthropic_api import text_reply
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET
from tools.tables import Deal

MAIN = "import sys; from bot.cli import main; sys.exit(main())"
MARKUP_QUESTION = "orange soda deals [/b] or [red]cheap[/red] ones?"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def cli_env(monkeypatch, fake_anthropic, demo_url):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("DATABASE_URL", demo_url)
    return fake_anthropic


def test_ask_json_prints_the_contract_fields(cli_env, capsys):
    cli_env.reply_code("final_answer('Fanta Orange 2L is $1.99 at Mission.')")

    status = main(["ask", "Any deals on orange soda this weekend?", "--json"])

    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert out["ok"] is True
    assert out["answer"] == "Fanta Orange 2L is $1.99 at Mission."
    assert out["code"] == "final_answer('Fanta Orange 2L is $1.99 at Mission.')"
    assert out["llm_calls"] == 1 and out["tool_calls"] == 0
    assert out["input_tokens"] == 100 and out["output_tokens"] == 20
    assert len(out["run_id"]) == 7 and out["duration_ms"] > 0


def test_ask_shows_the_code_when_asked(cli_env, capsys):
    cli_env.reply_code("final_answer('yes')  # a marker comment")

    assert main(["ask", "anything?", "--show-code"]) == 0

    out = capsys.readouterr().out
    assert "yes" in out and "a marker comment" in out


@pytest.fixture
def weak_sandbox(monkeypatch):
    """The shared sandbox restarted without chroot and Landlock: no required file fence."""
    sandbox.shutdown()
    monkeypatch.setenv("DEALBOT_SANDBOX_TESTING_SKIP", "chroot,landlock")
    yield
    sandbox.configure(allow_weak_isolation=False)
    sandbox.shutdown()


def test_ask_refuses_to_run_programs_when_the_sandbox_is_not_isolated(
    cli_env, weak_sandbox, capsys
):
    status = main(["ask", "Any deals on orange soda this weekend?"])

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "missing: no file access" in err
    assert "DEALBOT_SANDBOX_ALLOW_WEAK_ISOLATION=1" in err
    assert not cli_env.requests, "nothing was asked of the model"


def test_ask_runs_programs_in_a_weak_sandbox_when_the_operator_accepts_it(
    cli_env, weak_sandbox, monkeypatch, capsys
):
    monkeypatch.setenv("DEALBOT_SANDBOX_ALLOW_WEAK_ISOLATION", "1")
    cli_env.reply_code("final_answer('ran anyway')")

    status = main(["ask", "Any deals on orange soda this weekend?", "--json"])

    assert status == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "ran anyway"
    assert sandbox.default_sandbox().isolation.missing()


def test_ask_without_a_key_says_what_to_set(monkeypatch, capsys, demo_url):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", demo_url)

    assert main(["ask", "Any deals?"]) == 2

    err = capsys.readouterr().err.strip()
    assert "ANTHROPIC_API_KEY" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEALBOT_TIMEZONE", "Mars/Olympus"),
        ("DEALBOT_PROGRAM_CACHE_HOURS", "inf"),  # datetime arithmetic would overflow
        ("DEALBOT_WATCH_FRESH_HOURS", "1e300"),
        ("DEALBOT_WATCH_MIN_INTERVAL_MINUTES", "99999999999999999999"),
        ("DEALBOT_RATE_WINDOW_S", "100000000000"),
        ("DEALBOT_MODEL", ""),
        ("SLACK_API_URL", "notaurl"),
        ("ANTHROPIC_BASE_URL", "localhost:8080"),
        ("DEALBOT_MAX_WATCHES", "0"),
    ],
)
def test_malformed_setting_is_one_line_naming_it(monkeypatch, capsys, demo_url, variable, value):
    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("DATABASE_URL", demo_url)

    assert main(["history"]) == 2

    err = capsys.readouterr().err.strip()
    assert err.startswith(f"dealbot: {variable}:") and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"hello, I am a text file\n", "cannot use the database"),
        (None, "unknown kind of database"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(monkeypatch, capsys, tmp_path, content, says):
    path = tmp_path / "dealbot.db"
    if content is not None:
        path.write_bytes(content)
    url = f"sqlite:///{path}" if content is not None else f"sqlitex:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)

    assert main(["history"]) == 2

    err = capsys.readouterr().err.strip()
    assert err.startswith("dealbot: DATABASE_URL:") and says in err and len(err.splitlines()) == 1


def test_failed_answer_exits_nonzero_with_the_message(cli_env, capsys):
    assert main(["ask", "   "]) == 1
    assert "Ask me about store deals" in capsys.readouterr().out


@pytest.mark.parametrize("limit", ["0", "-3", "9223372036854775808"])
def test_a_history_limit_out_of_range_is_a_usage_error(cli_env, capsys, limit):
    with pytest.raises(SystemExit) as exited:
        main(["history", "--limit", limit])

    assert exited.value.code == 2
    assert "expected a number from 1 to 2,147,483,647" in capsys.readouterr().err


def test_history_and_show_read_back_a_run(cli_env, capsys):
    cli_env.reply_code("final_answer('cheapest is Oat Rings')\n# marker-xyz")
    main(["ask", "cheapest cereal?", "--json"])
    run_id = json.loads(capsys.readouterr().out)["run_id"]

    assert main(["history", "--limit", "5"]) == 0
    assert run_id in capsys.readouterr().out

    assert main(["show", run_id.upper()]) == 0
    out = capsys.readouterr().out
    assert "cheapest cereal?" in out and "marker-xyz" in out


def test_show_unknown_run_is_a_clear_error(cli_env, capsys):
    assert main(["show", "zzzzzzz"]) == 2
    assert "no run 'zzzzzzz'" in capsys.readouterr().err


def test_fresh_checkout_creates_migrates_and_seeds_the_default_database(
    monkeypatch, tmp_path, fake_anthropic, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    fake_anthropic.reply_code("final_answer(str(len(find_deals('orange soda'))))")

    assert main(["ask", "how many orange soda deals today?", "--json"]) == 0

    assert (tmp_path / "dealbot.db").exists()
    assert int(json.loads(capsys.readouterr().out)["answer"]) > 0


def test_db_upgrade_seed_and_import_on_a_fresh_database(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")

    assert main(["db", "upgrade"]) == 0
    assert main(["db", "seed", "--demo", "--products", "300", "--deals", "2000"]) == 0
    assert main(["db", "import", "docs/example-feed.csv"]) == 0
    assert main(["db", "import", "docs/example-feed.csv"]) == 0

    out = capsys.readouterr().out
    assert "seeded" in out and "imported docs/example-feed.csv" in out


def test_db_import_of_a_bad_feed_names_the_line_and_imports_nothing(monkeypatch, tmp_path, capsys):
    database = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", database)
    header, first, second, *_ = Path("docs/example-feed.csv").read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, first, second.replace("2026-11-25", "next friday")]))

    assert main(["db", "import", str(bad)]) == 1

    err = capsys.readouterr().err
    assert "nothing imported" in err and "line 3" in err and "line 2" not in err
    assert not tools.has_deals(make_engine(database))


def test_unusable_database_is_one_line_naming_database_url(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}")

    assert main(["db", "upgrade"]) == 2

    err = capsys.readouterr().err.strip()
    assert err.startswith("dealbot: DATABASE_URL: cannot use the database")
    assert len(err.splitlines()) == 1


# Helpers


def _stored_run(url: str, *, created_at: datetime | None = None, **outcome) -> str:
    """A finished CLI run written through the history, as `ask` would have left it."""
    engine = make_engine(url)
    history = History(engine)
    run = history.start(outcome.pop("question", "a question?"), origin=Origin(), model="test")
    usage = Usage(llm_calls=outcome.pop("llm_calls", 1), input_tokens=1200, output_tokens=150)
    history.finish(run.run_id, Outcome(**{"status": "ok", "usage": usage} | outcome))
    if created_at is not None:
        with engine.begin() as connection:
            connection.execute(
                update(RunRow).where(RunRow.run_id == run.run_id).values(created_at=created_at)
            )
    engine.dispose()
    return run.run_id


def _status_of(url: str, run_id: str) -> str:
    engine = make_engine(url)
    with engine.connect() as connection:
        status = connection.scalar(select(RunRow.status).where(RunRow.run_id == run_id))
    engine.dispose()
    return status


def _feed_ids(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        ids = list(connection.scalars(select(Deal.feed_id).order_by(Deal.feed_id)))
    engine.dispose()
    return ids


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def empty_url(sqlite_url) -> str:
    """A migrated SQLite database with no deals and no runs."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    return sqlite_url


# Text from users, the model and the data is printed as written


def test_markup_in_a_question_and_answer_prints_literally_everywhere(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # room for the question in the history table
    answer = "[bold]Fanta Orange 2 L[/bold] is $1.99 [/b] at [red]Mission[/red]."
    cli_env.reply_text(answer)

    assert main(["ask", MARKUP_QUESTION]) == 0
    assert answer in capsys.readouterr().out

    assert main(["history"]) == 0
    assert MARKUP_QUESTION in capsys.readouterr().out

    assert main(["show", "last"]) == 0
    out = capsys.readouterr().out
    assert MARKUP_QUESTION in out and answer in out


def test_markup_in_a_failed_program_and_its_error_prints_literally(demo_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    code = "deals = find_deals('[red]soda[/red]')\nfinal_answer(deals[0]['[/b]'])"
    failed = Attempt(code=code, ok=False, error="KeyError: '[/b]' [red]", error_kind="runtime")
    run_id = _stored_run(
        demo_url, status="failed", error="[/b] gave up", code=code, attempts=(failed,)
    )

    assert main(["show", run_id]) == 0

    out = capsys.readouterr().out
    assert code in out and "runtime: KeyError: '[/b]' [red]" in out and "[/b] gave up" in out


def test_a_piped_answer_is_not_wrapped(cli_env, capsys):
    answer = " ".join(f"deal {n} costs ${n}.99 at [Mission]" for n in range(1, 30))
    cli_env.reply_text(answer)

    assert main(["ask", "all the deals?"]) == 0

    assert capsys.readouterr().out.splitlines()[0] == answer


def test_on_a_terminal_numbers_stay_uncoloured_and_long_code_lines_wrap(
    demo_url, capsys, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    words = [f"w{n:02d}" for n in range(40)]
    code = f"final_answer({' + '.join(repr(w) for w in words)})"
    answer = "Save $2.50 on 2 cases: 12 pk for $9.99"
    run_id = _stored_run(demo_url, answer=answer, code=code, attempts=(Attempt(code, ok=True),))

    assert main(["show", run_id]) == 0

    out = capsys.readouterr().out
    assert "\x1b[" in out  # a terminal: labels and code are coloured
    [answer_line] = [line for line in out.splitlines() if "Save" in line]
    assert answer in answer_line  # no colour codes inside the shopper's answer
    visible = ANSI.sub("", out)
    assert all(f"'{word}'" in visible for word in words)  # wrapped, nothing cropped


def test_piped_code_is_printed_verbatim(cli_env, capsys):
    code = "final_answer('x' * 3)  # " + "a long comment that runs on " * 8
    cli_env.reply_code(code)

    assert main(["ask", "anything?", "--show-code"]) == 0

    assert code in capsys.readouterr().out.splitlines()


def test_show_labels_the_answer_and_counts_calls_and_tokens_in_words(demo_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    one = _stored_run(demo_url, answer="Fanta is $1.99.", llm_calls=1)
    two = _stored_run(demo_url, answer="Two tries.", llm_calls=2, tool_calls=1)

    assert main(["show", one]) == 0
    out = capsys.readouterr().out
    assert "Answer: Fanta is $1.99." in out
    assert "· 1 model call ·" in out and "· 0 tool calls ·" in out
    assert "1,200 in / 150 out tokens" in out

    assert main(["show", two]) == 0
    out = capsys.readouterr().out
    assert "· 2 model calls ·" in out and "· 1 tool call ·" in out


def test_history_and_show_give_times_in_dealbot_timezone(demo_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("DEALBOT_TIMEZONE", "Asia/Tokyo")
    run_id = _stored_run(demo_url, answer="ok", created_at=datetime(2026, 1, 15, 20, 30))

    assert main(["history"]) == 0
    assert "2026-01-16 05:30 JST" in capsys.readouterr().out
    assert main(["show", run_id]) == 0
    assert "2026-01-16 05:30 JST" in capsys.readouterr().out
    assert main(["show", run_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created_at"] == "2026-01-16T05:30:00+09:00"


# Which database a command reads, and which commands create one


@pytest.mark.parametrize("command", [["history"], ["show", "last"], ["show", "abcdefg"]])
def test_reading_commands_do_not_create_the_default_database(
    monkeypatch, tmp_path, capsys, command
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert main(command) == 2

    line = _one_line(capsys.readouterr().err)
    assert f"no database at {tmp_path / 'dealbot.db'}" in line
    assert list(tmp_path.iterdir()) == []


def test_history_says_which_database_it_reads(demo_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)

    assert main(["history"]) == 0

    err = capsys.readouterr().err
    assert _one_line(err) == f"database: {demo_url.removeprefix('sqlite:///')}"


def test_ask_on_a_database_without_deals_says_once_how_to_load_some(
    empty_url, anthropic_env, capsys, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    anthropic_env.reply_text("There are no orange soda deals right now.")

    assert main(["ask", "orange soda deals?"]) == 0

    out, err = capsys.readouterr()
    line = _one_line(err)
    assert "has no deals" in line and "dealbot db seed --demo" in line
    assert "dealbot db import FILE" in line
    assert "no orange soda deals" in out


def test_serve_on_a_database_without_deals_logs_it_at_start_up(
    empty_url, fake_slack, fake_anthropic
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DEALBOT_"))}
    env |= {
        "DATABASE_URL": empty_url,
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake_anthropic.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, "serve", "--port", str(_free_port())],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stderr], daemon=True).start()
    deadline = time.monotonic() + 30
    try:
        line = ""
        while "has no deals" not in line and time.monotonic() < deadline:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert "has no deals" in line and "dealbot db seed --demo" in line


# Demo seeding never deletes a feed's deals unasked


def _imported(database_url: str, monkeypatch) -> list[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["db", "import", "docs/example-feed.csv"]) == 0
    return _feed_ids(database_url)


def test_seed_refuses_a_database_holding_imported_deals(database_url, monkeypatch, capsys):
    before = _imported(database_url, monkeypatch)
    capsys.readouterr()

    assert main(["db", "seed", "--demo", "--products", "200", "--deals", "500"]) == 1

    line = _one_line(capsys.readouterr().err)
    assert f"{len(before)} deals that are not demo deals" in line and "--replace" in line
    assert _feed_ids(database_url) == before


def test_seed_with_replace_deletes_imported_deals(database_url, monkeypatch, capsys):
    _imported(database_url, monkeypatch)

    assert main(["db", "seed", "--demo", "--products", "200", "--deals", "500", "--replace"]) == 0

    ids = _feed_ids(database_url)
    assert len(ids) >= 500 and all(feed_id.startswith("demo-") for feed_id in ids)


def test_seed_over_demo_data_needs_no_replace(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    seed = ["db", "seed", "--demo", "--products", "200", "--deals", "500"]

    assert main(seed) == 0 and main([*seed, "--seed", "9"]) == 0

    assert f"seeded {sqlite_url.removeprefix('sqlite:///')}: 6 stores" in capsys.readouterr().out


# Stopping `ask`, reading the question from stdin, JSON and `show last`


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_ask_marks_its_run_interrupted(demo_url, fake_anthropic, signum, status):
    fake_anthropic.push(text_reply("too late", delay=60))
    env = os.environ | {
        "DATABASE_URL": demo_url,
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake_anthropic.url,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, "ask", "deals?", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not fake_anthropic.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)

    assert process.returncode == status
    line = _one_line(err)
    run_id = re.fullmatch(r"dealbot: interrupted: run (\w+) is marked interrupted", line)[1]
    assert out == "" and _status_of(demo_url, run_id) == "interrupted"


def test_ask_dash_reads_the_question_from_stdin(cli_env, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Any deals on [red]orange soda[/red]?\n"))
    cli_env.reply_text("Yes.")

    assert main(["ask", "-", "--json"]) == 0

    assert json.loads(capsys.readouterr().out)["question"] == "Any deals on [red]orange soda[/red]?"
    assert "Any deals on [red]orange soda[/red]?" in cli_env.last_request.text()


def test_history_json_and_show_json_read_back_runs(cli_env, capsys):
    cli_env.reply_text("first answer")
    cli_env.reply_code("final_answer('second answer')")
    main(["ask", "first?", "--json"])
    main(["ask", "second?", "--json"])
    second = json.loads(capsys.readouterr().out.splitlines()[1])

    assert main(["history", "--json", "--limit", "2"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [run["question"] for run in runs] == ["second?", "first?"]
    assert runs[0]["run_id"] == second["run_id"] and runs[0]["answer"] == "second answer"

    assert main(["show", "last", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["run_id"] == second["run_id"] and shown["status"] == "ok"
    assert shown["programs"] == [
        {
            "code": "final_answer('second answer')",
            "ok": True,
            "error": None,
            "error_kind": None,
            "stdout": "",
            "duration_ms": shown["programs"][0]["duration_ms"],
            "tool_calls": 0,
        }
    ]


def test_show_last_on_a_history_without_runs_says_so(empty_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_url)

    assert main(["show", "last"]) == 2

    assert "no runs yet" in capsys.readouterr().err


# Passwords in DATABASE_URL


@pytest.mark.parametrize(
    "url",
    [
        "mysql://admin:hunter2@db.internal/deals",
        "postgresql://admin:hunter2@db.internal:notaport/deals",
        "postgresql://admin:hunter2@127.0.0.1:1/deals",
        "postgresql://admin@127.0.0.1:1/deals?password=hunter2",
    ],
)
def test_a_database_url_password_is_never_printed_or_logged(url, monkeypatch, capsys, caplog):
    monkeypatch.setenv("DATABASE_URL", url)

    assert main(["-v", "history"]) == 2

    err = capsys.readouterr().err
    assert "DATABASE_URL" in _one_line(err) and "***" in err
    assert "hunter2" not in err + caplog.text


def test_an_encoded_password_reaches_the_migrations_intact(postgres_url, monkeypatch, capsys):
    # The test server trusts local connections, so any password is accepted: what is tested is
    # that "%40" in the URL survives Alembic's configparser on the way to the migrations.
    url = make_url(postgres_url).set(password="p@ss%").render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)

    assert main(["db", "upgrade"]) == 0

    assert "p%40ss%25" not in capsys.readouterr().out


@pytest.mark.parametrize("after_s", [0.05, 0.4])
def test_ctrl_c_while_loading_or_later_ends_quietly(tmp_path, after_s):
    """The command's imports take a while; Ctrl-C during them is no traceback either."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/dealbot.db"
    command = [sys.executable, "-c", "from bot.launch import main; raise SystemExit(main())"]
    process = subprocess.Popen(
        [*command, "watches", "list"], env=env, stderr=subprocess.PIPE, text=True
    )
    time.sleep(after_s)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)

    assert "Traceback" not in stderr
    assert process.returncode in (130, 2), stderr  # interrupted; or done: no database there
