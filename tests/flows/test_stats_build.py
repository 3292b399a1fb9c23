"""Building `tgtui stats`' aggregates fast: read by worker processes, each chat cut into many
parts, the figures are exactly those of one process and of a plain scan; a build cut short
(an exception, or the process killed in the middle of a chat) leaves an aggregates file the
next run completes, with the same figures."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.flows.test_stats import ZONE, assert_same, plain_scan
from tests.reader.stranger import DATE, Chat, line, message, write_backup
from tgtui.archive.folder import open_archive
from tgtui.archive.index_reading import message_date
from tgtui.format.records import record_id
from tgtui.stats import update
from tgtui.stats.figures import as_json
from tgtui.stats.message import look
from tgtui.stats.query import figures
from tgtui.stats.scan import Part, scan, scan_file
from tgtui.stats.store import stats_path
from tgtui.stats.tally import Tally
from tgtui.stats.update import StatsStore

TEXTS = (
    "Olá, THE garden é lindo 3rd 👍🏽❤️ 🇧🇷 see https://www.Example.com/x?a=1).",
    "İstanbul'da BÜYÜK şehir İİ",
    "plain ASCII words, with_under 42 and the STOP words of it",
    "links http://docs.test/p and https://[bad/x, https://a.example:99/q!",
    "",
    "日本語のテキスト 😀👨‍👩‍👧 ok",
    "tab\tand\nnew line and dots... end",
)


@pytest.fixture
def zone() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = ZONE
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _record(rng: random.Random, number: int, date: int, topic: bool) -> dict[str, Any]:
    """A message of many kinds: texts of every script, links, media, senders with and
    without ids, service messages, forum topics."""
    record = message(number, rng.choice(TEXTS), out=rng.random() < 0.5)
    record["date_unixtime"] = str(date)
    kind = rng.random()
    if kind < 0.05:
        record = {"id": number, "type": "service", "date_unixtime": str(date), "action": "x"}
    elif kind < 0.15:
        record.update(media_type="voice_message", file_size=rng.randint(1, 9999))
        record["duration_seconds"] = rng.choice([3, 7, -1, "9", True])
    elif kind < 0.2:
        record.update(media_type=rng.choice(["photo", "\x1b[2J", 7]), file_size=10)
    elif kind < 0.25:
        record["text_entities"] = [{"type": "text_link", "text": "x", "href": "https://t.test/"}]
    if rng.random() < 0.1:
        record.pop("from_id", None)
        record["from"] = rng.choice(["Ed", "", None])
        record["author"] = "Signed"
    elif rng.random() < 0.3:
        record.update(from_id=f"user{rng.randint(1, 4)}", **{"from": rng.choice("ABC")})
    if topic and rng.random() < 0.5:
        record["topic_id"] = rng.choice([3, 9])
    return record


def _backup(root: Path) -> None:
    """Three chats: a private one (conversations), a group with forum topics and damaged
    lines, a small group; dates mostly in order, some not; edits and deletions."""
    rng = random.Random(5)
    chats = []
    for chat_id, count, topic in ((101, 700, False), (-202, 900, True), (-303, 40, False)):
        date = DATE - 200 * 86_400
        lines = []
        for number in range(1, count + 1):
            date += rng.choice([30, 600, 4000, 7 * 3600, 3 * 86_400])
            when = date - 40 * 86_400 if rng.random() < 0.02 else date  # out of order
            lines.append(line(_record(rng, number, when, topic)))
            if chat_id == -202 and number % 97 == 0:
                lines.append(rng.choice([b"not json\n", b'{"id": 0}\n', b"[1]\n", b"\xff\n"]))
            if chat_id == -202 and number == 300:
                lines.append(line({**message(5000, "nan"), "x": float("nan")}))  # json's only
        chat = Chat(chat_id, f"chat {chat_id}", lines)
        chats.append(chat)
    write_backup(root, chats)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["chats"][0]["type"] = "personal_chat"
    (root / "manifest.json").write_text(json.dumps(manifest))
    private = root / chats[0].path
    edits = [{**message(n, "now edited words"), "edited_unixtime": str(DATE)} for n in (4, 9)]
    (private / "edits.jsonl").write_bytes(b"".join(line(edit) for edit in edits))
    (private / "deleted.jsonl").write_bytes(line({"id": 12, "deleted_unixtime": str(DATE)}))


def _figures(
    root: Path,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    topic: int | None = None,
) -> dict[str, Any]:
    archive = open_archive(root)
    chats = list(archive.chats)
    topics = None
    if topic is not None:
        chats = [chat for chat in chats if chat.id == -202]
        topics = {-202: frozenset({topic})}
    with StatsStore(archive) as store:
        return as_json(figures(store, chats, since, until, topics))


def _build(root: Path, workers: int) -> update.Updated:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{stats_path(root)}{suffix}").unlink(missing_ok=True)
    with StatsStore(open_archive(root)) as store:
        return store.update(workers)


RANGES: tuple[tuple[dt.datetime | None, dt.datetime | None], ...] = (
    (None, None),
    (dt.datetime(2025, 8, 10, 7, tzinfo=dt.UTC), dt.datetime(2025, 11, 20, 12, tzinfo=dt.UTC)),
    (dt.datetime(2025, 9, 3, tzinfo=dt.UTC), None),
)


def test_a_build_split_across_workers_counts_as_one_process_and_a_plain_scan(
    tmp_path: Path, zone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backup(tmp_path)
    assert _build(tmp_path, 1).messages == 700 + 900 + 9 + 1 + 40
    alone = {r: _figures(tmp_path, *r) for r in RANGES}
    topic = _figures(tmp_path, topic=3)
    # Every chat cut into parts of about 3 kB (lines cut anywhere), read by 2 processes.
    monkeypatch.setattr(update, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(update, "PART_BYTES", 3000)
    here = []
    monkeypatch.setattr(StatsStore, "_scan_here", lambda *args: here.append(args))
    done = _build(tmp_path, 2)
    assert (done.chats, done.messages, done.rebuilt) == (3, 1650, True)
    assert not here  # every line read by the workers
    for since, until in RANGES:
        split = _figures(tmp_path, since, until)
        assert split == alone[(since, until)]
        low = 0 if since is None else int(since.timestamp())
        high = 1 << 40 if until is None else int(until.timestamp())
        assert_same(split, plain_scan(tmp_path, ZoneInfo(ZONE), since=low, until=high))
    assert _figures(tmp_path, topic=3) == topic
    assert alone[(None, None)]["damaged_lines"] == 9
    assert alone[(None, None)]["private_chats"][0]["replies"]["you"] > 0


def test_new_lines_read_by_workers_add_up_as_a_build(
    tmp_path: Path, zone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backup(tmp_path)
    jsonl = tmp_path / "chats/202_chat/messages.jsonl"
    whole = jsonl.read_bytes()
    half = whole.index(b"\n", len(whole) // 2) + 1
    jsonl.write_bytes(whole[: half + 20])  # a line being written at its end: not read yet
    monkeypatch.setattr(update, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(update, "PART_BYTES", 3000)
    _build(tmp_path, 2)
    with jsonl.open("ab") as out:
        out.write(whole[half + 20 :])
    with StatsStore(open_archive(tmp_path)) as store:
        done = store.update(2)
    assert not done.rebuilt  # (read again whole when a new line is older than the last one)
    assert done.messages in (whole[half:].count(b"\n"), whole.count(b"\n"))
    later = [
        {**message(n, f"later {n} words", out=n % 3 == 0), "date_unixtime": str(DATE + 10**8 + n)}
        for n in range(2000, 2050)
    ]
    with jsonl.open("ab") as out:
        out.write(b"".join(line(record) for record in later))
    with StatsStore(open_archive(tmp_path)) as store:
        assert store.update(2).messages == 50  # after the last one: only they are read
    grown = {r: _figures(tmp_path, *r) for r in RANGES}
    _build(tmp_path, 1)
    assert grown == {r: _figures(tmp_path, *r) for r in RANGES}


def test_a_build_cut_short_is_completed_by_the_next_run(
    tmp_path: Path, zone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backup(tmp_path)
    _build(tmp_path, 1)
    expected = {r: _figures(tmp_path, *r) for r in RANGES}
    # An exception (Ctrl+C) while the second chat is written: the first one is kept.
    finish = StatsStore._finish
    calls = []

    def stopping(self: StatsStore, job: Any, part: Part | None) -> int | None:
        calls.append(job.chat.id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return finish(self, job, part)

    monkeypatch.setattr(StatsStore, "_finish", stopping)
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, 1)
    monkeypatch.setattr(StatsStore, "_finish", finish)
    with StatsStore(open_archive(tmp_path)) as store:
        done = store.update()
    assert (done.messages, done.rebuilt) == (950, False)  # the first chat is not read again
    assert {r: _figures(tmp_path, *r) for r in RANGES} == expected
    # The process killed (SIGKILL) after the second chat is written, before it is committed,
    # its workers reading: the next run reads the chats not committed.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{stats_path(tmp_path)}{suffix}").unlink(missing_ok=True)
    script = f"""
