"""`tgtui stats` on backups of the sandbox (a plain one with edits and deletions, and a
hostile one): every `--json` figure against a plain scan of the backup's files written here,
with simple code, from the definitions in STATS.md; in a time zone half an hour off UTC."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import targets
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.stats.stop_words import STOP_WORDS
from tgtui.stats.text import _EMOJI

ZONE = "Asia/Kolkata"  # UTC+5:30: hours and days shift by half an hour
URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
PRIVATE = ("personal_chat", "bot_chat")
TOP = 20


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=29, dialogs=10, messages=500), box_size=500)


def _lines(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL file; lines that are not a record with an integer id are
    left out (counted by `_damaged`)."""
    records: list[dict[str, Any]] = []
    if path.is_symlink() or not path.is_file():  # a FIFO planted there is not read
        return records
    for line in path.read_bytes().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and type(record.get("id")) is int and record["id"] > 0:
            records.append(record)
    return records


def _damaged(path: Path) -> int:
    return len(path.read_bytes().splitlines()) - len(_lines(path))


def _date(record: dict[str, Any]) -> int:
    """A record's date_unixtime, 0 when it is not a string of digits."""
    stamp = record.get("date_unixtime")
    if isinstance(stamp, str) and stamp.isascii() and stamp.isdigit() and len(stamp) <= 12:
        return int(stamp)
    return 0


def _now(chat_folder: Path) -> list[dict[str, Any]]:
    """The chat as it is now: each first version replaced by its latest version (latest
    edited_unixtime; of equal ones the later saved), deleted ones marked."""
    edits: dict[int, list[dict[str, Any]]] = {}
    for record in _lines(chat_folder / "edits.jsonl"):
        edits.setdefault(record["id"], []).append(record)
    gone = {record["id"] for record in _lines(chat_folder / "deleted.jsonl")}
    chat = []
    for first in _lines(chat_folder / "messages.jsonl"):
        versions = [first, *edits.get(first["id"], [])]

        def when(place: int, versions: list[dict[str, Any]] = versions) -> tuple[int, int]:
            stamp = versions[place].get("edited_unixtime")
            if isinstance(stamp, str) and stamp.isascii() and stamp.isdigit():
                return int(stamp), place
            return 0, place

        latest = dict(versions[max(range(len(versions)), key=when)])
        latest["_edited"] = len(versions) > 1
        latest["_deleted"] = first["id"] in gone
        chat.append(latest)
    return chat


def _whole(value: object) -> int:
    return value if type(value) is int and value >= 0 else 0


def _text(record: dict[str, Any]) -> str:
    text = record.get("text")
    return text if isinstance(text, str) else ""


def _links(record: dict[str, Any]) -> list[str]:
    found = [u.rstrip(".,;:!?)]}'\"…") for u in URL.findall(_text(record))]
    entities = record.get("text_entities")
    for entity in entities if isinstance(entities, list) else []:
        if isinstance(entity, dict) and entity.get("type") == "text_link":
            href = entity.get("href")
            if isinstance(href, str) and href.lower().startswith(("http://", "https://")):
                found.append(href)
    return found


