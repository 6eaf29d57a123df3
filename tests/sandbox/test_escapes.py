"""Known ways out of a Python jail, each with its exact outcome in the sandbox.

"compile" rows are refused before the program runs; "run" rows fail at the forbidden step
with a PolicyError (error_kind "policy"); nothing ever reaches a "_" name, a frame, a module
the program did not import through a proxy, or the bot's process.
"""

from __future__ import annotations

import pytest

REFUSED_AT_COMPILE_TIME = {
    "dunder_walk_to_subclasses": (
        "().__class__.__bases__[0].__subclasses__()",
        '".__class__" is not allowed',
    ),
    "builtins_by_name": ("b = __builtins__", '"__builtins__" is not allowed'),
    "import_by_dunder": ("__import__('os')", '"__import__" is not allowed'),
    "function_globals": ("def f(): pass\nf.__globals__", '".__globals__" is not allowed'),
    "generator_frame": (
        "g = (i for i in [1])\ng.gi_frame.f_back.f_globals",
        '".gi_frame" is not allowed: frame, code and class-hierarchy',
    ),
    "generator_code": ("g = (i for i in [1])\ng.gi_code", '".gi_code" is not allowed'),
    "traceback_frame": (
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    e.__traceback__.tb_frame",
        '".__traceback__" is not allowed',
    ),
    "frame_attribute_on_anything": ("x = 1\nx.f_globals", '".f_globals" is not allowed'),
    "underscore_variable": ("_secret = 1", '"_secret" is not allowed'),
    "underscore_annotation": ("x: __builtins__ = 1", '"__builtins__" is not allowed'),
    "traceback_frame_in_exit": (
        "class C:\n    def __enter__(self):\n        return self\n"
        "    def __exit__(self, kind, value, tb):\n        tb.tb_frame\n"
        "with C():\n    1 / 0",
        '".tb_frame" is not allowed',
    ),
    "underscore_argument": ("def f(_x):\n    return _x", '"_x" is not allowed'),
    "underscore_attribute_write": ("class A: pass\nA._x = 1", '"._x" is not allowed'),
    "underscore_augmented_attribute": (
        "class A: pass\nA.__doc__ += 'x'",
        '".__doc__" is not allowed',
    ),
    "super_init": (
        "class A:\n    pass\nclass B(A):\n    def __init__(self):\n        super().__init__()",
        "own __init__ instead of calling super()",
    ),
    "dangerous_method_definition": (
        "class A:\n    def __getattribute__(self, name):\n        return 1",
        '"__getattribute__" is not allowed',
    ),
    "class_private_attribute": (
        "class A:\n    __slots__ = ()",
        '"__slots__" is not allowed',
    ),
    "eval_call": ("eval('1 + 1')", "Eval calls are not allowed"),
    "exec_call": ("exec('x = 1')", "Exec calls are not allowed"),
    "import_os": ("import os", "module 'os' is not available"),
    "import_sys_as_alias": ("import sys as s", "module 'sys' is not available"),
    "import_submodule": ("import json.decoder", "module 'json.decoder' is not available"),
    "from_import_submodule": ("from json import decoder", "json.decoder is not available"),
    "from_import_private": ("from re import _compiler", "re._compiler is not available"),
    "relative_import": ("from . import x", "module '.' is not available"),
    "star_import": ("from math import *", '"*" imports are not allowed'),
    "metaclass_keyword": ("class A(metaclass=type):\n    pass", '"metaclass" is not allowed'),
    "async_function": ("async def f():\n    pass", "AsyncFunctionDef statements are not allowed"),
    # Inside a generator expression an async comprehension compiles, and makes it async.
    "async_comprehension": (
        "g = (k for k in [1] if [j async for j in k])",
        '"async for" is not allowed',
    ),
    "match_statement": ("match 1:\n    case int(x):\n        pass", "Match statements"),
    "except_star": (
        "try:\n    pass\nexcept* ValueError:\n    pass",
        "TryStar statements are not allowed",
    ),
}

