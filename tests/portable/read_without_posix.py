"""`python read_without_posix.py BACKUP`: the reader, headless, with POSIX hidden as on
Windows: open the backup, open its biggest chat, go to its oldest message, and print the
reader's status line then and at the newest."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.portable.without_posix import hide_posix


async def main(folder: Path) -> None:
    from textual.pilot import Pilot
    from textual.widgets import Static

    from tgtui.archive.service import ArchiveService
    from tgtui.reader_app import ReaderApp
    from tgtui.screens.archive import ArchiveScreen
    from tgtui.screens.reader import ChatScreen
    from tgtui.widgets.archive_list import ArchiveList

    async def until(pilot: Pilot[Any], ready: Callable[[], object]) -> None:
        deadline = time.monotonic() + 20
        while not ready():
            assert time.monotonic() < deadline, "timed out"
            await pilot.pause(0.05)

    manifest = json.loads((folder / "manifest.json").read_text())
    biggest = max(manifest["chats"], key=lambda c: c["messages"])
    app = ReaderApp(ArchiveService(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        listing.cursor = next(i for i, c in enumerate(listing.shown) if c.id == biggest["id"])
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))

        def status() -> str:
            return str(app.screen.query_one("#reader-status", Static).render())

        await until(pilot, lambda: " of " in status())
        newest = status()
        await pilot.press("home")
        await until(pilot, lambda: status() != newest)
        print(newest)
        print(status())


if __name__ == "__main__":
    hide_posix()
    asyncio.run(main(Path(sys.argv[1])))
