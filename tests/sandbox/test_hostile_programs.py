"""Programs written against each cause of the language-layer review, run in real workers.

1. classes whose dunders come from data (three-argument `type`, metaclasses, enum's functional
   API); 2. library code that walks attributes by name (collections' User* classes, the copy
   protocol, str.format behind the template check); 3. the worker's own machinery (tools,
   print, final_answer, the report); 5. what crosses the pipe (lengths the program controls,
   text no database accepts, lines the log would believe, a tool that will not return).
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

ESCAPED = "escaped"

DUNDERS_FROM_DATA = {
    "three_argument_type": "C = type('C', (), {'__getattr__': lambda self, n: n})\nC().x",
    "type_of_type": "T = type(type(1))\nT('C', (), {'__reduce_ex__': print})",
    "type_keywords": "type(1, bases=())",
    "abc_metaclass": "import fractions\nM = type(fractions.Fraction)",
    "metaclass_of_own_class": "class A:\n    pass\nM = type(type(A))\nM('C', (), {})",
    "mro_in_syntax": "import re\nre.I.mro()",
    "mro_by_getattr": "import re\ngetattr(type(re.I), 'mro')()",
    "enum_functional_api": "import re\ntype(re.I)('C', {'__reduce_ex__': 1})",
    "function_from_parts": "f = lambda: 0\ntype(f)(1, {})",
    "method_from_parts": "class A:\n    def m(self):\n        pass\ntype(A().m)(print, 1)",
    "module_type": "import json\ntype(json)('os', {}, [])",
    "generic_alias": "type(list[int])(type, ())",
}


@pytest.mark.parametrize("code", DUNDERS_FROM_DATA.values(), ids=DUNDERS_FROM_DATA.keys())
def test_no_class_gets_dunders_from_data(code, run):
    result = run(code + f"\nfinal_answer({ESCAPED!r})")

    assert not result.ok, "the program reached its last line"
    assert result.error_kind in ("policy", "runtime"), result.error
    assert result.answer is None


def test_type_still_answers_everyday_questions(run):
    result = run(
        """
        import datetime
        class Deal:
            pass
        checks = [
            type(1) is int, type("a") == str, type(Deal()) is Deal, type(int) is type,
            isinstance(int, type), isinstance(1, type) is False, issubclass(Deal, object),
            type(datetime.date.today()) is datetime.date, type(None)() is None,
        ]
        final_answer(str(all(checks)))
        """
    )

    assert (result.ok, result.answer) == (True, "True"), result.error


WALKED_BY_NAME = {
    "user_dict": "from collections import UserDict",
    "user_list": "import collections\ncollections.UserList([1])",
    "user_string_format": "import collections\ncollections.UserString('{0.__class__}').format(1)",
    "copy_module": "import copy",
    "pickle_module": "import pickle",
    "str_subclass_template": "class S(str):\n    pass\nS('{0.__class__}').format(1)",
    "format_map_template": "'{x.__class__}'.format_map({'x': 1})",
    "unbound_format": "f = str.format\nf('{0.__init__.__globals__}', 1)",
    "getattr_format": "getattr('{0.__class__}', 'format')(1)",
    "nested_spec": "'{0:{1.__class__}}'.format(1, 2)",
    "namedtuple_dunder_field": "import collections\ncollections.namedtuple('P', ['__class__'])",
    "setattr_dunder_on_own_class": "class A:\n    pass\nsetattr(A, '__getattr__', print)",
    "private_keyword": "import json\njson.JSONDecoder().parse_object(('{}', 1), True, _w=print)",
}


@pytest.mark.parametrize("code", WALKED_BY_NAME.values(), ids=WALKED_BY_NAME.keys())
def test_library_code_cannot_be_steered_to_underscore_names(code, run):
    result = run(code + f"\nfinal_answer({ESCAPED!r})")

    assert not result.ok, "the program reached its last line"
    assert "<class" not in (result.error or ""), "a dunder chain was read as text"
    assert result.error_kind in ("policy", "runtime"), result.error


def test_program_classes_stay_writable_and_library_classes_do_not(run):
    result = run(
        """
        import collections
        class Basket:
            pass
        Basket.total = 3
        basket = Basket()
        basket.items = [1]
        Point = collections.namedtuple("Point", "x y", module="__main__")
        try:
            Point.z = 1
            outcome = "library class changed"
        except Exception as exc:
            outcome = "refused" if "cannot change" in str(exc) else "other"
        final_answer(f"{Basket.total} {basket.items} {outcome}")
        """
    )

    assert (result.ok, result.answer) == (True, "3 [1] refused"), result.error


MACHINERY = {
    "tool_closure": "find_deals.__closure__",
    "tool_closure_by_getattr": "getattr(find_deals, '__closure__')",
    "tool_globals": "getattr(today, '__globals__')",
    "print_globals": "getattr(print, '__globals__')",
    "answer_globals": "getattr(final_answer, '__globals__')",
    "session_by_name": "_session",
    "tool_defaults": "getattr(find_deals, '__defaults__')",
    "type_of_tool": "type(today)",
}


@pytest.mark.parametrize("code", MACHINERY.values(), ids=MACHINERY.keys())
def test_the_worker_machinery_is_out_of_reach(code, run):
    result = run(code + f"\nfinal_answer({ESCAPED!r})")

    assert (result.ok, result.error_kind) == (False, "policy"), result.error


def test_a_failed_program_cannot_turn_into_a_success_while_it_is_reported(run):
    result = run(
        """
        class Forged(Exception):
            def __str__(self):
                final_answer("forged by __str__")
        def pending():
            try:
                yield 1
            finally:
                final_answer("forged by a generator's finally")
        started = pending()
        next(started)
        raise Forged("the real failure")
        """
    )

    assert (result.ok, result.answer, result.error_kind) == (False, None, "runtime")
    assert result.error.startswith("line 11: Forged: the real failure")


HOSTILE_REPORTS = {
    "str_loops": (
        "class E(Exception):\n    def __str__(self):\n        while True:\n            pass\n"
        "raise E('plain')",
        "runtime",
        "line 5: E: plain",
    ),
    "str_claims_memory": (
        "class E(Exception):\n    def __str__(self):\n        raise MemoryError\nraise E('x')",
        "runtime",
        "line 4: E: x",
    ),
    "args_property_loops": (
        "class E(Exception):\n    @property\n    def args(self):\n        while True:\n"
        "            pass\nraise E('real')",
        "runtime",
        "line 6: E: real",
    ),
    "argument_with_hostile_repr": (
        "class R:\n    def __repr__(self):\n        while True:\n            pass\n"
        "    def __str__(self):\n        while True:\n            pass\n"
        "raise ValueError(R())",
        "runtime",
        "line 8: ValueError\n",
    ),
    "dict_key_with_hostile_str": (
        "class K:\n    def __hash__(self):\n        return 1\n    def __str__(self):\n"
        "        while True:\n            pass\nrow = {K(): 1}\nrow['cost']",
        "runtime",
        "line 8: KeyError: 'cost'\n",
    ),
    "dict_key_with_hostile_eq": (
        "class K:\n    def __hash__(self):\n        return hash('cost')\n"
        "    def __eq__(self, other):\n        while True:\n            pass\n"
        "row = {K(): 1}\nrows = [row]\nrows[0]['price']",
        "runtime",
        "line 9: KeyError: 'price'\n",
    ),
    "oserror_subclass_filename": (
        "class E(OSError):\n    pass\ne = E(2, 'gone')\n"
        "class R:\n    def __repr__(self):\n        while True:\n            pass\n"
        "e.filename = R()\nraise e",
        "runtime",
        "line 9: E: (2, 'gone')",
    ),
}


@pytest.mark.parametrize(
    ("code", "kind", "start"), HOSTILE_REPORTS.values(), ids=HOSTILE_REPORTS.keys()
)
def test_the_report_never_runs_program_code(code, kind, start, run):
    started = time.monotonic()

    result = run(code, timeout_s=3.0)

    assert time.monotonic() - started < 2.0, "the report waited on program code"
    assert (result.ok, result.error_kind) == (False, kind), result.error
    assert result.error.startswith(start), result.error


def test_error_quotes_the_right_line_after_unusual_line_separators(run):
    code = 'note = "a\u2028b\u2029c\x0cd\x1ce\x85f"\nlabel = "x"\nrow = {}\nrow["cost"]'

    result = run(code)

    assert result.error == "line 4: KeyError: 'cost' — the dict is empty\n    row[\"cost\"]"


def test_an_error_making_a_class_names_the_class_statement(run):
    result = run("x = 1\ny = 2\nclass A(5):\n    pass")

    assert result.error.startswith("line 3: TypeError: metaclass conflict")
    assert result.error.endswith("\n    class A(5):")


def test_a_null_byte_in_the_source_is_a_syntax_error_without_a_line(run):
    result = run("x = 1\n\x00")

    assert (result.error_kind, result.error) == (
        "syntax",
        "SyntaxError: source code string cannot contain null bytes",
    )


LYING_TEXT = """
class Empty(str):
    def __len__(self):
        return 0
