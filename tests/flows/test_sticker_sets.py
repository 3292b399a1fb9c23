"""A sticker set's animated sticker in a backup: with ``--media none`` (no media file) its
still thumbnail is saved, named by its record, and the reader draws that still frame rather
than the emoji (core.telegram.org/api/stickers: an animated sticker is a TGS with a still
WebP preview among its ``thumbs``)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telethon import TelegramClient
from telethon.tl import types

from tests.flows.backup_helpers import read_records, targets
from tests.reader.helpers import SIZE, screen_lines
from tests.tui.helpers import wait_for
from tgtui.archive.service import ArchiveService
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.format.media_paths import NO_MEDIA
from tgtui.reader_app import ReaderApp
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world_types import Chat
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.message_pictures import PictureLine
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.picture_rows import PictureChoice

TGS = "application/x-tgsticker"


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=21, dialogs=6, messages=400))


def _animated_sticker(sandbox: SandboxServer) -> tuple[Chat, int, Any]:
    """A chat of the world, the id of a message of it sending an animated sticker, and the
    sticker's document."""
    world, history = sandbox.world, sandbox.history
    for index in range(len(world)):
        chat = world.chat(index)
        for k in range(chat.count, 0, -1):
            message = history.message(chat, k)
            document = getattr(getattr(message, "media", None), "document", None)
            if getattr(document, "mime_type", None) == TGS:
                return chat, message.id, document
    raise AssertionError("the world sends no animated sticker")


def _found(folder: Path, pattern: str) -> list[Path]:
    """The paths under ``folder`` that match ``pattern`` (a test's small folder)."""
    return list(folder.rglob(pattern))


async def test_media_none_saves_an_animated_sticker_s_still_frame_and_the_reader_draws_it(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chat, message_id, document = _animated_sticker(sandbox)
    chosen = [t for t in await targets(app_client) if t.chat_id == chat.marked_id]
    result = await BackupEngine(app_client, BackupOptions(tmp_path, media=NO_MEDIA)).run(chosen)
    assert result.all_complete
    (folder,) = [c.path for c in result.chats]
    (record,) = [r for r in read_records(folder) if r["id"] == message_id]
    assert record["media_type"] == "sticker"
    assert record["mime_type"] == TGS
    sticker = next(a for a in document.attributes if isinstance(a, types.DocumentAttributeSticker))
    assert record["sticker_emoji"] == sticker.alt
    assert "file" not in record  # the .tgs itself is not saved
    assert not _found(tmp_path, "*.tgs")
    (thumb,) = document.thumbs
    assert record["thumbnail"] == f"thumbs/{document.id}.webp"
    assert (record["thumbnail_width"], record["thumbnail_height"]) == (thumb.w, thumb.h)
    saved = (folder / record["thumbnail"]).read_bytes()
    assert saved == sandbox.files.whole(document.id, thumb.type, thumb.size)
    with Image.open(io.BytesIO(saved)) as picture:
        picture.load()
        assert (picture.format, picture.size) == ("WEBP", (thumb.w, thumb.h))

    # The reader draws the saved still frame under the sticker's message, not its emoji.
    app = ReaderApp(ArchiveService(tmp_path), pictures=PictureChoice("blocks", "blocks"))
    async with app.run_test(size=SIZE) as pilot:
        target = app.service.archive.chat(chat.marked_id)
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target, message_id=message_id))
        view = app.screen.query_one(MessageView)
        name = f"{document.id}.webp"

        def frames() -> list[PictureLine]:
            return [
                row.text
                for row in view.rows
                if isinstance(row.text, PictureLine) and row.text.slot.source.path.name == name
            ]

        await wait_for(pilot, lambda: bool(frames()), what="the sticker's still frame")
        slot = frames()[0].slot
        await wait_for(pilot, lambda: slot.key in view.pictures.cache)
        await pilot.pause()
        lines = screen_lines(app)
        drawn = [y for y, row in enumerate(view.rows) if row.text in frames()]
        assert drawn
        assert all("▀" in lines[y] for y in drawn if y < len(lines))
        assert not any("(animated sticker)" in text for text in lines)
