"""The README's tables held against the code, the way Datasette checks that every setting is
documented: a setting, error kind or metric added, renamed or given a new default without its
row (or a row left for one that is gone) fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ops.metrics import Metrics
from bot.settings import Settings
from sandbox import ERROR_KINDS
from sandbox.supervisor import DEFAULT_MAX_OUTPUT_CHARS

README = Path(__file__).resolve().parents[1] / "README.md"
CODE = re.compile(r"`([^`]+)`")


def table(heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the README table whose header row starts with `heading`."""
    lines = README.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {heading} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def documented_settings() -> dict[str, str | None]:
    """Each variable of the settings table and its documented default: None when the row
    gives no literal one for each of its variables ("—", "Slack's", a sentence)."""
    found: dict[str, str | None] = {}
    for names_cell, default_cell, _meaning in table("variable"):
        names, defaults = CODE.findall(names_cell), CODE.findall(default_cell)
        if len(defaults) != len(names):
            defaults = [None] * len(names)
        found |= dict(zip(names, defaults, strict=True))
    return found


def shown(value: object) -> str:
    """A default as the README writes it: 5.0 is `5`, False is `false`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_every_setting_is_in_the_readme_and_every_row_is_a_setting():
    in_code = {name.upper() for name in Settings.model_fields}
    in_readme = set(documented_settings())

    assert in_code - in_readme == set(), "settings without a row in the README's table"
    assert in_readme - in_code == set(), "README rows for settings the code does not read"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_the_readme_states_each_settings_default(name):
    default = Settings.model_fields[name].default
    documented = documented_settings()[name.upper()]
    if default is None:
        assert documented is None, f"{name.upper()} has no default, the README says {documented}"
    else:
        assert documented == shown(default), f"{name.upper()}: the code's default is {default!r}"


def test_the_error_kind_table_lists_the_sandboxs_kinds():
    kinds = [row[0].strip("`") for row in table("`error_kind`")]

    assert sorted(kinds) == sorted(ERROR_KINDS)
    limit = next(row[1] for row in table("`error_kind`") if row[0] == "`output_limit`")
    assert f"{DEFAULT_MAX_OUTPUT_CHARS:,}" in limit


def test_the_metrics_table_names_every_metric_the_bot_exports():
    exported = {
        metric.name.removesuffix("_total")
        for metric in Metrics().registry.collect()
        if metric.name.startswith("dealbot_") and not metric.name.startswith("dealbot_process_")
    }
    documented = {
        CODE.findall(row[0])[0].split("{")[0].removesuffix("_total")
        for row in table("metric")
        if not row[0].startswith("`dealbot_process")
    }

    assert exported == documented
    kinds_row = next(row[1] for row in table("metric") if "sandbox_errors" in row[0])
    assert set(CODE.findall(kinds_row)) - {"error_kind"} == set(ERROR_KINDS)
