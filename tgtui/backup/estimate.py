"""What a backup will fetch, before it starts: a few cheap requests per chat.

The server's message count comes with any history page, so one page of the newest messages
gives the count and a sample of the chat's media. When that page holds everything still to
fetch (a small chat, or one saved up to a little while ago), the files to fetch are read off
it exactly. Otherwise Telegram is asked how many files there are: `messages.search` with a
media filter (photos, videos, round videos, GIFs, voice, music, documents) answers the
number of matching messages after the last one saved, and its newest few, whose sizes give
the bytes. Only stickers have no filter: their number is scaled from the page. Each figure
says whether it is Telegram's or a guess (`Estimate.files_counted`, `Estimate.bytes_exact`).

What is already on disk comes from the chat's checkpoint. The answers are kept (`Sample`),
so a changed media filter or folder is estimated again without asking the server again for
what it already said.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.backup.checkpoint import CheckpointError, load_checkpoint
from tgtui.backup.engine import STATE, chat_folder
from tgtui.backup.history import HistoryReader
from tgtui.backup.schema import Names, to_record
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import KINDS, MediaFilter
from tgtui.retry import FloodGate, Wait

SAMPLE = 100  # newest messages looked at per chat
FILE_SAMPLE = 20  # newest files of each media filter looked at for their sizes
SEARCH = "messages.search"

# Telegram's media filters, and the media kind (as --media names it) each one counts.
# Stickers have none: they are counted from the page of newest messages.
FILTERS: dict[str, tuple[str, type]] = {
    "photos": ("photo", types.InputMessagesFilterPhotos),
    "video": ("video", types.InputMessagesFilterVideo),
    "round_video": ("video", types.InputMessagesFilterRoundVideo),
    "gif": ("video", types.InputMessagesFilterGif),
    "voice": ("voice", types.InputMessagesFilterVoice),
    "music": ("audio", types.InputMessagesFilterMusic),
    "document": ("document", types.InputMessagesFilterDocument),
}
# The schema's media types each filter finds (a file of another type is not that filter's).
FILTER_TYPES: dict[str, frozenset[str]] = {
    "photos": frozenset({"photo"}),
    "video": frozenset({"video_file"}),
    "round_video": frozenset({"video_message"}),
    "gif": frozenset({"animation"}),
    "voice": frozenset({"voice_message"}),
    "music": frozenset({"audio_file"}),
    "document": frozenset({"file"}),
}
UNFILTERED = frozenset(t for t, kind in KINDS.items() if kind == "sticker")

SearchKey = tuple[str, int, int, int]  # filter, after message id, min date, max date


@dataclass(frozen=True)
class Counted:
    """One `messages.search` answer: the messages matching a filter (Telegram's count) and
    the files of the newest of them."""

    count: int
    files: tuple[dict[str, Any], ...]
    exact: bool = True  # the count is of the files after the last saved message (else of all)


@dataclass
class Sample:
    """The newest messages of a chat, and what Telegram counted for its media filters."""

    count: int  # messages in the chat, as the server counts them
    size: int  # messages sampled
    files: tuple[dict[str, Any], ...]  # id, date, media_type, file_size (and unavailability)
    oldest_id: int = 0  # the lowest id sampled (0: nothing sampled)
    # Answers of messages.search by (filter, after id, dates); None: Telegram refused it.
    searches: dict[SearchKey, Counted | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Estimate:
    """One chat's backup, before it runs."""

    messages: int  # in the chat, as the server counts them
    on_disk: int  # already saved by earlier runs
    media_files: int  # files expected among the messages still to fetch
    media_bytes: int  # their bytes
    sampled: int  # messages the media figures were drawn from
    # media_files is what Telegram counted for its media filters (else a guess); stickers,
    # which have none, are always scaled from the page of newest messages
    files_counted: bool = False
    bytes_exact: bool = False  # every file to fetch was seen with its size (else a guess)

    @property
    def to_fetch(self) -> int:
        """Messages still to fetch."""
        return max(0, self.messages - self.on_disk)


@dataclass(frozen=True)
class Saved:
    """What earlier runs saved of a chat: its messages and the highest id among them."""

    messages: int = 0
    last_id: int = 0
    complete: bool = False  # the last run reached the chat's newest message


def saved_of(out: Path, target: ChatTarget, folders: dict[int, Path] | None = None) -> Saved:
    """What an earlier run saved for this chat (nothing if none, or its checkpoint is
    unusable). ``folders`` (`tgtui.backup.engine.chat_folders`) spares listing the backup
    per chat."""
    try:
        checkpoint = load_checkpoint(chat_folder(out, target, folders) / STATE, target.chat_id)
    except CheckpointError:
        return Saved()
    if checkpoint is None:
        return Saved()
    return Saved(checkpoint.messages, checkpoint.last_id, checkpoint.complete)


def on_disk(out: Path, target: ChatTarget, folders: dict[int, Path] | None = None) -> int:
    """Messages an earlier run saved for this chat (0 if none, or its checkpoint is unusable)."""
    return saved_of(out, target, folders).messages


def _file_of(message: Any, names: Any) -> dict[str, Any] | None:
    record = to_record(message, names)
    if not record.get("media_type"):
        return None
    keep = ("id", "date_unixtime", "media_type", "file_size", "media_unavailable")
    return {k: record[k] for k in keep if k in record}


async def sample(
    client: TelegramClient,
    target: ChatTarget,
    *,
    gate: FloodGate,
    on_wait: Callable[[Wait], None] | None = None,
) -> Sample:
    """One getHistory request: the chat's message count and its newest messages' files."""
    reader = HistoryReader(client, target.input_peer, gate=gate, on_wait=on_wait)
    page = await reader.newest(SAMPLE)
    messages = [m for m in page.messages if not isinstance(m, types.MessageEmpty)]
    files = [f for f in (_file_of(m, page.names) for m in messages) if f is not None]
    count = page.count if page.count is not None else len(messages)
    oldest = min((m.id for m in messages), default=0)
    return Sample(count=count, size=len(messages), files=tuple(files), oldest_id=oldest)


def assumed(saved: Saved) -> Estimate:
    """A chat brought up to date by an earlier run, estimated without asking: what is on
    disk, and nothing new (a guess: an incremental run finds out cheaply what is)."""
    return Estimate(saved.messages, saved.messages, 0, 0, 0, files_counted=False)


def _unix(when: dt.datetime | None) -> int:
    return int(when.timestamp()) if when is not None else 0


def search_keys(
    found: Sample,
    *,
    saved: Saved,
    media: MediaFilter,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[SearchKey]:
    """The messages.search requests this chat's estimate needs (none when the page of newest
    messages already holds everything left to fetch)."""
    if _sample_covers(found, saved) or not media.kinds:
        return []
    dates = (_unix(since), max(0, _unix(until) - 1))
    return [
        (name, saved.last_id, *dates) for name, (kind, _) in FILTERS.items() if kind in media.kinds
    ]


async def count_files(
    client: TelegramClient,
    target: ChatTarget,
    found: Sample,
    keys: Iterable[SearchKey],
    *,
    gate: FloodGate,
    on_wait: Callable[[Wait], None] | None = None,
) -> None:
    """Ask Telegram what ``keys`` need and is not known yet (one messages.search each, for
    the count and the newest few files); the answers go into ``found``."""
    reader = HistoryReader(client, target.input_peer, gate=gate, on_wait=on_wait)
    for key in keys:
        if key in found.searches:
            continue
        name, after, min_date, max_date = key
        # After a saved message: the files just newer than it, and (offset_id_offset) how
        # many newer still; else the newest files, and the count of them all.
        request = functions.messages.SearchRequest(
            peer=target.input_peer,
            q="",
            filter=FILTERS[name][1](),
            min_date=dt.datetime.fromtimestamp(min_date, dt.UTC) if min_date else None,
            max_date=dt.datetime.fromtimestamp(max_date, dt.UTC) if max_date else None,
            offset_id=after + 1 if after else 0,
            add_offset=-FILE_SAMPLE if after else 0,
            limit=FILE_SAMPLE,
            max_id=0,
            min_id=after,
            hash=0,
        )
        try:
            answer = await reader.call(request, SEARCH)
        except errors.BadRequestError:  # a filter this server does not serve: guess it
            found.searches[key] = None
            continue
        messages = [m for m in getattr(answer, "messages", []) if m.id > after]
        names = _names(answer)
        files = tuple(f for f in (_file_of(m, names) for m in messages) if f is not None)
        count = getattr(answer, "count", None)
        if count is None:  # messages.messages: every match came in the answer
            count = len(messages)
        elif after:
            above = getattr(answer, "offset_id_offset", None)
            if above is None:  # not told how many are newer: the answer's share, a guess
                found.searches[key] = Counted(count, files, exact=False)
                continue
            count = above + len(messages)
        found.searches[key] = Counted(count=count, files=files)


def _names(answer: Any) -> Names:
    return Names(getattr(answer, "users", []), getattr(answer, "chats", []))


def _sample_covers(found: Sample, saved: Saved) -> bool:
    """The page of newest messages holds every message after the last one saved."""
    return found.size >= found.count or (saved.last_id > 0 and found.oldest_id <= saved.last_id)


def _in_range(file: dict[str, Any], after: int, since: int, until: int) -> bool:
    if int(file.get("id") or 0) <= after:
        return False
    when = int(file.get("date_unixtime") or 0)
    return (not since or when >= since) and (not until or when < until)


def _size(file: dict[str, Any]) -> int:
    return int(file.get("file_size") or 0)


def estimate(
    found: Sample,
    *,
    saved: int | Saved,
    media: MediaFilter,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Estimate:
    """What is left to fetch, given what is on disk and which files are wanted, from what
    Telegram said (the page of newest messages, the counts of its media filters)."""
    if isinstance(saved, int):
        saved = Saved(saved)
    remaining = max(0, found.count - saved.messages)
    if not media.kinds:
        return Estimate(found.count, saved.messages, 0, 0, found.size, True, True)
    start, end = _unix(since), _unix(until)
    if _sample_covers(found, saved):
        wanted = [
            f for f in found.files if _in_range(f, saved.last_id, start, end) and media.wants(f)
        ]
        got = sum(_size(f) for f in wanted)
        return Estimate(found.count, saved.messages, len(wanted), got, found.size, True, True)
    scale = remaining / found.size if found.size else 0.0
    files, size = 0.0, 0.0
    counted = exact = True
    guessed: set[str] = set(UNFILTERED)  # media types counted from the page, scaled
    for key in search_keys(found, saved=saved, media=media, since=since, until=until):
        answer = found.searches.get(key)
        if answer is None:  # not asked yet, or refused: the page's share of them, scaled
            guessed |= FILTER_TYPES[key[0]]
            continue
        seen = answer.files
        wanted = [f for f in seen if media.wants(f)]
        if not answer.exact:  # a count of the whole chat: its share still to fetch
            share = remaining / found.count if found.count else 0.0
            files += len(wanted) / len(seen) * answer.count * share if seen else 0.0
            size += sum(_size(f) for f in wanted) / len(seen) * answer.count * share if seen else 0
            counted = exact = False
            continue
        if len(seen) >= answer.count:  # every match seen: exact
            files += len(wanted)
            size += sum(_size(f) for f in wanted)
            continue
        share = answer.count / len(seen) if seen else 0.0
        files += len(wanted) * share if seen else answer.count
        size += sum(_size(f) for f in wanted) * share
        exact = False
        counted = counted and len(wanted) == len(seen) and bool(seen)
    page = [f for f in found.files if f.get("media_type") in guessed and media.wants(f)]
    if guessed - UNFILTERED:  # a filter Telegram did not answer (yet): those are guessed
        counted = exact = False
    if any(KINDS.get(t) in media.kinds for t in UNFILTERED):
        exact = False  # stickers have no filter: scaled from the page (or none seen there)
    files += len(page) * scale
    size += sum(_size(f) for f in page) * scale
    return Estimate(
        messages=found.count,
        on_disk=saved.messages,
        media_files=round(files),
        media_bytes=round(size),
        sampled=found.size,
        files_counted=counted,
        bytes_exact=exact,
    )
