"""The walls of the house (ARCHITECTURE.md), read from the source and seen in running
processes:

- the backup's format, the reader's archive and the exports stand below the engine: they
  import neither Telethon, Textual nor `tgtui.backup` / `tgtui.telegram`;
- the offline commands (`search`, `export`, `open`) load no Telethon module, for --help and
  when they run;
- the core imports no command, screen or widget: the UI and the command line stand on it;
- the client and the engine never reach the sandbox or the demo, not even through another
  module (the demo is wired in `tgtui.commands` and `tgtui.launch`).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import tgtui
from tests.python_source import parse_source
from tests.reader.stranger import two_chats

ROOT = Path(tgtui.__file__).resolve().parent
UI = ("tgtui.commands", "tgtui.cli", "tgtui.screens", "tgtui.widgets")
UI_MODULES = (
    "tgtui.__main__",
    "tgtui.app",
    "tgtui.app_backups",
    "tgtui.base_app",
    "tgtui.launch",
    "tgtui.reader_app",
)
READERS = ("tgtui.archive", "tgtui.export", "tgtui.format", "tgtui.stats")
ENGINE = ("tgtui.backup", "tgtui.telegram")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    """Every tgtui module and its file."""
    return {_module_name(path): path for path in ROOT.rglob("*.py")}


@cache
def _imports(module: str) -> frozenset[str]:
    """The tgtui modules ``module`` imports anywhere in its source (in functions too), and
    the packages on the way to them (importing a module runs its packages' __init__)."""
    modules = _modules()
    path = modules[module]
    found: set[str] = set()
    tree = parse_source(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                if prefix in modules and prefix != module:
                    found.add(prefix)
    return frozenset(found)


def _within(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _reach(start: Iterable[str]) -> dict[str, str]:
    """Every module ``start`` reaches through imports, each with the module that imports it
    (to say how it was reached)."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo:
        module = todo.pop()
        for name in _imports(module):
            if name not in seen:
                seen[name] = module
                todo.append(name)
    return seen


def _path_to(target: str, via: dict[str, str], start: Iterable[str]) -> str:
    chain = [target]
    starts = set(start)
    while chain[-1] not in starts and chain[-1] in via:
        chain.append(via[chain[-1]])
    return " <- ".join(chain)


def test_the_graph_is_read_from_every_module() -> None:
    modules = _modules()
    assert "tgtui.commands.search" in modules
    assert "tgtui.format.records" in modules
    assert "tgtui.commands.common" in _imports("tgtui.commands.search")


def test_the_readers_import_neither_the_engine_nor_the_ui() -> None:
    """archive/, export/ and format/ know the backup by its format, not by the engine that
    writes it; the search, the reader and the exports stand on them."""
    mine = [m for m in _modules() if _within(m, READERS)]
    bad = {
        f"{module} imports {name}"
        for module in mine
        for name in _imports(module)
        if _within(name, ENGINE + UI)
    }
    assert not bad


def test_the_core_imports_no_command_screen_or_widget() -> None:
    core = [m for m in _modules() if not _within(m, UI) and m not in UI_MODULES]
    assert "tgtui.backup.engine" in core
    assert "tgtui.config" in core
    bad = {
        f"{module} imports {name}"
        for module in core
        for name in _imports(module)
        if _within(name, UI) or name in UI_MODULES
    }
    assert not bad


def test_the_client_and_the_engine_never_reach_the_sandbox_or_the_demo() -> None:
    start = [m for m in _modules() if _within(m, ENGINE)]
    via = _reach(start)
    reached = [m for m in via if _within(m, ("tgtui.sandbox", "tgtui.demo"))]
    assert not reached, [_path_to(m, via, start) for m in reached]


def test_the_commands_wire_the_demo_and_nothing_below_them_does() -> None:
    """--demo starts a sandbox: `tgtui.commands` (the runner) and `tgtui.launch` (the app)
    import the demo; nothing the commands stand on does."""
    importers = {m for m in _modules() if "tgtui.demo" in _imports(m)}
    assert importers
    assert all(_within(m, ("tgtui.commands",)) or m == "tgtui.launch" for m in importers)


# -- in running processes ------------------------------------------------------------------


def _loaded_after(script: str, home: Path) -> list[str]:
    """The Telethon modules (and the engine's) loaded by a fresh interpreter running
    ``script`` as a user with the home folder ``home`` (its last line printed is read)."""
    probe = textwrap.dedent(script) + textwrap.dedent(
        """
        import json, sys
        engine = ('tgtui.backup.', 'tgtui.telegram')
        print(json.dumps(sorted(m for m in sys.modules
              if m.split('.')[0] == 'telethon' or m.startswith(engine))))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env["HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT.parent,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_search_and_export_load_no_telethon_when_they_run(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    out = tmp_path / "export"
    loaded = _loaded_after(
        f"""
        from tgtui.cli import main
        found = main(["search", "riverword", "--in", {str(backup)!r}])
        exported = main(["export", {str(backup)!r}, "--out", {str(out)!r}])
        assert (found, exported) == (0, 0), (found, exported)
        """,
        tmp_path,
    )
    assert (out / "index.html").is_file()  # it ran
    assert loaded == []


def test_stats_load_no_telethon_when_they_run(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    loaded = _loaded_after(
        f"""
        from tgtui.cli import main
        counted = main(["stats", "--in", {str(backup)!r}, "--json"])
        assert counted == 0, counted
        """,
        tmp_path,
    )
    assert (backup / ".index" / "stats.sqlite").is_file()  # it ran
    assert loaded == []


def test_the_reader_loads_no_telethon_while_it_reads_and_searches(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    loaded = _loaded_after(
        f"""
        import asyncio
        from pathlib import Path
        from tgtui.archive.service import ArchiveService
        from tgtui.reader_app import ReaderApp
        from tgtui.screens.archive import ArchiveScreen
        from tgtui.screens.reader import ChatScreen
        from tgtui.screens.search import SearchScreen

        async def read() -> None:
            app = ReaderApp(ArchiveService(Path({str(backup)!r})))
            async with app.run_test(size=(100, 30)) as pilot:
                async def until(condition) -> None:
                    for _ in range(400):
                        if condition():
                            return
                        await pilot.pause(0.05)
                    raise AssertionError("timed out on " + repr(app.screen))
                await until(lambda: isinstance(app.screen, ArchiveScreen))
                chat = app.service.archive.chats[0]
                await app.push_screen(ChatScreen(app.service, chat))
                await until(lambda: isinstance(app.screen, ChatScreen))
                await pilot.press("escape")
                await until(lambda: isinstance(app.screen, ArchiveScreen))
                await pilot.press("s", *"riverword")
                await until(lambda: isinstance(app.screen, SearchScreen)
                            and app.screen.shown_for == "riverword")

        asyncio.run(read())
        """,
        tmp_path,
    )
    assert loaded == []
