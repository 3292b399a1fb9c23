"""Reading a chat's lines and adding them up, fast: the one loop every line of a cold build
goes through (`tgtui.stats.update`), and the lines a range's edges read again
(`tgtui.stats.query`).

It counts exactly what `tgtui.stats.message.look` and `tgtui.stats.tally.Tally.add` count
(STATS.md), written out in one loop, because it runs for every line:

- lines come a block at a time (`line_blocks`), as `tgtui.format.safe_files.read_lines`
  cuts them: a line longer than ``MAX_LINE`` is damaged (skipped the careful way, holes not
  read), a last line without its newline is one being written (not read, not counted);
- a line is parsed by msgspec into `Read`, the fields the statistics use (the rest of the
  line is checked as JSON and skipped, never made into objects: about half of orjson's
  time, which made every string and number of the line); what msgspec refuses goes to
  `tgtui.format.records.record_id`, the one judge of what a record is. msgspec reads every
  line it accepts as the standard library does (tests/unit/test_stats_lines_fuzzed.py holds
  it to that) but for two things checked first: it does not check the UTF-8 of what it
  skips (a line that is not UTF-8 is judged by `record_id`), and nesting (a line with many
  brackets is too);
- a message the chat's edits or deletions name is read whole (`record_id`), as it is now;
- words go to one counter a month as they are, and are sorted out once at the end
  (`Part.settle`: the stop words, digits and one-letter words dropped, long ones cut), which
  counts what `tgtui.stats.text.text_facts` keeps, message by message.

A part of a file (``start`` to ``stop``, cut anywhere: it starts at the first line that
starts at ``start`` or after) can be read by a worker process (`scan_file`): the parts of a
file, read apart and put together in order (`Part.extend`), are what reading it whole gives.
"""

from __future__ import annotations

import os
import re
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from tgtui.format.records import MAX_ID, record_id, unixtime
from tgtui.format.safe_files import MAX_LINE, open_lines, read_lines
from tgtui.format.topics import TOPIC_CREATED
from tgtui.format.versions import DELETED, EDITS, Changes, load_changes
from tgtui.stats.message import _MEDIA_NAME, MAX_NAME, OTHER_MEDIA, SERVICE
from tgtui.stats.stop_words import STOP_WORDS
from tgtui.stats.tally import DAY, NO_DATE, QUARTER, Sender, Tally, month_of, new_month
from tgtui.stats.text import _EMOJI, _URL, _WORD, MAX_TERM, domain, entities_of, urls

# Bytes read at a time: a block's lines (and the records, words... made of them, which die
# with it) stay in the processor's cache; a MiB was 7 to 12% slower (2026-12-06).
BLOCK = 1 << 18
NESTING = 500  # a line with more brackets than this is judged by `record_id` (nesting)
_SURROGATE = re.compile("[\ud800-\udfff]")


# Containers deeper than this in a record hold nothing the statistics read (the deepest is a
# text link's address: text_entities, a list, a dict, a string): `storable` leaves them be.
STORABLE_DEPTH = 4


def storable(value: Any, depth: int = 0) -> Any:
    """``value`` with every lone surrogate in its strings (a hostile line's "\\ud800", which
    Python's JSON parser keeps and SQLite cannot store) made U+FFFD, as a reader shows it;
    down to `STORABLE_DEPTH` (a line nested as deep as the parser goes is no deeper here)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if depth >= STORABLE_DEPTH:
        return value
    if isinstance(value, dict):
        return {storable(k): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value]
    return value


STRETCH_GAP = 1 << 20  # lines wanted further apart than this are read as two stretches
# Words kept in a month's list before they are counted: few, so that they are counted while
# in the cache and their memory is used again (a quarter of a million was 7 to 12% slower).
WORDS_HELD = 1 << 13
# The ASCII text's \w+ runs, lower-cased, are the words of `bytes.split` once it is
# translated by this: a word character lower-cased, any other one a space.
_ASCII_WORDS = bytes(
    ord(chr(c).lower()) if _WORD.fullmatch(chr(c)) else 32 if c < 128 else c for c in range(256)
)
# A word character that is not ASCII: a text without one has the \w runs of its ASCII
# characters, each other character (an emoji, a dash...) cutting them, as a "?" does.
_NON_ASCII_WORD = re.compile(r"[^\W\x00-\x7f]")
# The one character whose lower case is not of its kind for \w (İ: i and a combining dot,
# which is not a word character): without it, the text's \w runs are its lower case's.
_DOTTED_I = "\u0130"
MEDIA_NAMES = 256  # media kinds whose name is kept judged
_MEDIA_NAMES: dict[str, str] = {}  # a media_type -> its kind
# A message's flags in `msgs` (`tgtui.stats.update`).
DELETED_FLAG, OUT_FLAG, STARTS_FLAG, SERVICE_FLAG = 1, 2, 4, 8

_ABSENT = msgspec.Raw(b"")


class Entity(msgspec.Struct, gc=False):
    """What the statistics read of a text entity: its type, and a text link's address."""

    type: Any = None
    href: Any = None


