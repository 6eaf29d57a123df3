"""The modules a program may import, each as a read-only proxy of its documented public names.

A module object carries whatever it happened to import (`json.decoder`, `statistics.sys`,
`re.functools`, ...). A proxy carries only the names listed here — the module's documented
API (its `__all__`, or the C module's public functions) — so nothing else hangs off it.

Left out on purpose, because library code would touch "_" names the program picks:
collections' `UserDict`, `UserList` and `UserString` (pure-Python classes whose `copy()` goes
through `copy.copy`, which calls `setattr`, `__dict__.update` and `__setstate__` with names
from the data, and whose `UserString.format` calls the real `str.format` past the template
check) and `re.RegexFlag` (an enum class; enum's functional API builds classes from data,
and `seal_library` takes that API out of the worker altogether).
"""

from __future__ import annotations

import enum
import functools
import importlib
from collections.abc import Iterable, Mapping
from typing import Any, Final

from sandbox.program_errors import ForbiddenAttributeError, ForbiddenImportError, PolicyError

PUBLIC_NAMES: Final[Mapping[str, tuple[str, ...]]] = {
    "datetime": (
        *("date", "datetime", "time", "timedelta", "timezone", "tzinfo"),
        *("MINYEAR", "MAXYEAR", "UTC"),
    ),
    "math": (
        *("acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "comb"),
        *("copysign", "cos", "cosh", "degrees", "dist", "e", "erf", "erfc", "exp", "exp2"),
        *("expm1", "fabs", "factorial", "floor", "fmod", "frexp", "fsum", "gamma", "gcd"),
        *("hypot", "inf", "isclose", "isfinite", "isinf", "isnan", "isqrt", "lcm", "ldexp"),
        *("lgamma", "log", "log10", "log1p", "log2", "modf", "nan", "nextafter", "perm"),
        *("pi", "pow", "prod", "radians", "remainder", "sin", "sinh", "sqrt", "sumprod"),
        *("tan", "tanh", "tau", "trunc", "ulp"),
    ),
    "statistics": (
        *("NormalDist", "StatisticsError", "correlation", "covariance", "fmean"),
        *("geometric_mean", "harmonic_mean", "kde", "kde_random", "linear_regression"),
        *("mean", "median", "median_grouped", "median_high", "median_low", "mode"),
        *("multimode", "pstdev", "pvariance", "quantiles", "stdev", "variance"),
    ),
    "re": (
        *("compile", "escape", "findall", "finditer", "fullmatch", "match", "purge"),
        *("search", "split", "sub", "subn", "error", "Pattern", "Match"),
        *("A", "ASCII", "I", "IGNORECASE", "L", "LOCALE", "M", "MULTILINE", "NOFLAG"),
        *("S", "DOTALL", "U", "UNICODE", "X", "VERBOSE"),
    ),
    "json": ("dump", "dumps", "load", "loads", "JSONDecoder", "JSONDecodeError", "JSONEncoder"),
    "collections": (*("ChainMap", "Counter", "OrderedDict", "defaultdict", "deque", "namedtuple"),),
    "itertools": (
        *("accumulate", "batched", "chain", "combinations", "combinations_with_replacement"),
        *("compress", "count", "cycle", "dropwhile", "filterfalse", "groupby", "islice"),
        *("pairwise", "permutations", "product", "repeat", "starmap", "takewhile", "tee"),
        "zip_longest",
    ),
    "decimal": (
        *("BasicContext", "Clamped", "Context", "ConversionSyntax", "Decimal"),
        *("DecimalException", "DecimalTuple", "DefaultContext", "DivisionByZero"),
        *("DivisionImpossible", "DivisionUndefined", "ExtendedContext", "FloatOperation"),
        *("Inexact", "InvalidContext", "InvalidOperation", "MAX_EMAX", "MAX_PREC"),
        *("MIN_EMIN", "MIN_ETINY", "Overflow", "ROUND_05UP", "ROUND_CEILING", "ROUND_DOWN"),
        *("ROUND_FLOOR", "ROUND_HALF_DOWN", "ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_UP"),
        *("Rounded", "Subnormal", "Underflow", "getcontext", "localcontext", "setcontext"),
    ),
    "fractions": ("Fraction",),
}

ALLOWED_MODULES: Final = tuple(PUBLIC_NAMES)

# Modules the interpreter itself imports while running allowed code (datetime.strftime imports
# `time`, datetime.strptime imports `_strptime`). C code imports through the `__import__` of the
# running program, so these are served to it; a program cannot ask for them, since the compiler
# refuses every import statement not in PUBLIC_NAMES.
INTERNAL_IMPORTS: Final = frozenset({"time", "_strptime"})

# `from __future__ import annotations` is a compiler directive, not a capability.
FUTURE: Final = "__future__"
FUTURE_NAMES: Final = (
    *("nested_scopes", "generators", "division", "absolute_import", "with_statement"),
    *("print_function", "unicode_literals", "generator_stop", "annotations"),
)


class ModuleProxy:
    """A read-only stand-in for one allowed module."""

    def __init__(self, name: str, attributes: Mapping[str, Any], existing: Iterable[str]):
        self.__dict__.update(attributes)
        self.__dict__["_ModuleProxy__name"] = name
        self.__dict__["_ModuleProxy__existing"] = frozenset(existing)

    def __getattr__(self, name: str) -> Any:
        if name in self.__existing:
            raise ForbiddenAttributeError(
                f"{self.__name}.{name} is not available in the sandbox; "
                f"use the documented {self.__name} functions"
            )
        raise AttributeError(f"module {self.__name!r} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise PolicyError(f"module {self.__name!r} is read-only")

    def __delattr__(self, name: str) -> None:
        raise PolicyError(f"module {self.__name!r} is read-only")

    def __repr__(self) -> str:
        return f"<module {self.__name!r}>"


def _proxy(name: str, names: Iterable[str]) -> ModuleProxy:
    module = importlib.import_module(name)
    attributes = {n: getattr(module, n) for n in names if hasattr(module, n)}
    return ModuleProxy(name, attributes, dir(module))


@functools.cache
def module_proxies() -> Mapping[str, ModuleProxy]:
    """One proxy per allowed module (plus `__future__`), built once per process."""
    proxies = {name: _proxy(name, names) for name, names in PUBLIC_NAMES.items()}
    proxies[FUTURE] = _proxy(FUTURE, FUTURE_NAMES)
    return proxies


def import_refusal(name: str) -> str:
    """The message for an import the sandbox does not offer."""
    return (
        f"module {name!r} is not available: a program may import only {', '.join(ALLOWED_MODULES)}"
    )


def safe_import(
    name: str,
    globals: Any = None,
    locals: Any = None,
    fromlist: Any = (),
    level: int = 0,
) -> Any:
    """The `__import__` behind the import statement: allowed modules only, as proxies."""
    proxy = module_proxies().get(name) if level == 0 else None
    if proxy is not None:
        return proxy
    if level == 0 and name in INTERNAL_IMPORTS:
        return importlib.import_module(name)
    raise ForbiddenImportError(import_refusal(name))


def _no_functional_enum(*args: Any, **kwargs: Any) -> Any:
    raise PolicyError("creating enum classes from data is not available in the sandbox")


def seal_library() -> None:
    """Remove, in this (worker) process, library paths that build classes from data.

    enum's functional API (`SomeEnum("Name", {...})`) creates a class whose attributes, dunder
    methods included, come from the data; nothing a program may import needs it once loaded.
    """
    setattr(enum.EnumType, "_create_", _no_functional_enum)  # noqa: B010 - typeshed lacks it
