"""The workers' seccomp program, run on a small BPF interpreter: what each system call gets."""

from __future__ import annotations

import errno

import pytest

from sandbox.syscall_filter import (
    AUDIT_ARCH_X86_64,
    BPF_JUMP_AT_LEAST,
    BPF_JUMP_EQUAL,
    BPF_LOAD_WORD,
    BPF_RETURN,
    REFUSED_X86_64,
    SECCOMP_RET_ALLOW,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_KILL_PROCESS,
    X32_SYSCALL_BIT,
    program,
)

REFUSED = SECCOMP_RET_ERRNO | errno.EPERM
# What a worker does all day: read, write, close, mmap, brk, rt_sigaction, sendto, recvfrom,
# getrandom, prlimit64, exit_group.
EVERYDAY_X86_64 = [0, 1, 3, 9, 12, 13, 44, 45, 318, 302, 231]


def verdict(nr: int, arch: int = AUDIT_ARCH_X86_64) -> int:
    data = {0: nr, 4: arch}
    instructions = program(sorted(REFUSED_X86_64.values()))
    pc = accumulator = 0
    while True:
        code, jump_true, jump_false, k = instructions[pc]
        if code == BPF_RETURN:
            return k
        if code == BPF_LOAD_WORD:
            accumulator, pc = data[k], pc + 1
            continue
        taken = accumulator == k if code == BPF_JUMP_EQUAL else accumulator >= k
        assert code in (BPF_JUMP_EQUAL, BPF_JUMP_AT_LEAST)
        pc += 1 + (jump_true if taken else jump_false)


@pytest.mark.parametrize("name", sorted(REFUSED_X86_64))
def test_refused_system_call_gets_eperm(name):
    assert verdict(REFUSED_X86_64[name]) == REFUSED


@pytest.mark.parametrize("nr", EVERYDAY_X86_64)
def test_everyday_system_call_is_allowed(nr):
    assert verdict(nr) == SECCOMP_RET_ALLOW


def test_x32_calls_and_other_architectures_kill_the_worker():
    assert verdict(X32_SYSCALL_BIT | 41) == SECCOMP_RET_KILL_PROCESS
    assert verdict(0, arch=0x40000003) == SECCOMP_RET_KILL_PROCESS
