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

from tgtui.archive.chat_log import STATE
from tgtui.archive.folder import JSONL, open_regular
from tgtui.export import tde
from tgtui.export.files import FilePlacer, FileTally
from tgtui.export.html_pages import HtmlChat
from tgtui.format.versions import load_changes
from tgtui.portable import open_fd

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
    """One JSON value from a line (ValueError if there is none, or more than one)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        # What orjson refuses and JSON allows (a lone surrogate escape, 1e400): the
        # standard library reads it, or says why not.
        return json.loads(raw)


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


def _failed(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    failed = data.get("media_failed") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in failed.items()} if isinstance(failed, dict) else {}


def _in_range(record: Record, job: ChatJob) -> bool:
    try:
        when = int(str(record.get("date_unixtime")))
    except ValueError:
        return False
    return (job.since is None or when >= job.since) and (job.until is None or when < job.until)


def split_points(path: Path, parts: int) -> list[tuple[int, int | None]]:
    """``path`` cut into about ``parts`` runs of whole lines: [(start, end), ...]."""
    size = path.stat().st_size
    if parts <= 1 or size == 0:
        return [(0, None)]
    cuts = [0]
    with open(path, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(size * k // parts, cuts[-1]))
            handle.readline()  # to the start of the next whole line
            at = handle.tell()
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


def export_part(part: Part, progress: Callable[[int, int, int], None] | None = None) -> PartDone:
    """Export one part; ``progress(chat index, part number, lines read)`` now and then."""
    job = part.job
    done = PartDone(job.index, part.number, part.last)
    job.export_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    placer = FilePlacer(job.backup_folder, job.export_folder, _failed(job.backup_folder))
    html = HtmlChat(job.export_folder, job.name, job.relative) if job.html else None
    out = _Out(part) if job.tde else None
    prefix = job.relative + "/"
    filtered = job.since is not None or job.until is not None
    left = -1 if part.end is None else part.end - part.start  # bytes; -1: to the end
    convert = tde.message
    # A chat as it is now: each message's latest version (edits.jsonl); deleted ones kept.
    changes = load_changes(job.backup_folder)
    current = changes.apply if changes.versions or changes.deleted else None
    read = messages = unreadable = 0
    try:
        try:
            fd = open_regular(job.backup_folder / JSONL)
        except FileNotFoundError:
            fd = open_fd(os.devnull, os.O_RDONLY)  # no messages saved yet: none to export
        except OSError as exc:
            done.problems.append(f"{job.name}: its {JSONL} cannot be read ({exc.strerror})")
            fd = open_fd(os.devnull, os.O_RDONLY)
        with open(fd, "rb", buffering=1 << 20) as lines:
            lines.seek(part.start)
            for raw in lines:
                if left >= 0:
                    if left == 0:
                        break
                    left = max(left - len(raw), 0)
                read += 1
                if progress is not None and read % REPORT_EVERY == 0:
                    progress(job.index, part.number, read)
                try:
                    record = loads(raw)
                except ValueError:
                    unreadable += 1
                    continue
                if type(record) is not dict or (filtered and not _in_range(record, job)):
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
    done.lines, done.messages, done.unreadable = read, messages, unreadable
    if progress is not None:
        progress(job.index, part.number, done.lines)
    done.files = placer.tally
    return done
