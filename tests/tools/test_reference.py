"""The prompt's tool reference and the function-calling schemas come from the registry."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from tools import TOOL_NAMES, queries, registry, render_reference, tool_schemas
from tools.registry import DealTools


def test_reference_is_valid_python_with_one_stub_per_tool():
    module = ast.parse(render_reference())
    assert [node.name for node in module.body] == list(TOOL_NAMES)


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_each_stub_has_the_tools_signature_and_docstring(name):
    stub = next(n for n in ast.parse(render_reference()).body if n.name == name)
    parameters = [p for p in inspect.signature(getattr(DealTools, name)).parameters if p != "self"]
    assert [argument.arg for argument in stub.args.args] == parameters
    assert ast.get_docstring(stub) == inspect.getdoc(getattr(DealTools, name))


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_each_tool_documents_its_arguments_result_and_an_example(name):
    function = getattr(DealTools, name)
    docstring = inspect.getdoc(function)
    assert "Returns:" in docstring and "Example:" in docstring
    for parameter in list(inspect.signature(function).parameters)[1:]:
        assert f"\n    {parameter}: " in docstring


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_each_tool_has_exactly_one_example(name):
    assert inspect.getdoc(getattr(DealTools, name)).count("Example:") == 1


@pytest.mark.parametrize(
    ("name", "stated"),
    [
        ("find_deals", f"1 to {registry.MAX_DEALS}"),
        ("find_deals", f"up to {queries.MAX_MATCHES:,}"),
        ("search_products", f"1 to {registry.MAX_PRODUCTS}"),
        ("deal_history", f"1 to {registry.MAX_HISTORY_DAYS}"),
        ("deal_history", f"at most {registry.MAX_DEALS}"),
    ],
)
def test_docstrings_state_the_limits_the_code_applies(name, stated):
    assert stated in inspect.getdoc(getattr(DealTools, name))


def test_schemas_name_every_tool_with_a_description():
    schemas = tool_schemas()
    assert [schema["name"] for schema in schemas] == list(TOOL_NAMES)
    assert all(schema["description"] and "Args:" not in schema["description"] for schema in schemas)


def test_today_takes_no_arguments():
    today = next(schema for schema in tool_schemas() if schema["name"] == "today")
    assert today["input_schema"] == {"type": "object", "properties": {}}


def test_find_deals_schema_follows_its_signature():
    schema = next(s for s in tool_schemas() if s["name"] == "find_deals")["input_schema"]
    assert "required" not in schema
    assert schema["properties"]["query"]["type"] == "string"
    assert schema["properties"]["start"] == {
        "type": "string",
        "format": "date",
        "description": (
            'first day, a date or "YYYY-MM-DD"; default today(). date_range() gives the days'
            " shoppers name."
        ),
    }
    assert schema["properties"]["limit"]["type"] == ["integer", "null"]  # null: every match
    assert schema["properties"]["requires_card"]["type"] == "boolean"  # left out: either
    assert schema["properties"]["min_percent_off"]["type"] == "number"


@pytest.mark.parametrize(
    ("name", "required"), [("search_products", ["query"]), ("deal_history", ["product_id"])]
)
def test_arguments_without_defaults_are_required(name, required):
    schema = next(s for s in tool_schemas() if s["name"] == name)["input_schema"]
    assert schema["required"] == required


def test_the_readmes_table_of_tools_follows_the_registry():
    """The README's table of the deals tools follows the registry."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme.split("### The deals tools", 1)[1].split("\n\n", 3)[2]
    named = {name for name in TOOL_NAMES if f"`{name}(" in table}
    assert named == set(TOOL_NAMES) - {"today", "search_products", "list_categories", "list_stores"}
    assert f"up to {queries.MAX_MATCHES:,}" in table
