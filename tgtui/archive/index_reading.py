"""Reading a backup's chats for its search index: what is kept of each message, and every
chat's messages merged by date, read here or by another process.

Each chat's JSONL is read from an offset, whole lines only (a line still being written waits
for the next update); a line that is not a message record (`tgtui.format.records.record_id`)
is a damaged line, counted in `DamagedLines`, never indexed. A chat's file that cannot be
read (a FIFO, a link, a device planted in its place) is named in an `Unread`, for the user.
A build reads a group of chats at once and merges their messages by date (`read_merged`), so
rows reach the index in row id order; a big group is split between two other processes
(`split_by_size`, `read_merged_elsewhere`). What a search shows of a message is read back
from its line (`saved_messages`): exact, where the index keeps what SQLite can store.
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tgtui.archive.folder import ArchiveChat
from tgtui.format.jsonl import DamagedLines
from tgtui.format.records import record_id, unixtime
from tgtui.format.safe_files import open_lines, open_regular, read_lines
from tgtui.format.topics import topic_of
from tgtui.format.versions import EDITS, find_record, load_changes, record_at
from tgtui.lazylog import logger

if TYPE_CHECKING:  # multiprocessing loads for a big build only, not for a search
    from multiprocessing.connection import Connection

HEAD_BYTES = 4096  # a file whose first bytes changed was replaced: index it again
BATCH = 5_000  # messages read, and inserted, at a time
# Highlight marks in snippets: private-use characters, taken out of indexed text first.
MARK_ON, MARK_OFF = "\ue000", "\ue001"


def searchable(record: dict[str, Any]) -> str:
    """The words of a message that search finds: its text, file name and poll question."""
    text = record.get("text")
    words = text if isinstance(text, str) else ""
    if "file_name" in record or "title" in record or "poll" in record:  # most have none
        extra = [record.get("file_name"), record.get("title")]
        poll = record.get("poll")
        if isinstance(poll, dict):
            extra.append(poll.get("question"))
            answers = poll.get("answers")
            if isinstance(answers, list):
                extra.extend(a.get("text") for a in answers if isinstance(a, dict))
        more = [e for e in extra if isinstance(e, str) and e]
        if more:
            words = " ".join([words, *more])
    if MARK_ON in words or MARK_OFF in words:
        words = words.replace(MARK_ON, "").replace(MARK_OFF, "")
    return words


def sqlite_text(text: str) -> str:
    """``text`` as SQLite can store it: a lone surrogate becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def records_from(handle: Any, start: int) -> Iterator[tuple[int, int, dict[str, Any] | None]]:
    """(offset of the line, offset after it, record) of every whole line from ``start``;
    the record is None for a damaged line (`record_id`)."""
    handle.seek(start)
    for begin, end, line in read_lines(handle, start):
        if line is not None and line[-1] != 10:
            return  # a line still being written: the next update takes it
        parsed = None if line is None else record_id(line)
        yield begin, end, None if parsed is None else parsed[1]


def _dated(
    which: int, handle: Any, damaged: DamagedLines, read_to: dict[int, int]
) -> Iterator[tuple[int, int, int, int, dict[str, Any]]]:
    """(date, ``which``, offset after the line, offset of the line, record) of a chat's
    lines: for merging. The offsets of damaged lines go to ``damaged``; the offset after
    the last line read, damaged or not, to ``read_to[which]``."""
    for begin, end, record in records_from(handle, 0):
        read_to[which] = end
        if record is None:
            damaged.add(begin)
            continue
        yield message_date(record), which, end, begin, record


def message_date(record: dict[str, Any]) -> int:
    """The message's date in unix seconds (`tgtui.format.records.unixtime`), 0 if it has no
    usable one. Read for every line: the usual string of digits is taken straight."""
    text = record.get("date_unixtime")
    if type(text) is str and text.isdigit() and text.isascii() and len(text) < 12:
        return int(text)  # below 10^11 seconds: a row id (seconds << 24) fits 63 bits
    return unixtime(text) or 0


def message_fields(record: dict[str, Any]) -> tuple[int, str, str, str, int]:
    """What the index keeps of a message: its id, sender, media type, searchable words and
    forum topic (`tgtui.format.topics.topic_of`; 0 for none: General, in a forum) (a field
    of another type than tgtui writes counts as absent)."""
    media = record.get("media_type") or ""
    return (
        record["id"],
        message_sender(record),
        media if isinstance(media, str) else "",
        searchable(record),
        topic_of(record) or 0,
    )


def message_sender(record: dict[str, Any]) -> str:
    """Who sent a message (a channel's post: its author), "" when the record does not say."""
    sender = record.get("from") or record.get("author") or ""
    return sender if isinstance(sender, str) else ""


def message_text(record: dict[str, Any]) -> str:
    """A message's text alone (no file name, no poll), "" when it has none."""
    text = record.get("text")
    return text if isinstance(text, str) else ""


def message_file_name(record: dict[str, Any]) -> str | None:
    """The name of a message's file, when it has one."""
    name = record.get("file_name")
    return name if isinstance(name, str) and name else None


