"""Turns a program's uncaught exception into the short error the model repairs from.

`line 4: KeyError: 'cost' — dict keys are: id, product, price` names the line, the exception
and, where it helps, what was there instead (the keys of the dict, the tools defined).

It never runs program code: the exception's message is built only from arguments of exact
built-in types (str, int, float, bool, None, bytes and tuples of them), by C code, and hints
look only at exact dicts and lists whose keys are such values. A program's own `__str__`,
`__repr__`, `__eq__`, `__hash__` or an `args` property cannot hang, forge or enlarge the report.
"""

from __future__ import annotations

import itertools
import re
import types
from collections.abc import Iterable, Sequence
from typing import Any, Final

from sandbox.guards import is_program_class
from sandbox.modules import ALLOWED_MODULES
from sandbox.policy import PROGRAM_FILENAME

DESCRIPTION_CHARS: Final = 800
MESSAGE_CHARS: Final = 400
MAX_LISTED: Final = 20
MAX_HINT_KEYS: Final = 1000
MAX_PLAIN_DEPTH: Final = 3
MAX_INT_BITS: Final = 1000
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Python numbers lines at \n, \r\n and \r only (str.splitlines also splits at U+2028, \f, ...).
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_PLAIN_TYPES: Final = (str, int, float, bool, type(None), bytes)
_KEYISH_TYPES: Final = (str, int, float, bool, type(None))

# Descriptors read straight from the built-in classes: a program's subclass may define
# properties of the same names, which would run its code.
_ARGS: Final = BaseException.__dict__["args"]
_TRACEBACK: Final = BaseException.__dict__["__traceback__"]
_ATTRIBUTE_ERROR_OBJ: Final = AttributeError.__dict__["obj"]
_ATTRIBUTE_ERROR_NAME: Final = AttributeError.__dict__["name"]
_NAME_ERROR_NAME: Final = NameError.__dict__["name"]
_BUILTIN_STR: Final = (types.WrapperDescriptorType, types.BuiltinFunctionType)


def error_report(
    exc: BaseException,
    source: str,
    tool_names: Iterable[str],
    *,
    tool: str | None = None,
    memory_mb: int | None = None,
) -> str:
    """`line N: Type: message — hint` plus the program line, at most DESCRIPTION_CHARS.

    `tool` names the tool whose failure this is; `memory_mb` is the run's memory limit.
    """
    frame, lineno = program_frame(_TRACEBACK.__get__(exc, type(exc)))
    line = _source_line(source, lineno)
    headline = f"{tool}() raised {_headline(exc)}" if tool else _headline(exc)
    text = f"line {lineno}: {headline}" if lineno else headline
    if is_memory_error(exc):
        hint = f"the program needs more than {memory_mb} MB; work with fewer or smaller values"
    else:
        hint = _hint(exc, frame, line, sorted(tool_names))
    if hint:
        text += f" — {hint}"
    if line:
        text += f"\n    {line}"
    return _shorten(text, DESCRIPTION_CHARS)


def is_memory_error(exc: BaseException) -> bool:
    """Whether `exc` is a MemoryError (by its real class, not what it says it is)."""
    return issubclass(type(exc), MemoryError)


def program_frame(tb: types.TracebackType | None) -> tuple[types.FrameType | None, int | None]:
    """The innermost frame of the program itself (not of a library it called), and its line."""
    found: tuple[types.FrameType | None, int | None] = (None, None)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == PROGRAM_FILENAME:
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


def exception_message(exc: BaseException) -> str:
    """What `str(exc)` says, if that can be known without running program code; else ""."""
    args = _ARGS.__get__(exc, type(exc))
    if not _plain(args):
        return ""
    cls = type(exc)
    # CPython's own __str__ of a library class reads only what its arguments set; a program's
    # subclass may have set attributes (an OSError's filename, say) to objects of its own.
    to_text = None if is_program_class(cls) else _builtin_str(cls)
    if to_text is None:
        to_text = KeyError.__str__ if issubclass(cls, KeyError) else BaseException.__str__
    try:
        message = to_text(exc)
    except Exception:
        return ""
    if type(message) is not str:
        return ""
    return _shorten(message, MESSAGE_CHARS)


def _builtin_str(cls: type) -> Any:
    """The class's `__str__` if it is CPython's own (C) implementation, else None."""
    for klass in cls.__mro__:
        implementation = klass.__dict__.get("__str__")
        if implementation is not None:
            return implementation if isinstance(implementation, _BUILTIN_STR) else None
    return None


def _plain(value: Any, depth: int = 0) -> bool:
    kind = type(value)
    if kind is int:
        return value.bit_length() <= MAX_INT_BITS
    if kind in _PLAIN_TYPES:
        return True
    if kind is tuple and depth < MAX_PLAIN_DEPTH:
        return all(_plain(item, depth + 1) for item in value)
    return False


def _headline(exc: BaseException) -> str:
    message = exception_message(exc)
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _source_line(source: str, lineno: int | None) -> str:
    if lineno is None or lineno < 1:
        return ""
    lines = _LINE_BREAK.split(source, maxsplit=lineno)
    return lines[lineno - 1].strip() if lineno <= len(lines) else ""


def _hint(
    exc: BaseException, frame: types.FrameType | None, line: str, tools: Sequence[str]
) -> str:
    try:
        cls = type(exc)
        if issubclass(cls, KeyError) and frame is not None:
            args = _ARGS.__get__(exc, cls)
            if len(args) == 1 and type(args[0]) in _KEYISH_TYPES:
                return _key_hint(args[0], frame, line)
        if issubclass(cls, AttributeError):
            obj = _ATTRIBUTE_ERROR_OBJ.__get__(exc, cls)
            name = _ATTRIBUTE_ERROR_NAME.__get__(exc, cls)
            if type(obj) is dict and type(name) is str:
                return _attribute_on_dict_hint(obj, name)
        if issubclass(cls, NameError):
            name = _NAME_ERROR_NAME.__get__(exc, cls)
            return _name_hint(name if type(name) is str else None, tools)
    except Exception:
        return ""
    return ""


def _key_hint(key: Any, frame: types.FrameType, line: str) -> str:
    names = frame.f_locals
    for name in _IDENTIFIER.findall(line):
        value = names.get(name, frame.f_globals.get(name))
        if type(value) in (list, tuple) and value:
            value = value[0]
        if type(value) is dict and _plain_keys(value) and key not in value:
            return f"dict keys are: {_listing(value)}" if value else "the dict is empty"
    return ""


def _attribute_on_dict_hint(obj: dict, name: str) -> str:
    if not _plain_keys(obj):
        return ""
    if name in obj:
        return f"this is a dict: read it with ['{name}']"
    return f"this is a dict with keys: {_listing(obj)}"


def _name_hint(name: str | None, tools: Sequence[str]) -> str:
    if name in ALLOWED_MODULES:
        return f"add 'import {name}' first"
    if tools:
        return f"the tools are: {', '.join(tools)}"
    return ""


def _plain_keys(mapping: dict) -> bool:
    """A dict small enough to look at whose keys compare and print without program code."""
    return len(mapping) <= MAX_HINT_KEYS and all(type(key) in _KEYISH_TYPES for key in mapping)


def _listing(mapping: dict) -> str:
    keys = [_shorten(str(key), 40) for key in itertools.islice(mapping, MAX_LISTED + 1)]
    more = ", …" if len(keys) > MAX_LISTED else ""
    return ", ".join(keys[:MAX_LISTED]) + more


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