import os, signal
from pathlib import Path
from tgtui.archive.folder import open_archive
from tgtui.stats import update
from tgtui.stats.update import StatsStore

if __name__ == "__main__":
    update.PARALLEL_BYTES, update.PART_BYTES = 0, 3000
    finish = StatsStore._finish
    seen = []
    def killed(self, job, part):
        added = finish(self, job, part)
        seen.append(job)
        if len(seen) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return added
    StatsStore._finish = killed
    with StatsStore(open_archive(Path({str(tmp_path)!r}))) as store:
        store.update(2)
"""
    done_process = subprocess.run(
        [sys.executable, "-c", script],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    assert done_process.returncode == -signal.SIGKILL
    with StatsStore(open_archive(tmp_path)) as store:
        done = store.update()
    assert (done.messages, done.rebuilt) == (950, False)
    assert {r: _figures(tmp_path, *r) for r in RANGES} == expected


def test_lines_are_judged_as_record_id_judges_them(tmp_path: Path) -> None:
    """orjson reads the lines; what it refuses, and lines nested deep, go to `record_id`."""
    deep = b'{"id": 3, "x": ' + b"[" * 990 + b"]" * 990 + b"}"
    deeper = b'{"id": 4, "x": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    lines = [
        b'{"id": 1, "x": NaN, "text": "a b"}',
        b'{"id": 2, "x": 1e400}',
        deep,
        deeper,
        b'{"id": 5, "t": "\\ud800"}',
        b'{"id": 6}\x0c',
        b'{"id": 7.0}',
        b'{"id": 8, "id": 9}',
        b"\xef\xbb\xbf{}",
    ]
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with path.open("rb") as handle:
        part = scan(handle, 0, None, None)
    judged = [record_id(raw) for raw in lines]
    assert list(part.ids) == [found[0] for found in judged if found is not None]
    assert part.damaged == sum(found is None for found in judged)


def test_a_file_cut_anywhere_reads_as_the_whole(tmp_path: Path) -> None:
    """Two parts of a file, cut at any byte (a worker starts at the first line after its
    cut), add up to what reading it whole gives: no line lost or read twice."""
    rng = random.Random(3)
    lines = [line(_record(rng, number, DATE + number, True)) for number in range(1, 9)]
    lines[3:3] = [b"\n", b"garbage\n", b"{}\n"]
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b"".join(lines) + b'{"id": 99')  # and a line being written
    inode = path.stat().st_ino
    whole = scan_file(str(path), inode, 0, None, None, True)
    assert (len(whole.ids), whole.damaged, whole.read_to) == (8, 3, len(b"".join(lines)))
    for cut in range(path.stat().st_size + 2):
        first = scan_file(str(path), inode, 0, cut, None, True)
        first.extend(scan_file(str(path), inode, cut, None, None, False))
        assert (first.ids, first.offsets, first.flags, first.damaged) == (
            whole.ids,
            whole.offsets,
            whole.flags,
            whole.damaged,
        ), cut
        assert first.read_to == whole.read_to, cut
        assert first.tally == whole.tally, cut


def test_the_fast_loop_adds_up_as_look_and_tally_add(tmp_path: Path) -> None:
    """`scan` (one loop, written out) counts what `look` and `Tally.add` count."""
    rng = random.Random(11)
    records = [_record(rng, number, DATE + number * 997, True) for number in range(1, 400)]
    records += [
        {**message(500, "x"), "deleted_on_telegram": "2026-01-01", "out": True},
        {**message(501, "İİ ok", out=True), "versions": 2, "text_entities": "no"},
        {**message(502, "x"), "text": 7, "from_id": 5, "from": ["x"], "date_unixtime": "٣"},
        {**message(503, "a\u0130b https://x.test/ü"), "date_unixtime": 12, "topic_id": True},
        {"id": 504, "type": "service", "action": "topic_created", "deleted_on_telegram": "x"},
        message(505, "long " + "w" * 70 + " é" + "é" * 70 + " " + "👍🏽" * 40),
    ]
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b"".join(line(record) for record in records))
    with path.open("rb") as handle:
        part = scan(handle, 0, None, None)
    expected = Tally()
    for record in records:
        expected.add(message_date(record), record["id"], look(record))
    assert part.tally == expected