class Read(msgspec.Struct, gc=False):
    """The fields of a record the statistics read (SCHEMA.md's names): any JSON value, as
    the line has it (a field of another type than SCHEMA.md says is read as absent, below),
    but for those only looked for (``deleted_on_telegram``, ``versions``: raw JSON, empty when
    absent) and ``text_entities`` (of each, its type and a text link's address: a line whose
    ``text_entities`` is not a list of objects is read the careful way). JSON values hold no
    cycles: not tracked by the garbage collector."""

    id: Any = None
    type: Any = None
    date_unixtime: Any = None
    topic_id: Any = None
    action: Any = None
    out: Any = None
    sender: Any = msgspec.field(default=None, name="from")
    author: Any = None
    from_id: Any = None
    text: Any = None
    media_type: Any = None
    file_size: Any = None
    duration_seconds: Any = None
    deleted_on_telegram: msgspec.Raw = _ABSENT
    versions: msgspec.Raw = _ABSENT
    text_entities: list[Entity] = []


_READ = msgspec.json.Decoder(Read).decode
_PRESENT = msgspec.Raw(b"true")


def read_of(record: dict[str, Any]) -> Read:
    """A record read the careful way (a dict) as `Read`: the same fields, the same values."""
    return Read(
        id=record.get("id"),
        type=record.get("type"),
        date_unixtime=record.get("date_unixtime"),
        topic_id=record.get("topic_id"),
        action=record.get("action"),
        out=record.get("out"),
        sender=record.get("from"),
        author=record.get("author"),
        from_id=record.get("from_id"),
        text=record.get("text"),
        media_type=record.get("media_type"),
        file_size=record.get("file_size"),
        duration_seconds=record.get("duration_seconds"),
        deleted_on_telegram=_PRESENT if "deleted_on_telegram" in record else _ABSENT,
        versions=_PRESENT if "versions" in record else _ABSENT,
        # (its text links are read from the record: `_add_lines`)
    )


class Moved(OSError):
    """The file a worker was to read is not the one the parent opened."""


@dataclass
class Part:
    """What was read of (a part of) a chat's file: its tally, and each message's date, id,
    line, flags and forum topic (0: none) in the order of the lines."""

    tally: Tally = field(default_factory=Tally)
    dates: array[int] = field(default_factory=lambda: array("q"))
    ids: array[int] = field(default_factory=lambda: array("q"))
    offsets: array[int] = field(default_factory=lambda: array("q"))
    flags: bytearray = field(default_factory=bytearray)
    topics: array[int] = field(default_factory=lambda: array("q"))
    read_to: int | None = None  # after the last line read (damaged or not); None: none
    damaged: int = 0
    # month -> words not counted yet (those of an ASCII text as bytes)
    held: dict[int, list[str | bytes]] = field(default_factory=dict)
    counted: dict[int, Counter[str | bytes]] = field(default_factory=dict)  # from `held`
    emoji: dict[int, list[str]] = field(default_factory=dict)  # month -> as found
    timeline: array[int] | None = None  # `tgtui.stats.update._timeline`, once found
    timeline_dates: array[int] | None = None  # and the dates of its messages

    def settle(self) -> Part:
        """Count the words and emoji held, as `text_facts` keeps them (see the module); once,
        when every line is read."""
        counted = self.counted
        for month, held in self.held.items():
            raw = counted.get(month)
            if raw is None:
                raw = counted[month] = Counter()
            raw.update(held)
        self.held = {}
        self.counted = {}
        words = self.tally.words
        for month, raw in counted.items():
            kept: Counter[str] = Counter()
            for token, count in raw.items():
                word = token.decode("ascii") if isinstance(token, bytes) else token
                if len(word) > 1 and word.isalpha() and word not in STOP_WORDS:
                    kept[word[:MAX_TERM]] += count
            words[month] = kept
        for month, found in self.emoji.items():
            counter = self.tally.emoji.get(month)
            if counter is None:
                counter = self.tally.emoji[month] = Counter()
            for emoji, count in Counter(found).items():
                counter[emoji.replace("\ufe0f", "")[:MAX_TERM]] += count
        self.emoji = {}
        return self

    def extend(self, other: Part) -> None:
        """Add ``other``, the part of the file after this one (both settled)."""
        self.tally.merge(other.tally)
        self.dates.extend(other.dates)
        self.ids.extend(other.ids)
        self.offsets.extend(other.offsets)
        self.flags.extend(other.flags)
        self.topics.extend(other.topics)
        if other.read_to is not None:
            self.read_to = other.read_to
        self.damaged += other.damaged


