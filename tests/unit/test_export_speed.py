"""What makes `tgtui export` fast, guarded without a clock (issue 30; the figures are
tests/bench/bench_export.py's): what a worker does per line (one parse, one dump, lines read a
block at a time, U+2028/U+2029 looked for once a batch), how the work is shared between
processes, dates found from the one before, and that no per-message object is kept (memory
flat). Each shortcut must give the very bytes the plain way gives."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.reader.stranger import Chat, line, message, write_backup
from tgtui.archive.folder import open_archive
from tgtui.export import chat_export, run, tde
from tgtui.export.chat_export import BATCH, ChatJob, Part, export_part, line_blocks
from tgtui.format.safe_files import read_lines


def _job(folder: Path, out: Path, *, tde_: bool = True, html: bool = False) -> ChatJob:
    where = (folder, out, "chats/chat_1")
    return ChatJob(1, "Chat", "private_group", -1001, *where, tde_, html, None, None)


def _chat(root: Path, count: int, text: str = "words") -> Path:
    lines = [line(message(n, f"{text} {n}")) for n in range(1, count + 1)]
    write_backup(root, [Chat(-1001, "Chat", lines)])
    return root / "chats" / "1001_chat"


def _export(folder: Path, out: Path, job: ChatJob) -> chat_export.PartDone:
    part = Part(job, 0, 0, None, out / "single", out / "account", True)
    out.mkdir(parents=True, exist_ok=True)
    return export_part(part)


# -- lines: a block at a time, as `read_lines` gives them ---------------------------------


def _as_read_lines(data: bytes, start: int, stop: int | None, limit: int) -> list[Any]:
    handle = io.BytesIO(data)
    handle.seek(start)
    got = []
    for offset, _end, raw in read_lines(handle, start, limit):
        if stop is not None and offset >= stop:
            break
        got.append((offset, None if raw is None else raw.removesuffix(b"\n")))
    return got


def _as_blocks(data: bytes, start: int, stop: int | None, limit: int) -> list[Any]:
    handle = io.BytesIO(data)
    handle.seek(start)
    got = []
    for first, block in line_blocks(handle, start, stop, limit):
        assert block, "no empty block"
        assert None not in block or len(block) == 1, "a line too long is alone in its block"
        offset = first
        for raw in block:
            got.append((offset, raw))
            if raw is not None:
                offset += len(raw) + 1
    return got


def test_lines_come_a_block_at_a_time_exactly_as_read_lines_gives_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker reads a block and splits it (no readline per line); what it gets must be
    `read_lines`' lines: the same starts, the same bytes, a line too long to read skipped as
    damaged, a last line without its newline, the same end of a part."""
    monkeypatch.setattr(chat_export, "BLOCK", 64)  # many blocks, lines across them
    rng = random.Random(30)
    for _ in range(300):
        pieces = [
            rng.choice([b"", b"x" * rng.randint(1, 40), b"y" * rng.randint(90, 300)])
            for _ in range(rng.randint(0, 30))
        ]
        data = b"\n".join(pieces) + rng.choice([b"", b"\n", b"torn"])
        limit = rng.choice([50, 100, 1000])
        # (start, stop) at line starts, as `split_points` cuts parts, or past the end
        starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
        start = rng.choice(starts)
        stop = rng.choice([None, *[s for s in starts if s > start], len(data) + 5])
        a = _as_read_lines(data, start, stop, limit)
        b = _as_blocks(data, start, stop, limit)
        # `read_lines` says where a skipped line started; so do the blocks
        assert b == a, (data, start, stop, limit)


# -- per line: one parse, one dump; the separators looked for once a batch ----------------


class _Counting:
    """orjson as chat_export uses it, counting calls."""

    JSONDecodeError = orjson.JSONDecodeError

    def __init__(self) -> None:
        self.loads_calls = 0
        self.dumps_calls = 0

    def loads(self, data: Any) -> Any:
        self.loads_calls += 1
        return orjson.loads(data)

    def dumps(self, value: Any) -> bytes:
        self.dumps_calls += 1
        return orjson.dumps(value)


