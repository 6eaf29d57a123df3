"""The `dealbot` command line, end to end: real settings, database, client and sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tools
from bot.cli import main
from bot.database import make_engine


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


def test_ask_without_a_key_says_what_to_set(monkeypatch, capsys, demo_url):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", demo_url)

    assert main(["ask", "Any deals?"]) == 2

    err = capsys.readouterr().err.strip()
    assert "ANTHROPIC_API_KEY" in err and len(err.splitlines()) == 1


def test_malformed_setting_is_one_line_naming_it(monkeypatch, capsys, demo_url):
    monkeypatch.setenv("DEALBOT_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("DATABASE_URL", demo_url)

    assert main(["history"]) == 2

    err = capsys.readouterr().err.strip()
    assert err.startswith("dealbot: DEALBOT_TIMEZONE:") and len(err.splitlines()) == 1


def test_failed_answer_exits_nonzero_with_the_message(cli_env, capsys):
    assert main(["ask", "   "]) == 1
    assert "Ask me about store deals" in capsys.readouterr().out


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

    assert main(["history"]) == 2

    err = capsys.readouterr().err.strip()
    assert err.startswith("dealbot: DATABASE_URL: cannot use the database")
    assert len(err.splitlines()) == 1
