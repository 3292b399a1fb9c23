"""The headless core (telegram services, sandbox, retry, config, logging, and the backup engine
when it lands) never imports Textual: screens depend on services, never the other way."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tgtui

CORE_PACKAGES = ("tgtui.telegram", "tgtui.sandbox", "tgtui.backup")
CORE_MODULES = (
    "tgtui.cli",
    "tgtui.config",
    "tgtui.demo",
    "tgtui.launch",
    "tgtui.log",
    "tgtui.retry",
)


def core_modules() -> list[str]:
    """Every module of the core, found by walking the package (new ones are covered too)."""
    names = list(CORE_MODULES)
    for info in pkgutil.walk_packages(tgtui.__path__, "tgtui."):
        if info.name.startswith(CORE_PACKAGES):
            names.append(info.name)
    return sorted(names)


def test_core_modules_do_not_import_textual() -> None:
    modules = core_modules()
    assert "tgtui.telegram.auth" in modules
    assert "tgtui.sandbox.server" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
