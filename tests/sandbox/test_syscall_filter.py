"""The workers' seccomp allow-list, run on a small BPF interpreter: what each system call gets.

That the list is complete — everyday programs, limits, tool calls and failures all work
under it — is shown by the rest of the sandbox tests, which run under the real filter.
"""

from __future__ import annotations

import errno

import pytest

from sandbox.syscall_filter import (
    ALLOWED_X86_64,
    AUDIT_ARCH_X86_64,
    BPF_JUMP_AT_LEAST,
    BPF_JUMP_EQUAL,
    BPF_LOAD_WORD,
    BPF_RETURN,
    FIONBIO,
    IOCTL_X86_64,
    SECCOMP_RET_ALLOW,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_KILL_PROCESS,
    X32_SYSCALL_BIT,
    program,
)

REFUSED = SECCOMP_RET_ERRNO | errno.EPERM
# What an escaped program would reach for; none may be allowed (x86-64 numbers).
MUST_BE_REFUSED = {
    "open": 2,
    "stat": 4,
    "lstat": 6,
    "access": 21,
    "shmget": 29,
    "shmat": 30,
    "shmctl": 31,
    "dup": 32,
    "socket": 41,
    "connect": 42,
    "accept": 43,
    "sendmsg": 46,
    "recvmsg": 47,
    "bind": 49,
    "listen": 50,
    "socketpair": 53,
    "clone": 56,
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "kill": 62,
    "semget": 64,
    "semop": 65,
    "semctl": 66,
    "shmdt": 67,
    "msgget": 68,
    "msgsnd": 69,
    "msgrcv": 70,
    "msgctl": 71,
    "fcntl": 72,
    "chdir": 80,
    "mkdir": 83,
    "unlink": 87,
    "readlink": 89,
    "chmod": 90,
    "ptrace": 101,
    "setuid": 105,
    "setgid": 106,
    "setpgid": 109,
    "setsid": 112,
    "setreuid": 113,
    "setregid": 114,
    "setgroups": 116,
    "setresuid": 117,
    "setresgid": 119,
    "setfsuid": 122,
    "setfsgid": 123,
    "capset": 126,
    "rt_sigqueueinfo": 129,
    "mknod": 133,
    "personality": 135,
    "prctl": 157,
    "arch_prctl": 158,
    "setrlimit": 160,
    "chroot": 161,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "reboot": 169,
    "init_module": 175,
    "tkill": 200,
    "tgkill": 234,
    "mq_open": 240,
    "mq_timedsend": 242,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "openat": 257,
    "mkdirat": 258,
    "newfstatat": 262,
    "unlinkat": 263,
    "unshare": 272,
    "rt_tgsigqueueinfo": 297,
    "perf_event_open": 298,
    "prlimit64": 302,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "seccomp": 317,
    "memfd_create": 319,
    "bpf": 321,
    "execveat": 322,
    "userfaultfd": 323,
    "pkey_mprotect": 329,
    "statx": 332,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "pidfd_send_signal": 424,
    "pidfd_open": 434,
    "clone3": 435,
    "openat2": 437,
    "pidfd_getfd": 438,
    "landlock_create_ruleset": 444,
    "landlock_restrict_self": 446,
    "memfd_secret": 447,
}
# What a worker does all day once the filter is on (found with strace -f on the test suite).
EVERYDAY = ["read", "write", "recvfrom", "sendto", "mmap", "munmap", "mremap", "brk"]
EVERYDAY += ["exit_group", "rt_sigreturn", "futex", "clock_gettime", "getrandom", "madvise"]


def verdict(nr: int, arch: int = AUDIT_ARCH_X86_64, args: tuple[int, ...] = ()) -> int:
    """What the filter answers to system call `nr` with `args` (lower 32 bits of each)."""
    data = {0: nr, 4: arch}
    for i, arg in enumerate(args):
        data[16 + 8 * i] = arg & 0xFFFFFFFF
        data[20 + 8 * i] = arg >> 32
    instructions = program(sorted(ALLOWED_X86_64.values()))
    pc = accumulator = 0
    while True:
        code, jump_true, jump_false, k = instructions[pc]
        if code == BPF_RETURN:
            return k
        if code == BPF_LOAD_WORD:
            accumulator, pc = data.get(k, 0), pc + 1
            continue
        assert code in (BPF_JUMP_EQUAL, BPF_JUMP_AT_LEAST)
        taken = accumulator == k if code == BPF_JUMP_EQUAL else accumulator >= k
        pc += 1 + (jump_true if taken else jump_false)


@pytest.mark.parametrize("name", sorted(MUST_BE_REFUSED))
def test_dangerous_system_call_gets_eperm(name):
    assert verdict(MUST_BE_REFUSED[name]) == REFUSED


@pytest.mark.parametrize("name", EVERYDAY)
def test_everyday_system_call_is_allowed(name):
    assert verdict(ALLOWED_X86_64[name]) == SECCOMP_RET_ALLOW


def test_the_filter_allows_exactly_the_allow_list():
    allowed = {nr for nr in range(600) if verdict(nr) == SECCOMP_RET_ALLOW}
    refused = {nr for nr in range(600) if verdict(nr) == REFUSED}

    assert allowed == set(ALLOWED_X86_64.values()) - {IOCTL_X86_64}
    assert refused == set(range(600)) - allowed
    assert not set(MUST_BE_REFUSED.values()) & set(ALLOWED_X86_64.values())


def test_ioctl_is_allowed_only_to_switch_blocking_mode():
    assert verdict(IOCTL_X86_64, args=(3, FIONBIO)) == SECCOMP_RET_ALLOW
    assert verdict(IOCTL_X86_64, args=(3, 1 << 32 | FIONBIO)) == SECCOMP_RET_ALLOW  # int cmd
    assert verdict(IOCTL_X86_64, args=(3, 0x5412)) == REFUSED  # TIOCSTI
    assert verdict(IOCTL_X86_64, args=(3, 0x8912)) == REFUSED  # SIOCGIFCONF


def test_x32_calls_and_other_architectures_kill_the_worker():
    assert verdict(X32_SYSCALL_BIT | 41) == SECCOMP_RET_KILL_PROCESS
    assert verdict(X32_SYSCALL_BIT | 0) == SECCOMP_RET_KILL_PROCESS
    assert verdict(0, arch=0x40000003) == SECCOMP_RET_KILL_PROCESS  # i386
