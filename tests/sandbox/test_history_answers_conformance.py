"""History and search answers against Telegram's documentation, with plain Telethon calls:
the cases where other clients read the answer differently from Telethon.

References (core.telegram.org):
- /method/messages.search: ``min_date``/``max_date`` bound the dates only "if a positive
  value was transferred" (GramJS sends ``max_date = -1`` on every page after the first);
- /constructor/messages.messages: the "full list of chat messages" (everything in one
  answer, no count); /constructor/messages.messagesSlice: an "incomplete list" with the
  total ``count`` and ``offset_id_offset``, "the absolute position of messages[0] within the
  total result set", for a page fetched with ``offset_id``;
- /api/entities#entity-length: entity offsets and lengths count UTF-16 code units, not code
  points: an emoji outside the BMP is two.
"""

from __future__ import annotations

from typing import Any

import pytest
from telethon import TelegramClient
from telethon.tl import functions, types

from tgtui.backup.schema import text_entities
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions, names
from tgtui.sandbox.world import Chat, Kind


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=7, dialogs=120, messages=1500))


def _chat(sandbox: SandboxServer, kinds: tuple[Kind, ...], low: int, high: int) -> Chat:
    """The first dialog of one of ``kinds`` with ``low`` to ``high`` messages."""
    world = sandbox.world
    return next(
        world.chat(i)
        for i in range(len(world))
        if world.chat(i).kind in kinds and low <= world.chat(i).count <= high
    )


async def _search(client: TelegramClient, chat: Chat, **fields: Any) -> Any:
    request: dict[str, Any] = {
        "q": "",
        "filter": types.InputMessagesFilterEmpty(),
        "min_date": None,
        "max_date": None,
        "offset_id": 0,
        "add_offset": 0,
        "limit": 100,
        "max_id": 0,
        "min_id": 0,
        "hash": 0,
    }
    request.update(fields)
    peer = await client.get_input_entity(chat.marked_id)
    return await client(functions.messages.SearchRequest(peer=peer, **request))


async def _history(client: TelegramClient, chat: Chat, **fields: Any) -> Any:
    request: dict[str, Any] = {
        "offset_id": 0,
        "offset_date": None,
        "add_offset": 0,
        "limit": 100,
        "max_id": 0,
        "min_id": 0,
        "hash": 0,
    }
    request.update(fields)
    peer = await client.get_input_entity(chat.marked_id)
    return await client(functions.messages.GetHistoryRequest(peer=peer, **request))


@pytest.mark.parametrize("bound", [-1, 0])
async def test_a_non_positive_max_date_is_no_bound(
    client: TelegramClient, sandbox: SandboxServer, bound: int
) -> None:
    """A search with ``max_date`` -1 or 0 (and ``min_date`` the same) finds what one without
    finds, page after page, GramJS's way: the second page from the last id of the first."""
    chat = sandbox.world.chat(0)  # the biggest chat: more than one page
    total = (await client.get_messages(chat.marked_id, limit=0)).total
    assert total > 150
    first = await _search(client, chat, max_date=bound, min_date=bound)
    unbounded = await _search(client, chat)
    assert first.count == unbounded.count == total
    assert [m.id for m in first.messages] == [m.id for m in unbounded.messages]
    second = await _search(client, chat, max_date=bound, offset_id=first.messages[-1].id)
    assert second.count == total
    assert second.messages[0].id < first.messages[-1].id
    assert len(first.messages) + len(second.messages) == min(total, 200)
    # The same with a filter: photos, by the same paging.
    photos = await _search(client, chat, filter=types.InputMessagesFilterPhotos())
    bounded = await _search(client, chat, filter=types.InputMessagesFilterPhotos(), max_date=bound)
    assert bounded.count == photos.count > 0
    assert [m.id for m in bounded.messages] == [m.id for m in photos.messages]


