"""The names a program starts with: chosen builtins, self-explaining refusals, guards, tools.

Builtins are picked one by one rather than taken from a stock set: the everyday ones as
CPython has them (a real `range`, `sorted`, `zip`, `type`, ...), checked versions of
getattr/hasattr/setattr/delattr, an `__import__` that hands out module proxies, and for the
capabilities a program does not get (files, input, eval/exec/compile, introspection, exit)
a stand-in that raises PolicyError saying so.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Mapping
from typing import Any, Final

from sandbox.guards import (
    ProgramType,
    guard_globals,
    safe_delattr,
    safe_getattr,
    safe_hasattr,
    safe_setattr,
)
from sandbox.modules import safe_import
from sandbox.program_errors import PolicyError

SAFE_BUILTINS: Final = (
    *("abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr"),
    *("classmethod", "complex", "dict", "divmod", "enumerate", "filter", "float", "format"),
    *("frozenset", "hash", "hex", "id", "int", "isinstance", "issubclass", "iter", "len"),
    *("list", "map", "max", "min", "next", "object", "oct", "ord", "pow", "property"),
    *("range", "repr", "reversed", "round", "set", "slice", "sorted", "staticmethod", "str"),
    *("sum", "super", "tuple", "zip", "Ellipsis", "NotImplemented"),
    "__build_class__",
)

EXCEPTIONS: Final = tuple(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type)
    and issubclass(value, BaseException)
    and not issubclass(value, BaseExceptionGroup)
    and not name.startswith("_")
)

_NO_CODE = "running code from strings is not allowed"
_NO_INTROSPECTION = "introspection is not allowed"
_FINISH = "call final_answer(text) to finish the program"

REFUSED: Final[Mapping[str, str]] = {
    "open": "programs have no files; get data from the tools",
    "input": "programs cannot read input; everything they need comes from the tools",
    "eval": _NO_CODE,
    "exec": _NO_CODE,
    "compile": _NO_CODE,
    "globals": _NO_INTROSPECTION,
    "locals": _NO_INTROSPECTION,
    "vars": _NO_INTROSPECTION,
    "dir": _NO_INTROSPECTION,
    "help": _NO_INTROSPECTION,
    "memoryview": "memoryview is not available",
    "breakpoint": "there is no debugger",
    "exit": _FINISH,
    "quit": _FINISH,
}


def _refusal(name: str, reason: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PolicyError(f"{name}() is not allowed: {reason}")

    refused.__name__ = refused.__qualname__ = name
    return refused


@functools.cache
def base_builtins() -> Mapping[str, Any]:
    """Everything in a program's builtins except its print and final_answer."""
    names = {name: getattr(builtins, name) for name in SAFE_BUILTINS + EXCEPTIONS}
    names.update({name: _refusal(name, reason) for name, reason in REFUSED.items()})
    names.update(
        getattr=safe_getattr,
        hasattr=safe_hasattr,
        setattr=safe_setattr,
        delattr=safe_delattr,
        type=ProgramType,
        __import__=safe_import,
    )
    return names


def program_globals(
    *,
    print_function: Callable[..., None],
    final_answer: Callable[[Any], Any],
    tools: Mapping[str, Callable[..., Any]],
) -> dict[str, Any]:
    """A fresh global namespace for one program."""
    program_builtins = dict(base_builtins())
    program_builtins["print"] = print_function
    program_builtins["final_answer"] = final_answer
    namespace = guard_globals()
    namespace["__builtins__"] = program_builtins
    namespace.update(tools)
    return namespace
