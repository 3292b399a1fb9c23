"""The TUI on a hostile world and on a damaged backup (Pilot, real client, sandbox): names
are shown literally, the layout holds, and repairs are told in the summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tui.helpers import chats_loaded, make_app, running, text_of, wait_for
from tests.tui.test_backup_screen import open_backup, until_summary
from tgtui.backup.engine import chat_folder
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.widgets.backup_rows import BackupRows
from tgtui.widgets.chat_preview import ChatPreview
from tgtui.widgets.dialog_list import DialogList


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=7, dialogs=24, messages=200, max_file_size=64 * 1024, hostile=True)
    return SandboxOptions(world=world)


def _no_controls(text: str) -> None:
    assert not [c for c in text if ord(c) < 0x20 and c != "\n"], repr(text)
    assert "\x9b" not in text
    assert "\u202e" not in text


async def test_hostile_names_are_shown_literally_and_the_layout_holds(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app))
        listing = app.screen.query_one(DialogList)
        await wait_for(pilot, lambda: listing.done and len(listing.rows) >= 15)
        width = listing.scrollable_content_region.width
        shown = []
        for y in range(listing.scrollable_content_region.height):
            strip = listing.render_line(y)
            assert strip.cell_length == width  # one screen line each, whatever the name
            shown.append(strip.text)
            _no_controls(strip.text)
        screen_text = "\n".join(shown)
        assert "[/r/linux] memes" in screen_text
        assert "Chat [beta]" in screen_text
        assert "[bold red]x[/]" in screen_text
        assert "\u241b]52;c;" in screen_text
        await pilot.press("enter")  # the preview: hostile message texts
        preview = app.screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: len(preview.lines) > 0)
        body = text_of(app, "#preview-body")
        _no_controls(body)
        title = text_of(app, "#preview-title")
        _no_controls(title)
        assert "memes" in title


async def test_the_backup_screen_shows_hostile_rows_and_tells_repairs(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out", chats=6, media="all")
        await pilot.press("ctrl+s")
        summary = await until_summary(pilot, app)
        assert "Everything chosen is saved" in summary
        rows = app.screen.query_one(BackupRows)
        for y in range(rows.scrollable_content_region.height):
            strip = rows.render_line(y)
            assert strip.cell_length == rows.scrollable_content_region.width
            _no_controls(strip.text)
        # Damage one chat's file behind tgtui's back, then back the same chats up again.
        row = next(iter(job.rows.values()))
        jsonl = chat_folder(job.options.out, row.target) / "messages.jsonl"
        lines = jsonl.read_bytes().splitlines(keepends=True)
        jsonl.write_bytes(b"".join([*lines[:5], b"\x00garbage\n", *lines[6:]]))
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: job.state == "running" or "Repaired" in text_of(app, "#backup-summary")
        )
        summary = await until_summary(pilot, app)
        assert "Repaired: " in summary
        assert re.search(r"found 1 damaged line\b", summary), summary  # one line, said so
        assert "1 message fetched again" in summary
        assert jsonl.read_bytes().splitlines(keepends=True) == lines
