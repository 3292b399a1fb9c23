"""What a messages.jsonl line looks like: one line per record whatever the text holds, valid
JSON whatever Telegram sent, and lines of the older, spaced layout still found."""

from __future__ import annotations

import io
import json

import pytest

from tgtui.backup.integrity import lines_naming_files
from tgtui.backup.writer import encode_record
from tgtui.format.records import record_id, unixtime


def test_a_record_is_one_line_whatever_its_text() -> None:
    record = {"id": 7, "text": "a\nb\u2028c\u2029d\x85e\re \u00e9 \U0001f600 \x1b[2J"}
    line = encode_record(record)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    text = line.decode("utf-8")
    assert len(text.splitlines()) == 1  # Python's splitter also breaks at U+2028/2029/0085
    assert json.loads(line) == record


def test_what_json_cannot_say_is_still_valid_json() -> None:
    hostile = {"id": 8, "text": "half a pair \ud800 here", "lat": float("nan"), "n": 2**70}
    line = encode_record(hostile)
    back = json.loads(line)  # strict UTF-8 and JSON: no NaN token, no raw surrogate
    assert back["text"] == hostile["text"]
    assert back["lat"] is None
    assert back["n"] == 2**70
    line.decode("utf-8")
    assert b"NaN" not in line


def test_files_are_found_in_lines_of_either_layout() -> None:
    old = json.dumps({"id": 1, "file": "media/photo/1.jpg"}, ensure_ascii=False).encode()
    new = encode_record({"id": 2, "file": "media/photo/2.jpg"}).rstrip(b"\n")
    text = encode_record({"id": 3, "text": 'say "file": here'}).rstrip(b"\n")
    spaced = json.dumps({"id": 4, "text": 'say "file": "x"'}).encode()
    data = b"\n".join([old, new, text, spaced]) + b"\n"
    found = [json.loads(line)["id"] for line in lines_naming_files(io.BytesIO(data))]
    assert found == [1, 2]  # a text that says "file": is escaped JSON, not a key


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (b'{"id": 9223372036854775807}', 2**63 - 1),
        (b'{"id": 9223372036854775808}', None),  # past SQLite's integers and every array's
        (b'{"id": 18446744073709551616}', None),
        (b'{"id": 0}', None),
        (b'{"id": -4}', None),
        (b'{"id": true}', None),  # a boolean is no number of a message
        (b'{"id": 4.0}', None),
        (b'{"id": "4"}', None),
        (b'{"id": 4, "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", None),  # too deep
        (b'{"id": 4, "date_unixtime": "\xc2\xb2"}', 4),  # an odd field is the readers' to judge
        (b"\xef\xbb\xbf" + b'{"id": 4}', None),
    ],
)
def test_a_line_is_a_record_only_as_tgtui_writes_one(raw: bytes, found: int | None) -> None:
    parsed = record_id(raw + b"\n")
    assert (None if parsed is None else parsed[0]) == found


def test_a_unix_time_is_ascii_digits_in_range() -> None:
    assert unixtime("1767225600") == unixtime(1767225600) == 1767225600
    for odd in ("²", "٣", "1_7", " 17", "-5", "", "9" * 5000, 2**70, True, 1.5, None, [1]):
        assert unixtime(odd) is None, odd
