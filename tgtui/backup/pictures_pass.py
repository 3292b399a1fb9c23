"""The pictures of a backup, saved whatever the media choice: each message's thumbnail
(`tgtui.backup.thumbnails`), the chat's picture and the current userpic of each sender
(`tgtui.backup.avatars`); SCHEMA.md, "Thumbnails and avatars".

`PicturesPass` runs after a chat's media pass. The JSONL is the to-do list (records after the
checkpoint's ``pictures_last_id``, and those that failed): their messages are fetched again by
id, a hundred a request, which gives fresh file references and the senders (and the chat)
with their current photos. Every download is one ``upload.getFile`` in the run's small-file
queue, flood gate and retry policy (`SmallFiles`), saved through ``*.part`` like a media file:
a file at its final name is whole. A failure is noted in state.json's ``pictures_failed`` and
tried again by the next run.

Thousands of files of a few KB each: they are written a group at a time in a thread beside
the downloads, never on the event loop (`GroupWriter`); each file's fsync still comes before
its rename, so a file at its final name is whole, whenever the run stops.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient, errors, utils
from telethon.tl import functions, types

from tgtui.backup.avatars import AvatarStore, avatar_of
from tgtui.backup.checkpoint import Checkpoint, save_checkpoint
from tgtui.backup.files import (
    fsync_dir,
    link_on_the_way,
    make_private_dir,
    open_new,
    read_by_size,
    write_all,
)
from tgtui.backup.media import (
    GET_FILE,
    MEDIA_RETRY,
    PARTS_IN_FLIGHT,
    MediaDownloadError,
    file_size,
    on_disk,
)
from tgtui.backup.media_pass import BY_ID, GET_MESSAGES, LINKED, REFETCH_RETRY
from tgtui.backup.naming import JSONL
from tgtui.backup.parts import FileParts
from tgtui.backup.progress import ProgressSink, Waiting
from tgtui.backup.queues import DownloadQueues
from tgtui.backup.schema import peer_ref
from tgtui.backup.selection import ChatTarget
from tgtui.backup.tasks import gather_or_cancel
from tgtui.backup.thumbnails import chosen_thumb, whole_picture
from tgtui.backup.writer import BackupWriteError
from tgtui.format.media_paths import PART_SUFFIX, thumbnail_path, thumbnail_path_problem
from tgtui.format.records import record_id
from tgtui.format.safe_files import open_lines
from tgtui.retry import FloodGate, Wait, retry
from tgtui.telegram.errors import explain

MOST_BYTES = 1024 * 1024  # a thumbnail or small userpic is a few KB; more is not one
REQUEST = MOST_BYTES  # asked in one precise request (its limit divides 1 MiB)
GROUP = 64  # files written together at most (each open until its fsync)


class SmallFiles:
    """Downloads small files whole (in one request or a few) and saves them through
    ``*.part``: the run's flood gate and retry policy, and one place of its small-file queue
    (`PictureLane`)."""

    def __init__(
        self,
        client: TelegramClient,
        *,
        gate: FloodGate,
        queues: DownloadQueues,
        wrap: Callable[[Any], Any] | None = None,
        reconnect: Callable[[], Awaitable[None]] | None = None,
        on_wait: Callable[[Wait], None] | None = None,
    ) -> None:
        self.client = client
        self.gate = gate
        self.queues = queues
        self.wrap = wrap
        self.reconnect = reconnect
        self.on_wait = on_wait
        self.downloads = 0  # files downloaded this run (for the logs and tests)
        self.writer = GroupWriter()
        self.lane = PictureLane(queues)

    async def fetch(self, location: Any, dc_id: int | None, size: int) -> bytes:
        """The whole file (MediaDownloadError if it is more than `MOST_BYTES`)."""
        parts = FileParts(self.client, location, dc_id, self.wrap)
        data = b""
        async with self.lane:
            while True:
                at = len(data)

                async def get(at: int = at) -> bytes:
                    return await parts.get(at, REQUEST)

                chunk = await retry(
                    get,
                    policy=MEDIA_RETRY,
                    on_wait=self.on_wait,
                    what=GET_FILE,
                    gate=self.gate,
                    reconnect=self.reconnect,
                )
                data += chunk
                if len(chunk) < REQUEST:
                    break
                if len(data) >= MOST_BYTES:
                    raise MediaDownloadError("it is too big for a thumbnail")
        self.downloads += 1
        return data

    async def download(
        self, location: Any, dc_id: int | None, size: int, target: Path, base: Path
    ) -> None:
        """Fetch a file and save it whole at ``target`` (``base``: the folder no link may
        lead out of, `save_whole`)."""
        data = await self.fetch(location, dc_id, size)
        problem = whole_picture(data, size)
        if problem is not None:
            raise MediaDownloadError(problem)
        await self.save(target, data, base)

    async def save(self, target: Path, data: bytes, base: Path) -> None:
        """Save ``data`` whole at ``target`` (`save_whole`), together with whatever other
        files are waiting to be written (`GroupWriter`)."""
        await self.writer.save(target, data, base)


class PictureLane:
    """Where the pictures' requests wait: thumbnails and userpics are a request each, and
    thousands of them one at a time in each of the small-file queue's places (five) made a
    backup at 50 ms of latency nine times as long as its messages. They take one place of
    that queue, held while any is being fetched, and in it as many requests at once as one
    file's parts (`PARTS_IN_FLIGHT`): to Telegram, the load of one small file."""

    def __init__(self, queues: DownloadQueues) -> None:
        self.queues = queues
        self.in_flight = asyncio.Semaphore(PARTS_IN_FLIGHT)
        self._place: asyncio.Semaphore | None = None  # the queue's, while held
        self._holding = 0  # requests inside (the place is let go when none is)
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self.in_flight.acquire()
        try:
            async with self._lock:
                if self._holding == 0:
                    queue = await self.queues.slot(0)
                    await queue.acquire()
                    self._place = queue
                self._holding += 1
        except BaseException:
            self.in_flight.release()
            raise

    async def __aexit__(self, *_: object) -> None:
        self._holding -= 1
        if self._holding == 0 and self._place is not None:
            self._place.release()
            self._place = None
        self.in_flight.release()


