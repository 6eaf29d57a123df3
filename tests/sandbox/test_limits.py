"""Resource exhaustion: every hostile program is stopped by a limit, with the right error_kind."""

from __future__ import annotations

import signal

import pytest

from sandbox.job import EXIT_OUT_OF_MEMORY, EXIT_UNISOLATED, Job
from sandbox.supervisor import _death

FAST_TIMEOUT_S = 0.5

STOPPED_BY_THE_CLOCK = {
    "busy_loop": "while True:\n    pass",
    "counting_loop": "n = 0\nwhile True:\n    n += 1",
    "huge_power": "x = 10 ** 10 ** 8",
    "factorial": "import math\nmath.factorial(10 ** 7)",
    "permutations": "import itertools\nfor p in itertools.permutations(range(100)):\n    pass",
    "catastrophic_regex": "import re\nre.match('(a+)+$', 'a' * 40 + 'b')",
    "exception_loop": "while True:\n    try:\n        1 / 0\n    except Exception:\n        pass",
}

STOPPED_BY_MEMORY = {
    "huge_shift": "x = 1 << 10 ** 10",
    "huge_list": "x = [0] * 10 ** 9",
    "huge_string": "s = 'x' * 10 ** 9",
    "growing_list": "x = []\nwhile True:\n    x.append('y' * 10000)",
    "growing_dict": "x = {i: i for i in range(10 ** 8)}",
    "endless_iterator": "import itertools\nlist(itertools.count())",
}

FAILING_AT_RUN_TIME = {
    "recursion": ("def f():\n    return f()\nf()", "RecursionError"),
    "generator_recursion": ("def g(n):\n    yield from g(n + 1)\nnext(g(0))", "RecursionError"),
    "nested_repr": ("x = []\nfor _ in range(100000):\n    x = [x]\nprint(x)", "RecursionError"),
    "nested_json": (
        "import json\nx = []\nfor _ in range(100000):\n    x = [x]\njson.dumps(x)",
        "RecursionError",
    ),
    "giant_int_to_text": ("str(10 ** 5000)", "ValueError: Exceeds the limit"),
}

REFUSED_BY_THE_COMPILER = {
    "nested_parentheses": ("x = " + "(" * 300 + "1" + ")" * 300, "syntax", "too many nested"),
    "nested_brackets": ("[" * 5000 + "]" * 5000, "syntax", "too many nested"),
    "unary_chain": ("x = " + "-" * 40000 + "1", "syntax", "nested too deeply"),
    "operator_chain": ("x = " + "+".join(["1"] * 20000), "syntax", "nested too deeply"),
    "deep_blocks": (
        "".join("    " * i + "if True:\n" for i in range(101)) + "    " * 101 + "pass",
        "syntax",
        "too many levels of indentation",
    ),
    "huge_source": ("x = 1\n" * 10000, "policy", "the limit is 50000"),
    "syntax_error": ("x = = 1", "syntax", "line 1: SyntaxError: invalid syntax"),
}


@pytest.mark.parametrize("name", sorted(STOPPED_BY_THE_CLOCK))
def test_long_running_program_is_killed_at_the_timeout(name, run):
    result = run(STOPPED_BY_THE_CLOCK[name], timeout_s=FAST_TIMEOUT_S)

    assert (result.ok, result.error_kind) == (False, "timeout")
    assert "did not finish within 0.5 s" in result.error
    assert FAST_TIMEOUT_S * 1000 <= result.duration_ms < FAST_TIMEOUT_S * 1000 + 500


@pytest.mark.parametrize("name", sorted(STOPPED_BY_MEMORY))
def test_memory_hog_is_stopped_at_the_memory_limit(name, run):
    result = run(STOPPED_BY_MEMORY[name])

    assert (result.ok, result.error_kind) == (False, "memory")
    assert "MemoryError — the program needs more than 256 MB" in result.error


def test_memory_limit_follows_memory_mb(run):
    program = "x = bytearray(300 * 1024 * 1024)\nfinal_answer(len(x))"

    assert run(program, memory_mb=256).error_kind == "memory"
    assert run(program, memory_mb=512).answer == str(300 * 1024 * 1024)


def test_program_may_catch_its_own_memory_error(run):
    result = run("try:\n    x = [0] * 10 ** 9\nexcept MemoryError:\n    final_answer('caught')")

    assert (result.ok, result.answer) == (True, "caught")


@pytest.mark.parametrize("name", sorted(FAILING_AT_RUN_TIME))
def test_runaway_structure_fails_with_a_runtime_error(name, run):
    code, fragment = FAILING_AT_RUN_TIME[name]

    result = run(code)

    assert (result.ok, result.error_kind) == (False, "runtime")
    assert fragment in result.error


@pytest.mark.parametrize("name", sorted(REFUSED_BY_THE_COMPILER))
def test_parser_bomb_is_refused_before_running(name, run):
    code, kind, fragment = REFUSED_BY_THE_COMPILER[name]

    result = run(code)

    assert (result.ok, result.error_kind) == (False, kind)
    assert fragment in result.error


def test_output_flood_ends_the_run_with_output_limit(run):
    result = run("while True:\n    print('flood')")

    assert (result.ok, result.error_kind) == (False, "output_limit")
    assert "printed more than 32000 characters" in result.error
    assert len(result.stdout) == 32000


def test_one_huge_print_ends_the_run_with_output_limit(run):
    result = run("try:\n    print('x' * 100000)\nexcept BaseException:\n    final_answer('no')")

    assert (result.error_kind, result.answer) == ("output_limit", None)


def test_huge_answer_ends_the_run_with_output_limit(run):
    result = run("final_answer('x' * 100000)")

    assert (result.ok, result.error_kind, result.answer) == (False, "output_limit", None)
    assert "the answer is 100000 characters; the limit is 32000" in result.error


@pytest.mark.parametrize(
    ("status", "kind", "fragment"),
    [
        (signal.SIGXCPU, "timeout", "more than 2 s of CPU time"),
        (signal.SIGKILL, "memory", "ran out of memory (limit 256 MB)"),
        (signal.SIGSEGV, "memory", "ran out of memory (limit 256 MB) or of stack"),
        (EXIT_OUT_OF_MEMORY << 8, "memory", "ran out of memory"),
        (EXIT_UNISOLATED << 8, "policy", "could not isolate a worker"),
        (1 << 8, "runtime", "stopped unexpectedly"),
        (None, "runtime", "stopped unexpectedly"),
    ],
)
def test_worker_death_without_report_is_explained_by_its_wait_status(status, kind, fragment):
    job = Job("x", (), timeout_s=2.0, memory_mb=256, max_output_chars=10, max_source_chars=10)

    error, error_kind = _death(status, job)

    assert error_kind == kind
    assert fragment in error


def test_program_at_the_recursion_limit_can_still_answer(run):
    result = run(
        """
        def down(n):
            if n == 0:
                final_answer("from the bottom")
            down(n - 1)
        down(985)
        """
    )

    assert (result.ok, result.answer) == (True, "from the bottom")


def test_exception_whose_message_itself_fails_is_still_reported(run):
    result = run(
        """
        class Broken(Exception):
            def __str__(self):
                return 1 / 0
        raise Broken()
        """
    )

    assert (result.error_kind, result.error) == ("runtime", "line 4: Broken\n    raise Broken()")
