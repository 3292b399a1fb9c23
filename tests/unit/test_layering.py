"""The headless core (sandbox, telegram services, config, logging) never imports Textual."""

from __future__ import annotations

import subprocess
import sys

CORE = (
    "tgtui.config",
    "tgtui.log",
    "tgtui.sandbox",
    "tgtui.sandbox.cli",
    "tgtui.telegram.errors",
    "tgtui.telegram.service",
)


def test_core_modules_do_not_import_textual() -> None:
    script = (
        "import importlib, sys\n"
        f"for name in {CORE!r}:\n    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
