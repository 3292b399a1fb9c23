"""A reply to an old message, shown before the reader has found every message's place (the
newest are shown first, while the rest of a big chat's file is read), quotes that message
once the reading ends: it never stays "not in this backup" for a message that is."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.reader.helpers import SIZE, screen_lines
from tests.reader.stranger import Chat, line, message, write_backup
from tests.tui.helpers import wait_for
from tgtui.archive.chat_log import ChatLog
from tgtui.archive.service import ArchiveService
from tgtui.reader_app import ReaderApp
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.picture_rows import PictureChoice

MESSAGES = 3000


async def test_a_reply_quotes_its_message_once_the_chat_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(-100_3, "Big", [line(message(1, "the very first words"))])
    chat.lines += [line(message(n, f"filler message number {n} " * 3)) for n in range(2, MESSAGES)]
    chat.lines.append(line(message(MESSAGES, "an answer", reply_to_message_id=1)))
    write_backup(tmp_path, [chat])
    # The rest of the file is read only once the test lets it (a big chat on a slow disk).
    go_on = threading.Event()
    scan = ChatLog.scan

    def held(log: ChatLog) -> None:
        go_on.wait(30)
        scan(log)

    monkeypatch.setattr(ChatLog, "scan", held)
    app = ReaderApp(ArchiveService(tmp_path), pictures=PictureChoice("off", "off"))
    async with app.run_test(size=SIZE) as pilot:
        target = app.service.archive.chats[0]
        await app.push_screen(ChatScreen(app.service, target))

        def said() -> str:
            return "\n".join(screen_lines(app))

        await wait_for(pilot, lambda: "an answer" in said())
        assert "the very first words" not in said()  # its place is not known yet
        go_on.set()
        await wait_for(pilot, lambda: "↩" in said() and "the very first words" in said())
        assert "not in this backup" not in said()
