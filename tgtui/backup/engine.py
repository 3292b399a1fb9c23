"""The backup engine's scheduler: runs chat backups with bounded concurrency.

`BackupEngine` owns the run: the backup folder's lock, the account's catch-up, the budget of
history requests in flight and the windows bookkeeping every chat shares, one task per chat,
cancelling one chat or all of them, the manifest; `refresh` brings one chat up to date again
(follow mode). Each chat's own part (check → catch up → copy → media → record) is a
`tgtui.backup.chat_copy.ChatCopy`. Every chat shares one flood gate, so concurrency never
turns into a storm of FLOOD_WAITs. Progress goes out as events (`tgtui.backup.progress`);
a chat's last event is its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from telethon import TelegramClient, errors

from tgtui.backup.budget import Budget
from tgtui.backup.catch_up import AccountAhead, Caught, catch_up_account, forget_state, saved_chats
from tgtui.backup.chat_copy import ChatCopy, uncancel
from tgtui.backup.control import RunControl
from tgtui.backup.folder import BackupFolder, FolderRefused
from tgtui.backup.history import HistoryReader
from tgtui.backup.manifest import Manifest
from tgtui.backup.naming import JSONL, STATE, chat_folder, chat_folders, name_bytes_for
from tgtui.backup.options import CANCELLED, BackupAborted, BackupOptions
from tgtui.backup.progress import BackupEvent, BackupResult, ChatResult, ProgressSink
from tgtui.backup.repair import Repair
from tgtui.backup.selection import ChatTarget
from tgtui.backup.tasks import gather_or_cancel
from tgtui.backup.writer import BackupWriteError
from tgtui.format.media_paths import NAME_BYTES, version_media_path
from tgtui.i18n import _
from tgtui.retry import FloodGate
from tgtui.telegram.errors import SIGN_IN_AGAIN, explain
from tgtui.telegram.history import HISTORY

if TYPE_CHECKING:  # imported when they are first used (the account's data: if asked for)
    from tgtui.backup.account_data import Fetched
    from tgtui.backup.media_pass import MediaPass
    from tgtui.backup.pictures_pass import PicturesPass

__all__ = [  # what callers import from here (some of it lives in the modules above)
    "CANCELLED",
    "JSONL",
    "STATE",
    "BackupAborted",
    "BackupEngine",
    "BackupOptions",
    "BackupResult",
    "ChatResult",
    "InFlight",
    "Repair",
    "chat_folder",
    "chat_folders",
    "name_bytes_for",
]


@dataclass
class InFlight:
    """The chats reading their history now, of them those reading in windows: they share
    the run's budget of requests in flight (`tgtui.backup.budget`)."""

    budget: Budget
    fetching: int = 0
    windowed: int = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A chat reads its history while inside."""
        self.fetching += 1
        try:
            yield
        finally:
            self.fetching -= 1

    @contextmanager
    def windowed_if(self, windows: bool) -> Iterator[None]:
        """A chat reads in windows while inside (if ``windows``)."""
        taken = int(windows)
        self.windowed += taken
        try:
            yield
        finally:
            self.windowed -= taken

    def share(self) -> int:
        """A windowed chat's share of the budget: what chats reading one page at a time
        leave, split between the chats reading in windows."""
        single = self.fetching - self.windowed
        return self.budget.share(self.windowed, taken=single)


class ChatPlace:
    """A chat's place in a run: first one of the ``concurrency`` chats reading their
    messages, then (`to_files`) one of as many saving their files, thumbnails and userpics.
    A chat whose messages are on disk lets the next chat read its messages while it saves
    its files: files never hold back another chat's messages."""

    def __init__(self, reading: asyncio.Semaphore, saving: asyncio.Semaphore) -> None:
        self.reading = reading
        self.saving = saving
        self._held: asyncio.Semaphore | None = None

    async def __aenter__(self) -> ChatPlace:
        await self.reading.acquire()
        self._held = self.reading
        return self

    async def to_files(self) -> None:
        """Leave the chats reading messages for the chats saving files (waiting for a
        place there)."""
        if self._held is not self.reading:
            return
        self.reading.release()
        self._held = None
        await self.saving.acquire()
        self._held = self.saving

    async def __aexit__(self, *_: object) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None


