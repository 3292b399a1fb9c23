"""One part of a chat of a backup, exported: its messages for the chat's Telegram Desktop
`result.json` (single-chat shape) and for the whole-account `result.json`, and (for a chat
exported as HTML) its HTML pages, or the part's run of them (a chat cut where a page starts:
`tgtui.export.html_parts`).

A part is a run of whole lines of the chat's messages.jsonl, so a big chat is exported by
several processes at once; the parts are joined in order afterwards. Streaming: one block of
lines read (`BLOCK`) and one batch of messages to write (`BATCH`) in memory at a time (and,
for HTML, the ids written so far, to link replies), so a chat of any size exports in flat
memory. Everything a worker needs crosses as plain data (Part).

Over 400 lines on purpose: the streaming loop (lines read in blocks, parsed and dumped in
batches, with the part's edits and deletions) is the export's hot path and reads best whole.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from loguru import logger

import tgtui.log  # noqa: F401 - before anything logs: no log line on the terminal
from tgtui.archive.chat_log import STATE, failed_files
from tgtui.archive.folder import JSONL
from tgtui.export import tde
from tgtui.export.files import FilePlacer, FileTally, SavedPictures
from tgtui.export.html_pages import Continued, HtmlChat, PagesDone
from tgtui.format.jsonl import DamagedLines, line_number
from tgtui.format.records import MAX_ID, unixtime
from tgtui.format.safe_files import MAX_LINE, open_lines, read_lines
from tgtui.format.userpics import chat_peer
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
    backup_root: Path | None = None  # the backup's folder, whose avatars/ the pages show
    forum: bool = False  # a forum (topics.jsonl): its topics' pages too (`html_topics`)


def chat_placer(job: ChatJob) -> FilePlacer:
    """Places the chat's media files in its export folder (those its state.json says failed
    read as not downloaded)."""
    return FilePlacer(
        job.backup_folder,
        job.export_folder,
        failed_files(job.backup_folder / STATE),
        copy=job.copy_files,
        name=job.name or str(job.peer_id),
    )


def chat_pictures(job: ChatJob, placer: FilePlacer) -> SavedPictures:
    """The userpics and previews the chat's pages show, placed by ``placer``."""
    export_root = job.export_folder.parents[job.relative.count("/")]
    return SavedPictures(placer, job.backup_root, export_root, job.relative, chat_peer(job.peer_id))


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
    size: int = 0  # bytes, about (what the workers start with first)
    # A chat exported as HTML and cut at pages (`tgtui.export.html_parts`): where its pages
    # continue (None: the whole chat, or only JSON)
    continued: Continued | None = None
    again: bool = False  # its pages written again (only them: the rest is done)
    # A forum's topic pages and topic index, written in a pass of their own over the whole
    # chat (`tgtui.export.html_topics`), beside the chat's pages
    topics: bool = False


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
    pages: PagesDone | None = None  # what it wrote of its chat's pages, when cut at pages


def chat_header(job: ChatJob, indent: str) -> str:
    """The opening of a chat object up to its messages array, Telegram Desktop's keys."""
    head = [f"{indent}{{"]
    if job.type not in ("saved_messages", "replies"):
        head.append(f'{indent} "name": {dumps(job.name).decode()},')
    head.append(f'{indent} "type": {dumps(job.type).decode()},')
    head.append(f'{indent} "id": {tde.bare_id(job.peer_id)},')
    head.append(f'{indent} "messages": [')
    return "\n".join(head)


def in_range(record: Record, job: ChatJob) -> bool:
    """Whether a message was sent within the dates the export asked for."""
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
    """A part's two outputs, written in batches: the messages of a batch joined once for the
    chat's result.json and once for the whole-account one (the same bytes but for the few
    messages whose file path differs, and the indentation between them)."""

    def __init__(self, part: Part) -> None:
        self.single: IO[bytes] = open(part.single, "wb")  # noqa: SIM115
        self.account: IO[bytes] = open(part.account, "wb")  # noqa: SIM115
        self.lines: list[bytes] = []
        self.account_lines: dict[int, bytes] = {}  # index in ``lines`` -> its account text
        self.started = False

    def flush(self) -> None:
        lines = self.lines
        if lines:
            if self.started:
                self.single.write(SINGLE_SEPARATOR)
                self.account.write(ACCOUNT_SEPARATOR)
            single = SINGLE_SEPARATOR.join(lines)
            escape = _has_separators(single)
            if escape:
                single = single.replace(_LS, b"\\u2028").replace(_PS, b"\\u2029")
            if self.account_lines:
                for at, text in self.account_lines.items():
                    lines[at] = text
                    escape = escape or _has_separators(text)
                self.account_lines.clear()
            account = ACCOUNT_SEPARATOR.join(lines)
            if escape:
                account = account.replace(_LS, b"\\u2028").replace(_PS, b"\\u2029")
            self.single.write(single)
            self.account.write(account)
            self.started = True
            lines.clear()

    def close(self) -> None:
        self.single.close()
        self.account.close()


# Both separators start with these bytes, and so do few others (punctuation, symbols).
_E2 = _LS[:1]
_E2_TAILS = (_LS[1:], _PS[1:])
_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")


def _has_separators(data: bytes) -> bool:
    """Whether U+2028 or U+2029 is in ``data``: each byte 0xE2 looked at (found by memchr, the
    fastest search there is), or past the first few, a regular expression."""
    at = data.find(_E2)
    for _looked in range(64):
        if at < 0:
            return False
        if data[at + 1 : at + 3] in _E2_TAILS:
            return True
        at = data.find(_E2, at + 1)
    return _SEPARATORS.search(data, at) is not None