def test_a_worker_parses_each_line_once_and_dumps_each_message_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 3 * BATCH + 7
    folder = _chat(tmp_path / "backup", count, "a\u2028b")
    counting = _Counting()
    monkeypatch.setattr(chat_export, "orjson", counting)
    looked: list[int] = []
    real = chat_export._has_separators

    def has_separators(data: bytes) -> bool:
        looked.append(len(data))
        return real(data)

    monkeypatch.setattr(chat_export, "_has_separators", has_separators)
    out = tmp_path / "out"
    done = _export(folder, out, _job(folder, out))
    assert done.messages == count
    assert counting.loads_calls == count
    # One dump a message: the whole-account text is the same bytes (no file path here).
    assert counting.dumps_calls == count
    # U+2028 looked for once a batch of messages, not once a message; and escaped.
    assert len(looked) == -(-count // BATCH)
    single = (out / "single").read_bytes()
    assert b"\xe2\x80\xa8" not in single
    assert single.count(b"a\\u2028b") == 2 * count  # in text, and in text_entities
    assert (out / "account").read_bytes() == single.replace(b",\n  ", b",\n     ")


def test_separators_are_found_however_the_batch_is_made() -> None:
    """`_has_separators` (memchr for 0xE2, then a look at what follows) says what `in`
    says, on batches full of other three-byte characters starting with 0xE2."""
    has = chat_export._has_separators
    rng = random.Random(2028)
    alphabet = [b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xe2\x80\x94", b"\xe2\x9d\xa4", b"\xe2", b"a"]
    for _ in range(3000):
        data = b"".join(rng.choices(alphabet, weights=[1, 1, 30, 30, 5, 30], k=rng.randint(0, 300)))
        assert has(data) == (b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data), data


# -- processes --------------------------------------------------------------------------


def _parts_of(tmp_path: Path, fmt: str, sizes: list[int], workers: int) -> list[Part]:
    chats = []
    for n, lines in enumerate(sizes, 1):
        records = [line(message(i, "x" * 40)) for i in range(1, lines + 1)]
        chats.append(Chat(-1000 - n, f"Chat {n}", records))
    write_backup(tmp_path / "b", chats)
    archive = open_archive(tmp_path / "b")
    jobs = run._jobs(archive.chats, tmp_path / "s", fmt != "html", fmt != "tde", None, None, False)
    return run._parts(jobs, run._sizes(jobs), tmp_path / "s", workers)


def test_json_parts_are_cut_small_and_taken_in_order_html_chats_biggest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "PART_BYTES", 4096)
    parts = _parts_of(tmp_path / "tde", "tde", [300, 2000, 900], workers=2)
    # Telegram Desktop's JSON: big chats cut into parts the workers share, in the order they
    # are joined (joining goes on while the workers work).
    assert len(parts) > 3
    assert run._first_things_first(parts) == parts
    # HTML pages are numbered: a chat is one part, and the biggest goes first.
    parts = _parts_of(tmp_path / "html", "html", [300, 2000, 900], workers=2)
    assert [p.job.index for p in parts] == [1, 2, 3]
    assert [p.job.index for p in run._first_things_first(parts)] == [2, 3, 1]


def test_an_export_starts_one_worker_a_core_and_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    real = run._run_parts

    def counted(parts: list[Part], workers: int, *args: Any) -> Any:
        asked.append(workers)
        return real(parts, 1, *args)  # in this process: the count is what matters

    monkeypatch.setattr(run, "_run_parts", counted)
    monkeypatch.setattr(run, "PART_BYTES", 4096)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    records = [line(message(i, "x" * 40)) for i in range(1, 3000)]
    write_backup(tmp_path / "b", [Chat(-1001, "A", records)])
    archive = open_archive(tmp_path / "b")
    run.export_backup(archive, tmp_path / "big", "tde", parallel=True)
    run.export_backup(archive, tmp_path / "small", "tde", parallel=False)
    assert asked == [2, 1]


# -- dates found from the one before -----------------------------------------------------


@pytest.fixture
def zone(request: pytest.FixtureRequest) -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Lisbon", "America/St_Johns", "Australia/Lord_Howe"], indirect=True
)
def test_dates_found_from_the_one_before_are_the_local_time_of_each_second(zone: None) -> None:
    """Dates in order (as messages come), across the days the clocks change, and jumps back:
    each is what the clock of this machine said then (`fromtimestamp`), in digits, "-", ":"
    and "T" only (the HTML pages show it unescaped)."""
    local = tde.local_dates()
    rng = random.Random(7)
    seconds = 1_711_800_000  # late March 2024: clocks change in Europe
    for _ in range(20_000):
        seconds += rng.choice([1, 59, 60, 61, 3599, 3600, 86_399, 40_000, -90_000])
        expected = dt.datetime.fromtimestamp(seconds).isoformat()
        text = local(str(seconds))
        assert text == expected, seconds
        assert set(text) <= set("0123456789-:T")


# -- memory: nothing kept per message -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["tde", "html"])
def test_no_object_is_kept_per_message(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four times the messages, about the same peak (HTML keeps 8 bytes an id, to link
    replies, in an array: no Python object). Blocks of 64 KiB: many of them either way."""
    monkeypatch.setattr(chat_export, "BLOCK", 1 << 16)
    peaks = []
    for count in (1_000, 5_000, 20_000):  # the first warms up (what is made once: i18n...)
        folder = _chat(tmp_path / f"b{count}", count)
        out = tmp_path / f"o{count}"
        job = _job(folder, out, tde_=fmt == "tde", html=fmt == "html")
        tracemalloc.start()
        _export(folder, out, job)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[2] < peaks[1] + 300_000, peaks


def test_batch_output_is_the_same_bytes_as_one_message_at_a_time(tmp_path: Path) -> None:
    """The part's bytes, messages dumped one by one the plain way (`dumps`: escapes made
    per message) and joined: what the batches and their escapes write."""
    records = [
        message(1, "plain"),
        message(2, "line\u2028sep\u2029para — dash ❤"),
        message(3, "lone \ud800 surrogate"),
        {**message(4, "big"), "reply_to_message_id": 2**70},
    ]
    lines = [json.dumps(r).encode("ascii") + b"\n" for r in records]
    write_backup(tmp_path / "b", [Chat(-1001, "Chat", lines)])
    folder = tmp_path / "b" / "chats" / "1001_chat"
    out = tmp_path / "o"
    _export(folder, out, _job(folder, out))
    plain = [chat_export.dumps(tde.message(chat_export.loads(raw))) for raw in lines]
    assert (out / "single").read_bytes() == b",\n  ".join(plain)