def line_blocks(
    handle: IO[bytes], start: int, stop: int | None, limit: int = MAX_LINE
) -> Iterator[tuple[int, list[bytes] | None, int]]:
    """The whole lines of ``handle`` from ``start`` (its position) that start before
    ``stop`` (None: to the end), a block at a time: (offset of the first, the lines without
    their newlines, offset after the last). A line of ``limit`` bytes or more is a block of
    its own, None (skipped as `read_lines` skips it: never held whole, holes not read). A
    last line without its newline is not given (one being written)."""
    size = min(BLOCK, limit)  # so that only a block's first line can reach the limit
    position = start  # where the next line starts
    carry = b""  # the start of that line, read but not yet whole
    while stop is None or position < stop:
        data = handle.read(size)
        if not data:
            return
        held = len(carry)
        lines = data.split(b"\n")
        if carry:
            lines[0] = carry + lines[0]
        carry = lines.pop()
        if not lines:  # no newline yet
            if len(carry) < limit:
                continue
            handle.seek(position)  # no newline within the limit: damaged, skipped with care
            skipped = next(read_lines(handle, position, limit), None)
            if skipped is None:  # the file got shorter meanwhile
                return
            end = skipped[1]
            if skipped[2] is not None and skipped[2][-1:] != b"\n":
                return  # it shrank to a short last line being written
            yield position, None, end
            position, carry = end, b""
            handle.seek(position)
            continue
        end = position + held + len(data) - len(carry)
        if len(lines[0]) >= limit:
            after = position + len(lines[0]) + 1
            yield position, None, after
            position = after
            del lines[0]
            if not lines:
                continue
        if stop is not None and end > stop:
            at, kept = position, 0
            while kept < len(lines) and at < stop:
                at += len(lines[kept]) + 1
                kept += 1
            if kept:
                yield position, lines[:kept], at
            return
        yield position, lines, end
        position = end


def first_line(handle: IO[bytes], at: int) -> int:
    """Where the first line that starts at ``at`` or after starts (the file's end if none)."""
    if at <= 0:
        return 0
    handle.seek(at - 1)
    found = next(read_lines(handle, at - 1), None)
    if found is None:
        return at - 1
    if found[2] is not None and found[2][-1:] != b"\n":
        return at - 1 + len(found[2])  # a last line without its newline: nothing follows
    return found[1]


def scan(
    handle: IO[bytes],
    start: int,
    stop: int | None,
    changes: Changes | None,
    wanted: dict[int, int] | None = None,
) -> Part:
    """The lines of ``handle`` from ``start`` (a line's start) that start before ``stop``,
    added up (settled); with ``wanted`` (line offset -> message id), only those lines, when
    they still hold that message."""
    part = Part()
    handle.seek(start)
    for first, lines, end in line_blocks(handle, start, stop):
        part.read_to = end
        if lines is None:
            if wanted is None:
                part.damaged += 1
            continue
        _add_lines(part, first, lines, changes, wanted)
    return part.settle()


_LOADED: dict[str, tuple[tuple[object, ...], Changes]] = {}  # a worker's, by chat folder