def _domain(url: str) -> str | None:
    """The URL's host as the standard library reads it, without www. (None: it cannot)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.")[:64] or None if host else None


def _sender(record: dict[str, Any]) -> tuple[str, str]:
    name = record.get("from")
    if not isinstance(name, str) or not name:
        author = record.get("author")
        name = author if isinstance(author, str) else ""
    key = record.get("from_id")
    if not isinstance(key, str) or not key:
        key = f"name:{name[:200]}" if name else ""
    return key, name[:200]


def _top(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]


def plain_scan(
    out: Path,
    zone: ZoneInfo,
    wanted: set[int] | None = None,
    since: int = 0,
    until: int = 1 << 40,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """Every figure of `tgtui stats --json`, from the files, message by message (of those
    ``keep`` keeps, if given: a forum topic's)."""
    manifest = json.loads((out / "manifest.json").read_text())
    figures: dict[str, Any] = {"messages": 0, "words": 0, "links": 0, "service_messages": 0}
    figures.update(deleted=0, edited=0, damaged_lines=0)
    kept: list[tuple[int, int, int, dict[str, Any]]] = []  # date, chat, id, record
    chats = []
    private = []
    for entry in manifest["chats"]:
        if wanted is not None and entry["id"] not in wanted:
            continue
        folder = out / entry["path"]
        figures["damaged_lines"] += _damaged(folder / "messages.jsonl")
        count = 0
        timeline = []
        for record in _now(folder):
            if keep is not None and not keep(record):
                continue
            date = _date(record)
            service = record.get("type") == "service"
            if not service and not record["_deleted"]:
                timeline.append((date, record["id"], record.get("out") is True))
            if not since <= date < until:
                continue
            if service:
                figures["service_messages"] += 1
            elif record["_deleted"]:
                figures["deleted"] += 1
            else:
                count += 1
                kept.append((date, entry["id"], record["id"], record))
        chats.append(
            {"id": entry["id"], "name": entry["name"], "type": entry["type"], "messages": count}
        )
        if entry["type"] in PRIVATE:
            private.append(_conversations(entry, sorted(timeline), since, until))
    figures["chats"] = chats
    figures["private_chats"] = private
    days: dict[dt.date, list[int]] = {}
    hours = [[0] * 24 for _ in range(7)]
    senders: dict[str, list[Any]] = {}
    media: dict[str, list[int]] = {}
    words: Counter[str] = Counter()
    emoji: Counter[str] = Counter()
    domains: Counter[str] = Counter()
    for date, _chat, _id, record in kept:
        figures["messages"] += 1
        figures["edited"] += record["_edited"]
        links = _links(record)
        figures["links"] += len(links)
        domains.update(d for d in map(_domain, links) if d)
        text = URL.sub(" ", _text(record))
        figures["words"] += len(re.findall(r"\w+", text))
        words.update(
            w
            for w in re.findall(r"\w+", text.lower())
            if len(w) > 1 and w.isalpha() and w not in STOP_WORDS
        )
        emoji.update(e.replace("\ufe0f", "") for e in _EMOJI.findall(text))
        when = dt.datetime.fromtimestamp(date, zone)
        day = days.setdefault(when.date(), [0, 0])
        day[0] += 1
        day[1] += len(re.findall(r"\w+", text))
        hours[when.weekday()][when.hour] += 1
        key, name = _sender(record)
        mine = senders.setdefault(key, [0, (-1, "")])
        mine[0] += 1
        mine[1] = max(mine[1], (date, name))
        kind = record.get("media_type")
        if kind:
            if not (isinstance(kind, str) and re.fullmatch(r"[a-z][a-z_]{0,31}", kind)):
                kind = "other"
            row = media.setdefault(kind, [0, 0, 0])
            row[0] += 1
            row[1] += _whole(record.get("file_size"))
            row[2] += _whole(record.get("duration_seconds"))
    months: dict[str, list[int]] = {}
    for date_of_day, (count, words_in) in sorted(days.items()):
        month = months.setdefault(f"{date_of_day:%Y-%m}", [0, 0])
        month[0] += count
        month[1] += words_in
    figures["by_month"] = [{"month": m, "messages": c, "words": w} for m, (c, w) in months.items()]
    ordered = sorted(days)
    short = bool(ordered) and (ordered[-1] - ordered[0]).days <= 92
    figures["by_day"] = (
        [{"day": d.isoformat(), "messages": days[d][0], "words": days[d][1]} for d in ordered]
        if short
        else None
    )
    figures["hours"] = hours
    busiest = min(days.items(), key=lambda item: (-item[1][0], item[0]), default=None)
    figures["busiest_day"] = (
        None if busiest is None else {"day": busiest[0].isoformat(), "messages": busiest[1][0]}
    )
    kept.sort()

    def iso(date: int) -> str:
        return dt.datetime.fromtimestamp(date, zone).isoformat()

    ends = [kept[0], kept[-1]] if kept else [None, None]
    for name, end in zip(("first", "last"), ends, strict=True):
        figures[name] = (
            None if end is None else {"date": iso(end[0]), "chat_id": end[1], "message_id": end[2]}
        )
    gaps = [(b[0] - a[0], -a[0], a[0], b[0]) for a, b in itertools.pairwise(kept)]
    longest = max(gaps, default=None)
    figures["longest_silence"] = (
        None
        if longest is None or longest[0] < 3600
        else {"seconds": longest[0], "from": iso(longest[2]), "to": iso(longest[3])}
    )
    ranked = sorted(senders.items(), key=lambda item: (-item[1][0], item[0]))
    total = figures["messages"]
    figures["senders"] = [
        {"id": key or None, "name": v[1][1], "messages": v[0], "share": round(v[0] / total, 4)}
        for key, v in ranked[:TOP]
    ]
    figures["sender_count"] = len(senders)
    figures["media"] = {
        kind: {"messages": v[0], "bytes": v[1], "seconds": v[2]}
        for kind, v in sorted(media.items(), key=lambda item: (-item[1][0], item[0]))
    }
    figures["top_words"] = [{"word": w, "count": c} for w, c in _top(words)]
    figures["top_emoji"] = [{"emoji": e, "count": c} for e, c in _top(emoji)]
    figures["top_domains"] = [{"domain": d, "links": c} for d, c in _top(domains)]
    return figures


def _conversations(
    entry: dict[str, Any], timeline: list[tuple[int, int, bool]], since: int, until: int
) -> dict[str, Any]:
    """Who started a private chat's conversations (after 6 hours of silence) and the
    median delay of each side's replies, for the messages in the range."""
    started = {True: 0, False: 0}
    delays: dict[bool, list[int]] = {True: [], False: []}
    for place, (date, _id, out) in enumerate(timeline):
        before = timeline[place - 1] if place else None
        starts = before is None or date - before[0] >= 6 * 3600
        if not since <= date < until:
            continue
        if starts:
            started[out] += 1
        elif before is not None and before[2] != out:
            delays[out].append(date - before[0])
    median = {side: statistics.median(d) if d else None for side, d in delays.items()}
    return {
        "id": entry["id"],
        "name": entry["name"],
        "conversations_started": {"you": started[True], "them": started[False]},
        "replies": {"you": len(delays[True]), "them": len(delays[False])},
        "median_reply_seconds": {"you": median[True], "them": median[False]},
    }


def stats_cli(out: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGTUI_")}
    env["TZ"] = ZONE
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", "stats", "--in", str(out), "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    figures = json.loads(done.stdout) if done.stdout else {}
    return done.returncode, figures, done.stderr


SCANNED = (
    "messages", "words", "links", "service_messages", "deleted", "edited", "damaged_lines",
    "chats", "private_chats", "by_month", "by_day", "hours", "busiest_day", "first", "last",
    "longest_silence", "senders", "sender_count", "media", "top_words", "top_emoji",
    "top_domains",
)  # fmt: skip


def assert_same(figures: dict[str, Any], expected: dict[str, Any]) -> None:
    """Every figure `tgtui stats` gave is the plain scan's (and every one is compared)."""
    assert set(figures) - set(SCANNED) == {"since", "until", "time_zone", "notes"}
    for name in SCANNED:
        assert figures[name] == expected[name], name


async def _backup(client: TelegramClient, out: Path) -> None:
    chats = await targets(client)
    result = await BackupEngine(client, BackupOptions(out), account={"id": 77_777}).run(chats)
    assert result.all_complete


def _edit_and_delete(sandbox: SandboxServer, rng: random.Random) -> None:
    """Edit and delete some saved messages of every chat (on the server)."""
    world = sandbox.world
    for index in range(len(world)):
        chat = world.chat(index)
        view = sandbox.history.view(chat)
        if len(view) < 10:
            continue
        picked = rng.sample(range(1, len(view)), 6)
        for n, place in enumerate(picked[:4]):
            sandbox.living.edit(chat, view[place], f"edited garden words {n} https://x.test/a")
        sandbox.living.delete(chat, [view[place] for place in picked[4:]])


async def test_stats_figures_are_those_of_a_plain_scan_with_edits_and_deletions(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _backup(app_client, tmp_path)
    zone = ZoneInfo(ZONE)
    code, figures, errors = stats_cli(tmp_path)
    assert code == 0, errors
    assert_same(figures, plain_scan(tmp_path, zone))
    assert figures["messages"] > 1000
    assert figures["private_chats"]
    assert figures["media"]
    # Edits and deletions on Telegram, then an incremental backup: the aggregates follow.
    _edit_and_delete(sandbox, random.Random(4))
    await app_client.send_message("me", "a new one 👍🏽 https://www.example.net/x")
    await _backup(app_client, tmp_path)
    code, figures, errors = stats_cli(tmp_path)
    assert code == 0, errors
    expected = plain_scan(tmp_path, zone)
    assert_same(figures, expected)
    assert figures["deleted"] > 0
    assert figures["edited"] > 0
    # A range that cuts months (read again from their lines), and some chats by name.
    first, last = expected["first"]["date"], expected["last"]["date"]
    since = (
        dt.datetime.fromisoformat(first)
        + (dt.datetime.fromisoformat(last) - dt.datetime.fromisoformat(first)) / 3
    )
    until = since + dt.timedelta(days=100, hours=7)
    chosen = [c for c in expected["chats"] if c["messages"]][:3]
    args = [str(c["id"]) for c in chosen]
    ranged = [
        "--since",
        since.strftime("%Y-%m-%dT%H:%M"),
        "--until",
        until.strftime("%Y-%m-%dT%H:%M"),
    ]
    code, figures, errors = stats_cli(tmp_path, *args, *ranged)
    assert code == 0, errors
    low = int(since.replace(second=0, microsecond=0).timestamp())
    high = int(until.replace(second=0, microsecond=0).timestamp())
    assert_same(figures, plain_scan(tmp_path, zone, {c["id"] for c in chosen}, low, high))
    assert figures["by_day"] is None or len(figures["by_day"]) > 30


async def test_stats_of_a_damaged_backup_say_what_was_skipped(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    await _backup(app_client, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    folder = tmp_path / manifest["chats"][0]["path"]
    with (folder / "messages.jsonl").open("ab") as lines:
        lines.write(b'not json\n{"id": true}\n[1]\n{"id": 999999999, "date_unixtime": "x", ')
        lines.write(b'"type": ["odd"], "text": 7, "from": {"a": 1}, "media_type": "\\u001b[2J", ')
        lines.write(b'"file_size": -4, "out": "yes"}\n' + b"x" * (5 << 20) + b"\n")
    os.mkfifo(tmp_path / manifest["chats"][1]["path"] / "edits.jsonl")
    code, figures, errors = stats_cli(tmp_path)
    assert code == 1
    assert "4 damaged lines" in errors
    assert "edits.jsonl is not read" in errors
    assert "Traceback" not in errors
    assert_same(figures, plain_scan(tmp_path, ZoneInfo(ZONE)))
    assert "other" in figures["media"]


def test_stats_says_what_is_wrong(tmp_path: Path) -> None:
    code, _figures, errors = stats_cli(tmp_path / "nothing")
    assert code == 2
    assert "holds no backup" in errors
    assert "Traceback" not in errors
