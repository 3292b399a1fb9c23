"""Searching a backup in the TUI: every chat with `s`, one chat with Ctrl+F, accents folded,
filters, a result opened in context, and a damaged index built again."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from tests.reader.helpers import SIZE, manifest_chats, on_cursor, reader, records, status
from tests.tui.helpers import wait_for
from tgtui.archive.index import INDEX_DIR, INDEX_FILE, searchable
from tgtui.reader_app import ReaderApp
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import HitList, SearchScreen
from tgtui.widgets.key_footer import KeyFooter


def _matching(folder: Path, word: str, chat: dict[str, Any] | None = None) -> set[tuple[int, int]]:
    """(chat id, message id) of messages with ``word`` in their words (text, file name, poll:
    what search promises to look in): a plain scan."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    return {
        (c["id"], r["id"])
        for c in ([chat] if chat else manifest_chats(folder))
        for r in records(folder, c)
        if pattern.search(searchable(r))
    }


def _hits(app: ReaderApp) -> set[tuple[int, int]]:
    return {(h.chat_id, h.message_id) for h in app.screen.query_one(HitList).hits}


async def _search(app: ReaderApp, pilot: Any, words: str) -> None:
    """Type ``words`` and wait for their own results: a search for the first letters, begun
    by a pause in the typing on a busy machine, may finish first."""
    await pilot.press(*words)
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    typed = screen.query_one("#search-words", Input).value
    await wait_for(pilot, lambda: screen.shown_for == typed, within=30)


async def test_search_every_chat_and_open_a_result_in_context(backup: Path) -> None:
    expected = _matching(backup, "garden")
    assert len({chat for chat, _ in expected}) >= 2
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("s")
        assert isinstance(app.screen, SearchScreen)
        await _search(app, pilot, "GARDEN")
        assert status(app, "#search-count").startswith(f"{len(expected):,} message")
        assert _hits(app) == expected
        third = app.screen.query_one(HitList).hits[2]
        await pilot.press("down", "down", "down", "enter")  # to the list, then two down
        chosen = app.screen
        assert isinstance(chosen, ChatScreen)
        assert chosen.chat.id == third.chat_id
        await wait_for(pilot, lambda: on_cursor(app)["id"] == third.message_id)
        assert "garden" in searchable(on_cursor(app)).lower()


async def test_accents_folded_and_a_chat_searched_alone(backup: Path) -> None:
    chat = max(manifest_chats(backup), key=lambda c: c["messages"])
    saved = records(backup, chat)
    jsonl = backup / chat["path"] / "messages.jsonl"
    words = "Meu coração está no jardim"
    newer = {
        "id": saved[-1]["id"] + 1,
        "type": "message",
        "date": saved[-1]["date"],
        "date_unixtime": saved[-1]["date_unixtime"],
        "from": "Ana",
        "text": words,
    }
    with jsonl.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(newer, ensure_ascii=False) + "\n")
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        target = app.service.archive.chat(chat["id"])
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await wait_for(pilot, lambda: on_cursor(app)["id"] == newer["id"])
        await pilot.press("home")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == saved[0]["id"])
        await pilot.press("ctrl+f")
        await _search(app, pilot, "coracao")
        assert _hits(app) == {(chat["id"], newer["id"])}
        assert "1 message" in status(app, "#search-count")
        await pilot.press("enter")  # from the words: results get the focus
        await pilot.press("enter")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == newer["id"])
        assert isinstance(app.screen, ChatScreen)


async def test_filters_by_sender_date_and_media(backup: Path) -> None:
    chat = max(manifest_chats(backup), key=lambda c: c["messages"])
    saved = records(backup, chat)
    sender = next(r["from"] for r in saved if r.get("from") and r.get("text"))
    word = next(w for w in str(next(r["text"] for r in saved if r.get("from") == sender)).split())
    expected = {
        (chat["id"], r["id"])
        for r in saved
        if r.get("from") == sender
        and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", str(r.get("text", "")), re.IGNORECASE)
    }
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        target = app.service.archive.chat(chat["id"])
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await pilot.pause()
        await pilot.press("ctrl+f")
        await _search(app, pilot, word)
        app.screen.query_one("#search-from").focus()
        await pilot.press(*sender)
        await wait_for(pilot, lambda: _hits(app) == expected or len(_hits(app)) <= len(expected))
        assert _hits(app) == expected
        # A date after the newest message: nothing.
        app.screen.query_one("#search-since").focus()
        await pilot.press(*"2999-01-01")
        await wait_for(pilot, lambda: "No messages match" in status(app, "#search-count"))
        app.screen.query_one("#search-since").value = "someday"  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: "is not a date" in status(app, "#search-count"))


async def test_a_damaged_index_is_built_again(backup: Path) -> None:
    expected = _matching(backup, "river")
    index = backup / INDEX_DIR / INDEX_FILE
    index.parent.mkdir(mode=0o700)
    index.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("s")
        await _search(app, pilot, "river")
        assert _hits(app) == expected


async def test_a_search_of_every_chat_narrowed_to_one_chat_by_name(backup: Path) -> None:
    chats = manifest_chats(backup)
    chat = next(c for c in chats if _matching(backup, "garden", c))
    expected = _matching(backup, "garden", chat)
    assert expected != _matching(backup, "garden")
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("s")
        await _search(app, pilot, "garden")
        app.screen.query_one("#search-chat").focus()
        await pilot.press(*chat["name"].upper())
        await wait_for(pilot, lambda: _hits(app) == expected)
        await pilot.press(*"zzz-no-such-chat")
        await wait_for(pilot, lambda: "No chat's name contains" in status(app, "#search-count"))


async def test_the_footer_says_what_enter_does_in_the_words_and_in_the_results(
    backup: Path,
) -> None:
    """In the words field Enter searches (and goes to the results); in the results it opens
    one: the footer shows Enter in both places, with what it does there."""
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert isinstance(app.focused, Input)
        await pilot.pause()
        assert "⏎ Search" in _footer_text(app)
        await _search(app, pilot, "garden")
        await pilot.press("enter")  # the words are searched, the results take the keys
        await wait_for(pilot, lambda: isinstance(app.focused, HitList))
        await pilot.pause()
        assert "⏎ Open" in _footer_text(app)


def _footer_text(app: ReaderApp) -> str:
    footer = app.screen.query_one(KeyFooter)
    return " ".join(f"{key.key_display} {key.description}" for key in footer.query(FooterKey))