async def test_a_small_chat_comes_whole_in_one_messages_answer(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """A private chat or basic group whose every message fits in one answer is
    messages.messages (no count: the list is the whole); a bigger one a slice with the
    total; a channel's answer is always messages.channelMessages."""
    small = _chat(sandbox, (Kind.USER, Kind.GROUP), 5, 60)
    whole = await _history(client, small)
    assert isinstance(whole, types.messages.Messages)
    assert len(whole.messages) == sandbox.history.total(small)
    ids = [m.id for m in whole.messages]
    assert ids == sorted(ids, reverse=True)
    assert [m.id async for m in client.iter_messages(small.marked_id)] == ids

    big = _chat(sandbox, (Kind.USER, Kind.GROUP), 200, 10_000)
    part = await _history(client, big)
    assert isinstance(part, types.messages.MessagesSlice)
    assert part.count == sandbox.history.total(big) > len(part.messages) == 100

    channel = _chat(sandbox, (Kind.CHANNEL, Kind.SUPERGROUP), 1, 60)
    assert isinstance(await _history(client, channel), types.messages.ChannelMessages)


async def test_a_page_by_offset_id_says_where_it_starts(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """``offset_id_offset`` is how many results come before the page's first message (newest
    first), for pages asked for by ``offset_id`` (also with a negative ``add_offset``); a
    page from the top has none."""
    for kinds in ((Kind.USER, Kind.GROUP), (Kind.SUPERGROUP, Kind.CHANNEL)):
        chat = _chat(sandbox, kinds, 200, 10_000)
        every = [m.id async for m in client.iter_messages(chat.marked_id, wait_time=0)]
        top = await _history(client, chat, limit=10)
        assert top.offset_id_offset is None
        for offset_id, add_offset in ((every[120], 0), (every[120], -5), (every[-3], 0)):
            page = await _history(client, chat, offset_id=offset_id, add_offset=add_offset)
            first = page.messages[0].id
            assert page.offset_id_offset == every.index(first)
            assert page.count == len(every)
    # In search results too: the position among what matched.
    chat = sandbox.world.chat(0)
    matched = [m.id async for m in client.iter_messages(chat.marked_id, search="the", wait_time=0)]
    assert len(matched) > 30
    page = await _search(client, chat, q="the", offset_id=matched[20], limit=5)
    assert page.offset_id_offset == 21
    assert [m.id for m in page.messages] == matched[21:26]


def _after_emoji_links(sandbox: SandboxServer) -> list[tuple[Chat, int]]:
    """Generated messages with a link after a character outside the BMP (an emoji)."""
    world, history = sandbox.world, sandbox.history
    found: list[tuple[Chat, int]] = []
    for index in range(len(world)):
        chat = world.chat(index)
        for k in range(1, chat.count + 1):
            message = history.message(chat, k)
            text = getattr(message, "message", "") or ""
            links = [
                e for e in getattr(message, "entities", None) or []
                if isinstance(e, types.MessageEntityUrl)
            ]  # fmt: skip
            if links and any(ord(c) > 0xFFFF for c in text):
                found.append((chat, message.id))
        if len(found) >= 3:
            break
    return found


async def test_entity_offsets_count_utf16_code_units(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """After an emoji, a link entity covers exactly its URL (not the URL shifted by one,
    its last character left over) as Telethon reads it, and as tgtui writes it to a
    backup's text_entities; a bold first word is exactly that word."""
    cases = _after_emoji_links(sandbox)
    assert cases, "the world has links after emoji"
    for chat, msg_id in cases:
        peer = await client.get_input_entity(chat.marked_id)
        message = await client.get_messages(peer, ids=msg_id)
        linked = [text for entity, text in message.get_entities_text(types.MessageEntityUrl)]
        assert linked
        assert all(url in names.URLS for url in linked)
        assert message.message.endswith(" " + linked[-1])
        pieces = text_entities(message.message, message.entities)
        assert [p["text"] for p in pieces if p["type"] == "link"] == linked
        assert "".join(p["text"] for p in pieces) == message.message
    bold = 0
    async for message in client.iter_messages(sandbox.world.chat(0).marked_id, limit=400):
        for entity, text in message.get_entities_text(types.MessageEntityBold):
            assert entity.offset == 0
            assert text == message.message.split(" ")[0]
            bold += 1
    assert bold > 0