class GroupWriter:
    """Writes small files a group at a time, in a thread, never on the event loop: every
    file waiting when a group starts is written as ``*.part``, each fsynced, renamed, and
    each folder fsynced once; then each waiting caller learns how its own file went. One
    group at a time: the files that come in meanwhile make the next one (a disk's journal
    takes the fsyncs of a group together, and thousands of files of a few KB cost a thread
    hand-over a group, not a file)."""

    def __init__(self) -> None:
        self._waiting: list[_Save] = []
        self._busy = False
        self._task: asyncio.Future[None] | None = None

    async def save(self, target: Path, data: bytes, base: Path) -> None:
        """Return when ``data`` is whole at ``target`` and its name durable; the file's own
        error (MediaDownloadError, BackupWriteError) otherwise."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Save(target, data, base, done))
        if not self._busy:
            self._busy = True
            self._task = asyncio.ensure_future(self._write_groups())
        await asyncio.shield(done)  # a caller cancelled does not stop the others' group

    async def _write_groups(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(0)  # what the same moment's downloads bring joins in
                group, self._waiting = self._waiting[:GROUP], self._waiting[GROUP:]
                files = [(one.target, one.data, one.base) for one in group]
                try:
                    outcomes = await asyncio.to_thread(write_group, files)
                except BaseException as exc:  # this task cancelled, or what no file caused
                    for one in group:
                        if one.done.done():
                            continue
                        if isinstance(exc, asyncio.CancelledError):
                            one.done.cancel()
                        else:
                            one.done.set_exception(exc)
                    raise
                for one, outcome in zip(group, outcomes, strict=True):
                    if one.done.done():
                        continue
                    if outcome is None:
                        one.done.set_result(None)
                    else:
                        one.done.set_exception(outcome)
        finally:
            self._busy = False
            for one in self._waiting:  # only if this task was cancelled (the loop closing)
                if not one.done.done():
                    one.done.cancel()
            self._waiting = []


@dataclass
class _Save:
    target: Path
    data: bytes
    base: Path
    done: asyncio.Future[None]


def write_group(files: list[tuple[Path, bytes, Path]]) -> list[BaseException | None]:
    """Save each ``(target, data, base)`` of ``files`` whole (`save_whole`), the fsyncs of
    the group together: each part written, then each fsynced and renamed, then each folder
    fsynced once. Each file's outcome, in order: None, or its error."""
    outcomes: list[BaseException | None] = [None] * len(files)
    written: list[tuple[int, Path, int]] = []  # (index, part, its open descriptor)
    try:
        for i, (target, data, base) in enumerate(files):
            try:
                part, fd = _write_part(target, data, base)
                written.append((i, part, fd))
            except (MediaDownloadError, BackupWriteError) as exc:
                outcomes[i] = exc
        folders: dict[Path, list[int]] = {}
        while written:
            i, part, fd = written.pop(0)
            target = files[i][0]
            try:
                with on_disk(part):
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                with on_disk(target):
                    os.replace(part, target)
                folders.setdefault(target.parent, []).append(i)
            except (MediaDownloadError, BackupWriteError) as exc:
                outcomes[i] = exc
        for folder, renamed in folders.items():
            try:
                with on_disk(folder):
                    fsync_dir(folder)
            except (MediaDownloadError, BackupWriteError) as exc:
                for i in renamed:
                    outcomes[i] = exc
    finally:
        for _, _, fd in written:  # only when something above was not an error of one file
            os.close(fd)
    return outcomes


