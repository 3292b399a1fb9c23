"""The reader shows a chat as it is now: an edited message in its latest version, marked,
with every version a key away; a message deleted on Telegram still there, marked; and what
a running backup notices appears without reopening the chat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reader.helpers import SIZE, manifest_chats, on_cursor, reader, records, screen_lines
from tests.tui.helpers import wait_for
from tgtui.backup.versions import Versions
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.versions import VersionsScreen
from tgtui.widgets.archive_list import ArchiveList


async def test_edited_and_deleted_messages_are_marked_and_versions_reachable(
    backup: Path,
) -> None:
    chat = max(manifest_chats(backup), key=lambda c: c["messages"])
    saved = [r for r in records(backup, chat) if r.get("type") == "message"]
    newest, deleted_one = saved[-1], saved[-2]
    folder = backup / chat["path"]
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        listing.cursor = next(i for i, c in enumerate(listing.shown) if c.id == chat["id"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        await wait_for(pilot, lambda: on_cursor(app)["id"] == newest["id"])
        await pilot.press("v")
        assert not isinstance(app.screen, VersionsScreen)  # not edited: a notice instead
        # A running backup notices an edit and a deletion.
        versions = Versions(folder).open()
        versions.edited(
            {**newest, "text": "the corrected words", "edited": "2026-11-27T10:00:00Z",
             "edited_unixtime": "1764237600",
             "text_entities": [{"type": "plain", "text": "the corrected words"}]}
        )  # fmt: skip
        versions.deleted(deleted_one["id"], "live update")
        versions.close()
        await wait_for(
            pilot, lambda: any("the corrected words" in line for line in screen_lines(app))
        )
        lines = screen_lines(app)
        assert any("edited (2 versions: v)" in line for line in lines)
        assert any("deleted on Telegram" in line for line in lines)
        assert on_cursor(app)["id"] == newest["id"]
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen))
        shown = str(app.screen.query_one("#versions").render())
        assert shown.index(newest["text"][:20]) < shown.index("the corrected words")
        assert "version 2, edited 2026-11-27T10:00:00Z" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


def test_search_finds_an_edited_message_by_its_latest_words(
    backup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tgtui.cli import main

    chat = max(manifest_chats(backup), key=lambda c: c["messages"])
    target = next(r for r in reversed(records(backup, chat)) if r.get("type") == "message")
    assert main(["search", "--in", str(backup), "zeppelinquokka"]) == 1  # not there yet
    versions = Versions(backup / chat["path"]).open()
    versions.edited(
        {**target, "text": "now about a zeppelinquokka", "edited_unixtime": "1764237600",
         "text_entities": [{"type": "plain", "text": "now about a zeppelinquokka"}]}
    )  # fmt: skip
    versions.close()
    capsys.readouterr()
    assert main(["search", "--in", str(backup), "zeppelinquokka", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(h["chat_id"], h["message_id"]) for h in hits] == [(chat["id"], target["id"])]
