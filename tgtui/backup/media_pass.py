"""A chat's media pass: save the files its messages.jsonl names and that are not on disk yet.

The JSONL is the to-do list, so a run that was stopped finds its unfinished files again; the
checkpoint's media_last_id only spares re-reading what was already tried. Messages are fetched
again by id (a hundred a request), which also hands out fresh file references.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.backup.checkpoint import Checkpoint, save_checkpoint
from tgtui.backup.integrity import lines_naming_files
from tgtui.backup.media import (
    GET_FILE,
    FileSource,
    MediaDownloader,
    MediaDownloadError,
    file_size,
    file_source,
)
from tgtui.backup.progress import MediaProgress, ProgressSink, Waiting
from tgtui.backup.queues import DownloadQueues
from tgtui.backup.selection import ChatTarget
from tgtui.backup.tasks import gather_or_cancel
from tgtui.format.records import media_path_problem, record_id
from tgtui.format.versions import DELETED, saved_records
from tgtui.retry import Backoff, FloodGate, Wait, retry
from tgtui.telegram.errors import explain

BY_ID = 100  # messages fetched again per request
GET_MESSAGES = "messages.getMessages"
REFETCH_RETRY = Backoff(base=1.0, cap=30.0, attempts=None)


def pending_files(
    jsonl: Path, after_id: int, retry_ids: set[int]
) -> Iterator[tuple[int, str, int]]:
    """(message id, file path, size) of records after ``after_id`` (or failed before) that
    name a file. Lines that cannot be read and paths that leave the chat folder are passed
    over here: the check before the run (`tgtui.backup.integrity`) reports them."""
    if not jsonl.exists():
        return
    with jsonl.open("rb") as handle:
        for line in lines_naming_files(handle):
            parsed = record_id(line)
            if parsed is None:
                continue
            message_id, record = parsed
            if message_id <= after_id and message_id not in retry_ids:
                continue
            path = record.get("file")
            if path and media_path_problem(path) is None:
                size = record.get("file_size")
                yield message_id, path, size if isinstance(size, int) else 0


class MediaPass:
    """Saves the media files of chats, a few at a time across the whole backup."""

    def __init__(
        self,
        client: TelegramClient,
        *,
        gate: FloodGate,
        queues: DownloadQueues,
        emit: ProgressSink,
        wrap: Callable[[Any], Any] | None = None,
        reconnect: Callable[[], Awaitable[None]] | None = None,
        ready: Callable[[int], Awaitable[None]] | None = None,
        verify: bool = False,
    ) -> None:
        self.verify = verify
        self.ready = ready  # returns when the chat may go on (not paused)
        self.reconnect = reconnect
        self.client = client
        self.gate = gate
        self.queues = queues  # how many files download at once
        self.emit = emit
        self.wrap = wrap  # a takeout session's wrapper (None: no takeout)

    async def run(
        self,
        target: ChatTarget,
        folder: Path,
        checkpoint: Checkpoint,
        state: Path,
        damaged: Mapping[int, str] | None = None,
        refused: Mapping[int, str] | None = None,
    ) -> None:
        """Save every pending file of the chat, checkpointing as it goes.

        ``damaged`` files (changed on disk since they were saved) are fetched again;
        ``refused`` ones (a path that leaves the chat folder) are failures with that reason.
        With ``verify``, files already on disk are checked against Telegram's hashes too.
        """
        for message_id, why in (refused or {}).items():
            checkpoint.media_failed[str(message_id)] = why
        up_to_date = checkpoint.media_last_id >= checkpoint.last_id
        if up_to_date and not checkpoint.media_failed and not damaged and not self.verify:
            return
        retry_ids = {int(k) for k in checkpoint.media_failed} | set(damaged or ())
        after = 0 if self.verify else checkpoint.media_last_id
        todo = list(pending_files(folder / "messages.jsonl", after, retry_ids))
        # A message deleted on Telegram before its file was saved: the file is gone with it.
        deleted = {int(r["id"]) for r in saved_records(folder / DELETED)}
        for message_id, path, size in todo:
            if message_id in deleted and file_size(folder / path) != size:
                gone(checkpoint, message_id, DELETED_BEFORE)
        todo = [item for item in todo if str(item[0]) not in checkpoint.media_gone]
        missing = [
            (i, path)
            for i, path, size in todo
            if self.verify or i in retry_ids or file_size(folder / path) != size
        ]
        size_to_fetch = sum(size for _, path, size in todo if file_size(folder / path) != size)
        progress = _Counter(target.chat_id, len(missing), size_to_fetch, self.emit)
        progress.send()

        def on_wait(wait: Wait) -> None:
            reason = explain(wait.error).text
            self.emit(Waiting(target.chat_id, GET_FILE, wait.seconds, wait.kind, reason))

        downloader = MediaDownloader(
            self.client,
            gate=self.gate,
            on_wait=on_wait,
            on_bytes=progress.bytes,
            wrap=self.wrap,
            reconnect=self.reconnect,
            verify=self.verify,
        )
        for start in range(0, len(missing), BY_ID):
            chunk = missing[start : start + BY_ID]
            messages = await self._fetch(target, [i for i, _ in chunk])
            await gather_or_cancel(
                self._one(
                    downloader, target, folder, checkpoint, progress, i, path, messages.get(i)
                )
                for i, path in chunk
            )
            save_checkpoint(state, checkpoint)
        checkpoint.media_last_id = checkpoint.last_id
        checkpoint.media_done = sum(
            1
            for _, path, size in pending_files(folder / "messages.jsonl", 0, set())
            if file_size(folder / path) == size
        )
        save_checkpoint(state, checkpoint)

    async def _fetch(self, target: ChatTarget, ids: list[int]) -> dict[int, Any]:
        async def call() -> list[Any]:
            return await messages_by_id(self.client, self.wrap, target.input_peer, ids)

        found = await retry(
            call, policy=REFETCH_RETRY, what=GET_MESSAGES, gate=self.gate, reconnect=self.reconnect
        )
        return {m.id: m for m in found if m is not None}

    async def _one(
        self,
        downloader: MediaDownloader,
        target: ChatTarget,
        folder: Path,
        checkpoint: Checkpoint,
        progress: _Counter,
        message_id: int,
        path: str,
        message: Any,
    ) -> None:
        key = str(message_id)
        source = file_source(getattr(message, "media", None)) if message is not None else None

        async def refresh() -> FileSource | None:
            again = await self._fetch(target, [message_id])
            return file_source(getattr(again.get(message_id), "media", None))

        async def ready() -> None:
            if self.ready is not None:
                await self.ready(target.chat_id)

        await ready()
        if source is None:  # Telegram no longer has it: not a failure, nothing to retry
            gone(checkpoint, message_id, DELETED_BEFORE if message is None else NO_FILE)
            progress.total -= 1
            progress.send()
            return
        async with await self.queues.slot(source.size):
            try:
                await downloader.download(source, folder / path, refresh, ready)
            except (MediaDownloadError, errors.RPCError) as exc:
                reason = str(exc) if isinstance(exc, MediaDownloadError) else explain(exc).text
                checkpoint.media_failed[key] = reason
                progress.failed += 1
                logger.warning(
                    "chat {}: file of message {} failed: {}", target.chat_id, message_id, reason
                )
            else:
                checkpoint.media_failed.pop(key, None)
                progress.done += 1
            progress.send()


DELETED_BEFORE = "gone from Telegram: its message was deleted there"
NO_FILE = "gone from Telegram: the message no longer has this file"


def gone(checkpoint: Checkpoint, message_id: int, reason: str) -> None:
    """Record that a message's file is gone from Telegram (not a failure; not retried)."""
    key = str(message_id)
    checkpoint.media_failed.pop(key, None)
    checkpoint.media_gone[key] = reason
    logger.info("chat {}: file of message {} {}", checkpoint.chat_id, message_id, reason)


