"""One part of a chat of a backup, exported: its messages for the chat's Telegram Desktop
`result.json` (single-chat shape) and for the whole-account `result.json`, and (for a chat
exported as HTML, in one part) its HTML pages.

A part is a run of whole lines of the chat's messages.jsonl, so a big chat is exported by
several processes at once; the parts are joined in order afterwards. Streaming: one line in
memory at a time (and, for HTML, the ids written so far, to link replies), so a chat of any
size exports in flat memory. Everything a worker needs crosses as plain data (Part).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from loguru import logger

import tgtui.log  # noqa: F401 - before anything logs: no log line on the terminal
from tgtui.archive.chat_log import STATE, failed_files
from tgtui.archive.folder import JSONL
from tgtui.export import tde
from tgtui.export.files import FilePlacer, FileTally
from tgtui.export.html_pages import HtmlChat
from tgtui.format.jsonl import DamagedLines, line_number
from tgtui.format.records import MAX_ID, unixtime
from tgtui.format.safe_files import MAX_LINE, open_lines, read_lines
from tgtui.format.versions import load_changes
from tgtui.i18n import _, number

Record = dict[str, Any]

# Progress is reported every this many lines; output is written in batches of this many.
REPORT_EVERY = 5_000
BATCH = 512

# Between two messages in a chat's result.json, and in the whole-account one (one message
# a line, indented as deep as Telegram Desktop nests them).
SINGLE_SEPARATOR = b",\n  "
ACCOUNT_SEPARATOR = b",\n     "

# Characters JSON allows raw that some line splitters take for line ends; Telegram Desktop
# writes them as escapes, and so does this export.
_LS, _PS = "\u2028".encode(), "\u2029".encode()


def loads(raw: bytes) -> Any:
    """One JSON value from a line (ValueError if there is none, or more than one, or it is
    nested deeper than the parser goes)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        # What orjson refuses and JSON allows (a lone surrogate escape, 1e400): the
        # standard library reads it, or says why not. As UTF-8, as every reader of a
        # backup reads it (`tgtui.format.records.record_id`): no BOM, no UTF-16.
        try:
            return json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise ValueError("nested too deep") from None


def dumps(value: object) -> bytes:
    """Compact JSON in UTF-8, with U+2028/U+2029 escaped (as Telegram Desktop does)."""
    try:
        data = orjson.dumps(value)
    except TypeError:  # a lone surrogate, an integer past 64 bits: ASCII JSON says it all
        return json.dumps(value).encode("ascii")
    if _LS in data or _PS in data:
        data = data.replace(_LS, b"\\u2028").replace(_PS, b"\\u2029")
    return data


@dataclass(frozen=True)
class ChatJob:
    """What to export of one chat, and where."""

    index: int
    name: str
    type: str
    peer_id: int
    backup_folder: Path
    export_folder: Path  # the chat's folder in the export (chats/chat_001)
    relative: str  # that folder relative to the export's root, with "/"
    tde: bool
    html: bool
    since: int | None  # unix seconds, inclusive
    until: int | None  # unix seconds, exclusive
    copy_files: bool = False  # copies of the media, not hard links (`tgtui export --copy`)


@dataclass(frozen=True)
class Part:
    """Lines [start, end) of a chat's messages.jsonl (end None: to the end of the file)."""

    job: ChatJob
    number: int
    start: int
    end: int | None
    single: Path  # its messages for the chat's result.json
    account: Path  # the same, with file paths from the export's root
    last: bool  # the chat's last part


@dataclass
class PartDone:
    """What exporting one part did."""

    index: int
    number: int
    last: bool  # the chat's last part
    lines: int = 0
    messages: int = 0
    unreadable: int = 0
    files: FileTally = field(default_factory=FileTally)
    problems: list[str] = field(default_factory=list)


def chat_header(job: ChatJob, indent: str) -> str:
    """The opening of a chat object up to its messages array, Telegram Desktop's keys."""
    head = [f"{indent}{{"]
    if job.type not in ("saved_messages", "replies"):
        head.append(f'{indent} "name": {dumps(job.name).decode()},')
    head.append(f'{indent} "type": {dumps(job.type).decode()},')
    head.append(f'{indent} "id": {tde.bare_id(job.peer_id)},')
    head.append(f'{indent} "messages": [')
    return "\n".join(head)


def _in_range(record: Record, job: ChatJob) -> bool:
    when = unixtime(record.get("date_unixtime"))
    if when is None:
        return False
    return (job.since is None or when >= job.since) and (job.until is None or when < job.until)


