"""The account's chats for the command line: both folders paged in, and message counts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telethon import TelegramClient, errors

from tgtui.chats.matching import Candidate
from tgtui.retry import FloodGate, Wait
from tgtui.telegram.dialogs import ChatKind, DialogPager, DialogRow
from tgtui.telegram.errors import explain
from tgtui.telegram.history import message_count

KIND_TYPES = {
    ChatKind.USER: "users",
    ChatKind.BOT: "bots",
    ChatKind.GROUP: "groups",
    ChatKind.SUPERGROUP: "groups",
    ChatKind.CHANNEL: "channels",
}


def candidate(row: DialogRow) -> Candidate:
    """A dialog as chat matching sees it."""
    return Candidate(
        row.peer_id, row.name, KIND_TYPES[row.kind], row.username, row.archived, row.forum
    )


async def dialogs(
    client: TelegramClient,
    *,
    archived: bool | None = None,
    on_wait: Callable[[Wait], None] | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> list[DialogRow]:
    """Every dialog of the main list (``archived`` False), the archive (True) or both (None:
    read side by side, one request of each in flight; the main list first), each once (a
    chat that moved between them while they were read is in the main list). ``on_page``
    hears the rows loaded so far and the total expected."""
    folders = [False, True] if archived is None else [archived]
    pagers = [DialogPager(client, archived=a, on_wait=on_wait) for a in folders]
    found: list[list[DialogRow]] = [[] for _ in pagers]

    async def read(index: int) -> None:
        pager = pagers[index]
        while not pager.done:  # it ends: see DialogPager
            found[index] += (await pager.next_page()).rows
            if on_page is not None:
                loaded = sum(len(rows) for rows in found)
                total = sum((p.total or p.loaded) for p in pagers)
                on_page(loaded, max(total, loaded))

    await asyncio.gather(*(read(i) for i in range(len(pagers))))
    rows: list[DialogRow] = []
    seen: set[int] = set()
    for row in (row for folder in found for row in folder):
        if row.peer_id not in seen:
            seen.add(row.peer_id)
            rows.append(row)
    return rows


@dataclass(frozen=True)
class Count:
    """A chat's message count, or why there is none."""

    messages: int | None
    problem: str | None = None


async def message_counts(
    client: TelegramClient,
    rows: Sequence[DialogRow],
    *,
    gate: FloodGate,
    on_wait: Callable[[Wait], None] | None = None,
    on_count: Callable[[int], None] | None = None,
) -> dict[int, Count]:
    """Each chat's message count: one history request per chat, one at a time, through the
    flood gate (which waits out FLOOD_WAIT and then paces the rest)."""
    counts: dict[int, Count] = {}
    for done, row in enumerate(rows, start=1):
        if row.peer is None:
            counts[row.peer_id] = Count(None, "Telegram sent nothing to address this chat by")
        else:
            try:
                count = await message_count(client, row.peer, gate=gate, on_wait=on_wait)
            except errors.RPCError as exc:  # a private channel, a banned chat, ...
                counts[row.peer_id] = Count(None, explain(exc).text)
            else:
                counts[row.peer_id] = Count(count)
        if on_count is not None:
            on_count(done)
    return counts