async def messages_by_id(
    client: TelegramClient, wrap: Callable[[Any], Any] | None, peer: Any, ids: list[int]
) -> list[Any]:
    """Messages by id (channels.getMessages for channels), inside ``wrap`` if given."""
    inputs = [types.InputMessageID(i) for i in ids]
    request: Any
    if isinstance(peer, types.InputPeerChannel):
        channel = types.InputChannel(peer.channel_id, peer.access_hash)
        request = functions.channels.GetMessagesRequest(channel, inputs)
    else:
        request = functions.messages.GetMessagesRequest(inputs)
    answer = await client(wrap(request) if wrap else request)
    return [m for m in answer.messages if not isinstance(m, types.MessageEmpty)]


class _Counter:
    """Media progress of one chat, sent as MediaProgress events."""

    def __init__(self, chat_id: int, total: int, total_bytes: int, emit: ProgressSink) -> None:
        self.chat_id = chat_id
        self.total = total
        self.total_bytes = total_bytes
        self.emit = emit
        self.done = 0
        self.failed = 0
        self.received = 0

    def bytes(self, count: int) -> None:
        self.received += count

    def send(self) -> None:
        self.emit(
            MediaProgress(
                self.chat_id, self.done, self.total, self.failed, self.received, self.total_bytes
            )
        )