def save_whole(target: Path, data: bytes, base: Path) -> None:
    """Write ``data`` at ``target`` the way every file of a backup reaches its name:
    ``*.part`` written and fsynced, then renamed, the folder fsynced. ``base`` is the folder
    no link may lead out of (the chat's, or the backup's)."""
    (outcome,) = write_group([(target, data, base)])
    if outcome is not None:
        raise outcome


def _write_part(target: Path, data: bytes, base: Path) -> tuple[Path, int]:
    """``data`` written (not yet fsynced) at ``target``'s ``*.part``: the part and its
    descriptor, still open."""
    relative = target.relative_to(base).as_posix()
    if link_on_the_way(base, relative, relative + PART_SUFFIX) is not None:
        raise MediaDownloadError(LINKED)
    part = target.with_name(target.name + PART_SUFFIX)
    with on_disk(part):
        make_private_dir(target.parent, tighten=False)
        fd = open_new(part)  # a stale part (a run killed) or a planted link: removed first
        try:
            write_all(fd, data)
        except BaseException:
            os.close(fd)
            raise
    return part, fd


@dataclass
class _Todo:
    """What one chat's pass fetches again: messages whose thumbnail is missing and the first
    message of each sender whose userpic is not looked at yet this run."""

    thumbs: dict[int, str]  # message id -> its record's thumbnail path
    senders: dict[int, str]  # message id -> its sender (as a from_id)
    ids: list[int]  # every message to fetch, in order


def records_after(jsonl: Path, after: int, also: set[int]) -> Iterator[dict[str, Any]]:
    """The records of ``jsonl`` with an id above ``after`` (or in ``also``); only those
    lines are parsed whole. Lines that cannot be read are passed over (the check before the
    run reports them)."""
    try:
        handle = open_lines(jsonl)
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            head = line[:40]
            start = head.find(b'"id":')
            if start >= 0:
                digits = head[start + 5 :].lstrip(b" ")
                end = 0
                while end < len(digits) and digits[end : end + 1].isdigit():
                    end += 1
                if end and int(digits[:end]) <= after and int(digits[:end]) not in also:
                    continue
            parsed = record_id(line)
            if parsed is not None and (parsed[0] > after or parsed[0] in also):
                yield parsed[1]


