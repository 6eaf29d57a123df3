"""Exceptions the tools raise, with messages written for the model that called them."""

from __future__ import annotations


class ToolError(Exception):
    """A tool could not answer; the message starts with the tool's name and says what to do."""


class ToolArgumentError(ToolError, ValueError):
    """An argument has the wrong type or value; the message shows the expected form."""


class QueryTimeout(ToolError, TimeoutError):
    """A query ran past the time limit and was stopped."""


class DatabaseBusy(ToolError, TimeoutError):
    """No connection to the database came free within the time limit."""
