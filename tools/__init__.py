"""The deals domain: models, queries and the tools a generated program may call."""

from __future__ import annotations

from tools.demo import SeedReport, has_deals, seed_demo
from tools.errors import DatabaseBusy, QueryTimeout, ToolArgumentError, ToolError
from tools.feeds import FeedError, ImportProgress, ImportReport, import_feed, open_feed
from tools.reference import render_reference, tool_schemas
from tools.registry import TOOL_NAMES, build_tools

__all__ = [
    "TOOL_NAMES",
    "DatabaseBusy",
    "FeedError",
    "ImportProgress",
    "ImportReport",
    "QueryTimeout",
    "SeedReport",
    "ToolArgumentError",
    "ToolError",
    "build_tools",
    "has_deals",
    "import_feed",
    "open_feed",
    "render_reference",
    "seed_demo",
    "tool_schemas",
]
