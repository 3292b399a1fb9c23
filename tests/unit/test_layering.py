"""The headless core (telegram services, sandbox, retry, config, logging, and the backup engine
when it lands) never imports Textual: screens depend on services, never the other way."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import tgtui
from tests.python_source import parse_source

CORE_PACKAGES = (
    "tgtui.telegram",
    "tgtui.sandbox",
    "tgtui.backup",
    "tgtui.archive",
    "tgtui.export",
    "tgtui.chats",
    "tgtui.format",
    "tgtui.commands",
    "tgtui.stats",
)
CORE_MODULES = (
    "tgtui.children",
    "tgtui.cli",
    "tgtui.config",
    "tgtui.demo",
    "tgtui.launch",
    "tgtui.log",
    "tgtui.portable",
    "tgtui.private_files",
    "tgtui.retry",
    "tgtui.sandbox_mark",
    "tgtui.status_line",
    "tgtui.untrusted",
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


def _imports_of(package: str) -> set[str]:
    """Every tgtui module the modules of ``package`` import, read from their source."""
    import ast
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(package)
    assert spec is not None
    assert spec.submodule_search_locations
    found: set[str] = set()
    for path in Path(next(iter(spec.submodule_search_locations))).rglob("*.py"):
        for node in ast.walk(parse_source(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("tgtui")}


def test_the_client_and_the_sandbox_never_import_each_other() -> None:
    """The client trusts the sandbox's key only through a marked session, never by reaching
    into the sandbox's code; the sandbox shares file helpers with it from below both."""
    client = _imports_of("tgtui.telegram") | _imports_of("tgtui.backup")
    assert not {name for name in client if name.startswith("tgtui.sandbox.")}
    assert "tgtui.sandbox" not in client
    sandbox = _imports_of("tgtui.sandbox")
    assert not {n for n in sandbox if n.startswith(("tgtui.telegram", "tgtui.backup"))}


def test_the_backup_format_stands_below_the_engine_and_telethon() -> None:
    """`tgtui.format` (the backup on disk, as every reader sees it) imports neither the
    engine, the client, the readers nor Telethon: they all stand on it."""
    imported = _imports_of("tgtui.format")
    assert not {
        name
        for name in imported
        if name.startswith(("tgtui.backup", "tgtui.telegram", "tgtui.archive", "tgtui.export"))
    }
    script = (
        "import importlib, pkgutil, sys, tgtui.format\n"
        "for info in pkgutil.walk_packages(tgtui.format.__path__, 'tgtui.format.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'telethon', 'textual'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "argv", [["--version"], ["--help"], ["backup", "--help"], ["chats", "--help"]]
)
def test_the_command_line_starts_without_what_it_does_not_need(argv: list[str]) -> None:
    """`tgtui --help` and `--version` load neither Telethon nor Textual; a command's help
    loads that command's options only: not Telethon, Rich, loguru or asyncio, which running
    it needs (the TUI and the engine stay out of it too)."""
    script = (
        "import sys\n"
        "from tgtui.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'telethon', 'textual', 'asyncio', 'loguru', 'rich'}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('tgtui.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    heavy, modules = result.stdout.strip().splitlines()[-2:]
    assert heavy == "[]"
    assert "tgtui.backup.engine" not in modules
    assert "tgtui.screens" not in modules
    if argv[0].startswith("--"):
        assert "tgtui.backup" not in modules
    else:
        assert "tgtui.export" not in modules  # another command's module


def test_the_app_draws_its_first_screen_before_loading_the_backup_engine() -> None:
    """Importing the app (all it needs for its first frame) leaves the backup engine, the
    archive reader and the exports unloaded: they load when first used."""
    script = (
        "import sys\n"
        "import tgtui.app\n"
        "print(sorted(m for m in sys.modules if m.startswith(("
        "'tgtui.backup.', 'tgtui.archive', 'tgtui.export', 'tgtui.screens.backup'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "['tgtui.backup.selection']"


def test_a_spawned_worker_loads_none_of_the_command_line() -> None:
    """The export's and the statistics' worker processes are spawned: each imports the main
    module (`python -m tgtui`: tgtui/__main__.py, as ``__mp_main__``) before its task, and
    nothing of the command line is its to load (30 ms a worker, a core each)."""
    script = (
        "import runpy, sys\n"
        "runpy.run_module('tgtui', run_name='__mp_main__', alter_sys=True)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tgtui.cli', 'tgtui.commands',"
        " 'argparse', 'telethon', 'textual', 'rich'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
