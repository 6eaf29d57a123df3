"""The command line's operator options: --version, -v anywhere, the log settings."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.cli import build_parser, log_level, main
from bot.settings import load_settings

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_version_prints_the_installed_version_from_pyproject(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    expected = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"dealbot {expected}\n"


@pytest.mark.parametrize(
    ("argv", "verbose"),
    [
        (["serve"], False),
        (["-v", "serve"], True),
        (["serve", "-v"], True),
        (["serve", "--verbose", "--port", "4000"], True),
        (["db", "upgrade", "-v"], True),
        (["db", "-v", "upgrade"], True),
        (["history", "--limit", "3", "-v"], True),
    ],
)
def test_verbose_is_accepted_before_and_after_the_subcommand(argv, verbose):
    assert build_parser().parse_args(argv).verbose is verbose


@pytest.mark.parametrize(
    ("command", "setting", "verbose", "level"),
    [
        ("serve", None, False, "INFO"),  # the ready line and one line per answer, by default
        ("ask", None, False, "WARNING"),  # the terminal shows the answer; logs only problems
        ("serve", "ERROR", False, "ERROR"),
        ("ask", "INFO", False, "INFO"),
        ("serve", "WARNING", True, "DEBUG"),
    ],
)
def test_log_level_comes_from_v_then_the_setting_then_the_command(command, setting, verbose, level):
    settings = load_settings(dealbot_log_level=setting)

    assert log_level(settings, verbose=verbose, command=command) == level


@pytest.mark.parametrize(
    ("variable", "value"), [("DEALBOT_LOG_LEVEL", "loud"), ("DEALBOT_LOG_FORMAT", "xml")]
)
def test_a_bad_log_setting_stops_with_one_line_naming_it(monkeypatch, capsys, variable, value):
    monkeypatch.setenv(variable, value)

    assert main(["history"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"dealbot: {variable}: ")


def test_log_settings_read_any_case(monkeypatch):
    monkeypatch.setenv("DEALBOT_LOG_LEVEL", "debug")
    monkeypatch.setenv("DEALBOT_LOG_FORMAT", "JSON")

    settings = load_settings()

    assert (settings.dealbot_log_level, settings.dealbot_log_format) == ("DEBUG", "json")
