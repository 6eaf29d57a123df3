"""Exceptions a sandboxed program can meet: refusals of the policy and failures of tools."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final


class PolicyError(Exception):
    """The program tried something the sandbox does not allow; the message says what instead."""


def private_name_refusal(name: str) -> str:
    """Why a name (a variable's, an argument's, a keyword's) starting with "_" is refused."""
    return f'"{name}" is not allowed: names starting with "_" are off limits'


class ForbiddenAttributeError(PolicyError, AttributeError):
    """An attribute the program may not read or write (names starting with "_", frames, ...)."""


class ForbiddenImportError(PolicyError, ImportError):
    """An import of a module, or a name of a module, that the sandbox does not offer."""


class ToolError(Exception):
    """A tool failed with an exception that has no matching built-in type."""


# A tool's exception reaches the program as the first of these its class derives from.
TOOL_EXCEPTION_TYPES: Final[Mapping[str, type[Exception]]] = {
    cls.__name__: cls
    for cls in (
        KeyError,
        IndexError,
        LookupError,
        ZeroDivisionError,
        OverflowError,
        ArithmeticError,
        TimeoutError,
        NotImplementedError,
        ValueError,
        TypeError,
        ToolError,
    )
}
