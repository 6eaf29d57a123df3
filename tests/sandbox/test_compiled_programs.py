"""A program run again is not compiled again: the bot keeps each program's compiled form, as a
worker sent it before running it, and later workers load it instead of compiling."""

from __future__ import annotations

import hashlib

import pytest

from sandbox import Sandbox
from sandbox.job import Job
from tests.sandbox.fakes import deals_tools

PROGRAM = """\
deals = find_deals("orange soda")
lines = [f"{d['product']}: ${d['price']:.2f}" for d in deals]
final_answer(f"{len(deals)} deals\\n" + "\\n".join(lines))
"""
FAILING = """\
total = 0
for n in [1, 2]:
    total += n / (n - 2)
final_answer(str(total))
"""


@pytest.fixture
def box():
    with Sandbox() as sandbox:
        yield sandbox


def _jobs(box: Sandbox, monkeypatch) -> list[Job]:
    """The jobs the sandbox sends, in order."""
    sent: list[Job] = []
    converse = box._converse

    def recorded(server, worker, job, tools):
        sent.append(job)
        return converse(server, worker, job, tools)

    monkeypatch.setattr(box, "_converse", recorded)
    return sent


def test_a_program_run_again_brings_its_compiled_form_and_answers_the_same(box, monkeypatch):
    jobs = _jobs(box, monkeypatch)

    first = box.run(PROGRAM, deals_tools())
    second = box.run(PROGRAM, deals_tools())

    assert first.ok and second.ok and first.answer == second.answer
    assert [job.send_compiled for job in jobs] == [True, False]
    assert jobs[0].compiled is None and jobs[1].compiled  # the form the first worker sent


def test_a_runtime_error_reads_the_same_from_the_compiled_form(box):
    first = box.run(FAILING, {})
    second = box.run(FAILING, {})

    assert first.error_kind == second.error_kind == "runtime"
    assert first.error == second.error and "line 3" in second.error


def test_a_compiled_form_that_does_not_load_is_compiled_again(box, monkeypatch):
    box.run(PROGRAM, deals_tools())
    key = hashlib.sha256(PROGRAM.encode()).digest()
    for bogus in ("bm90IGEgcHJvZ3JhbQ==", "not base64 at all!", ""):
        box._compiled[key] = bogus

        result = box.run(PROGRAM, deals_tools())

        assert result.ok and result.answer.startswith("2 deals"), (bogus, result)


def test_programs_refused_at_compile_time_leave_nothing_to_keep(box):
    for program in ("final_answer(", "import os\nfinal_answer('x')", "x = _secret"):
        assert box.run(program, {}).error_kind in ("syntax", "policy")
    assert len(box._compiled) == 0


def test_no_compiled_forms_are_kept_with_no_room_for_them(monkeypatch):
    with Sandbox(compiled_cache_bytes=0) as box:
        jobs = _jobs(box, monkeypatch)
        assert box.run(PROGRAM, deals_tools()).ok
        assert box.run(PROGRAM, deals_tools()).ok
        assert len(box._compiled) == 0
        assert not any(job.send_compiled for job in jobs)  # nor asked for
