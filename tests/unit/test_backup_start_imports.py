"""`tgtui backup` imports, before its first history request, only what that request needs
(issue 30: start like a script): the files' and the pictures' passes, the account's own
data, follow mode and the takeout load when a run first reaches them."""

from __future__ import annotations

import json
import subprocess
import sys

LATER = (
    "tgtui.backup.media_pass",
    "tgtui.backup.pictures_pass",
    "tgtui.backup.queues",
    "tgtui.backup.account_data",
    "tgtui.backup.account_files",
    "tgtui.backup.follow",
    "tgtui.backup.takeout",
)


def _loaded_by(code: str) -> list[str]:
    """The modules of `LATER` loaded by ``code``, run in a fresh interpreter."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(set(sys.modules))))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    modules = set(json.loads(done.stdout))
    return [name for name in LATER if name in modules]


def test_the_engine_loads_no_pass_the_first_request_does_not_need() -> None:
    # What the preload thread imports while the command connects (`tgtui.preload`), and
    # an engine made for a run: still none of them.
    code = (
        "import tgtui.commands.backup_run\n"
        "from pathlib import Path\n"
        "from tgtui.backup.engine import BackupEngine, BackupOptions\n"
        "BackupEngine(None, BackupOptions(out=Path('.')))"
    )
    assert _loaded_by(code) == []


def test_each_loads_when_a_run_reaches_it() -> None:
    code = (
        "from pathlib import Path\n"
        "from tgtui.backup.engine import BackupEngine, BackupOptions\n"
        "engine = BackupEngine(None, BackupOptions(out=Path('.')))\n"
        "engine.pictures\n"
    )
    assert _loaded_by(code) == [
        "tgtui.backup.media_pass",
        "tgtui.backup.pictures_pass",
        "tgtui.backup.queues",
    ]
