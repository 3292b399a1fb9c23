"""Follow mode: after a backup has caught up, stay connected and keep the chats' files true
as things happen (`tgtui backup --follow`, "keep following" in the TUI).

Updates Telegram pushes are used as hints, never as data: an update says *which* chat
changed (or that the account's box did), and that chat is brought up to date the way every
backup does it (`BackupEngine.refresh`: channel difference, new messages after the last saved
one, their files; the account difference for private chats and basic groups). So what
follow mode writes goes through the same checkpoints, exactly-once files and crash-safety as
a backup, and a push that is lost (a dropped connection, the laptop asleep) loses nothing: a
sweep runs every ``sweep`` seconds and after the client reconnects (every channel's
difference, and the account's, which names the private chats and groups with news).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger
from telethon import events, utils
from telethon.tl import types

from tgtui.backup.catch_up import is_channel_id
from tgtui.backup.engine import BackupEngine, ChatResult
from tgtui.backup.selection import ChatTarget

SWEEP = 300.0  # seconds between sweeps of every followed chat
SETTLE = 0.5  # updates arriving within this are handled together
ACCOUNT = 0  # the account's box (private chats and basic groups): a key, never a chat id


def touched(update: Any) -> set[int]:
    """The chats an update says changed (marked ids), with ACCOUNT for the account's box."""
    found: set[int] = set()
    message = getattr(update, "message", None)
    peer = getattr(message, "peer_id", None)
    if isinstance(update, types.UpdateDeleteChannelMessages | types.UpdateChannelTooLong):
        found.add(utils.get_peer_id(types.PeerChannel(update.channel_id)))
    elif isinstance(update, types.UpdateDeleteMessages):
        found.add(ACCOUNT)  # ids only: which chat is found in the account's difference
    elif isinstance(update, types.UpdateShortMessage):
        found |= {update.user_id, ACCOUNT}
    elif isinstance(update, types.UpdateShortChatMessage):
        found |= {utils.get_peer_id(types.PeerChat(update.chat_id)), ACCOUNT}
    elif peer is not None:
        chat_id = utils.get_peer_id(peer)
        found.add(chat_id)
        if not is_channel_id(chat_id):
            found.add(ACCOUNT)  # the account's difference says what changed there
    return found


@dataclass
class Following:
    """What follow mode has done so far (for a status line)."""

    since: float
    rounds: int = 0
    new: int = 0
    edits: int = 0
    deletions: int = 0
    last: float | None = None  # when something last arrived


class Follower:
    """Keeps ``targets`` up to date through ``engine`` until cancelled."""

    def __init__(
        self,
        engine: BackupEngine,
        targets: list[ChatTarget],
        *,
        sweep: float = SWEEP,
        settle: float = SETTLE,
        on_round: Callable[[Following], None] | None = None,
    ) -> None:
        self.engine = engine
        self.targets = {t.chat_id: t for t in targets}
        self.sweep = sweep
        self.settle = settle
        self.on_round = on_round
        self.state = Following(since=time.monotonic())
        self._pending: set[int] = set()
        self._wake = asyncio.Event()
        self.started = asyncio.Event()  # set once following begins (the backup caught up)

    def _on_update(self, update: Any) -> None:
        chats = {c for c in touched(update) if c == ACCOUNT or c in self.targets}
        if chats:
            self._pending |= chats
            self._wake.set()

    async def run(self) -> None:
        """Follow until cancelled (Ctrl+C, SIGTERM, the TUI's stop)."""
        client = self.engine.client

        async def handler(update: Any) -> None:
            self._on_update(update)

        client.add_event_handler(handler, events.Raw)
        self.started.set()
        logger.info("following {} chats (sweep every {:.0f} s)", len(self.targets), self.sweep)
        try:
            while True:
                swept = await self._wait()
                await self._round(swept)
        finally:
            client.remove_event_handler(handler, events.Raw)

    async def _wait(self) -> bool:
        """Until an update names a followed chat (True: a sweep is due instead)."""
        try:
            await asyncio.wait_for(self._wake.wait(), self.sweep)
        except TimeoutError:
            return True
        await asyncio.sleep(self.settle)  # let a burst of updates arrive together
        return False

    async def _round(self, sweep: bool) -> None:
        self._wake.clear()
        pending, self._pending = self._pending, set()
        if sweep or not self.engine.client.is_connected():
            # Every channel asks its own box; the account's box answers for the rest.
            await self.engine.reconnect()
            pending = {ACCOUNT, *(c for c in self.targets if is_channel_id(c))}
        if ACCOUNT in pending:
            await self.engine.catch_up_account()
            # Private chats and basic groups the difference brought new messages to.
            pending |= self.engine.account_caught.touched & set(self.targets)
        results: list[ChatResult] = []
        for chat_id in sorted(pending - {ACCOUNT}):
            results.append(await self.engine.refresh(self.targets[chat_id]))
        state = self.state
        state.rounds += 1
        arrived = sum(r.new for r in results), sum(r.edits for r in results)
        state.new += arrived[0]
        state.edits += arrived[1]
        state.deletions += sum(r.deletions for r in results)
        if any(arrived) or any(r.deletions for r in results):
            state.last = time.monotonic()
        if self.on_round is not None:
            self.on_round(state)
