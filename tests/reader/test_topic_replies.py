"""In a forum, Telegram marks every message of a topic as a reply to the topic's creation
message, and shows no reply for it: the reader and the HTML export show none either (a
line "↩ ... created the topic" over every message of a topic was noise); a reply to
another message of the topic is still quoted."""

from __future__ import annotations

import re
from pathlib import Path

from tests.reader.helpers import SIZE, screen_lines
from tests.reader.stranger import Chat, line, message, write_backup
from tests.tui.helpers import wait_for
from tgtui.archive.service import ArchiveService
from tgtui.export import tde
from tgtui.export.html_pages import HtmlChat
from tgtui.reader_app import ReaderApp
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.picture_rows import PictureChoice

ANA = {"from": "Ana Lima", "from_id": "user1"}


def _forum() -> list[dict[str, object]]:
    created = message(7, "", type="service", action="topic_created", title="Ideas", **ANA)
    return [
        created,
        message(8, "first idea in the topic", reply_to_message_id=7, topic_id=7, **ANA),
        message(9, "an answer to it", reply_to_message_id=8, topic_id=7, **ANA),
    ]


async def test_the_reader_quotes_no_topic_as_a_reply(tmp_path: Path) -> None:
    forum = Chat(-100_9, "Hikers", [line(record) for record in _forum()])
    write_backup(tmp_path, [forum])
    app = ReaderApp(ArchiveService(tmp_path), pictures=PictureChoice("off", "off"))
    async with app.run_test(size=SIZE) as pilot:
        chat = app.service.archive.chats[0]
        await app.push_screen(ChatScreen(app.service, chat))
        await wait_for(pilot, lambda: "an answer to it" in "\n".join(screen_lines(app)))
        shown = screen_lines(app)
        quotes = [text for text in shown if "↩" in text]
        assert len(quotes) == 1  # message 9's, not message 8's
        assert "first idea in the topic" in quotes[0]
        assert app.screen.query_one(MessageView).count == 3


def test_the_html_export_quotes_no_topic_as_a_reply(tmp_path: Path) -> None:
    chat = HtmlChat(tmp_path, "Hikers", "chats/chat_9")
    for record in _forum():
        converted = tde.message(record, None)
        assert converted is not None
        chat.add(record, converted, None)
    chat.finish()
    page = (tmp_path / "messages.html").read_text(encoding="utf-8")
    found = {
        int(n): body
        for n, body in re.findall(r'id="message(\d+)"(.*?)(?=id="message\d+"|$)', page, re.S)
    }
    assert 'class="reply"' not in found[8]
    assert '<div class="reply"><a href="#message8">' in found[9]
