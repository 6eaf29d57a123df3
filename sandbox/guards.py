"""The guards RestrictedPython's compiled code calls, each with the least power ordinary code needs.

The compiler (`policy.py`, RestrictedPython underneath) checks the name of every `a.b` (and
routes `a.format` through `_getattr_checked_`), rewrites `a[k]` into `_getitem_(a, k)`,
`a.b = c` and `a[k] = c` into `_write_(a).b = c` / `_write_(a)[k] = c`, loops into
`_getiter_(...)`, unpacking into `_unpack_sequence_(...)`, `f(*a, **k)` into `_apply_(f, ...)`
and every class statement into `class C(metaclass=__metaclass__)`. `guard_globals()`
supplies all of them.

The one rule that matters for escapes: nothing whose name starts with "_" and none of the
frame/code/traceback attributes (`gi_frame`, `f_globals`, `tb_frame`, ...) is reachable —
not through syntax (refused at compile time), not through names that come from data at run
time (`_getattr_`, getattr/hasattr/setattr/delattr check them), and not through `str.format`
/ `str.format_map` fields (the template is checked before formatting). And no object the
program holds can be made to define such a name from data: `type()` takes one argument only
and never hands out a metaclass, classes come from class statements alone (whose bodies are
restricted code), and `.mro()` is refused, so no library class with a data-driven
constructor (enum's functional API) is reachable through a base class.
"""

from __future__ import annotations

import _string
import builtins
import collections
import decimal
import operator
import types
from collections.abc import Callable
from typing import Any, Final, cast

from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from sandbox.modules import ModuleProxy
from sandbox.program_errors import ForbiddenAttributeError, PolicyError, private_name_refusal

PROGRAM_MODULE: Final = "__main__"
FORMAT_METHODS: Final = frozenset({"format", "format_map"})
# `mro()` would hand out every base class of a library class (enum.Enum behind re's flags).
FORBIDDEN_ATTRIBUTES: Final = INSPECT_ATTRIBUTES | {"mro"}

# Containers a program builds and mutates every day; anything else must be its own object.
WRITABLE_TYPES: Final = (
    dict,
    list,
    set,
    bytearray,
    collections.deque,
    decimal.Context,
    type(decimal.Context().traps),
)

# The classes this process's program defined with class statements (a worker runs one program),
# by id: looking one up must not call the program's __hash__ or __eq__ (of its classes, or of
# its metaclasses), which could raise, lie or run for ever. Kept alive here, so no id is reused.
PROGRAM_CLASSES: Final[dict[int, type]] = {}


def is_program_class(obj: object) -> bool:
    """Whether `obj` is a class the program defined (identity only; no program code runs)."""
    return PROGRAM_CLASSES.get(id(obj)) is obj


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
            "frame, code and class-hierarchy attributes (mro) are off limits"
        )
    return name


def guarded_getattr(obj: Any, name: str) -> Any:
    """`_getattr_`: `obj.name` as written in the program, the name checked again here."""
    if name[:1] == "_" or name in FORBIDDEN_ATTRIBUTES:
        check_attribute(name)
    return getattr(obj, name)


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
    if isinstance(obj, WRITABLE_TYPES) or is_program_class(obj) or is_program_class(type(obj)):
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


def _checked_method(method: types.BuiltinMethodType) -> Callable[..., str]:
    template = cast(str, method.__self__)  # guard_format hands over only methods of a str

    def checked(*args: Any, **kwargs: Any) -> str:
        check_template(template)
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


def define_class(name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
    """`__metaclass__`, called by every class statement: the class, remembered as the program's.

    The namespace is what the restricted class body assigned, so its names passed the
    compiler's checks; the metaclass is whichever CPython picks for the bases.
    """
    cls = builtins.type(name, bases, namespace)
    PROGRAM_CLASSES[id(cls)] = cls
    return cls


# Classes of the interpreter's own machinery (and of the sandbox's module proxies): their
# constructors build functions, methods, cells and modules from parts, which no program needs.
INTERNAL_TYPES: Final = frozenset(
    {
        types.FunctionType,
        types.LambdaType,
        types.MethodType,
        types.CodeType,
        types.CellType,
        types.FrameType,
        types.TracebackType,
        types.GeneratorType,
        types.ModuleType,
        types.MappingProxyType,
        types.GenericAlias,
        ModuleProxy,
    }
)


class _TypeOf(builtins.type):
    """Metaclass of the program's `type`: one-argument calls only, no metaclass handed out."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) != 1 or kwargs:
            raise PolicyError(
                "type() takes exactly one argument in the sandbox: define classes with a "
                "class statement"
            )
        kind = builtins.type(args[0])
        if kind is builtins.type:
            return cls
        if issubclass(kind, builtins.type):
            raise PolicyError(f"the type of {kind.__name__} classes is not available")
        if kind in INTERNAL_TYPES:
            raise PolicyError(f"type() of a {kind.__name__} is not available")
        return kind

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, builtins.type)

    def __subclasscheck__(cls, sub: Any) -> bool:
        return issubclass(sub, builtins.type)

    def __repr__(cls) -> str:
        return "<class 'type'>"


class ProgramType(metaclass=_TypeOf):
    """The program's `type`: `type(x)` as in CPython, `isinstance(c, type)` too; nothing else."""


ProgramType.__name__ = ProgramType.__qualname__ = "type"


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`_apply_`: a call written with *args or **kwargs, unchanged but for its keywords.

    A keyword written out is checked when the program compiles; one that comes from a
    mapping (`f(**{"_w": ...})`) is checked here, by the same rule: a library function's
    "_" parameters are its own (json's `_w`, Fraction's `_normalize`). Only dict(**m) may take
    such keys, as plain data."""
    if func is not dict:
        for key in kwargs:
            if str.startswith(key, "_"):  # str's own: a subclass may say otherwise
                raise PolicyError(private_name_refusal(str.__str__(key)))
    return func(*args, **kwargs)


def iter_unpack_sequence(iterable: Any, spec: Any, getiter: Callable[[Any], Any]) -> Any:
    """`_iter_unpack_sequence_`: `for a, b in xs` iterates natively (iteration is not guarded)."""
    return getiter(iterable)


def unpack_sequence(value: Any, spec: Any, getiter: Callable[[Any], Any]) -> Any:
    """`_unpack_sequence_`: `a, *b = xs` unpacks natively, with CPython's own errors."""
    return value


def guard_globals() -> dict[str, Any]:
    """The guard names compiled programs refer to.

    Attribute names written in the program are checked at compile time and loaded natively;
    `_getattr_` (kept for any rewritten access) checks again at run time, and the compiler
    routes `.format`/`.format_map` through `_getattr_checked_`. Item access and iteration
    carry no risk once no "_" name is reachable, so `_getitem_` and `_getiter_` are
    operator.getitem and iter.
    """
    return {
        "_getattr_": guarded_getattr,
        "_getattr_checked_": safe_getattr,
        "_getitem_": operator.getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": iter_unpack_sequence,
        "_unpack_sequence_": unpack_sequence,
        "_write_": write_guard,
        "_apply_": guarded_apply,
        "__metaclass__": define_class,
        "__name__": PROGRAM_MODULE,
    }
