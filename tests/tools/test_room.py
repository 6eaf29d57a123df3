"""tools/ stands on its own: it never imports the bot or the sandbox."""

from __future__ import annotations

import subprocess
import sys


def test_importing_tools_loads_neither_bot_nor_sandbox():
    probe = (
        "import sys, tools, tools.demo, tools.feeds;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bot', 'sandbox')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