def _changes(folder: str) -> Changes:
    """A chat's edits and deletions (`load_changes`), loaded once a process while its files
    stay as they are (a worker reads many parts of a chat)."""
    look: list[tuple[int, ...] | None] = []
    for name in (EDITS, DELETED):
        try:
            info = os.lstat(os.path.join(folder, name))
        except OSError:
            look.append(None)
        else:
            look.append((info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
    found = _LOADED.get(folder)
    if found is not None and found[0] == tuple(look):
        return found[1]
    changes = load_changes(Path(folder))
    _LOADED.clear()  # one chat at a time: a worker's parts come in the order of the chats
    _LOADED[folder] = (tuple(look), changes)
    return changes


def forget_changes() -> None:
    """Drop the edits and deletions `_changes` keeps."""
    _LOADED.clear()


def scan_file(
    path: str,
    inode: int,
    start: int,
    stop: int | None,
    folder: str | None,
    aligned: bool,
) -> Part:
    """`scan` in a worker: the chat's messages.jsonl at ``path``, which must be the file
    whose inode the parent saw (`Moved` if not), its edits and deletions read from
    ``folder`` (None: it has none); ``aligned``: ``start`` is a line's start."""
    changes = _changes(folder) if folder is not None else None
    with open_lines(path, 0) as handle:
        if os.fstat(handle.fileno()).st_ino != inode:
            raise Moved(path)
        if not aligned:
            start = first_line(handle, start)
        if stop is not None and start >= stop:
            return Part()
        return scan(handle, start, stop, changes)


def scan_wanted(handle: IO[bytes], changes: Changes | None, wanted: dict[int, int]) -> Part:
    """The lines ``wanted`` (line offset -> message id) when they still hold that message,
    added up (settled): a stretch at a time, those far apart not read between."""
    read = Part()
    ordered = sorted(wanted)
    low = 0
    for place in range(1, len(ordered) + 1):
        if place < len(ordered) and ordered[place] - ordered[place - 1] <= STRETCH_GAP:
            continue
        read.extend(scan(handle, ordered[low], ordered[place - 1] + 1, changes, wanted))
        low = place
    return read


def scan_lines_of(path: str, folder: str | None, wanted: dict[int, int]) -> Part | None:
    """`scan_wanted` in a worker: of the file at ``path``, its edits and deletions read
    from ``folder`` (None: none); None if it cannot be read (the parent says why)."""
    try:
        changes = _changes(folder) if folder is not None else None
        with open_lines(path, 0) as handle:
            return scan_wanted(handle, changes, wanted)
    except OSError:
        return None


def _add_lines(
    part: Part,
    first: int,
    lines: list[bytes],
    changes: Changes | None,
    wanted: dict[int, int] | None,
) -> None:
    """Add each line of a block (the module's notes; `look` and `Tally.add`, written out)."""
    tally = part.tally
    months, quarters, senders, media = tally.months, tally.quarters, tally.senders, tally.media
    domains_of = tally.domains
    held, counted, emoji_of = part.held, part.counted, part.emoji
    days = tally._days
    dates_append, ids_append = part.dates.append, part.ids.append
    offsets_append, flags_append = part.offsets.append, part.flags.append
    topics_append = part.topics.append
    apply = changes.apply if changes is not None else None
    edited = changes.versions if changes is not None else {}
    gone = changes.deleted if changes is not None else {}
    read, findall, url_sub, emoji_findall = _READ, _WORD.findall, _URL.sub, _EMOJI.findall
    non_ascii_word = _NON_ASCII_WORD.search
    stop_nesting = NESTING
    media_names = _MEDIA_NAMES
    at = first
    for raw in lines:
        begin = at
        at += len(raw) + 1
        if wanted is not None and begin not in wanted:
            continue
        # `record_id`, with msgspec first (the module's notes)
        record: dict[str, Any] | None = None  # the whole record, when read whole
        try:
            if not raw.isascii():
                raw.decode("utf-8")  # msgspec does not check the UTF-8 of what it skips
            if len(raw) > 2 * stop_nesting and raw.count(b"[") + raw.count(b"{") > stop_nesting:
                raise RecursionError  # many brackets: `record_id` judges how deep is too deep
            fields = read(raw)
        except (ValueError, RecursionError):  # a lone surrogate, bad JSON, not an object...
            parsed = record_id(raw)
            if parsed is None:
                if wanted is None:
                    part.damaged += 1
                continue
            record = storable(parsed[1])
            fields = read_of(record)
        message_id = fields.id
        if type(message_id) is not int or not 0 < message_id <= MAX_ID:
            if wanted is None:
                part.damaged += 1
            continue
        if wanted is not None and wanted[begin] != message_id:
            continue  # changed since the aggregates were made: the next update reads it
        if apply is not None and (message_id in edited or message_id in gone):
            if record is None:
                parsed = record_id(raw)  # msgspec took it: so does the standard parser
                assert parsed is not None
                record = parsed[1]
            record = storable(apply(record))
            fields = read_of(record)
        # `message_date`
        text = fields.date_unixtime
        if type(text) is str and text.isdigit() and text.isascii() and len(text) < 12:
            date = int(text)
        else:
            date = unixtime(text) or 0
        # `topic_of`
        topic = fields.topic_id
        if type(topic) is not int or not 0 < topic <= MAX_ID:
            topic = message_id if fields.action == TOPIC_CREATED else 0
        # `month_of`, cached by day
        day = date // DAY
        month = days.get(day)
        if month is None:
            month = month_of(date, days)
        row = months.get(month)
        if row is None:
            row = months[month] = new_month()
        deleted = bool(fields.deleted_on_telegram)
        if fields.type == SERVICE:
            flags = SERVICE_FLAG | (DELETED_FLAG if deleted else 0)
            row[3] += 1
        elif deleted:
            flags = DELETED_FLAG | (OUT_FLAG if fields.out is True else 0)
            row[4] += 1
        else:
            out = fields.out is True
            flags = OUT_FLAG if out else 0
            # `sender_of`
            name = fields.sender
            if type(name) is not str or not name:
                author = fields.author
                name = author if type(author) is str else ""
            key = fields.from_id
            if type(key) is not str or not key:
                key = f"name:{name[:MAX_NAME]}" if name else ""
            key = key[: MAX_NAME + 5]
            name = name[:MAX_NAME]
            # `text_facts`
            text = fields.text
            if type(text) is not str:
                text = ""
            if record is not None:
                entities = entities_of(record)
            else:
                entities = None
                for entity in fields.text_entities:
                    if entity.type == "text_link":
                        entities = [{"type": e.type, "href": e.href} for e in fields.text_entities]
                        break
            links = 0
            if text or entities is not None:
                if entities is not None or "://" in text:
                    found_urls = urls(text, entities)
                    if found_urls:
                        links = len(found_urls)
                        counter = domains_of.get(month)
                        if counter is None:
                            counter = domains_of[month] = Counter()
                        for url in found_urls:
                            host = domain(url)
                            if host is not None:
                                counter[host] += 1
                        text = url_sub(" ", text)
                tokens: list[bytes] | list[str]
                if text.isascii():  # the \w+ runs of the lower-cased text, the fast way
                    tokens = text.encode().translate(_ASCII_WORDS).split()
                    words = len(tokens)
                else:
                    if _DOTTED_I not in text:  # its lower case has the same \w runs
                        lowered = text.lower()
                        if non_ascii_word(lowered) is None:  # emoji...: split in C as ASCII
                            replaced = lowered.encode("ascii", "replace")
                            tokens = replaced.translate(_ASCII_WORDS).split()
                        else:
                            tokens = findall(lowered)
                        words = len(tokens)
                    else:
                        words = len(findall(text))
                        tokens = findall(text.lower()) if words else []
                    found_emoji = emoji_findall(text)
                    if found_emoji:
                        emoji_held = emoji_of.get(month)
                        if emoji_held is None:
                            emoji_of[month] = found_emoji
                        else:
                            emoji_held.extend(found_emoji)
                if tokens:
                    listed = held.get(month)
                    if listed is None:
                        held[month] = list(tokens)
                    else:
                        listed.extend(tokens)
                        if len(listed) > WORDS_HELD:
                            raw_words = counted.get(month)
                            if raw_words is None:
                                raw_words = counted[month] = Counter()
                            raw_words.update(listed)
                            held[month] = []
            else:
                words = 0
            # `Tally.add`
            row[0] += 1
            row[1] += words
            row[2] += links
            if fields.versions:
                row[5] += 1
            first_date = row[6]
            if (
                first_date == NO_DATE
                or date < first_date
                or (date == first_date and message_id < row[7])
            ):
                row[6] = date
                row[7] = message_id
            last_date = row[8]
            if date > last_date or (date == last_date and message_id > row[9]):
                row[8] = date
                row[9] = message_id
            quarter = quarters.get(date // QUARTER)
            if quarter is None:
                quarters[date // QUARTER] = [1, words]
            else:
                quarter[0] += 1
                quarter[1] += words
            sender = senders.get((month, key))
            if sender is None:
                senders[(month, key)] = Sender(1, name, date)
            else:
                sender.count += 1
                if date > sender.named_at or (date == sender.named_at and name > sender.name):
                    sender.name = name
                    sender.named_at = date
            kind = fields.media_type
            if kind is not None and kind != "":
                # `media_kind`, the names seen kept
                named = media_names.get(kind) if type(kind) is str else OTHER_MEDIA
                if named is None:
                    named = kind if _MEDIA_NAME.fullmatch(kind) else OTHER_MEDIA
                    if len(media_names) < MEDIA_NAMES:
                        media_names[kind] = named
                kind = named
                size = fields.file_size
                seconds = fields.duration_seconds
                size = size if type(size) is int and 0 <= size <= MAX_ID else 0
                seconds = seconds if type(seconds) is int and 0 <= seconds <= MAX_ID else 0
                found_media = media.get((month, kind))
                if found_media is None:
                    media[(month, kind)] = [1, size, seconds]
                else:
                    found_media[0] += 1
                    found_media[1] += size
                    found_media[2] += seconds
        dates_append(date)
        ids_append(message_id)
        offsets_append(begin)
        flags_append(flags)
        topics_append(topic)