class PicturesPass:
    """Saves the thumbnails and userpics of chats (one per engine: its avatars are shared)."""

    def __init__(
        self,
        client: TelegramClient,
        root: Path,
        *,
        gate: FloodGate,
        queues: DownloadQueues,
        emit: ProgressSink,
        wrap: Callable[[Any], Any] | None = None,
        reconnect: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.gate = gate
        self.wrap = wrap
        self.reconnect = reconnect
        self.emit = emit
        self.avatars = AvatarStore(root)
        self.files = SmallFiles(client, gate=gate, queues=queues, wrap=wrap, reconnect=reconnect)

    async def run(
        self,
        target: ChatTarget,
        folder: Path,
        checkpoint: Checkpoint,
        state: Path,
        *,
        last_save: bool = True,
    ) -> None:
        """Save what the chat's new records (and failed ones) need; checkpointed as it goes
        (but for its end without ``last_save``: the caller writes the checkpoint next)."""
        failed = {int(k) for k in checkpoint.pictures_failed if k.isdigit()}
        if checkpoint.pictures_last_id >= checkpoint.last_id and not failed:
            return
        chat = _chat_ref(target.chat_id)
        todo = await read_by_size(file_size(folder / JSONL), self._todo, folder, checkpoint, failed)

        def on_wait(wait: Wait) -> None:
            reason = explain(wait.error).text
            self.emit(Waiting(target.chat_id, GET_FILE, wait.seconds, wait.kind, reason))

        self.files.on_wait = on_wait
        for start in range(0, len(todo.ids), BY_ID):
            chunk = todo.ids[start : start + BY_ID]
            answer = await self._fetch(target, chunk)
            found = {m.id: m for m in answer.messages if not isinstance(m, types.MessageEmpty)}
            entities = {utils.get_peer_id(e): e for e in [*answer.users, *answer.chats]}
            for i in chunk:  # looked at again: what fails below is noted again
                checkpoint.pictures_failed.pop(str(i), None)
            jobs = [
                self._thumb(folder, checkpoint, found.get(i), i, todo.thumbs[i])
                for i in chunk
                if i in todo.thumbs
            ]
            peers = [(i, todo.senders[i]) for i in chunk if i in todo.senders]
            if not self.avatars.seen(chat) and _marked(chat) in entities:
                peers.append((chunk[-1], chat))  # the chat's picture comes with its messages
            jobs += [
                self._peer(target, checkpoint, i, entities.get(_marked(peer))) for i, peer in peers
            ]
            await gather_or_cancel(jobs)
            await self.avatars.flush()  # the userpics kept (whole, named) in the index
            if start + BY_ID >= len(todo.ids):
                break  # the last chunk: checkpointed below, with the pass done
            save_checkpoint(state, checkpoint)
        checkpoint.pictures_last_id = checkpoint.last_id
        if last_save:
            save_checkpoint(state, checkpoint)

    def _todo(self, folder: Path, checkpoint: Checkpoint, failed: set[int]) -> _Todo:
        """The messages to fetch again, from the records after ``pictures_last_id`` and
        those that failed (in a thread: a big chat's file is read)."""
        thumbs: dict[int, str] = {}
        senders: dict[int, str] = {}
        wanted: set[str] = set()
        newest = 0
        for record in records_after(folder / JSONL, checkpoint.pictures_last_id, failed):
            message_id = int(record["id"])
            newest = max(newest, message_id)
            path = record.get("thumbnail")
            if (
                isinstance(path, str)
                and thumbnail_path_problem(path) is None
                and path not in wanted
                and file_size(folder / path) is None
            ):
                wanted.add(path)
                thumbs[message_id] = path
            sender = record.get("from_id")
            if (
                isinstance(sender, str)
                and _marked(sender)
                and sender not in wanted
                and not self.avatars.seen(sender)
            ):
                wanted.add(sender)
                senders[message_id] = sender
        ids = sorted({*thumbs, *senders})
        if not ids and newest:
            ids = [newest]  # one message brings the chat's own picture
        return _Todo(thumbs, senders, ids)

    async def _fetch(self, target: ChatTarget, ids: list[int]) -> Any:
        """messages.getMessages (channels.getMessages) with the users and chats it names."""
        peer = target.input_peer
        inputs = [types.InputMessageID(i) for i in ids]
        request: Any
        if isinstance(peer, types.InputPeerChannel):
            channel = types.InputChannel(peer.channel_id, peer.access_hash)
            request = functions.channels.GetMessagesRequest(channel, inputs)
        else:
            request = functions.messages.GetMessagesRequest(inputs)

        async def call() -> Any:
            return await self.client(self.wrap(request) if self.wrap else request)

        return await retry(
            call, policy=REFETCH_RETRY, what=GET_MESSAGES, gate=self.gate, reconnect=self.reconnect
        )

    async def _thumb(
        self, folder: Path, checkpoint: Checkpoint, message: Any, message_id: int, path: str
    ) -> None:
        chosen = chosen_thumb(getattr(message, "media", None))
        if chosen is None or thumbnail_path(chosen.media_id, chosen.extension) != path:
            return  # deleted, or its media replaced since: that preview is gone with it
        try:
            if chosen.inline is not None:
                problem = whole_picture(chosen.inline, 0)
                if problem is not None:
                    raise MediaDownloadError(problem)
                await self.files.save(folder / path, chosen.inline, folder)
            else:
                await self.files.download(
                    chosen.location, chosen.dc_id, chosen.size, folder / path, folder
                )
        except (MediaDownloadError, errors.RPCError, ConnectionError, TimeoutError) as exc:
            # A preview that could not be had (its DC unreachable after the retries, too):
            # noted and tried again by the next run, never the chat's failure.
            why = explain(exc).text if isinstance(exc, errors.RPCError) else str(exc) or repr(exc)
            checkpoint.pictures_failed[str(message_id)] = why
            logger.warning("chat {}: thumbnail {} failed: {}", checkpoint.chat_id, path, why)

    async def _peer(
        self, target: ChatTarget, checkpoint: Checkpoint, message_id: int, entity: Any
    ) -> None:
        """Keep the current userpic of a sender (or the chat) the answer named."""
        avatar = avatar_of(entity, (target.input_peer, message_id))
        if avatar is None:
            return
        why = await self.avatars.keep(avatar, self.files.download)
        if why is not None:
            checkpoint.pictures_failed[str(message_id)] = why


def _chat_ref(chat_id: int) -> str:
    """A chat's marked id as a from_id ("user123", "chat456", "channel789")."""
    return peer_ref(utils.get_peer(chat_id)) or f"user{chat_id}"


def _marked(ref: str) -> int:
    """A from_id ("user123", ...) as a marked peer id."""
    for prefix, mark in (("user", 1), ("chat", -1), ("channel", 0)):
        if ref.startswith(prefix) and ref[len(prefix) :].isdigit():
            bare = int(ref[len(prefix) :])
            return -(1_000_000_000_000 + bare) if mark == 0 else mark * bare
    return 0
