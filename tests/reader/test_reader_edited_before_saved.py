"""A message marked "edited" that the backup saved only after its edit: `v` says what is true
(edited on Telegram before it was saved; no earlier version in the backup), never that it
was not edited."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from tests.reader.helpers import SIZE, manifest_chats, on_cursor, reader, records
from tests.tui.helpers import wait_for
from tgtui.backup.versions import Versions
from tgtui.reader_app import ReaderApp
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.versions import VersionsScreen
from tgtui.widgets.archive_list import ArchiveList

EDITED = "2026-11-20T08:30:00Z"


def _toasts(app: ReaderApp) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query("Toast").results(Static)]


async def test_v_on_a_message_edited_before_it_was_saved_says_so(backup: Path) -> None:
    chat = max(manifest_chats(backup), key=lambda c: c["messages"])
    folder = backup / chat["path"]
    saved = records(backup, chat)
    newest = next(r for r in reversed(saved) if r.get("type") == "message")
    # Saved as Telegram served it: already edited, the earlier words never seen.
    newest["edited"] = EDITED
    newest["edited_unixtime"] = "1763627400"
    lines = [json.dumps(r, ensure_ascii=False) for r in saved]
    (folder / "messages.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = reader(backup)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        listing.cursor = next(i for i, c in enumerate(listing.shown) if c.id == chat["id"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        await wait_for(pilot, lambda: on_cursor(app)["id"] == newest["id"])
        await pilot.press("v")
        await wait_for(pilot, lambda: _toasts(app), what="what v says")
        said = " ".join(" ".join(_toasts(app)).split())
        assert "not edited" not in said
        assert "edited on Telegram" in said
        assert EDITED in said
        assert "no earlier version" in said
        assert not isinstance(app.screen, VersionsScreen)
        # Edited again later: the versions list the first as it was saved, not as sent.
        versions = Versions(folder).open()
        versions.edited(
            {**newest, "text": "the words of today", "edited": "2026-11-27T10:00:00Z",
             "edited_unixtime": "1764237600",
             "text_entities": [{"type": "plain", "text": "the words of today"}]}
        )  # fmt: skip
        versions.close()
        await wait_for(pilot, lambda: on_cursor(app).get("text") == "the words of today")
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen))
        shown = " ".join(str(app.screen.query_one("#versions").render()).split())
        assert f"already edited on Telegram {EDITED} (no earlier version)" in shown
        assert "first version" not in shown
        assert "version 2, edited 2026-11-27T10:00:00Z" in shown
