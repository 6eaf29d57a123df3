"""`dealbot db import`: a human line when it works; one clear message, exit status 1 and an
untouched database when the file or a deal in it is bad."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.database import make_engine, upgrade
from tools.tables import Deal, Product, Store

DOCS = Path(__file__).parents[2] / "docs"
EXAMPLE = DOCS / "example-feed.csv"


@pytest.fixture
def database(monkeypatch, tmp_path) -> str:
    """DATABASE_URL on a migrated, empty SQLite file."""
    url = f"sqlite:///{tmp_path / 'deals.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = tuple(
            connection.scalar(select(func.count()).select_from(table))
            for table in (Store, Product, Deal)
        )
    engine.dispose()
    return counts


def test_a_good_feed_prints_what_it_imported_in_words(database, capsys):
    assert main(["db", "import", str(EXAMPLE)]) == 0
    assert main(["db", "import", str(EXAMPLE)]) == 0

    first, again = capsys.readouterr().out.splitlines()
    assert first == (
        f"imported {EXAMPLE}: 6 deals (6 added, 0 updated, 0 unchanged);"
        " products: 6 added, 0 updated; stores: 3 added"
    )
    assert again.startswith(f"imported {EXAMPLE}: 6 deals (0 added, 0 updated, 6 unchanged)")
    assert _counts(database) == (3, 6, 6)


def _latin1(path: Path) -> Path:
    path.write_bytes(EXAMPLE.read_text().replace("Cheerios", "Céréales").encode("latin-1"))
    return path


def _utf16(path: Path) -> Path:
    path.write_text(EXAMPLE.read_text(), encoding="utf-16")
    return path


def _semicolons(path: Path) -> Path:
    path.write_text(EXAMPLE.read_text().replace(",", ";"))
    return path


def _bad_date(path: Path) -> Path:
    header, first, second, *_ = EXAMPLE.read_text().splitlines()
    path.write_text("\n".join([header, first, second.replace("2026-11-25", "next friday")]))
    return path


def _only_id(path: Path) -> Path:
    header, first, *_ = EXAMPLE.read_text().splitlines()
    path.write_text("\n".join([header, first, "wk48-0099" + "," * header.count(",")]))
    return path


def _broken_json(path: Path) -> Path:
    deals = json.loads((DOCS / "example-feed.json").read_text())
    path.write_text(json.dumps(deals)[:-40] + ", }]")
    return path


BAD_FEEDS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("latin1.csv", _latin1, "is not UTF-8 text (line 3 has byte 0xE9"),
    ("utf16.csv", _utf16, "is UTF-16 text, not UTF-8: save it as UTF-8"),
    ("semicolons.csv", _semicolons, ": the columns are separated by semicolons;"),
    ("bad-date.csv", _bad_date, ": 1 deal with problems, nothing imported\n  line 3: starts"),
    ("only-id.csv", _only_id, "line 3: missing store, product, category, regular_price, kind"),
    ("broken.json", _broken_json, ": item 3: not valid JSON"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_FEEDS, ids=[b[0] for b in BAD_FEEDS])
def test_a_bad_feed_gets_one_clear_message_and_changes_nothing(
    database, tmp_path, capsys, name, make, message
):
    assert main(["db", "import", str(EXAMPLE)]) == 0
    before = _counts(database)
    capsys.readouterr()

    assert main(["db", "import", str(make(tmp_path / name))]) == 1

    out, err = capsys.readouterr()
    assert out == "" and err.startswith("dealbot: ") and message in err
    assert "Traceback" not in err and "ImportReport" not in err
    assert _counts(database) == before


def test_a_missing_file_says_so_and_creates_no_database(monkeypatch, tmp_path, capsys):
    database = tmp_path / "dealbot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")

    assert main(["db", "import", str(tmp_path / "nope.csv")]) == 1

    assert capsys.readouterr().err == f"dealbot: no such file: {tmp_path / 'nope.csv'}\n"
    assert not database.exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_shows_only_on_a_terminal(database, monkeypatch, capsys):
    assert main(["db", "import", str(EXAMPLE)]) == 0
    assert capsys.readouterr().err == ""

    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["db", "import", str(EXAMPLE)]) == 0
    assert "writing" in terminal.getvalue() and "100%" in terminal.getvalue()
