"""Turns a program's uncaught exception into the short error the model repairs from.

`line 4: KeyError: 'cost' — dict keys are: id, product, price` names the line, the exception
and, where it helps, what was there instead (the keys of the dict, the tools defined).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Sequence
from typing import Any, Final

from sandbox.modules import ALLOWED_MODULES
from sandbox.policy import PROGRAM_FILENAME

MAX_ERROR_CHARS: Final = 800
MAX_LISTED: Final = 20
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def describe(
    exc: BaseException,
    source: str,
    tool_names: Iterable[str],
    *,
    tool: str | None = None,
    memory_mb: int | None = None,
) -> str:
    """`line N: Type: message — hint` plus the program line, at most MAX_ERROR_CHARS.

    `tool` names the tool whose failure this is; `memory_mb` is the run's memory limit.
    """
    frame, lineno = program_frame(exc.__traceback__)
    line = _source_line(source, lineno)
    headline = f"{tool}() raised {_headline(exc)}" if tool else _headline(exc)
    text = f"line {lineno}: {headline}" if lineno else headline
    if isinstance(exc, MemoryError):
        hint = f"the program needs more than {memory_mb} MB; work with fewer or smaller values"
    else:
        hint = _hint(exc, frame, line, sorted(tool_names))
    if hint:
        text += f" — {hint}"
    if line:
        text += f"\n    {line}"
    return _shorten(text, MAX_ERROR_CHARS)


def program_frame(tb: types.TracebackType | None) -> tuple[types.FrameType | None, int | None]:
    """The innermost frame of the program itself (not of a library it called), and its line."""
    found: tuple[types.FrameType | None, int | None] = (None, None)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == PROGRAM_FILENAME:
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _headline(exc: BaseException) -> str:
    try:
        message = str(exc)
    except Exception:
        message = ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _source_line(source: str, lineno: int | None) -> str:
    lines = source.splitlines()
    if lineno is None or not 0 < lineno <= len(lines):
        return ""
    return lines[lineno - 1].strip()


def _hint(
    exc: BaseException, frame: types.FrameType | None, line: str, tools: Sequence[str]
) -> str:
    try:
        if isinstance(exc, KeyError) and exc.args and frame is not None:
            return _key_hint(exc.args[0], frame, line)
        if isinstance(exc, AttributeError) and isinstance(exc.obj, dict):
            return _attribute_on_dict_hint(exc.obj, exc.name)
        if isinstance(exc, NameError):
            return _name_hint(exc.name, tools)
    except Exception:
        return ""
    return ""


def _key_hint(key: Any, frame: types.FrameType, line: str) -> str:
    for name in _IDENTIFIER.findall(line):
        value = frame.f_locals.get(name, frame.f_globals.get(name))
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, dict) and key not in value:
            return f"dict keys are: {_listing(value)}"
    return ""


def _attribute_on_dict_hint(obj: dict, name: str | None) -> str:
    if name in obj:
        return f"this is a dict: read it with ['{name}']"
    return f"this is a dict with keys: {_listing(obj)}"


def _name_hint(name: str | None, tools: Sequence[str]) -> str:
    if name in ALLOWED_MODULES:
        return f"add 'import {name}' first"
    if tools:
        return f"the tools are: {', '.join(tools)}"
    return ""


def _listing(mapping: dict) -> str:
    keys = [str(key) for key in list(mapping)[: MAX_LISTED + 1]]
    more = ", …" if len(keys) > MAX_LISTED else ""
    return ", ".join(keys[:MAX_LISTED]) + more


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
