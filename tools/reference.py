"""The tools described from the registry itself: as Python stubs for the code-writing prompt,
and as Anthropic tool definitions (JSON Schema) for a function-calling baseline."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

from tools.registry import TOOL_NAMES, DealTools

ARGS_SECTION = re.compile(r"^Args:\n((?:    .*\n?|\n)*)", re.MULTILINE)
ARG_LINE = re.compile(r"^    (\w+): (.*)$")
MAX_LINE = 92
JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
CUT_NOTE = (
    "\n\nHere a result of more than {rows} items is cut to its first {rows}, followed by"
    " a note saying how many were left out."
)


def render_reference() -> str:
    """Every tool as a `def` with its signature and docstring, bodies left as `...`."""
    return "\n\n".join(_stub(name) for name in TOOL_NAMES) + "\n"


def _stub(name: str) -> str:
    function = getattr(DealTools, name)
    signature = inspect.signature(function)
    parameters = [_parameter(p) for p in _parameters(signature)]
    head = f"def {name}({', '.join(parameters)}) -> {signature.return_annotation}:"
    if len(head) > MAX_LINE:
        listed = "".join(f"    {parameter},\n" for parameter in parameters)
        head = f"def {name}(\n{listed}) -> {signature.return_annotation}:"
    docstring = _indented(inspect.getdoc(function) or "")
    return f'{head}\n    """{docstring}\n    """\n    ...'


def _parameters(signature: inspect.Signature) -> Iterator[inspect.Parameter]:
    return (p for p in signature.parameters.values() if p.name != "self")


def _parameter(parameter: inspect.Parameter) -> str:
    text = f"{parameter.name}: {parameter.annotation}"
    if parameter.default is not inspect.Parameter.empty:
        text += f" = {parameter.default!r}"
    return text


def _indented(docstring: str) -> str:
    lines = docstring.splitlines()
    return "\n".join([lines[0], *("    " + line if line else "" for line in lines[1:])])


def tool_schemas(*, max_rows: int | None = None) -> list[dict]:
    """Anthropic tool definitions: {"name", "description", "input_schema"} per tool.
    `max_rows`: the caller cuts longer lists and dicts to that many items (and says how many
    it left out); each description of a tool returning one says so."""
    return [_schema(name, max_rows) for name in TOOL_NAMES]


def _schema(name: str, max_rows: int | None) -> dict:
    function = getattr(DealTools, name)
    signature = inspect.signature(function)
    docstring = inspect.getdoc(function) or ""
    described = _argument_descriptions(docstring)
    properties, required = {}, []
    for parameter in _parameters(signature):
        properties[parameter.name] = {
            **_json_type(str(parameter.annotation), parameter.default),
            "description": described.get(parameter.name, ""),
        }
        if parameter.default is inspect.Parameter.empty:
            required.append(parameter.name)
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    description = ARGS_SECTION.sub("", docstring).strip()
    if max_rows is not None and re.search(r"\b(list|dict)\[", str(signature.return_annotation)):
        description += CUT_NOTE.format(rows=max_rows)
    return {"name": name, "description": description, "input_schema": schema}


def _argument_descriptions(docstring: str) -> dict[str, str]:
    section = ARGS_SECTION.search(docstring + "\n")
    described: dict[str, str] = {}
    current = None
    for line in section.group(1).splitlines() if section else []:
        found = ARG_LINE.match(line)
        if found:
            current = found.group(1)
            described[current] = found.group(2)
        elif current and line.strip():
            described[current] += " " + line.strip()
    return described


def _json_type(annotation: str, default: object) -> dict:
    """JSON Schema for an annotation string such as "date | str | None"; dates travel as
    "YYYY-MM-DD" strings. None is a value of its own (null) only where leaving the argument
    out means something else (find_deals' limit: 50 left out, every match as null)."""
    names = [name.strip() for name in annotation.split("|") if name.strip() != "None"]
    if "date" in names:
        return {"type": "string", "format": "date"}
    types = [JSON_TYPES[name] for name in names]
    if "None" in annotation and default is not None:
        types.append("null")
    return {"type": types[0]} if len(types) == 1 else {"type": types}
