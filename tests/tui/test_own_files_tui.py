"""The user's own files, in the TUI: the backup screen refuses a folder of someone's files as
`tgtui backup --out` does, and a theme picked in the demo is never saved in config.toml."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

from textual.widgets import Input

from tests.tui.helpers import chats_loaded, make_app, running, text_of, wait_for
from tgtui.app import TgtuiApp
from tgtui.sandbox import SandboxServer
from tgtui.screens.backup import BackupScreen
from tgtui.screens.dialogs import DialogsScreen


async def test_the_backup_screen_refuses_a_folder_of_someone_elses_files(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    site = tmp_path / "www"
    site.mkdir(mode=0o755)
    os.chmod(site, 0o755)
    script = site / "deploy.sh"
    script.write_text("#!/bin/sh\n")
    os.chmod(script, 0o755)
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app))
        await pilot.press("space", "b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen), what="backup screen")
        field = app.screen.query_one("#backup-out", Input)
        field.focus()
        field.value = str(site)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: "is not a tgtui backup" in text_of(app, "#backup-form-error"),
            what="the refusal, on the form",
        )
        screen = app.screen
        assert isinstance(screen, BackupScreen)
        assert screen.job.state == "ready"  # nothing started
    assert sorted(p.name for p in site.iterdir()) == ["deploy.sh"]
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert stat.S_IMODE(site.stat().st_mode) == 0o755


async def test_a_theme_picked_in_the_demo_is_not_saved(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text('# mine\ntheme = "gruvbox"\n')
    made = make_app(sandbox, tmp_path, signed_in=True)
    app = TgtuiApp(replace(made.context, demo=True))
    async with running(app) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
        await wait_for(pilot, lambda: chats_loaded(app))
        app.theme = "nord"  # what the palette's "Change theme" does with the theme picked
        await wait_for(pilot, lambda: app.theme == "nord", what="the nord theme")
        await pilot.pause()
    assert config.read_text() == '# mine\ntheme = "gruvbox"\n'
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.toml"]
