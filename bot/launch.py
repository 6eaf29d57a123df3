"""The `dealbot` command's entry point: Ctrl-C while the program is still loading (its
imports take a few seconds) ends it as quietly as Ctrl-C later does, without a traceback."""

from __future__ import annotations

import sys

INTERRUPTED = 130  # 128 + SIGINT, as bot.cli exits when interrupted


def main() -> int:
    try:
        from bot.cli import main as run
    except KeyboardInterrupt:
        print("dealbot: interrupted", file=sys.stderr)
        return INTERRUPTED
    return run()
