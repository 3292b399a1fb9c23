"""Exporting from the TUI: `x` in the archive, a format, a folder, a progress bar, what was
written, and Open; an export stopped midway leaves nothing."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from textual.widgets import Checkbox

from tests.reader.helpers import SIZE, reader, status
from tests.tui.helpers import type_into, wait_for
from tgtui.export.service import ExportJob
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.export import ExportScreen


async def test_x_exports_the_backup_and_open_shows_it(backup: Path, tmp_path: Path) -> None:
    app = reader(backup)
    out = tmp_path / "exported"
    opened: list[Path] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.opener = opened.append
        assert screen.format == "both"
        await type_into(pilot, "#export-out", str(out))
        await wait_for(pilot, lambda: "Exported" in status(app, "#export-status"), within=60)
        assert f"to {out}" in status(app, "#export-status")
        assert (out / "index.html").is_file()
        assert (out / "result.json").is_file()
        await pilot.click("#export-open")
        await pilot.pause()
        assert opened == [out / "index.html"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))


def _media_inodes(folder: Path) -> set[int]:
    return {p.stat().st_ino for p in folder.rglob("*") if p.is_file() and "photos" in p.parts}


async def test_copy_asks_for_copies_of_the_media_not_the_backups_own_files(
    backup: Path, tmp_path: Path
) -> None:
    """The dialog's "Copy the media files": the export's photos are files of their own (by
    default they are the backup's, hard-linked: an edit of one would be an edit of both)."""
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        for out, copy in ((tmp_path / "linked", False), (tmp_path / "copied", True)):
            await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            if copy:
                await pilot.click("#export-copy")
                await wait_for(pilot, lambda: app.screen.query_one("#export-copy", Checkbox).value)
            await type_into(pilot, "#export-out", str(out))
            await wait_for(pilot, lambda: "Exported" in status(app, "#export-status"), within=60)
            await pilot.press("escape")
    backup_files = _media_inodes(backup)
    linked = _media_inodes(tmp_path / "linked")
    assert linked
    assert linked <= backup_files
    copied = _media_inodes(tmp_path / "copied")
    assert copied
    assert not copied & backup_files


def _big_backup(folder: Path, lines: int) -> Path:
    chat = folder / "chats" / "1_Big"
    chat.mkdir(parents=True)
    text = "a line of a chat that goes on for a while " * 3
    with open(chat / "messages.jsonl", "w", encoding="utf-8") as handle:
        for n in range(1, lines + 1):
            handle.write(
                json.dumps(
                    {
                        "id": n,
                        "type": "message",
                        "date_unixtime": str(1_700_000_000 + n),
                        "from": "Ana",
                        "from_id": "user1",
                        "text": text,
                    }
                )
                + "\n"
            )
    manifest = {
        "schema_version": 1,
        "account": {"id": 1},
        "chats": [
            {
                "id": -1001,
                "name": "Big",
                "type": "public_channel",
                "path": "chats/1_Big",
                "messages": lines,
                "status": "complete",
            }
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


async def test_a_stopped_export_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    source = _big_backup(tmp_path / "backup", 150_000)
    out = tmp_path / "stopped"
    job = ExportJob(source, out, "html")
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        job.stop()

    result = await asyncio.wait_for(job.run(progress), timeout=120)
    assert seen  # it had started
    assert result.summary is None
    assert result.error is None
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["backup"]  # no hidden half-export either