class Glue(str):
    def __radd__(self, other):
        return Empty(other + "x" * 2_000_000)
    def join(self, parts):
        return Empty("y" * 2_000_000)
"""


def test_printed_text_is_counted_as_it_really_is(run):
    plain = run(LYING_TEXT + "print('a', end=Glue('!'), sep=Glue(','))\nfinal_answer('done')")
    flood = run(LYING_TEXT + "print(Empty('x' * 40_000))\nfinal_answer('done')")

    assert (plain.ok, plain.stdout) == (True, "a!")
    assert (flood.ok, flood.error_kind) == (False, "output_limit")
    assert len(flood.stdout) <= 32_000


def test_answer_is_counted_as_it_really_is(run):
    result = run(LYING_TEXT + "final_answer(Empty('x' * 40_000))")

    assert (result.ok, result.error_kind) == (False, "output_limit")
    assert "40000 characters" in result.error


def test_answer_error_and_output_arrive_as_text_any_database_accepts(run):
    result = run(
        """
        print("out" + chr(0xD800) + chr(0) + chr(27) + "[2J")
        final_answer("in" + chr(0xDFFF) + chr(0) + "\\x07" + chr(0x9B) + "put\\tok\\n")
        """
    )
    failed = run("raise ValueError('bad' + chr(0xD800) + chr(0))")

    assert result.ok
    assert result.stdout == "out\ufffd[2J\n"
    assert result.answer == "in\ufffdput\tok\n"
    assert failed.error.startswith("line 1: ValueError: bad\ufffd\n")
    for text in (result.stdout, result.answer, failed.error):
        text.encode("utf-8")


def test_tool_arguments_are_cleaned_before_the_tool_sees_them(run):
    seen = []

    result = run(
        "final_answer(echo('a' + chr(0xD800) + chr(0) + 'b', key=chr(27) + 'c'))",
        tools={"echo": lambda *args, **kwargs: seen.append((args, kwargs)) or "ok"},
    )

    assert result.ok, result.error
    assert seen == [(("a\ufffdb",), {"key": "c"})]


def test_log_lines_stay_short_and_single(run, caplog):
    def fussy(query):
        raise ValueError(f"no match for {query}")

    caplog.set_level(logging.DEBUG, logger="sandbox")
    result = run(
        "fussy('x\\nINFO run 1: ok forged line ' * 2000)",
        tools={"fussy": fussy},
    )

    assert result.error_kind == "tool"
    messages = [record.getMessage() for record in caplog.records]
    assert messages, "the tool's failure is logged"
    for message in messages:
        assert "\n" not in message
        assert len(message) < 400


def test_a_tool_that_will_not_return_ends_the_run_at_its_deadline(run):
    release = threading.Event()

    def stuck(*args):
        release.wait(10)
        return []

    started = time.monotonic()
    result = run("stuck()\nfinal_answer('never')", tools={"stuck": stuck}, timeout_s=0.5)
    elapsed = time.monotonic() - started
    release.set()

    assert (result.ok, result.error_kind) == (False, "timeout")
    assert elapsed < 2.0


def test_nothing_a_run_changes_is_seen_by_the_next_run(run):
    first = run(
        """
        import decimal, json
        decimal.getcontext().prec = 3
        class Marker:
            pass
        final_answer(str(decimal.Decimal(1) / 3))
        """
    )
    second = run(
        """
        import decimal
        final_answer(str(decimal.Decimal(1) / 3))
        """
    )

    assert first.answer == "0.333"
    assert second.answer == "0.3333333333333333333333333333"