def _raw_dumps(value: object) -> bytes:
    """`dumps` without the escapes of U+2028 and U+2029 (`_Out.flush` makes them on a batch
    of messages at once: the same bytes, as neither ever spans two messages, nor is in what
    joins them)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # a lone surrogate, an integer past 64 bits: ASCII JSON says it all
        return json.dumps(value).encode("ascii")


# Lines are read this much at a time and split in one go.
BLOCK = 1 << 20

Lines = list[bytes | None]


def line_blocks(
    handle: IO[bytes], start: int, stop: int | None, limit: int = MAX_LINE
) -> Iterator[tuple[int, Lines]]:
    """The lines of ``handle`` from ``start`` (its position) that start before ``stop``, as
    `tgtui.format.safe_files.read_lines` gives them but a block at a time: (offset of the
    block's first line, its lines without their newlines). A line of ``limit`` bytes or more
    is None, alone in its block, skipped as `read_lines` skips it (never held whole, holes
    not read); the last line may lack its newline."""
    size = min(BLOCK, limit)  # so that only a block's first line can reach the limit
    position = start  # where the next line starts
    carry = b""  # the start of that line, read but not yet whole
    while stop is None or position < stop:
        data = handle.read(size)
        if not data:
            if carry:
                yield position, [carry if len(carry) < limit else None]
            return
        split = data.split(b"\n")
        if len(split) == 1:  # no newline in this block
            carry += data
            if len(carry) < limit:
                continue
            # No newline within the limit: a damaged line, skipped the careful way.
            handle.seek(position)
            skipped = next(read_lines(handle, position, limit), None)
            if skipped is None:  # the file got shorter meanwhile: nothing more to read
                return
            end = skipped[1]
            yield position, [None]
            position, carry = end, b""
            handle.seek(position)
            continue
        end = position + len(carry) + len(data)  # where the line read in part starts
        first = carry + split[0] if carry else split[0]
        carry = split.pop()
        end -= len(carry)
        lines: Lines = split  # type: ignore[assignment]  # a line too long: None, below
        if len(first) >= limit:
            yield position, [None]
            position += len(first) + 1
            del lines[0]
        else:
            lines[0] = first
        if stop is not None and end > stop:
            at, kept = position, 0
            while kept < len(lines) and at < stop:
                line = lines[kept]
                assert line is not None
                at += len(line) + 1
                kept += 1
            if kept:
                yield position, lines[:kept]
            return
        if lines:
            yield position, lines
        position = end


def _offsets(start: int, lines: Lines) -> list[int]:
    """Where each line of a block starts (a block holding a None holds nothing else)."""
    starts = []
    for line in lines:
        starts.append(start)
        start += (0 if line is None else len(line)) + 1
    return starts


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
    placer = chat_placer(job)
    html = None
    if job.html:
        pictures = chat_pictures(job, placer)
        html = HtmlChat(
            job.export_folder,
            job.name,
            job.relative,
            part.continued,
            part.last,
            pictures,
            topics=job.forum,
        )
    out = _Out(part) if job.tde else None
    out_lines = out.lines if out is not None else []
    prefix = job.relative + "/"
    filtered = job.since is not None or job.until is not None
    convert, place, parse, to_json = tde.message, placer.place, orjson.loads, orjson.dumps
    # A chat as it is now: each message's latest version (edits.jsonl); deleted ones kept.
    changes = load_changes(job.backup_folder)
    if part.number == 0:  # named once per chat
        done.problems.extend(f"{job.name or job.peer_id}: {what}" for what in changes.damaged)
    current = changes.apply if changes.versions or changes.deleted else None
    read = messages = 0
    damaged = DamagedLines()
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
            reported = 0
            for first, block in line_blocks(handle, part.start, part.end):
                offsets: list[int] | None = None  # where each line starts, when needed
                for at, raw in enumerate(block):
                    # `loads` and `tgtui.format.records.message_id`, written out: this runs
                    # for every line
                    try:
                        record = parse(raw)  # type: ignore[arg-type]  # None: refused
                    except ValueError:  # what orjson refuses: `loads` says if JSON allows it
                        try:
                            record = None if raw is None else loads(raw)
                        except ValueError:
                            record = None
                    if type(record) is not dict or type(ident := record.get("id")) is not int:
                        ident = 0
                    if not 0 < ident <= MAX_ID:
                        if offsets is None:
                            offsets = _offsets(first, block)
                        damaged.add(offsets[at])
                        continue
                    assert record is not None
                    if filtered and not in_range(record, job):
                        continue
                    if current is not None:
                        record = current(record)
                    path = place(record) if "media_type" in record else None
                    message = convert(record, path)
                    if message is None:
                        continue
                    messages += 1
                    if html is not None:
                        html.add(record, message, path)
                    if out is not None:
                        try:
                            text = to_json(message)
                        except TypeError:
                            text = _raw_dumps(message)
                        out_lines.append(text)
                        if path is not None and "/" in path:
                            message["photo" if "photo" in message else "file"] = prefix + path
                            out.account_lines[len(out_lines) - 1] = _raw_dumps(message)
                        if len(out_lines) >= BATCH:
                            out.flush()
                read += len(block)
                if progress is not None and read - reported >= REPORT_EVERY:
                    reported = read
                    progress(job.index, part.number, read)
        if out is not None:
            out.flush()
        if html is not None:
            html.finish()
            if part.continued is not None:
                done.pages = html.done()
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