REFUSED_AT_RUN_TIME = {
    "getattr_dunder": ("getattr((), '__class__')", "'__class__' is not allowed"),
    "getattr_built_name": ("getattr((), '_' * 2 + 'class' + '_' * 2)", "'__class__' is not"),
    "getattr_generator_frame": (
        "def g():\n    yield 1\ngetattr(g(), 'gi_frame')",
        "'gi_frame' is not allowed",
    ),
    "getattr_traceback": (
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    getattr(e, '__traceback__')",
        "'__traceback__' is not allowed",
    ),
    "getattr_function_globals": ("getattr(print, '__globals__')", "'__globals__' is not"),
    "traceback_given_to_exit": (
        "class C:\n    def __enter__(self):\n        return self\n"
        "    def __exit__(self, kind, value, tb):\n        getattr(tb, 'tb_' + 'frame')\n"
        "with C():\n    1 / 0",
        "'tb_frame' is not allowed",
    ),
    "format_field_attribute": ("'{0.__class__}'.format(1)", "'__class__' is not allowed"),
    "format_field_chain": (
        "'{0.__class__.__mro__[1].__subclasses__}'.format(1)",
        "'__class__' is not allowed",
    ),
    "format_map_field": ("'{x.__class__}'.format_map({'x': 1})", "'__class__' is not allowed"),
    "format_nested_spec": ("'{0:{1.__class__}}'.format(1, 2)", "'__class__' is not allowed"),
    "format_unbound": ("str.format('{0.__globals__}', print)", "'__globals__' is not allowed"),
    "format_kept_as_value": ("f = '{0.gi_frame}'.format\nf(1)", "'gi_frame' is not allowed"),
    "format_through_map": (
        "list(map(str.format, ['{0.__class__}'], [1]))",
        "'__class__' is not allowed",
    ),
    "format_through_super": (
        "class S(str):\n    pass\nsuper(S, S('{0.__class__}')).format(1)",
        "'__class__' is not allowed",
    ),
    "format_through_getattr": (
        "getattr('{0.__class__}', 'format')(1)",
        "'__class__' is not allowed",
    ),
    "module_attribute_sys": ("import datetime\ndatetime.sys", "datetime.sys is not available"),
    "module_attribute_codecs": ("import json\njson.codecs", "json.codecs is not available"),
    "module_attribute_walk": (
        "import statistics\nstatistics.random.os",
        "statistics.random is not available",
    ),
    "module_attribute_abc": ("import collections\ncollections.abc", "collections.abc is not"),
    "module_attribute_getattr": (
        "import fractions\ngetattr(fractions, 'sys')",
        "fractions.sys is not available",
    ),
    "module_is_read_only": ("import math\nmath.pi = 3", "cannot change a ModuleProxy"),
    "module_setattr": ("import math\nsetattr(math, 'floor', print)", "cannot change"),
    "tool_is_read_only": ("find_deals.limit = 5", "cannot change a function object"),
    "builtin_is_read_only": ("setattr(sorted, 'x', 1)", "cannot change"),
    "open_file": ("open('/etc/passwd')", "open() is not allowed: programs have no files"),
    "open_by_alias": ("o = open\no('/etc/passwd')", "open() is not allowed"),
    "eval_by_alias": ("e = eval\ne('1')", "eval() is not allowed"),
    "compile_code": ("compile('1', 'x', 'eval')", "compile() is not allowed"),
    "globals": ("globals()", "globals() is not allowed: introspection"),
    "locals": ("locals()", "locals() is not allowed"),
    "vars": ("vars(print)", "vars() is not allowed"),
    "dir": ("dir()", "dir() is not allowed"),
    "input": ("input('?')", "input() is not allowed"),
    "breakpoint": ("breakpoint()", "breakpoint() is not allowed"),
    "exit": ("exit()", "exit() is not allowed: call final_answer"),
    # A library function's "_" parameters, reached by a keyword that comes from a mapping.
    "private_keyword_from_mapping": (
        "import json\njson.JSONDecoder().decode('{}', **{'_w': print})",
        '"_w" is not allowed',
    ),
    "private_keyword_lying_str": (
        "class S(str):\n    def startswith(self, *a):\n        return False\n"
        "import fractions\nfractions.Fraction(4, 2, **{S('_normalize'): False})",
        '"_normalize" is not allowed',
    ),
    "quit": ("quit()", "quit() is not allowed"),
    "print_to_file": ("print('x', file=[])", "print(file=...) is not available"),
}


@pytest.mark.parametrize("name", sorted(REFUSED_AT_COMPILE_TIME))
def test_escape_is_refused_at_compile_time(name, run):
    code, fragment = REFUSED_AT_COMPILE_TIME[name]

    result = run(code + "\nfinal_answer('escaped')")

    assert (result.ok, result.error_kind, result.answer) == (False, "policy", None)
    assert fragment in result.error
    assert result.error.startswith("line ")


@pytest.mark.parametrize("name", sorted(REFUSED_AT_RUN_TIME))
def test_escape_is_refused_at_run_time(name, run):
    code, fragment = REFUSED_AT_RUN_TIME[name]

    result = run(code + "\nfinal_answer('escaped')")

    assert (result.ok, result.error_kind, result.answer) == (False, "policy", None), result.error
    assert fragment in result.error


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("hasattr((), '__class__')", "False"),
        ("hasattr(print, '__self__')", "False"),
        ("getattr((), '__class__', 'refused')", "refused"),
        ("getattr(find_deals, '_session', 'refused')", "refused"),
        ("repr(find_deals)[:20]", "<function find_deals"),
        ("repr(__import__('math')) if False else 'dead code'", None),
    ],
)
def test_probing_reveals_nothing(expression, expected, run):
    result = run(f"final_answer({expression})")

    if expected is None:
        assert result.error_kind == "policy", "refused even in a branch that never runs"
    else:
        assert (result.ok, result.answer) == (True, expected)


def test_tool_function_cannot_be_rebuilt_or_pointed_at_another_tool(run):
    result = run("type(find_deals)('list_stores', None)()")

    assert result.error_kind == "policy"
    assert "type() of a function is not available" in result.error
    assert result.tool_calls == 0


def test_caught_refusal_leaves_the_program_running_without_the_capability(run):
    result = run(
        """
        try:
            getattr((), "__class__")
        except AttributeError:
            final_answer("refused and carried on")
        """
    )

    assert (result.ok, result.answer) == (True, "refused and carried on")


def test_policy_refusals_name_every_problem_line(run):
    result = run("a = ().__class__\nimport os\nb = 1")

    assert result.error_kind == "policy"
    assert result.error.splitlines()[:2] == [
        'line 1: ".__class__" is not allowed: attributes starting with "_" are off limits',
        "line 2: module 'os' is not available: a program may import only datetime, math, "
        "statistics, re, json, collections, itertools, decimal, fractions",
    ]
