"""Listing every chat while chats are active: dialogs move to the top as they get messages,
above the pager's cursor (core.telegram.org/api/offsets: messages.getDialogs pages by the
top message a page ended with). The pager reads the list once, then again from the top for
what moved, and ends; it never asks the same thing twice in a row (Telegram would answer
FLOOD_WAIT), even of a server that ignores its offsets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient, utils
from telethon.tl import types

from tests.flows.cli_process import run_tgtui
from tests.sandbox_process import start_sandbox_process
from tgtui.chats.listing import dialogs
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.telegram.dialogs import DialogPager, DialogRow

MAX_PAGES = 60  # a pager that never ends fails the test instead of hanging it


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Several pages of 50 in the main list."""
    return SandboxOptions(world=WorldOptions(seed=29, dialogs=400, messages=200))


async def _list(client: TelegramClient, *, archived: bool, page_size: int = 50) -> list[DialogRow]:
    pager = DialogPager(client, archived=archived, page_size=page_size)
    rows: list[DialogRow] = []
    for _ in range(MAX_PAGES):
        if pager.done:
            return rows
        rows += (await pager.next_page()).rows
    raise AssertionError(f"still paging after {MAX_PAGES} pages ({len(rows)} dialogs)")


def _never_asked_twice_in_a_row(sandbox: SandboxServer) -> int:
    """No getDialogs request was sent again right after it was answered (only a failed one
    is retried, after the retry policy's pause); how many were sent."""
    asked = sandbox.log.of("messages.getDialogs")
    for before, after in itertools.pairwise(asked):
        if before.error is None:
            assert bytes(before.request) != bytes(after.request), after.request
    return len(asked)


def _every(sandbox: SandboxServer, folder: int) -> set[int]:
    return {sandbox.world.chat(i).marked_id for i in sandbox.world.order[folder]}


async def test_every_dialog_once_while_chats_are_active(
    app_client: TelegramClient, sandbox: SandboxServer
) -> None:
    rng = random.Random(3)
    for _ in range(300):  # what `--activity` did before the listing began
        sandbox.living.act(rng)
    sandbox.faults.latency = 0.01  # pages take a while: the activity goes on during them
    changes = sandbox.living.changes
    activity = asyncio.ensure_future(sandbox.living.run(400, seed=9))
    try:
        listed = {folder: await _list(app_client, archived=folder == 1) for folder in (0, 1)}
    finally:
        activity.cancel()
    assert sandbox.living.changes - changes >= 5, "the world changed while it was listed"
    for folder, rows in listed.items():
        ids = [row.peer_id for row in rows]
        assert len(ids) == len(set(ids))
        assert set(ids) == _every(sandbox, folder)
    _never_asked_twice_in_a_row(sandbox)