def saved_messages(chat: ArchiveChat, places: list[tuple[int, int]]) -> dict[int, dict[str, Any]]:
    """Messages of ``chat`` read back from their lines, by id: ``places`` are (offset of the
    line, message id), as the index keeps them. Each as it is now (its latest version). A
    line that is no longer that message (the file was rewritten since) is looked for by its
    id; a message not found is left out."""
    found: dict[int, dict[str, Any]] = {}
    try:
        fd = open_regular(chat.jsonl)
    except OSError:
        return found
    try:
        for offset, message_id in places:
            record = record_at(fd, offset)
            if record is None or record["id"] != message_id:
                record = find_record(chat.jsonl, message_id)
            if record is not None and record["id"] == message_id:
                found[message_id] = record
    finally:
        os.close(fd)
    if found and os.path.lexists(chat.folder / EDITS):  # most chats have no edits
        changes = load_changes(chat.folder)
        if changes.versions:
            found = {message_id: changes.apply(record) for message_id, record in found.items()}
    return found


# A chat's file that was not read: (chat id, the file's name, why), for the user.
Unread = tuple[int, str, str]


def open_source(chat: ArchiveChat, unread: list[Unread] | None = None) -> Any:
    """The chat's JSONL opened for reading; None if there is none, or it cannot be read
    (why goes to ``unread``)."""
    try:
        return open_lines(chat.jsonl, 1 << 20)
    except OSError as exc:
        if exc.errno != errno.ENOENT:  # else not backed up yet: nothing to search
            logger.warning("{}: not indexed ({})", chat.jsonl, exc.strerror or exc)
            if unread is not None:
                unread.append((chat.id, chat.jsonl.name, exc.strerror or str(exc)))
        return None


def jsonl_size(chat: ArchiveChat) -> int:
    """The size of the chat's JSONL in bytes (0 if it cannot be read)."""
    try:
        return chat.jsonl.stat().st_size
    except OSError:
        return 0


# A message as read, before it gets its row id: (date, chat's place in the group, offset after
# its line, offset of its line, message id, sender, media type, searchable text, topic).
# Tuples sort by date first.
Keyed = tuple[int, int, int, int, int, str, str, str, int]
# (chat id, inode, head, offset read to, its damaged lines)
Sources = list[tuple[int, int, bytes, int, DamagedLines]]
# A batch; with the last one, where each file was read to and the files not read.
Read = tuple[list[Keyed], tuple[Sources, list[Unread]] | None]


def read_merged(chats: list[tuple[int, ArchiveChat]]) -> Iterator[Read]:
    """The messages of ``chats`` (each with its place in the group) merged by date, in
    batches; then, last, where each file was read to, and which could not be read."""
    unread: list[Unread] = []
    with contextlib.ExitStack() as files:
        streams: list[Iterator[tuple[int, int, int, int, dict[str, Any]]]] = []
        sources: list[tuple[int, int, bytes, DamagedLines]] = []
        places: list[int] = []
        ends: dict[int, int] = {}  # where each file was read to (past a damaged last line)
        for place, chat in chats:
            handle = open_source(chat, unread)
            if handle is None:
                continue
            files.enter_context(handle)
            inode = os.fstat(handle.fileno()).st_ino
            damaged = DamagedLines()
            sources.append((chat.id, inode, handle.read(HEAD_BYTES), damaged))
            places.append(place)
            ends[place] = 0
            streams.append(_dated(place, handle, damaged, ends))
        batch: list[Keyed] = []
        for date, place, end, begin, record in heapq.merge(*streams):
            batch.append((date, place, end, begin, *message_fields(record)))
            if len(batch) >= BATCH:
                yield batch, None
                batch = []
    read_to = [(c, i, h, ends[p], d) for (c, i, h, d), p in zip(sources, places, strict=True)]
    yield batch, (read_to, unread)


def _read_in_child(chats: list[tuple[int, ArchiveChat]], answer: Connection) -> None:
    """In another process: `read_merged`, sent down ``answer``."""
    logger.remove()  # never the terminal; the parent logs what matters
    try:
        for item in read_merged(chats):
            answer.send(item)
    except OSError as exc:
        answer.send(str(exc))
    answer.close()


def read_merged_elsewhere(chats: list[tuple[int, ArchiveChat]]) -> Iterator[Read]:
    """`read_merged`, read and parsed by another process."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_read_in_child, args=(chats, theirs), daemon=True)
    child.start()
    theirs.close()
    try:
        while True:
            try:
                item = ours.recv()
            except EOFError:
                raise OSError("a reading process stopped before it finished") from None
            if isinstance(item, str):
                raise OSError(f"reading the backup for its index failed: {item}")
            yield item
            if item[1] is not None:  # the last batch
                return
    finally:
        ours.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()


def split_by_size(
    chats: list[tuple[int, ArchiveChat]], parts: int
) -> list[list[tuple[int, ArchiveChat]]]:
    """``chats`` in ``parts`` groups of about the same size on disk (biggest first)."""
    groups: list[list[tuple[int, ArchiveChat]]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for item in sorted(chats, key=lambda c: -jsonl_size(c[1])):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(item)
        sizes[smallest] += jsonl_size(item[1])
    return [g for g in groups if g]
