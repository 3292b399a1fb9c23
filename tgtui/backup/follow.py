"""Follow mode: after a backup has caught up, stay connected and keep the chats' files true
as things happen (`tgtui backup --follow`, "keep following" in the TUI).

Updates Telegram pushes are used as hints, never as data: an update says *which* chat
changed (or that the account's box did), and that chat is brought up to date the way every
backup does it (`BackupEngine.refresh`: channel difference, new messages after the last saved
one, their files; the account difference for private chats and basic groups). So what
follow mode writes goes through the same checkpoints, exactly-once files and crash-safety as
a backup, and a push that is lost (a dropped connection, the laptop asleep) loses nothing: a
sweep runs every ``sweep`` seconds and after the client reconnects (every channel's
difference, and the account's, which names the private chats and groups with news; when it
cannot, "too long" after a long outage or refused, each of them is re-checked).

A chat that could not be brought up to date (a fault that outlasted its retries, a chat that
became private) is tried again at the next round, at most ``RETRY`` seconds later, and stays
"not up to date" in what follow mode reports until it is: the change it was told of is not
dropped in silence. `merged` adds what arrived while following to the backup's result, so
the summary and the exit code of the whole run say it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from loguru import logger
from telethon import events, utils
from telethon.tl import types

from tgtui.backup.catch_up import is_channel_id
from tgtui.backup.engine import BackupEngine, BackupResult, ChatResult
from tgtui.backup.options import MIN_SWEEP, SWEEP
from tgtui.backup.selection import ChatTarget


class Link(Protocol):
    """What tells of the client's link (`tgtui.telegram.link_state.LinkState`)."""

    def listen(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``listener`` with each new status; returns what stops it."""
        ...


SWEEP_SHARE = 0.5  # at most this share of the time goes to sweeping (a big account's sweep
# can take long: the next one waits at least as long again)
SETTLE = 0.5  # updates arriving within this are handled together
RETRY = 30.0  # seconds before a chat that was not brought up to date is tried again
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
class Arrived:
    """What arrived in one chat while following."""

    new: int = 0
    edits: int = 0
    deletions: int = 0
    files: int = 0  # files saved while following


@dataclass
class Following:
    """What follow mode has done so far, per chat and in all."""

    since: float  # time.monotonic() when following began
    began: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    rounds: int = 0
    new: int = 0
    edits: int = 0
    deletions: int = 0
    files: int = 0
    last: float | None = None  # when something last arrived (monotonic)
    arrived: dict[int, Arrived] = field(default_factory=dict)
    latest: dict[int, ChatResult] = field(default_factory=dict)  # each chat's last refresh
    behind: dict[int, str] = field(default_factory=dict)  # not up to date: chat -> why

    def add(self, result: ChatResult, now: float) -> None:
        """Count one chat's refresh."""
        chat_id = result.target.chat_id
        before = self.latest.get(chat_id)
        files = max(0, result.media_done - before.media_done) if before is not None else 0
        self.latest[chat_id] = result
        if result.status == "complete":
            self.behind.pop(chat_id, None)
        else:
            self.behind[chat_id] = result.reason or result.status
        if not (result.new or result.edits or result.deletions or files):
            return
        mine = self.arrived.setdefault(chat_id, Arrived())
        mine.new += result.new
        mine.edits += result.edits
        mine.deletions += result.deletions
        mine.files += files
        self.new += result.new
        self.edits += result.edits
        self.deletions += result.deletions
        self.files += files
        self.last = now


class Follower:
    """Keeps ``targets`` up to date through ``engine`` until cancelled."""

    def __init__(
        self,
        engine: BackupEngine,
        targets: list[ChatTarget],
        *,
        sweep: float = SWEEP,
        settle: float = SETTLE,
        retry: float = RETRY,
        on_round: Callable[[Following], None] | None = None,
        link: Link | None = None,
    ) -> None:
        self.engine = engine
        self.link = link  # the client's link: a sweep follows each time it came back
        self.targets = {t.chat_id: t for t in targets}
        self.sweep = max(MIN_SWEEP, sweep)
        self.settle = settle
        self.retry = min(retry, self.sweep)
        self.on_round = on_round
        self.state = Following(since=time.monotonic())
        self._pending: set[int] = set()
        self._wake = asyncio.Event()
        self._next_sweep = 0.0  # monotonic time of the next sweep
        self.started = asyncio.Event()  # set once following begins (the backup caught up)
        self._was_down = False  # the link was lost since the last sweep
        self._resweep = False  # it came back: the next round is a sweep

    def _on_link(self, status: Any) -> None:
        """The link lost, then back (Telethon reconnected by itself): what happened
        meanwhile reached no handler, and Telethon's own catch-up may not cover it all (a
        long outage, its difference too long): sweep at once, as after a reconnect of ours."""
        if status.down:
            self._was_down = True
        elif status.phase == "connected" and self._was_down:
            self._was_down = False
            self._resweep = True
            self._wake.set()

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
        unlisten = self.link.listen(self._on_link) if self.link is not None else None
        self.state.since = time.monotonic()  # following begins now (after the backup)
        self.state.began = dt.datetime.now(dt.UTC)
        self._next_sweep = self.state.since + self.sweep
        self.started.set()
        logger.info("following {} chats (sweep every {:.0f} s)", len(self.targets), self.sweep)
        try:
            while True:
                swept = await self._wait()
                await self._round(swept)
        finally:
            client.remove_event_handler(handler, events.Raw)
            if unlisten is not None:
                unlisten()

    async def _wait(self) -> bool:
        """Until an update names a followed chat, or a chat behind is due again (True: a
        sweep is due instead)."""
        now = time.monotonic()
        timeout = self._next_sweep - now
        if self.state.behind:
            timeout = min(timeout, self.retry)
        try:
            await asyncio.wait_for(self._wake.wait(), max(0.0, timeout))
        except TimeoutError:
            if time.monotonic() >= self._next_sweep:
                return True
            self._pending |= {c for c in self.state.behind if c in self.targets}
            return False
        await asyncio.sleep(self.settle)  # let a burst of updates arrive together
        return False

    async def _round(self, sweep: bool) -> None:
        self._wake.clear()
        pending, self._pending = self._pending, set()
        began = time.monotonic()
        if sweep or self._resweep or not self.engine.client.is_connected():
            self._resweep = False
            # Every channel asks its own box; the account's box answers for the rest.
            await self.engine.reconnect()
            pending = {ACCOUNT, *(c for c in self.targets if is_channel_id(c))}
            sweep = True
        # Chats that were not brought up to date are tried again with whatever comes.
        pending |= {c for c in self.state.behind if c in self.targets}
        if ACCOUNT in pending:
            await self.engine.catch_up_account()
            # Private chats and basic groups the difference brought new messages to; all of
            # them when it did not follow them (too long, refused, no state): they are
            # re-checked now, as a run would, not left wrong until the next run.
            pending |= self.engine.account_caught.touched & set(self.targets)
            if not self.engine.account_complete:
                pending |= {c for c in self.targets if not is_channel_id(c)}
        state = self.state
        for chat_id in sorted(pending - {ACCOUNT}):
            state.add(await self.engine.refresh(self.targets[chat_id]), time.monotonic())
        state.rounds += 1
        if sweep:
            spent = time.monotonic() - began
            self._next_sweep = time.monotonic() + max(self.sweep, spent / SWEEP_SHARE - spent)
        if self.on_round is not None:
            self.on_round(state)


def merged(result: BackupResult, following: Following) -> BackupResult:
    """The backup's result with what arrived while following: each chat as its last refresh
    left it (messages and files on disk, status and reason), its new messages, edits and
    deletions counted since the run began."""
    chats = []
    for chat in result.chats:
        latest = following.latest.get(chat.target.chat_id)
        arrived = following.arrived.get(chat.target.chat_id, Arrived())
        if latest is None:
            chats.append(chat)
            continue
        chats.append(
            replace(
                latest,
                new=chat.new + arrived.new,
                edits=chat.edits + arrived.edits,
                deletions=chat.deletions + arrived.deletions,
                repairs=chat.repairs + latest.repairs,
            )
        )
    return BackupResult(chats, list(result.notes))