async def test_a_dialog_that_moves_above_the_cursor_is_fetched_from_the_top(
    app_client: TelegramClient, sandbox: SandboxServer
) -> None:
    every = _every(sandbox, 0)
    pager = DialogPager(app_client, page_size=50)
    first = await pager.next_page()
    listed = [row.peer_id for row in first.rows]
    below = sandbox.world.chat(sandbox.world.order[0][300])  # far below the first page
    assert below.marked_id not in listed
    sandbox.living.say(below, "up to the top, above the pager's cursor")
    for _ in range(MAX_PAGES):
        if pager.done:
            break
        listed += [row.peer_id for row in (await pager.next_page()).rows]
    assert pager.done
    assert len(listed) == len(set(listed)) == len(every) == pager.total
    assert set(listed) == every
    assert listed[-1] == below.marked_id  # found when the list was read again from the top
    pages = -(-len(every) // 50)
    sent = _never_asked_twice_in_a_row(sandbox)
    assert sent <= pages + 2  # the pages, one empty answer at the end, one from the top


async def test_a_dialog_that_stays_above_the_cursor_read_after_read_is_found_once_it_rests(
    app_client: TelegramClient, sandbox: SandboxServer
) -> None:
    """A chat that gets a message each time a page is read, just after enough other chats
    to be below the next page's start (so the cursor never meets it), is missed by a read,
    by a second read from the top and by a third; the list keeps moving, so it is read again
    until the chat is found (it was lost for good after three reads)."""
    every = _every(sandbox, 0)
    # Chats whose message ids are the account's (not a channel's own): of two messages in
    # the same second, the later one is higher in the list.
    chats = [sandbox.world.chat(i) for i in sandbox.world.order[0]]
    shared = [c for c in chats if not c.kind.is_channel and c.index not in sandbox.world.pinned[0]]
    page = 20
    elusive, busy = shared[-1], shared[:page]
    pager = DialogPager(app_client, page_size=page)
    listed: list[int] = []
    for step in range(MAX_PAGES):
        if pager.done:
            break
        listed += [row.peer_id for row in (await pager.next_page()).rows]
        if pager.reads <= 3 and elusive.marked_id not in listed:
            sandbox.living.say(elusive, f"moved again ({step})")
            for chat in busy:  # newer still: the next read's first page holds only them
                sandbox.living.say(chat, f"busy ({step})")
    assert pager.done
    assert len(listed) == len(set(listed)) == len(every)
    assert set(listed) == every
    assert pager.reads > 3
    _never_asked_twice_in_a_row(sandbox)


async def test_after_a_page_of_pinned_dialogs_the_others_follow_newest_first(
    app_client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Pinned dialogs are out of the date order: a page that holds only them is no cursor
    (the next page is the top of the others, not what is older than the last pinned one)."""
    pinned = [sandbox.world.chat(i) for i in sandbox.world.pinned[0]]
    busy = sandbox.world.chat(sandbox.world.order[0][200])
    sandbox.living.say(busy, "newer than the top message of every pinned dialog")
    pager = DialogPager(app_client, page_size=len(pinned))
    first = await pager.next_page()
    assert [row.peer_id for row in first.rows] == [chat.marked_id for chat in pinned]
    second = await pager.next_page()
    assert second.rows[0].peer_id == busy.marked_id
    assert not any(row.pinned for row in second.rows)


class _DeafServer:
    """A Telegram that answers the same page whatever the offsets (as one did:
    github.com/pyrogram/pyrogram/pull/750), and counts the requests."""

    def __init__(self, size: int, count: int) -> None:
        epoch = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        users = [types.User(id=100 + k, access_hash=k, first_name=f"U{k}") for k in range(size)]
        self.page = types.messages.DialogsSlice(
            count=count,
            dialogs=[
                types.Dialog(
                    peer=types.PeerUser(u.id),
                    top_message=k + 1,
                    read_inbox_max_id=0,
                    read_outbox_max_id=0,
                    unread_count=0,
                    unread_mentions_count=0,
                    unread_reactions_count=0,
                    unread_poll_votes_count=0,
                    notify_settings=types.PeerNotifySettings(),
                )
                for k, u in enumerate(users)
            ],
            messages=[
                types.Message(
                    id=k + 1,
                    peer_id=types.PeerUser(u.id),
                    date=epoch - dt.timedelta(minutes=k),
                    message="hi",
                )
                for k, u in enumerate(users)
            ],
            chats=[],
            users=users,
        )
        self.requests: list[bytes] = []

    async def __call__(self, request: Any) -> Any:
        self.requests.append(bytes(request))
        return self.page


@pytest.mark.parametrize("size", [100, 30])
async def test_a_server_that_ignores_offsets_ends_the_listing(size: int) -> None:
    server = _DeafServer(size, count=500)
    pager = DialogPager(server, page_size=100)
    rows: list[DialogRow] = []
    for _ in range(MAX_PAGES):
        if pager.done:
            break
        rows += (await pager.next_page()).rows
    assert pager.done
    assert len(rows) == size == pager.total
    assert len(server.requests) <= 3
    assert all(a != b for a, b in itertools.pairwise(server.requests))


async def test_a_chat_in_both_folders_is_listed_once() -> None:
    """A chat that moved between the main list and the archive while they were read (here:
    a server that answers the same page for both) is one chat to `tgtui chats` and
    `backup --all`."""
    server = _DeafServer(30, count=30)
    rows = await dialogs(server)
    assert len(rows) == len({row.peer_id for row in rows}) == 30


async def test_tgtui_chats_lists_every_chat_while_chats_are_active(tmp_path: Path) -> None:
    """`tgtui chats` against a sandbox process whose chats are busy (and Telegram fails now
    and then): every chat once, and it ends."""
    process, info = await start_sandbox_process(
        "--dialogs", "400", "--messages", "200", "--seed", "31", "--activity", "100",
        "--fault", "rpc500=0.05", "--latency-ms", "5",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    try:
        mine = shutil.copy(info["session"], tmp_path / "test.session")
        await asyncio.sleep(1)  # chats got messages before the listing, too
        code, out, err = await run_tgtui(tmp_path, info, "chats", "--json", within=60)
        assert code == 0, err
        listed = [item["id"] for item in json.loads(out)]
        assert len(listed) == len(set(listed)) == 400
        client = TelegramClient(str(mine), info["api_id"], info["api_hash"])
        await client.connect()
        try:
            every = {utils.get_peer_id(d.dialog.peer) for d in await client.get_dialogs()}
        finally:
            await client.disconnect()
        assert every <= set(listed)
    finally:
        process.terminate()
        await process.wait()
