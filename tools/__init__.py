"""The deals domain: models, queries and the tools a generated program may call."""

from __future__ import annotations

from tools.demo import SeedReport, seed_demo
from tools.errors import QueryTimeout, ToolArgumentError, ToolError
from tools.reference import render_reference, tool_schemas
from tools.registry import TOOL_NAMES, build_tools

__all__ = [
    "TOOL_NAMES",
    "QueryTimeout",
    "SeedReport",
    "ToolArgumentError",
    "ToolError",
    "build_tools",
    "render_reference",
    "seed_demo",
    "tool_schemas",
]
