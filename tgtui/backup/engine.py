"""The backup engine: plans and runs chat backups with bounded concurrency.

It is the one place that fetches, retries, writes and checkpoints. Each chat is read oldest
first from where its file ends, written in fsynced batches, and checkpointed after each batch;
every chat shares one flood gate, so concurrency never turns into a storm of FLOOD_WAITs.
Progress goes out as events (`tgtui.backup.progress`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient, errors

from tgtui.backup.budget import Budget
from tgtui.backup.catch_up import (
    Caught,
    catch_up_account,
    catch_up_channel,
    forget_state,
    is_channel_id,
    recheck_chat,
    saved_chats,
)
from tgtui.backup.checkpoint import (
    Checkpoint,
    CheckpointError,
    count_lines,
    load_checkpoint,
    reconcile,
    save_checkpoint,
    stat_key,
)
from tgtui.backup.control import RunControl
from tgtui.backup.files import link_on_the_way
from tgtui.backup.folder import BackupFolder, FolderRefused
from tgtui.backup.history import HISTORY, HistoryPage, HistoryReader
from tgtui.backup.integrity import DAMAGED_SUFFIX, rewrite, scan
from tgtui.backup.manifest import ChatEntry, Manifest
from tgtui.backup.media import (
    NAME_BYTES,
    NO_MEDIA,
    PART_SUFFIX,
    MediaFilter,
    media_path,
    version_media_path,
)
from tgtui.backup.media_pass import MediaPass
from tgtui.backup.progress import (
    BackupEvent,
    ChatFinished,
    ChatProgress,
    ChatStarted,
    ProgressSink,
    Status,
    Waiting,
)
from tgtui.backup.queues import DownloadQueues
from tgtui.backup.schema import to_record
from tgtui.backup.selection import ChatTarget
from tgtui.backup.tasks import gather_or_cancel
from tgtui.backup.windows import WORTH_SPLITTING, Plan, pages, plan
from tgtui.backup.writer import BackupWriteError, BatchWriter, encode_record, repair_tail
from tgtui.config import DEFAULT_CONCURRENCY
from tgtui.i18n import N_, _, counted, ngettext, number
from tgtui.retry import FloodGate, Wait
from tgtui.telegram.errors import SIGN_IN_AGAIN, explain
from tgtui.untrusted import NAME_MAX_BYTES

CANCELLED = N_("cancelled")  # a reason: translated where it is shown
LINKED_FOLDER = "it is a link, and tgtui does not write through links"
JSONL = "messages.jsonl"
STATE = "state.json"


@dataclass(frozen=True)
class BackupOptions:
    """What to back up and how."""

    out: Path
    since: dt.datetime | None = None  # only messages sent at or after this time
    until: dt.datetime | None = None  # only messages sent before this time
    concurrency: int = DEFAULT_CONCURRENCY  # history requests in flight (chats and windows)
    media: MediaFilter = NO_MEDIA
    files_at_once: int | None = None  # per download queue; None: Telegram's sizes
    verify: bool = False  # check each file against Telegram's hashes (upload.getFileHashes)
    recheck: bool = False  # compare every saved message with Telegram (edits, deletions)
    windows: int = 16  # chunks of one chat fetched at once at most (`tgtui.backup.windows`)
    batch_size: int = 500
    batch_age: float = 2.0


@dataclass
class ChatResult:
    """How one chat ended in this run."""

    target: ChatTarget
    status: Status
    reason: str | None
    messages: int
    new: int
    path: Path
    media_done: int = 0
    media_failed: int = 0
    repairs: tuple[str, ...] = ()  # damage found on disk and what was done about it
    edits: int = 0  # later versions of saved messages noticed by this run
    deletions: int = 0  # saved messages noticed deleted on Telegram by this run
    media_gone: int = 0  # files Telegram no longer has (deleted with their message)


@dataclass
class BackupResult:
    """The whole run."""

    chats: list[ChatResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the folder (permissions tightened)

    @property
    def all_complete(self) -> bool:
        """Every chat reached its end and every file was saved."""
        return all(c.status == "complete" and not c.media_failed for c in self.chats)


class BackupAborted(Exception):
    """The run cannot go on (disk full, session revoked); files stay consistent."""


@dataclass
class Repair:
    """What the check before a chat's run found on disk, and what it did."""

    notes: list[str] = field(default_factory=list)
    expected: int = 0  # messages the file held before the damage (0: nothing to compare)
    # Every line was parsed (the file had changed, or --verify), and any damage rewritten:
    # the checkpoint's count and the file's stat are taken afresh.
    checked: bool = False
    damaged_files: dict[int, str] = field(default_factory=dict)  # fetched again
    unsafe_files: dict[int, str] = field(default_factory=dict)  # refused