class BackupEngine:
    """Backs up chats into ``options.out`` through the app's client."""

    def __init__(
        self,
        client: TelegramClient,
        options: BackupOptions,
        *,
        on_event: ProgressSink | None = None,
        account: dict[str, Any] | None = None,
        wrap: Callable[[Any], Any] | None = None,
        control: RunControl | None = None,
        gate: FloodGate | None = None,
    ) -> None:
        self.client = client
        self.options = options
        self.on_event = on_event
        self.gate = gate or FloodGate()  # shared with whoever else calls for this account
        self.wrap = wrap
        self.control = control or RunControl()
        # One budget of history requests in flight for the run (`tgtui.backup.budget`).
        known = HISTORY in self.gate.paces or wrap is not None
        self.budget = Budget(options.concurrency, known_limit=known)
        self.in_flight = InFlight(self.budget)  # chats reading their history now
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._started: set[int] = set()
        self._cancelled: set[int] = set()
        self.account = account or {}
        self.manifest = Manifest(options.out, self.account, load=False)
        self.name_bytes = NAME_BYTES  # of a sender's file name; fitted to the folder's limit
        self.folders: dict[int, Path] = {}  # existing chat folders, listed once a run
        self.account_followed = False  # the backup holds the account's update state
        self.account_complete = False  # this run's account difference was whole
        self.account_caught = Caught()  # what the account's difference found this run
        self.topics_listed: set[int] = set()  # forums whose topics this run listed

    # The files' and the pictures' passes are made (and their modules imported) when a chat
    # first reaches them, after its history: nothing the first history request does not
    # need comes before it (issue 30: start like a script).
    @cached_property
    def media(self) -> MediaPass:
        """The pass that saves the files the chats' messages name."""
        from tgtui.backup.media_pass import MediaPass
        from tgtui.backup.queues import DownloadQueues

        return MediaPass(
            self.client,
            gate=self.gate,
            queues=DownloadQueues(self.client, self.options.files_at_once),
            emit=self.emit,
            wrap=self.wrap,
            reconnect=self.reconnect,
            ready=self.control.ready,
            verify=self.options.verify,
        )

    @cached_property
    def pictures(self) -> PicturesPass:
        """Thumbnails and userpics, whatever the media choice (`tgtui.backup.pictures_pass`)."""
        from tgtui.backup.pictures_pass import PicturesPass

        return PicturesPass(
            self.client,
            self.options.out,
            gate=self.gate,
            queues=self.media.queues,
            emit=self.emit,
            wrap=self.wrap,
            reconnect=self.reconnect,
        )

    def emit(self, event: BackupEvent) -> None:
        """Send one progress event to the run's sink (if it has one)."""
        if self.on_event is not None:
            self.on_event(event)

    def cancel(self, chat_id: int | None = None) -> None:
        """Stop one chat (None: every chat) of the running backup.

        What was fetched is written and checkpointed; the chat ends "partial" (or, if it had
        not started, "skipped") with the reason "cancelled", and the other chats go on.
        """
        ids = list(self._tasks) if chat_id is None else [chat_id]
        for one in ids:
            task = self._tasks.get(one)
            if task is not None and not task.done() and one not in self._cancelled:
                self._cancelled.add(one)
                task.cancel()

    def cancelled(self, chat_id: int) -> bool:
        """Whether this chat alone was cancelled (by `cancel`), not the whole run."""
        return chat_id in self._cancelled

    async def reconnect(self) -> None:
        """Connect again if the connection was lost (before a retry, or a follow sweep)."""
        if not self.client.is_connected():
            logger.info("reconnecting to Telegram")
            await self.client.connect()

    async def run(
        self,
        targets: list[ChatTarget],
        *,
        follow: Callable[[], Awaitable[None]] | None = None,
        listed: bool = False,
        ahead: AccountAhead | None = None,
        account: Fetched | None = None,
    ) -> BackupResult:
        """Back up every target, at most ``concurrency`` at once; then, with ``follow``, keep
        the backup folder (and its lock) while ``follow()`` runs (`tgtui.backup.follow`).
        ``listed``: the targets come from a chat list made for this run, just before it
        (their channels' pts then stand for a channel difference: `ChatCopy.listed_pts`);
        ``ahead``: the account catch-up's first answer, asked for while that list was made
        (`tgtui.backup.catch_up.account_ahead`); ``account``: the account's own data, asked
        for beside that list too (`tgtui.backup.account_data.fetch_account`), kept here.

        Raises BackupAborted (after every running chat has flushed and checkpointed) when the
        disk fails or the session is revoked.
        """
        folder = BackupFolder(self.options.out, self.account)
        try:
            folder.open()
        except FolderRefused as exc:
            raise BackupAborted(str(exc)) from exc
        try:
            private = asyncio.create_task(asyncio.to_thread(folder.make_private))
            self.manifest = Manifest(self.options.out, self.account)
            self.name_bytes = name_bytes_for(self.options.out)
            self.folders = chat_folders(self.options.out)
            await self.catch_up_account(ahead)
            # The account's own data is asked beside the chats (a few requests, no round
            # trip added to a run), and kept before the run ends.
            keeping = (
                asyncio.ensure_future(self._back_up_account(account))
                if self.options.account
                else None
            )
            try:
                result = await self._run(targets, listed)
            except BaseException:
                if keeping is not None:
                    keeping.cancel()
                raise
            finally:
                await private
            notes = await keeping if keeping is not None else []
            result.notes[:0] = folder.notes
            result.notes.extend(notes)
            if follow is not None:
                await follow()
            return result
        finally:
            folder.close()

    async def _back_up_account(self, given: Fetched | None) -> list[str]:
        """The account's own data kept as versions (what ``given`` lacks asked for now); a
        note for what changed and for each section that could not be asked
        (`tgtui.backup.account_data`)."""
        from tgtui.backup.account_data import (
            account_notes,
            fetch_account,
            keep_account,
            save_account_files,
        )
        from tgtui.backup.account_files import AccountDownloads
        from tgtui.format.account import SECTIONS

        fetched = dict(given or {})
        if self.wrap is not None:  # in a data export the contacts come with their dates
            fetched.pop("contacts", None)
        # The chats left are Telegram's only in a data export: asked in a takeout, or said
        # to need one when the account was asked for by name (not at each plain --all).
        asked = self.wrap is not None or self.options.account_asked
        missing = [s for s in SECTIONS if s not in fetched and (asked or s != "left_chats")]
        if missing:
            fetched.update(await fetch_account(self.client, wrap=self.wrap, only=missing))
        # The profile pictures' and stories' files, through this run's flood gate.
        downloads = AccountDownloads(
            self.client,
            self.options.media,
            self.options.pictures,
            gate=self.gate,
            wrap=self.wrap,
            reconnect=self.reconnect,
            verify=self.options.verify,
        )
        await save_account_files(self.options.out, fetched, downloads)
        kept = keep_account(self.options.out, fetched)
        return account_notes(kept, asked=self.options.account_asked)

    async def refresh(self, target: ChatTarget) -> ChatResult:
        """One chat brought up to date again (follow mode): new messages, edits, deletions
        and files, through the same checks, checkpoints and files as a backup."""
        try:
            return await self.backup_chat(target)
        finally:
            self._save_manifest()

    async def _run(self, targets: list[ChatTarget], listed: bool) -> BackupResult:
        reading = asyncio.Semaphore(max(1, self.options.concurrency))
        saving = asyncio.Semaphore(max(1, self.options.concurrency))
        result = BackupResult()

        async def one(target: ChatTarget) -> None:
            try:
                async with ChatPlace(reading, saving) as place:
                    self._started.add(target.chat_id)
                    chat = await self.backup_chat(target, listed=listed, place=place)
                    result.chats.append(chat)
            except asyncio.CancelledError:
                if target.chat_id not in self._cancelled or target.chat_id in self._started:
                    raise
                uncancel()
                result.chats.append(self._not_started(target))

        tasks = [asyncio.create_task(one(t), name=f"backup {t.chat_id}") for t in targets]
        self._tasks = {t.chat_id: task for t, task in zip(targets, tasks, strict=True)}
        try:
            await gather_or_cancel(tasks)
        finally:
            self._save_manifest()
        order = {t.chat_id: i for i, t in enumerate(targets)}
        result.chats.sort(key=lambda c: order[c.target.chat_id])
        return result

    async def backup_chat(
        self, target: ChatTarget, *, listed: bool = False, place: ChatPlace | None = None
    ) -> ChatResult:
        """One chat, from where its file ends to its newest message (or --until): see
        `ChatCopy.run`. ``listed``: the target's pts is the chat list's, fetched for this
        run (a refresh, in follow mode, is for a change that came after it); ``place``: the
        chat's place in the run, given up for one among the chats saving files once its
        messages are on disk."""
        return await ChatCopy(self, target, listed=listed, place=place).run()

    async def catch_up_account(self, ahead: AccountAhead | None = None) -> None:
        """Edits and deletions in the backup's private chats and basic groups since the last
        run: one account difference for all of them (see `tgtui.backup.catch_up`), its first
        answer ``ahead`` if it was asked for already."""
        # From the files: the manifest (and a checkpoint) may lag them after a kill, and a
        # change to a message saved past them must not be taken for one not saved yet.
        saved = await asyncio.to_thread(
            saved_chats, self.options.out, chat_folders(self.options.out)
        )
        reader = HistoryReader(
            self.client, None, gate=self.gate, reconnect=self.reconnect, wrap=self.wrap
        )
        try:
            followed, caught = await catch_up_account(
                reader, self.options.out, saved, self.version_file, ahead=ahead
            )
        except OSError as exc:
            raise BackupAborted(
                _("Cannot write in {out}: {reason}").format(
                    out=self.options.out, reason=exc.strerror
                )
            ) from exc
        except BackupWriteError as exc:  # only what stops every chat gets here
            raise BackupAborted(str(exc)) from exc
        except errors.RPCError as exc:
            if isinstance(exc, SIGN_IN_AGAIN):
                raise BackupAborted(explain(exc).text) from exc
            # Telegram would not give the difference (a state it does not know): start over
            # from a fresh state, and the saved chats are re-checked.
            logger.warning("account difference refused ({}); re-checking instead", exc)
            forget_state(self.options.out, saved)
            # Nothing is known of this difference: not a (follow mode) earlier one's news.
            self.account_complete, self.account_caught = False, Caught()
            return
        self.account_followed = True  # the state is saved: from now on, it follows them
        self.account_complete = followed  # its difference named every chat with news
        self.account_caught = caught
        logger.info(
            "account difference: {} versions, {} deletions in {} requests (followed: {})",
            caught.versions,
            caught.deletions,
            caught.requests,
            followed,
        )

    def version_file(self, record: dict[str, Any]) -> str | None:
        """Where a later version's own file goes (Telegram replaced the media), if the
        media choice wants it."""
        if not self.options.media.wants(record):
            return None
        return version_media_path(record, self.name_bytes)

    def _not_started(self, target: ChatTarget) -> ChatResult:
        """A chat cancelled while it waited for its turn: nothing of it was touched."""
        folder = chat_folder(self.options.out, target, self.folders)
        result = ChatResult(target, folder, "skipped", CANCELLED, 0, 0)
        self.emit(result)
        return result

    def _save_manifest(self) -> None:
        """Write the manifest's changes (a failure is logged: the chats' files are sound)."""
        try:
            self.manifest.flush()
        except OSError as exc:
            logger.error("cannot write {}: {}", self.manifest.path, exc)
