"""DialogPager pages the sandbox's dialogs by offset, knowing the total after one request."""

from __future__ import annotations

from telethon import TelegramClient

from tgtui.sandbox import SandboxServer
from tgtui.telegram.dialogs import ChatKind, DialogPager


async def test_pages_cover_every_dialog_once(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    expected = {d.id for d in await client.get_dialogs(limit=None, folder=0)}  # the main list
    pager = DialogPager(client, page_size=50)
    first = await pager.next_page()
    assert len(first.rows) == 50
    assert first.total == len(expected)
    assert len(sandbox.log.of("messages.getDialogs")) == 1 + 2  # the fixture's two listings
    seen = [row.peer_id for row in first.rows]
    while not pager.done:
        seen += [row.peer_id for row in (await pager.next_page()).rows]
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    assert pager.total == len(expected)


async def test_rows_describe_the_chats(client: TelegramClient) -> None:
    rows = []
    for archived in (False, True):
        pager = DialogPager(client, archived=archived)
        while not pager.done:
            rows += (await pager.next_page()).rows
    kinds = {row.kind for row in rows}
    assert kinds == set(ChatKind)
    assert any(row.archived for row in rows)
    assert any(row.pinned for row in rows)
    assert any(row.muted for row in rows)
    assert any(row.unread for row in rows)
    assert any(row.name == "Deleted Account" for row in rows)
    assert [row.name for row in rows if row.is_self] == ["Saved Messages"]
    assert all(row.name and "\n" not in row.name for row in rows)
    assert sum(1 for row in rows if row.preview) > len(rows) // 2