def _stored(state: Path, chat_id: int) -> Checkpoint:
    """The chat's checkpoint as stored (an empty one if there is none, or it is unusable)."""
    try:
        stored = load_checkpoint(state, chat_id)
    except CheckpointError:
        stored = None
    return stored or Checkpoint(chat_id=chat_id)


def name_bytes_for(out: Path) -> int:
    """How many bytes of a sender's file name fit in ``out``'s file names (255 on most
    filesystems; fewer on some, such as eCryptfs)."""
    try:
        limit = int(os.pathconf(out, "PC_NAME_MAX"))
    except (OSError, ValueError):
        limit = NAME_MAX_BYTES
    # <message id>_<name>.part: 20 digits, "_" and ".part" must fit beside the name.
    return max(16, min(NAME_BYTES, limit - 20 - 1 - len(PART_SUFFIX)))


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:40]
    return slug or "chat"


def chat_folders(out: Path) -> dict[int, Path]:
    """The existing chat folders of a backup by chat id, from one listing of ``chats/``."""
    try:
        entries = sorted(os.scandir(out / "chats"), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found: dict[int, Path] = {}
    for entry in entries:
        head, underscore, _ = entry.name.partition("_")
        if underscore and head.lstrip("-").isdigit() and entry.is_dir(follow_symlinks=False):
            found.setdefault(int(head), Path(entry.path))
    return found


def chat_folder(out: Path, target: ChatTarget, folders: dict[int, Path] | None = None) -> Path:
    """The chat's folder: an existing one for this id (names change), else ``<id>_<name>``.

    ``folders`` (from `chat_folders`) spares listing the backup's chats again for each chat.
    """
    existing = (folders if folders is not None else chat_folders(out)).get(target.chat_id)
    return existing or out / "chats" / f"{target.chat_id}_{_slug(target.name)}"


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
        self._fetching = 0  # chats reading their history now (they share the budget)
        self._windowed = 0  # of them, those reading in windows
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._started: set[int] = set()
        self._cancelled: set[int] = set()
        self.account = account or {}
        self.manifest = Manifest(options.out, self.account, load=False)
        self.name_bytes = NAME_BYTES  # of a sender's file name; fitted to the folder's limit
        self._folders: dict[int, Path] = {}  # existing chat folders, listed once a run
        self._account_followed = False  # the backup holds the account's update state
        self._account_complete = False  # this run's account difference was whole
        self.account_caught = Caught()  # what the account's difference found this run
        self.media = MediaPass(
            client,
            gate=self.gate,
            queues=DownloadQueues(client, options.files_at_once),
            emit=self._emit,
            wrap=wrap,
            reconnect=self.reconnect,
            ready=self.control.ready,
            verify=options.verify,
        )

    def _emit(self, event: BackupEvent) -> None:
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

    async def reconnect(self) -> None:
        """Connect again if the connection was lost (before a retry, or a follow sweep)."""
        if not self.client.is_connected():
            logger.info("reconnecting to Telegram")
            await self.client.connect()

    async def run(
        self, targets: list[ChatTarget], *, follow: Callable[[], Awaitable[None]] | None = None
    ) -> BackupResult:
        """Back up every target, at most ``concurrency`` at once; then, with ``follow``, keep
        the backup folder (and its lock) while ``follow()`` runs (`tgtui.backup.follow`).

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
            self._folders = chat_folders(self.options.out)
            await self.catch_up_account()
            try:
                result = await self._run(targets)
            finally:
                await private
            result.notes[:0] = folder.notes
            if follow is not None:
                await follow()
            return result
        finally:
            folder.close()

    async def refresh(self, target: ChatTarget) -> ChatResult:
        """One chat brought up to date again (follow mode): new messages, edits, deletions
        and files, through the same checks, checkpoints and files as a backup."""
        try:
            return await self.backup_chat(target)
        finally:
            self._save_manifest()

    async def _run(self, targets: list[ChatTarget]) -> BackupResult:
        limit = asyncio.Semaphore(max(1, self.options.concurrency))
        result = BackupResult()

        async def one(target: ChatTarget) -> None:
            try:
                async with limit:
                    self._started.add(target.chat_id)
                    result.chats.append(await self.backup_chat(target))
            except asyncio.CancelledError:
                if target.chat_id not in self._cancelled or target.chat_id in self._started:
                    raise
                _uncancel()
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

    async def backup_chat(self, target: ChatTarget) -> ChatResult:
        """One chat, from where its file ends to its newest message (or --until).

        Anything that goes wrong with this chat alone (its files damaged beyond use, an
        unexpected error) ends this chat "failed" with the reason; the others go on. Only a
        fault every chat would meet (disk full, session revoked) stops the run.
        """
        folder = chat_folder(self.options.out, target, self._folders)
        writer = BatchWriter(
            folder / JSONL, batch_size=self.options.batch_size, max_age=self.options.batch_age
        )

        def on_wait(wait: Wait) -> None:
            self._emit(
                Waiting(target.chat_id, HISTORY, wait.seconds, wait.kind, explain(wait.error).text)
            )

        reader = HistoryReader(
            self.client,
            target.input_peer,
            gate=self.gate,
            on_wait=on_wait,
            reconnect=self.reconnect,
            wrap=self.wrap,
            budget=self.budget,
        )
        checkpoint = Checkpoint(chat_id=target.chat_id)
        caught = Caught()
        start = 0
        status: Status = "partial"
        reason: str | None = None
        repair = Repair()
        try:
            link = link_on_the_way(
                self.options.out, folder.relative_to(self.options.out).as_posix()
            )
            if link is not None:  # planted in a backup from elsewhere: never written through
                raise BackupWriteError(link, OSError(errno.ELOOP, LINKED_FOLDER))
            repair = await self._check(target, reader, folder)
            checkpoint = reconcile(folder / STATE, folder / JSONL, target.chat_id, writer.open())
            if repair.checked:
                # The file was read whole and found (or made) sound: remember it as it is.
                checkpoint.messages = count_lines(folder / JSONL)
                checkpoint.jsonl_stat = stat_key(folder / JSONL)
                save_checkpoint(folder / STATE, checkpoint)
            start = checkpoint.messages
            self._emit(ChatStarted(target.chat_id, target.name, start))
            fetch = await self._catch_up(target, reader, checkpoint, folder, caught)
            status = await self._copy(target, reader, writer, checkpoint, folder, repair, fetch)
            short = repair.expected - checkpoint.messages
            if short > 0:  # the file only grows: fewer than before is damage not undone
                status, reason = (
                    "partial",
                    ngettext(
                        "{count} damaged message could not be fetched again (deleted on "
                        "Telegram?); unreadable lines are kept in {file}",
                        "{count} damaged messages could not be fetched again (deleted on "
                        "Telegram?); unreadable lines are kept in {file}",
                        short,
                    ).format(count=number(short), file=JSONL + DAMAGED_SUFFIX),
                )
        except asyncio.CancelledError:
            reason = CANCELLED
            if target.chat_id not in self._cancelled:
                raise  # the whole run stops: the caller cancelled it
            _uncancel()  # only this chat was cancelled; the run goes on
        except errors.RPCError as exc:
            explanation = explain(exc)
            if isinstance(exc, SIGN_IN_AGAIN):
                raise BackupAborted(explanation.text) from exc
            status, reason = "skipped", explanation.text
            logger.warning("chat {} ({}) skipped: {}", target.chat_id, target.name, exc)
        except BackupWriteError as exc:
            if exc.stops_run:
                raise BackupAborted(str(exc)) from exc
            status, reason = "failed", str(exc)
            logger.error("chat {}: {}", target.chat_id, exc)
        except BackupAborted:
            raise
        except Exception as exc:  # noqa: BLE001 - one chat's fault is that chat's failure
            logger.opt(exception=exc).error("chat {} failed", target.chat_id)
            status, reason = (
                "failed",
                _("unexpected error ({error}); details are in the log").format(error=repr(exc)),
            )
        finally:
            # Whatever happened (an error, a cancel), what was fetched goes to disk and the
            # checkpoint follows it; a failing disk leaves the buffer to be fetched again.
            try:
                self._flush(writer, checkpoint, folder)
            except BackupWriteError as exc:
                logger.error("chat {}: final flush failed: {}", target.chat_id, exc)
            writer.abandon()
            self._record(target, folder, checkpoint, status, reason)
        new = checkpoint.messages - start
        failed = len(checkpoint.media_failed)
        notes = tuple(repair.notes)
        self._emit(
            ChatFinished(
                target.chat_id,
                target.name,
                status,
                reason,
                checkpoint.messages,
                new,
                checkpoint.media_done,
                failed,
                notes,
                edits=caught.versions,
                deletions=caught.deletions,
                media_gone=len(checkpoint.media_gone),
            )
        )
        return ChatResult(
            target,
            status,
            reason,
            checkpoint.messages,
            new,
            folder,
            checkpoint.media_done,
            failed,
            notes,
            edits=caught.versions,
            deletions=caught.deletions,
            media_gone=len(checkpoint.media_gone),
        )

    async def catch_up_account(self) -> None:
        """Edits and deletions in the backup's private chats and basic groups since the last
        run: one account difference for all of them (see `tgtui.backup.catch_up`)."""
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
                reader, self.options.out, saved, self._version_file
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
            return
        self._account_followed = True  # the state is saved: from now on, it follows them
        self._account_complete = followed  # its difference named every chat with news
        self.account_caught = caught
        logger.info(
            "account difference: {} versions, {} deletions in {} requests (followed: {})",
            caught.versions,
            caught.deletions,
            caught.requests,
            followed,
        )

    async def _catch_up(
        self,
        target: ChatTarget,
        reader: HistoryReader,
        checkpoint: Checkpoint,
        folder: Path,
        caught: Caught,
    ) -> bool:
        """Bring the chat's saved messages up to date (edits, deletions); whether its history
        must be read for new messages (False: Telegram said nothing changed)."""
        channel = is_channel_id(target.chat_id)
        if self.options.recheck:  # asked for: read every saved message again
            checkpoint.pts, checkpoint.tracked = None, False
        if checkpoint.last_id == 0:  # nothing saved yet: followed from the first copy on
            checkpoint.tracked = not channel and self._account_followed
            return True
        before = (checkpoint.pts, checkpoint.tracked, checkpoint.complete)
        if channel:
            known = checkpoint.pts
            pts, found = await catch_up_channel(
                reader, folder, checkpoint.last_id, known, self._version_file
            )
            unchanged = known is not None and not found.new_messages and not found.rechecked
            checkpoint.pts = pts
            if found.new_messages:
                checkpoint.complete = False  # the new ones must be fetched, even after a stop
        elif not checkpoint.tracked:
            found = await recheck_chat(reader, folder, checkpoint.last_id, self._version_file)
            checkpoint.tracked = self._account_followed
            unchanged = False
        else:  # followed by the account's difference, at the start of the run
            # Told once: a later refresh of the chat (follow mode) does not count them again.
            caught.versions, caught.deletions = self.account_caught.by_chat.pop(
                target.chat_id, (0, 0)
            )
            # That difference lists every new message of private chats and basic groups
            # since the last run: a chat it does not name has nothing new to read.
            quiet = self._account_complete and target.chat_id not in self.account_caught.touched
            return not (quiet and checkpoint.complete and self.options.until is None)
        caught.versions, caught.deletions = found.versions, found.deletions
        if (checkpoint.pts, checkpoint.tracked, checkpoint.complete) != before:
            save_checkpoint(folder / STATE, checkpoint)  # a run with nothing new writes none
        return not (unchanged and checkpoint.complete and self.options.until is None)

    async def _check(self, target: ChatTarget, reader: HistoryReader, folder: Path) -> Repair:
        """Check the chat's files; rewrite and re-fetch what is damaged (see integrity)."""
        jsonl = folder / JSONL
        repair = Repair()
        if not jsonl.exists():
            return repair
        stored = _stored(folder / STATE, target.chat_id)
        # Lines are parsed again only if the file changed since tgtui last wrote it (or with
        # --verify); the media files it names are looked at on every run.
        whole = self.options.verify or stored.jsonl_stat != stat_key(jsonl)
        try:
            if whole:
                await asyncio.to_thread(repair_tail, jsonl)
            found = await asyncio.to_thread(scan, jsonl, folder, lines=whole)
        except OSError as exc:
            raise BackupWriteError(jsonl, exc) from exc
        repair.checked = whole
        # A file saved by an earlier run (tried, and not failed) that is gone: deleted since.
        for message_id in found.absent_files:
            tried = str(message_id) in stored.media_failed or str(message_id) in stored.media_gone
            if message_id <= stored.media_last_id and not tried:
                found.damaged_files[message_id] = "deleted since it was saved"
        repair.damaged_files = found.damaged_files
        repair.unsafe_files = found.unsafe_files
        # Fewer messages than the checkpoint counted: lines were deleted. Where is unknown, so
        # the whole range on disk is read again for the ids the file lacks.
        lost = max(0, stored.messages - found.records - found.bad_lines) if whole else 0
        gaps = [(low, high) for low, high in found.gaps if high]  # a broken end: read anyway
        if lost:
            gaps = [(0, found.last_id + 1)]
        problems = found.problems()
        if lost:
            problems.append(counted("{count} message missing", "{count} messages missing", lost))
        if not problems:
            return repair
        logger.warning("chat {}: {}, {} lost in {}", target.chat_id, found.tally(), lost, jsonl)
        extra: dict[int, bytes] = {}
        present = set(found.ids) if lost else None
        for low, high in gaps:
            extra.update(await self._refetch(reader, low, high, present))
        if found.needs_rewrite or extra:
            try:
                await asyncio.to_thread(rewrite, jsonl, found, extra.items())
            except OSError as exc:
                raise BackupWriteError(jsonl, exc) from exc
        done = []
        if extra:
            done.append(
                counted(
                    "{count} message fetched again", "{count} messages fetched again", len(extra)
                )
            )
        if found.needs_rewrite:
            done.append(_("the file rewritten in order, every message once"))
        if found.bad_lines:
            done.append(_("unreadable lines kept in {file}").format(file=JSONL + DAMAGED_SUFFIX))
        if found.damaged_files:
            done.append(_("changed files fetched again"))
        found_words = _("found {problems}").format(problems=", ".join(problems))
        repair.notes.append(found_words + "".join(f"; {d}" for d in done))
        repair.expected = stored.messages - found.duplicates
        return repair

    async def _refetch(
        self, reader: HistoryReader, low: int, high: int, present: set[int] | None
    ) -> dict[int, bytes]:
        """Lines for the messages with low < id < high that are not in ``present``."""
        found: dict[int, bytes] = {}
        async for page in reader.walk(low, high - 1):
            for message in page.messages:
                if present is None or message.id not in present:
                    found[message.id] = encode_record(self._to_record(message, page.names))
        return found

    def _version_file(self, record: dict[str, Any]) -> str | None:
        """Where a later version's own file goes (Telegram replaced the media), if the
        media choice wants it."""
        if not self.options.media.wants(record):
            return None
        return version_media_path(record, self.name_bytes)

    def _to_record(self, message: Any, names: Any) -> dict[str, Any]:
        record = to_record(message, names)
        if self.options.media.wants(record):
            record["file"] = media_path(record, self.name_bytes)
        return record

    async def _copy(
        self,
        target: ChatTarget,
        reader: HistoryReader,
        writer: BatchWriter,
        checkpoint: Checkpoint,
        folder: Path,
        repair: Repair,
        fetch: bool = True,
    ) -> Status:
        start = checkpoint.messages
        cursor = checkpoint.last_id
        if self.options.since is not None and cursor == 0:
            cursor = await reader.last_id_before(self.options.since)
        total: int | None = None
        until = self.options.until

        def take(page: HistoryPage) -> bool:
            """Write a page's messages; False once --until is reached."""
            nonlocal cursor, total
            if checkpoint.pts is None and page.pts is not None:
                # A channel's edits and deletions are followed from before this copy began.
                checkpoint.pts = page.pts
            if total is None and self.options.since is None and until is None:
                total = page.count
            for message in page.messages:
                date = getattr(message, "date", None)
                if until is not None and date is not None and date >= until:
                    self._flush(writer, checkpoint, folder)
                    return False
                writer.add(self._to_record(message, page.names))
                cursor = message.id
            if writer.due():
                self._flush(writer, checkpoint, folder)
            done = checkpoint.messages + writer.pending
            self._emit(ChatProgress(target.chat_id, done, total, done - start))
            return True

        if fetch:
            await self.control.ready(target.chat_id)
            self._fetching += 1
            try:
                first = await reader.after(cursor)
                if take(first) and first.messages:
                    chosen = await self._plan(reader, first, cursor, checkpoint.messages)

                    async def ready() -> None:
                        await self.control.ready(target.chat_id)

                    def share() -> int:
                        # What chats reading one page at a time leave, split between
                        # the chats reading in windows.
                        single = self._fetching - self._windowed
                        return self.budget.share(self._windowed, taken=single)

                    windowed = int(chosen.windows > 1)
                    self._windowed += windowed
                    ordered = pages(reader, chosen, ready=ready, share=share)
                    try:
                        # Closed at once however the loop ends: no window goes on fetching.
                        async with contextlib.aclosing(ordered):
                            async for page in ordered:
                                if not take(page):
                                    break
                    finally:
                        self._windowed -= windowed
            finally:
                self._fetching -= 1
        pending = checkpoint.media_failed or repair.damaged_files or repair.unsafe_files
        media_pass = bool(self.options.media.kinds or self.options.verify or pending)
        if not media_pass:
            # No file wanted: the media pass has nothing to read, and the chat is complete
            # once its last batch is on disk, so one checkpoint says all three.
            written = self._write(writer, checkpoint, folder)
            behind = checkpoint.media_last_id != checkpoint.last_id
            if written or behind or not checkpoint.complete:
                checkpoint.media_last_id = checkpoint.last_id
                checkpoint.complete = True
                save_checkpoint(folder / STATE, checkpoint)
        else:
            self._flush(writer, checkpoint, folder)
        if not fetch:  # nothing new on Telegram: every message is already saved
            self._emit(ChatProgress(target.chat_id, checkpoint.messages, checkpoint.messages, 0))
        if media_pass:
            await self.media.run(
                target,
                folder,
                checkpoint,
                folder / STATE,
                repair.damaged_files,
                repair.unsafe_files,
            )
        if not checkpoint.complete:
            checkpoint.complete = True
            save_checkpoint(folder / STATE, checkpoint)
        return "complete"

    async def _plan(
        self, reader: HistoryReader, first: HistoryPage, before: int, saved: int
    ) -> Plan:
        """How to fetch the rest of a chat after its first page: one page at a time, or in
        windows (`tgtui.backup.windows`) when much is left. With --until the windows end at
        the last message before it (the count of what is left is scaled to that span)."""
        after = first.messages[-1].id
        left = (first.count or 0) - saved - len(first.messages)
        most = self.options.windows
        if most <= 1 or left < WORTH_SPLITTING:
            return Plan(after, after, 1)
        newest = await reader.newest(1)
        top = max((m.id for m in newest.messages), default=after)
        if self.options.until is not None and top > after:
            end = min(top, await reader.last_id_before(self.options.until))
            left = left * max(0, end - after) // (top - after)
            top = end
            if left < WORTH_SPLITTING:
                return Plan(after, after, 1)
        return plan(after, top, left, most)

    def _not_started(self, target: ChatTarget) -> ChatResult:
        """A chat cancelled while it waited for its turn: nothing of it was touched."""
        folder = chat_folder(self.options.out, target, self._folders)
        self._emit(ChatFinished(target.chat_id, target.name, "skipped", CANCELLED, 0, 0))
        return ChatResult(target, "skipped", CANCELLED, 0, 0, folder)

    def _flush(self, writer: BatchWriter, checkpoint: Checkpoint, folder: Path) -> None:
        """Write the batch, then (only then) advance the checkpoint."""
        if self._write(writer, checkpoint, folder):
            save_checkpoint(folder / STATE, checkpoint)

    @staticmethod
    def _write(writer: BatchWriter, checkpoint: Checkpoint, folder: Path) -> int:
        """Write the batch and advance the checkpoint in memory (the caller saves it)."""
        written = writer.flush()
        if written:
            checkpoint.messages += written
            checkpoint.last_id = writer.last_id or checkpoint.last_id
            checkpoint.jsonl_stat = stat_key(folder / JSONL)
        return written

    def _record(
        self,
        target: ChatTarget,
        folder: Path,
        checkpoint: Checkpoint,
        status: Status,
        reason: str | None,
    ) -> None:
        try:
            self.manifest.update(
                ChatEntry(
                    id=target.chat_id,
                    name=target.name,
                    type=target.type,
                    path=str(folder.relative_to(self.options.out)),
                    messages=checkpoint.messages,
                    media_files=checkpoint.media_done,
                    media_failed=len(checkpoint.media_failed),
                    status=status,
                    reason=reason,
                    last_id=checkpoint.last_id,
                    updated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                )
            )
        except OSError as exc:
            raise BackupAborted(
                _("Cannot write {path}: {reason}").format(
                    path=self.manifest.path, reason=exc.strerror
                )
            ) from exc

    def _save_manifest(self) -> None:
        try:
            self.manifest.flush()
        except OSError as exc:
            logger.error("cannot write {}: {}", self.manifest.path, exc)


def _uncancel() -> None:
    """Take back a cancel this task has absorbed (so later awaits in it are not cancelled)."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
