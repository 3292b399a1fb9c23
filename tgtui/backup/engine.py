"""The backup engine: plans and runs chat backups with bounded concurrency.

It is the one place that fetches, retries, writes and checkpoints. Each chat is read oldest
first from where its file ends, written in fsynced batches, and checkpointed after each batch;
every chat shares one flood gate, so concurrency never turns into a storm of FLOOD_WAITs.
Progress goes out as events (`tgtui.backup.progress`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient, errors

from tgtui.backup.checkpoint import Checkpoint, reconcile, save_checkpoint
from tgtui.backup.control import RunControl
from tgtui.backup.history import HISTORY, HistoryReader
from tgtui.backup.manifest import ChatEntry, Manifest
from tgtui.backup.media import NO_MEDIA, MediaFilter, media_path
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
from tgtui.backup.writer import BackupWriteError, BatchWriter
from tgtui.retry import FloodGate, Wait
from tgtui.telegram.errors import SIGN_IN_AGAIN, explain

CANCELLED = "cancelled"
JSONL = "messages.jsonl"
STATE = "state.json"


@dataclass(frozen=True)
class BackupOptions:
    """What to back up and how."""

    out: Path
    since: dt.datetime | None = None  # only messages sent at or after this time
    until: dt.datetime | None = None  # only messages sent before this time
    concurrency: int = 4
    media: MediaFilter = NO_MEDIA
    files_at_once: int | None = None  # per download queue; None: Telegram's sizes
    verify: bool = False  # check each file against Telegram's hashes (upload.getFileHashes)
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


@dataclass
class BackupResult:
    """The whole run."""

    chats: list[ChatResult] = field(default_factory=list)

    @property
    def all_complete(self) -> bool:
        """Every chat reached its end and every file was saved."""
        return all(c.status == "complete" and not c.media_failed for c in self.chats)


class BackupAborted(Exception):
    """The run cannot go on (disk full, session revoked); files stay consistent."""


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:40]
    return slug or "chat"


def chat_folder(out: Path, target: ChatTarget) -> Path:
    """The chat's folder: an existing one for this id (names change), else ``<id>_<name>``."""
    chats = out / "chats"
    for existing in sorted(chats.glob(f"{target.chat_id}_*")):
        if existing.is_dir():
            return existing
    return chats / f"{target.chat_id}_{_slug(target.name)}"


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
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._started: set[int] = set()
        self._cancelled: set[int] = set()
        self.manifest = Manifest(options.out, account or {})
        self.media = MediaPass(
            client,
            gate=self.gate,
            queues=DownloadQueues(client, options.files_at_once),
            emit=self._emit,
            wrap=wrap,
            reconnect=self._reconnect,
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

    async def _reconnect(self) -> None:
        if not self.client.is_connected():
            logger.info("reconnecting to Telegram")
            await self.client.connect()

    async def run(self, targets: list[ChatTarget]) -> BackupResult:
        """Back up every target, at most ``concurrency`` at once.

        Raises BackupAborted (after every running chat has flushed and checkpointed) when the
        disk fails or the session is revoked.
        """
        try:
            self.options.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackupAborted(f"Cannot create {self.options.out}: {exc.strerror}") from exc
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
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            self._save_manifest()
        order = {t.chat_id: i for i, t in enumerate(targets)}
        result.chats.sort(key=lambda c: order[c.target.chat_id])
        return result

    async def backup_chat(self, target: ChatTarget) -> ChatResult:
        """One chat, from where its file ends to its newest message (or --until)."""
        folder = chat_folder(self.options.out, target)
        writer = BatchWriter(
            folder / JSONL, batch_size=self.options.batch_size, max_age=self.options.batch_age
        )
        checkpoint = reconcile(folder / STATE, folder / JSONL, target.chat_id, writer.open())
        start = checkpoint.messages

        def on_wait(wait: Wait) -> None:
            self._emit(
                Waiting(target.chat_id, HISTORY, wait.seconds, wait.kind, explain(wait.error).text)
            )

        reader = HistoryReader(
            self.client,
            target.input_peer,
            gate=self.gate,
            on_wait=on_wait,
            reconnect=self._reconnect,
            wrap=self.wrap,
        )
        self._emit(ChatStarted(target.chat_id, target.name, start))
        status: Status = "partial"
        reason: str | None = None
        try:
            status = await self._copy(target, reader, writer, checkpoint, folder, start)
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
            raise BackupAborted(str(exc)) from exc
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
            )
        )
        return ChatResult(
            target, status, reason, checkpoint.messages, new, folder, checkpoint.media_done, failed
        )

    async def _copy(
        self,
        target: ChatTarget,
        reader: HistoryReader,
        writer: BatchWriter,
        checkpoint: Checkpoint,
        folder: Path,
        start: int,
    ) -> Status:
        cursor = checkpoint.last_id
        if self.options.since is not None and cursor == 0:
            cursor = await reader.last_id_before(self.options.since)
        total: int | None = None
        while True:
            await self.control.ready(target.chat_id)
            page = await reader.after(cursor)
            if total is None and self.options.since is None and self.options.until is None:
                total = page.count
            if not page.messages:
                break
            reached_until = False
            for message in page.messages:
                date = getattr(message, "date", None)
                until = self.options.until
                if until is not None and date is not None and date >= until:
                    reached_until = True
                    break
                record = to_record(message, page.names)
                if self.options.media.wants(record):
                    record["file"] = media_path(record)
                writer.add(record)
                cursor = message.id
            if writer.due() or reached_until:
                self._flush(writer, checkpoint, folder)
            done = checkpoint.messages + writer.pending
            self._emit(ChatProgress(target.chat_id, done, total, done - start))
            if reached_until:
                break
        self._flush(writer, checkpoint, folder)
        await self.media.run(target, folder, checkpoint, folder / STATE)
        if not checkpoint.complete:
            checkpoint.complete = True
            save_checkpoint(folder / STATE, checkpoint)
        return "complete"

    def _not_started(self, target: ChatTarget) -> ChatResult:
        """A chat cancelled while it waited for its turn: nothing of it was touched."""
        folder = chat_folder(self.options.out, target)
        self._emit(ChatFinished(target.chat_id, target.name, "skipped", CANCELLED, 0, 0))
        return ChatResult(target, "skipped", CANCELLED, 0, 0, folder)

    def _flush(self, writer: BatchWriter, checkpoint: Checkpoint, folder: Path) -> None:
        """Write the batch, then (only then) advance the checkpoint."""
        written = writer.flush()
        if written:
            checkpoint.messages += written
            checkpoint.last_id = writer.last_id or checkpoint.last_id
            save_checkpoint(folder / STATE, checkpoint)

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
            raise BackupAborted(f"Cannot write {self.manifest.path}: {exc.strerror}") from exc

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
