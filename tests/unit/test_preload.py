"""`tgtui.preload`: a module imported beside the main thread's work (`tgtui backup` imports its
engine while it connects), handed over whole, or with the error its import raised."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tgtui.preload import Preload


@pytest.fixture
def modules(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path for modules written by a test (forgotten afterwards)."""
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("preloaded_")]:
        del sys.modules[name]


async def test_the_module_is_imported_in_another_thread(modules: Path) -> None:
    (modules / "preloaded_engine.py").write_text(
        "import threading\nTHREAD = threading.get_ident()\n"
    )
    module = await Preload("preloaded_engine").module()
    assert module is sys.modules["preloaded_engine"]
    assert threading.get_ident() != module.THREAD


async def test_an_import_that_fails_fails_where_the_module_is_awaited(modules: Path) -> None:
    (modules / "preloaded_broken.py").write_text("import preloaded_missing_dependency\n")
    preload = Preload("preloaded_broken")
    with pytest.raises(ModuleNotFoundError, match="preloaded_missing_dependency"):
        await preload.module()
    with pytest.raises(ModuleNotFoundError):  # and again: it is not taken for imported
        await preload.module()


def test_a_process_that_stops_early_lets_its_preload_finish_first(modules: Path) -> None:
    """The main thread ends at once (a command refused): the interpreter does not shut
    down under a thread still importing, it waits for the import to end."""
    done = modules / "imported"
    (modules / "preloaded_slow.py").write_text(
        f"import pathlib, time\ntime.sleep(0.5)\npathlib.Path({str(done)!r}).write_text('whole')\n"
    )
    ended = subprocess.run(
        [sys.executable, "-c", "from tgtui.preload import Preload; Preload('preloaded_slow')"],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(modules), *sys.path])},
        timeout=60,
        check=False,
    )
    assert ended.returncode == 0
    assert done.read_text() == "whole"