def split_points(path: Path, parts: int) -> list[tuple[int, int | None]]:
    """``path`` cut into about ``parts`` runs of whole lines: [(start, end), ...]. The file
    is opened the one safe way (OSError if it is a link, a FIFO...)."""
    if parts <= 1:
        return [(0, None)]
    with open_lines(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return [(0, None)]
        cuts = [0]
        for k in range(1, parts):
            at = max(size * k // parts, cuts[-1])
            handle.seek(at)
            # To the start of the next whole line (an over-long line is skipped whole).
            at = next((end for _start, end, _line in read_lines(handle, at)), size)
            if at >= size:
                break
            if at > cuts[-1]:
                cuts.append(at)
    return [(a, b) for a, b in zip(cuts, [*cuts[1:], None], strict=True)]


class _Out:
    """A part's two outputs, written in batches."""

    def __init__(self, part: Part) -> None:
        self.single: IO[bytes] = open(part.single, "wb")  # noqa: SIM115
        self.account: IO[bytes] = open(part.account, "wb")  # noqa: SIM115
        self.lines: list[bytes] = []
        self.account_lines: list[bytes] = []
        self.started = False

    def flush(self) -> None:
        if self.lines:
            if self.started:
                self.single.write(SINGLE_SEPARATOR)
                self.account.write(ACCOUNT_SEPARATOR)
            self.single.write(SINGLE_SEPARATOR.join(self.lines))
            self.account.write(ACCOUNT_SEPARATOR.join(self.account_lines))
            self.started = True
            self.lines.clear()
            self.account_lines.clear()

    def close(self) -> None:
        self.single.close()
        self.account.close()


def _damaged_name(job: ChatJob, line: int | None, offset: int) -> str:
    """A damaged line, named for the user: its chat and line (or byte, when unknown)."""
    if line is not None:
        where = _("line {number}").format(number=number(line))
    else:
        where = _("byte {offset}").format(offset=number(offset))
    return _("{chat}: {file} {where} is damaged (not a message tgtui saved); left out").format(
        chat=job.name or job.peer_id, file=JSONL, where=where
    )


def export_part(part: Part, progress: Callable[[int, int, int], None] | None = None) -> PartDone:
    """Export one part; ``progress(chat index, part number, lines read)`` now and then.

    A line that is not a message record (`tgtui.format.records.message_id`), does not
    parse, or is longer than `MAX_LINE` is a damaged line: left out, counted and named in
    ``problems`` (the first few of the part), and the rest is exported."""
    job = part.job
    done = PartDone(job.index, part.number, part.last)
    job.export_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    placer = FilePlacer(
        job.backup_folder,
        job.export_folder,
        failed_files(job.backup_folder / STATE),
        copy=job.copy_files,
        name=job.name or str(job.peer_id),
    )
    html = HtmlChat(job.export_folder, job.name, job.relative) if job.html else None
    out = _Out(part) if job.tde else None
    prefix = job.relative + "/"
    filtered = job.since is not None or job.until is not None
    convert = tde.message
    # A chat as it is now: each message's latest version (edits.jsonl); deleted ones kept.
    changes = load_changes(job.backup_folder)
    if part.number == 0:  # named once per chat
        done.problems.extend(f"{job.name or job.peer_id}: {what}" for what in changes.damaged)
    current = changes.apply if changes.versions or changes.deleted else None
    read = messages = 0
    damaged = DamagedLines()
    stop = part.end
    try:
        try:
            lines = open_lines(job.backup_folder / JSONL, 1 << 20)
        except FileNotFoundError:
            lines = None  # no messages saved yet: none to export
        except OSError as exc:
            done.problems.append(
                _("{chat}: its {file} cannot be read ({reason})").format(
                    chat=job.name or job.peer_id, file=JSONL, reason=exc.strerror or exc
                )
            )
            lines = None
        with lines if lines is not None else open(os.devnull, "rb") as handle:
            handle.seek(part.start)
            for start, _end, raw in read_lines(handle, part.start, MAX_LINE):
                if stop is not None and start >= stop:
                    break
                read += 1
                if progress is not None and read % REPORT_EVERY == 0:
                    progress(job.index, part.number, read)
                try:
                    record = None if raw is None else loads(raw)
                except ValueError:
                    record = None
                # `tgtui.format.records.message_id`, written out: this runs for every line
                if type(record) is not dict:
                    damaged.add(start)
                    continue
                ident = record.get("id")
                if type(ident) is not int or not 0 < ident <= MAX_ID:
                    damaged.add(start)
                    continue
                if filtered and not _in_range(record, job):
                    continue
                if current is not None:
                    record = current(record)
                path = placer.place(record) if "media_type" in record else None
                message = convert(record, path)
                if message is None:
                    continue
                messages += 1
                if html is not None:
                    html.add(record, message, path)
                if out is not None:
                    text = dumps(message)
                    out.lines.append(text)
                    if path is not None and "/" in path:
                        message["photo" if "photo" in message else "file"] = prefix + path
                        text = dumps(message)
                    out.account_lines.append(text)
                    if messages % BATCH == 0:
                        out.flush()
        if out is not None:
            out.flush()
        if html is not None:
            html.finish()
    finally:
        if out is not None:
            out.close()
    done.lines, done.messages, done.unreadable = read, messages, damaged.count
    if damaged.count:
        logger.warning("{}: {} damaged lines left out", job.backup_folder / JSONL, damaged.count)
        done.problems.extend(_named(job, part, damaged.first))
    if progress is not None:
        progress(job.index, part.number, done.lines)
    done.files = placer.tally
    return done


def _named(job: ChatJob, part: Part, offsets: list[int]) -> list[str]:
    """The damaged lines at ``offsets`` of a part, named by their line numbers (counted once
    from the start of the file to the part's start, then within it)."""
    path = job.backup_folder / JSONL
    first = 1 if part.start == 0 else line_number(path, part.start)
    if first is None:
        return [_damaged_name(job, None, offset) for offset in offsets]
    names = []
    position, line = part.start, first
    try:
        with open_lines(path) as handle:
            for offset in offsets:
                handle.seek(position)
                for start, _end, _raw in read_lines(handle, position):
                    if start >= offset:
                        break
                    line += 1
                position = offset
                names.append(_damaged_name(job, line, offset))
    except OSError:
        return [_damaged_name(job, None, offset) for offset in offsets]
    return names
