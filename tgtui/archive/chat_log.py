"""One backed-up chat opened for reading: its messages by position from the newest, by id
and by date, without reading the whole file.

Positions count from the newest message (0), as `LineIndex` finds lines. Lines are in
ascending id order (the backup's promise, checked by every run), so a message id or a date
is found by bisection: about twenty lines read for a million messages. A line that does not
parse, or is longer than any message (`MAX_LINE`: not even read), is shown as unreadable,
never trusted, and never stops the reader. The chat's other files that could not be read
(edits.jsonl, deleted.jsonl, state.json) are named in `notes`, for the reader to show.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any

from tgtui.archive.folder import ArchiveChat
from tgtui.archive.lines import LineIndex, LinesError
from tgtui.format.records import message_id, unixtime
from tgtui.format.records import record_id as record_id_of_line
from tgtui.format.safe_files import MAX_LINE, STATE_MAX, parse_json, read_json
from tgtui.format.versions import DELETED, EDITS, load_changes
from tgtui.i18n import _, number
from tgtui.lazylog import logger

CACHE = 2_000  # parsed messages kept (a few screens' worth, and every bisection's steps)
STATE = "state.json"

Record = dict[str, Any]


def unreadable(reason: str) -> Record:
    """What a line that is not a message shows as."""
    return {"type": "unreadable", "text": reason}


def record_date(record: Record) -> dt.datetime | None:
    """The message's date (UTC), if it has a usable one."""
    stamp = unixtime(record.get("date_unixtime"))
    try:
        return None if stamp is None else dt.datetime.fromtimestamp(stamp, dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def record_id(record: Record) -> int | None:
    """The message id, if the record has one (`tgtui.format.records.message_id`)."""
    return message_id(record)


class ChatLog:
    """The saved messages of one chat, newest first."""

    def __init__(self, chat: ArchiveChat) -> None:
        self.chat = chat
        self.lines = LineIndex(chat.jsonl)  # LinesError if it cannot be read
        self._cache: OrderedDict[int, Record] = OrderedDict()  # by byte offset
        self._cache_lock = threading.Lock()
        self._state_problems: list[str] = []
        self.media_failed = failed_files(chat.folder / STATE, self._state_problems)
        # Later versions and deletions (`tgtui.backup.versions`): shown over the first ones.
        self.changes = load_changes(chat.folder)
        self._changes_stat = _changes_stat(chat.folder)

    @property
    def notes(self) -> list[str]:
        """What of the chat could not be read besides its messages: edits.jsonl or
        deleted.jsonl (not read and why, or their damaged lines), state.json."""
        return [*self.changes.damaged, *self._state_problems]

    # --- messages --------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Messages known so far (all once `complete`)."""
        return self.lines.count

    @property
    def complete(self) -> bool:
        """Whether every message's place in the file is known."""
        return self.lines.complete.is_set()

    def scan(self) -> None:
        """Find every message's place (from a thread)."""
        self.lines.scan()

    def close(self) -> None:
        """Stop scanning and let go of the file."""
        self.lines.close()

    def at(self, k: int) -> Record:
        """Message ``k`` from the newest (IndexError past the known ones), as it is now: its
        latest version, marked edited (``versions``) or deleted on Telegram."""
        return self.changes.apply(self.first_version(k))

    def versions_of(self, record: Record) -> list[Record]:
        """Every saved version of a message shown by `at`, the first one first."""
        message_id = record.get("id")
        if not isinstance(message_id, int):
            return [record]
        k = self.find_id(message_id)
        first = self.first_version(k) if k is not None else record
        return self.changes.history(first)

    def span(self, k: int) -> tuple[int, int]:
        """Where message ``k`` from the newest is in the file: (start, end) in bytes."""
        return self.lines.span(k)

    def wait(self) -> None:
        """Wait until every message's place is known (`complete`)."""
        self.lines.complete.wait()

    def first_version(self, k: int) -> Record:
        """Message ``k`` from the newest as first saved (messages.jsonl's line)."""
        start, end = self.span(k)
        with self._cache_lock:
            cached = self._cache.get(start)
            if cached is not None:
                self._cache.move_to_end(start)
                return cached
        if end - start > MAX_LINE:  # longer than any message: not even read
            return self._remember(start, unreadable(_too_long(start, end - start)))
        try:
            raw = self.lines.read(start, end)
        except LinesError as exc:
            return unreadable(str(exc))
        except OSError as exc:
            return unreadable(
                _("cannot read this line: {reason}").format(reason=exc.strerror or exc)
            )
        parsed = record_id_of_line(raw)  # the test every reader of a backup makes
        return self._remember(
            start, parsed[1] if parsed is not None else unreadable(_damage(raw, start))
        )

    def _remember(self, start: int, record: Record) -> Record:
        with self._cache_lock:
            self._cache[start] = record
            if len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return record

    def refresh(self) -> int | None:
        """Messages appended by a running backup since (None: the file was replaced)."""
        added = self.lines.refresh()
        if added:
            problems: list[str] = []
            self.media_failed = failed_files(self.chat.folder / STATE, problems)
            self._state_problems = problems
        return added

    def refresh_changes(self) -> bool:
        """Whether a running backup noticed edits or deletions since (they are loaded)."""
        stat = _changes_stat(self.chat.folder)
        if stat == self._changes_stat:
            return False
        self.changes, self._changes_stat = load_changes(self.chat.folder), stat
        return True

    # --- finding ---------------------------------------------------------------------------

    def _bisect(self, key: Callable[[Record], int | None], target: int) -> int | None:
        """The position of the oldest message whose key is >= target (keys rise towards
        the newest, i.e. fall with k); None if every message's key is lower."""
        low, high = 0, self.count - 1  # k: low is newest
        if high < 0:
            return None
        found: int | None = None
        while low <= high:
            middle = (low + high) // 2
            value = self._key_near(key, middle, low, high)
            if value is None:
                return found
            k, number = value
            if number >= target:
                found = k
                low = k + 1
            else:
                high = k - 1 if k <= middle else middle - 1
        return found

    def _key_near(
        self, key: Callable[[Record], int | None], middle: int, low: int, high: int
    ) -> tuple[int, int] | None:
        """A usable key at or near ``middle`` within [low, high] (unreadable lines skipped)."""
        # Lazily: the ranges can span a million positions, and the first usually answers.
        for k in chain((middle,), range(middle + 1, high + 1), range(middle - 1, low - 1, -1)):
            number = key(self.at(k))
            if number is not None:
                return k, number
        return None

    def find_id(self, message_id: int) -> int | None:
        """Where message ``message_id`` is (or the first message after it, if it is missing);
        None when every saved message is older. Waits for the scan to end if needed."""
        self.wait()
        return self._bisect(record_id, message_id)

    def find_date(self, when: dt.datetime) -> int | None:
        """The first message sent at or after ``when``; None when all are older."""
        self.wait()
        stamp = int(when.timestamp())

        def seconds(record: Record) -> int | None:
            date = record_date(record)
            return None if date is None else int(date.timestamp())

        return self._bisect(seconds, stamp)

    def exact(self, message_id: int) -> Record | None:
        """Message ``message_id`` if it is saved, without waiting for the scan when it is
        among the messages already placed."""
        if not self.complete:
            count = self.count
            oldest = next(
                (
                    i
                    for k in range(count - 1, max(-1, count - 20), -1)
                    if (i := record_id(self.at(k))) is not None
                ),
                None,
            )
            if oldest is None or message_id < oldest:
                return None
        k = self._bisect(record_id, message_id)
        if k is None:
            return None
        record = self.at(k)
        return record if record_id(record) == message_id else None


def _too_long(start: int, size: int) -> str:
    """What a line longer than any message is (a stranger's tail of gigabytes)."""
    return _(
        "line at byte {offset} is not a message: {size} bytes without a line end, longer "
        "than any message (not read)"
    ).format(offset=number(start), size=number(size))


def _damage(raw: bytes, start: int) -> str:
    """What is wrong with a damaged line (a rare one: it is parsed again to say so)."""
    try:
        parse_json(raw)
    except (ValueError, UnicodeDecodeError):
        return _("line at byte {offset} is not a readable message").format(offset=number(start))
    return _("line at byte {offset} is not a message").format(offset=number(start))


def _changes_stat(folder: Path) -> tuple[int, ...]:
    """Sizes of the chat's edits.jsonl and deleted.jsonl (append-only: growth is change)."""
    sizes = []
    for name in (EDITS, DELETED):
        try:
            sizes.append(os.lstat(folder / name).st_size)
        except OSError:
            sizes.append(-1)
    return tuple(sizes)


def failed_files(path: Path, problems: list[str] | None = None) -> dict[str, str]:
    """Why files failed, by message id, from a chat's state.json (empty if it cannot be
    read: it is opened the one safe way, up to `STATE_MAX`, and why not goes to
    ``problems``; a reason that is not text is left out)."""
    try:
        data = read_json(path, STATE_MAX)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("{}: not read ({})", path, exc)
        if problems is not None:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problems.append(_("{file} is not read: {reason}").format(file=path.name, reason=reason))
        return {}
    failed = data.get("media_failed") if isinstance(data, dict) else None
    if not isinstance(failed, dict):
        return {}
    return {key: value for key, value in failed.items() if isinstance(value, str)}
