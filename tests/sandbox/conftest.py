"""Fixtures for the sandbox tests: one shared Sandbox, and a helper that runs dedented code."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox import RunResult, Sandbox
from tests.sandbox.fakes import deals_tools


@pytest.fixture(scope="session")
def box() -> Iterator[Sandbox]:
    """A Sandbox shared by the whole session (its worker server starts once)."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def run(box: Sandbox) -> Callable[..., RunResult]:
    """Run a (dedented) program with the fake deals tools."""

    def run_program(code: str, tools: dict[str, Any] | None = None, **limits: Any) -> RunResult:
        limits.setdefault("timeout_s", 5.0)
        program = textwrap.dedent(code).strip("\n")
        return box.run(program, deals_tools() if tools is None else tools, **limits)

    return run_program
