"""The statistics' fast loop reads a line as the standard library reads it, however the
line is broken: msgspec parses only the fields counted and skips the rest, so a line it
takes must be a record `record_id` takes, with the same values (bytes that are not UTF-8 in
a skipped key, keys spelled with escapes, a key twice, a text link spelled with escapes,
numbers beyond 64 bits, brackets deep), and what it refuses is judged by `record_id`.
Thousands of lines broken at random (a fixed seed) and the breakages that matter, each
counted as `look` and `Tally.add` count the record `record_id` gives."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from tests.reader.stranger import DATE, line, message
from tgtui.archive.index_reading import message_date
from tgtui.format.records import record_id
from tgtui.stats.message import look
from tgtui.stats.scan import scan, storable
from tgtui.stats.tally import Tally

BREAKAGES = [
    b'"', b"\\", b"\\u", b"\\ud800", b"\\udc00", b"\\x", b"\t", b"\x00", b"\x1f", b"\xff",
    b"\xc3", b"\xed\xa0\x80", b"NaN", b"Infinity", b"-", b"01", b"1e400",
    b"99999999999999999999999", b"1.", b"tru", b",", b":", b"{", b"}", b"[", b"]", b" ",
    b"\x1c", b'"id":7,', b',"id":"x"', b',"text":5', b',"out":true', b"\\/", b'\\"',
]  # fmt: skip
CHOSEN = [
    b'{"id":1,"id":2,"text":"a"}',
    b'{"id":3,"text":"a","text":"b c"}',
    b'{"id":4,"x":"\xff","text":"d"}',
    b'{"id":5,"\xffx":1,"text":"e"}',
    b'{"id":6,"v\\u0065rsions":2,"t\\u0065xt":"f g"}',
    b'{"id":7,"deleted_on_telegram":"x","deleted\\u005fon_telegram":1}',
    b'{"id":8,"text":"h","text_entities":[{"type":"text\\u005flink","href":"https://a.test/"}]}',
    b'{"id":9,"text_entities":[{"type":"text_link","href":"https://b.test/","n":1e400}]}',
    b'{"id":10,"text_entities":[{"type":"text_link","href":"https://c.test/","n":NaN}]}',
    b'{"id":11,"file_size":99999999999999999999,"media_type":"photo"}',
    b'{"id":12,"x":' + b"[" * 600 + b"]" * 600 + b',"text":"deep"}',
    b'{"id":13,"text":"\\ud800 lone"}',
    b'{"id":14,"x":"\\ud800"}',
    b'{"id":15,"from":"\\ud83d\\ude00 A","from_id":"user1"}',
    b'{"id":99999999999999999999}',
    b'{"id":16}\x1c',
    b'{"id":17,"date_unixtime":"1700000000","type":"service","action":"topic_created"}',
]


def _records(rng: random.Random) -> list[dict[str, Any]]:
    made = []
    for number in range(1, 200):
        record = message(
            number, rng.choice(["plain words", "ünï cödé 👍🏽", "see https://x.test/a"])
        )
        record["date_unixtime"] = str(DATE + number * 3_600)
        record["text_entities"] = [
            {"type": "plain", "text": "x"},
            {"type": "text_link", "text": "y", "href": "https://y.test/"},
        ][: rng.randint(0, 2)]
        if rng.random() < 0.3:
            record.update(media_type="photo", file_size=rng.randint(0, 9_999))
        made.append(record)
    return made


def _broken(rng: random.Random, lines: list[bytes]) -> bytes:
    raw = bytearray(rng.choice(lines).rstrip(b"\n"))
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(raw) + 1)
        how = rng.random()
        if how < 0.45:
            raw[at:at] = rng.choice(BREAKAGES)
        elif how < 0.7:
            del raw[at : at + rng.randint(1, 4)]
        elif at < len(raw):
            raw[at] = rng.randrange(256)
    return bytes(raw).replace(b"\n", b" ")


def test_every_line_counts_as_record_id_and_look_count_it(tmp_path: Path) -> None:
    rng = random.Random(2026_12_06)
    good = [line(record) for record in _records(rng)]
    lines = CHOSEN + [raw.rstrip(b"\n") for raw in good]
    lines += [_broken(rng, good) for _ in range(4_000)]
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with path.open("rb") as handle:
        part = scan(handle, 0, None, None)

    expected, ids, damaged = Tally(), [], 0
    for raw in lines:
        judged = record_id(raw)
        if judged is None:
            damaged += 1
            continue
        record = storable(judged[1])
        ids.append(judged[0])
        expected.add(message_date(record), judged[0], look(record))
    assert (list(part.ids), part.damaged) == (ids, damaged)
    assert part.tally == expected
    assert damaged > 500  # both kinds, many of each
    assert len(ids) > 500
