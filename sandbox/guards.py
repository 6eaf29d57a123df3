"""The guards RestrictedPython's compiled code calls, each with the least power ordinary code needs.

The compiler (`policy.py`, RestrictedPython underneath) rewrites `a.b` into
`_getattr_(a, "b")`, `a[k]` into `_getitem_(a, k)`, `a.b = c` and `a[k] = c` into
`_write_(a).b = c` / `_write_(a)[k] = c`, loops into `_getiter_(...)`, unpacking into
`_unpack_sequence_(...)`, `f(*a, **k)` into `_apply_(f, ...)` and every class statement into
`class C(metaclass=__metaclass__)`. `guard_globals()` supplies all of them.

The one rule that matters for escapes: nothing whose name starts with "_" and none of the
frame/code/traceback attributes (`gi_frame`, `f_globals`, `tb_frame`, ...) is reachable —
not through syntax (refused at compile time), not through getattr/hasattr/setattr, and not
through `str.format` / `str.format_map` fields (the template is checked before formatting).
"""

from __future__ import annotations

import _string
import collections
import decimal
import operator
import types
from collections.abc import Callable
from typing import Any, Final

from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from sandbox.program_errors import ForbiddenAttributeError, PolicyError

PROGRAM_MODULE: Final = "__main__"
FORMAT_METHODS: Final = frozenset({"format", "format_map"})
FORBIDDEN_ATTRIBUTES: Final = INSPECT_ATTRIBUTES

# Containers a program builds and mutates every day; anything else must be its own object.
WRITABLE_TYPES: Final = (
    dict,
    list,
    set,
    bytearray,
    collections.deque,
    collections.UserDict,
    collections.UserList,
    decimal.Context,
    type(decimal.Context().traps),
)


def attribute_allowed(name: str) -> bool:
    """Whether a program may name this attribute at all."""
    return not name.startswith("_") and name not in FORBIDDEN_ATTRIBUTES


def check_attribute(name: Any) -> str:
    """The attribute name, if a program may use it; ForbiddenAttributeError otherwise."""
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if not attribute_allowed(name):
        raise ForbiddenAttributeError(
            f"attribute {name!r} is not allowed: names starting with '_' and "
            "frame/code attributes are off limits"
        )
    return name


def safe_getattr(obj: Any, name: Any, *default: Any) -> Any:
    """The program's getattr(): checked names, and str.format served safely."""
    if len(default) > 1:
        raise TypeError(f"getattr expected at most 3 arguments, got {2 + len(default)}")
    if default and type(name) is str and not attribute_allowed(name):
        return default[0]
    check_attribute(name)
    try:
        value = getattr(obj, name)
    except AttributeError:
        if default:
            return default[0]
        raise
    return guard_format(name, value)


def safe_hasattr(obj: Any, name: Any) -> bool:
    """The program's hasattr(): False for every name it may not use."""
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    return attribute_allowed(name) and hasattr(obj, name)


def safe_setattr(obj: Any, name: Any, value: Any) -> None:
    """The program's setattr(): checked name, and only on objects `write_guard` allows."""
    setattr(write_guard(obj), check_attribute(name), value)


def safe_delattr(obj: Any, name: Any) -> None:
    """The program's delattr(), with the same checks as setattr()."""
    delattr(write_guard(obj), check_attribute(name))


def write_guard(obj: Any) -> Any:
    """`_write_`: the object itself, if the program may change it.

    A program may change the containers it builds and the classes and instances it defines;
    not modules, tools, functions or the library's classes.
    """
    if isinstance(obj, WRITABLE_TYPES):
        return obj
    cls = obj if isinstance(obj, type) else type(obj)
    if getattr(cls, "__module__", None) == PROGRAM_MODULE:
        return obj
    raise PolicyError(
        f"cannot change a {type(obj).__name__} object: a program may change only its own "
        "lists, dicts, sets and the classes it defines"
    )


MAX_FORMAT_NESTING: Final = 2


def check_template(template: str, depth: int = 0) -> None:
    """Refuse a str.format template whose fields name an attribute a program may not use.

    str.format reads exactly the attributes its template names, so checking the template
    (nested format specs included) before calling the real str.format is complete.
    """
    if depth > MAX_FORMAT_NESTING:
        raise ValueError("Max string recursion exceeded")
    for _literal, field, spec, _conversion in _string.formatter_parser(template):
        if field is None:
            continue
        _first, rest = _string.formatter_field_name_split(field)
        for is_attribute, key in rest:
            if is_attribute:
                check_attribute(key)
        if spec:
            check_template(spec, depth + 1)


def _checked_method(method: Callable[..., str]) -> Callable[..., str]:
    def checked(*args: Any, **kwargs: Any) -> str:
        check_template(method.__self__)
        return method(*args, **kwargs)

    checked.__name__ = checked.__qualname__ = method.__name__
    return checked


def _checked_function(function: Callable[..., str]) -> Callable[..., str]:
    def checked(template: Any, /, *args: Any, **kwargs: Any) -> str:
        if isinstance(template, str):
            check_template(template)
        return function(template, *args, **kwargs)

    checked.__name__ = checked.__qualname__ = function.__name__
    return checked


CHECKED_FORMAT: Final = _checked_function(str.format)
CHECKED_FORMAT_MAP: Final = _checked_function(str.format_map)


def guard_format(name: str, value: Any) -> Any:
    """Put the template check in front of str.format / str.format_map, bound or not."""
    if name not in FORMAT_METHODS:
        return value
    if value is str.format:
        return CHECKED_FORMAT
    if value is str.format_map:
        return CHECKED_FORMAT_MAP
    if type(value) is types.BuiltinMethodType and isinstance(value.__self__, str):
        return _checked_method(value)
    return value


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`_apply_`: a call written with *args or **kwargs, unchanged."""
    return func(*args, **kwargs)


def iter_unpack_sequence(iterable: Any, spec: Any, getiter: Callable[[Any], Any]) -> Any:
    """`_iter_unpack_sequence_`: `for a, b in xs` iterates natively (iteration is not guarded)."""
    return getiter(iterable)


def unpack_sequence(value: Any, spec: Any, getiter: Callable[[Any], Any]) -> Any:
    """`_unpack_sequence_`: `a, *b = xs` unpacks natively, with CPython's own errors."""
    return value


def guard_globals() -> dict[str, Any]:
    """The guard names compiled programs refer to.

    Attribute names in syntax are checked at compile time, so `_getattr_` is the plain
    built-in getattr (one C call, no wrapper); the compiler routes `.format`/`.format_map`
    through `_getattr_checked_` instead. Item access and iteration carry no risk once no
    "_" name is reachable, so `_getitem_` and `_getiter_` are operator.getitem and iter.
    """
    return {
        "_getattr_": getattr,
        "_getattr_checked_": safe_getattr,
        "_getitem_": operator.getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": iter_unpack_sequence,
        "_unpack_sequence_": unpack_sequence,
        "_write_": write_guard,
        "_apply_": guarded_apply,
        "__metaclass__": type,
        "__name__": PROGRAM_MODULE,
    }
