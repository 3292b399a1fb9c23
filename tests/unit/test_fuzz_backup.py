"""A fuzz test of a backup folder from a stranger: every field of a message line, of the
manifest and of the side files (edits.jsonl, deleted.jsonl, state.json) given hostile values
(other types, huge sizes and numbers, deep nesting, non-ASCII digits, NUL bytes, invalid
UTF-8, half surrogate pairs), and files that are FIFOs, links or folders.

What is fed is deterministic (a seed picks the combinations). Each part runs what a user
runs on the folder: the search index and a search, both exports (Telegram Desktop's JSON and
the HTML), and the reader's loading and drawing of every message, in this process for
breadth, and `tgtui search` / `tgtui export` as processes for a sample. Each must end (a
deadline), raise nothing, count the damaged lines, and serve the rest of the backup."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.reader.stranger import Chat, line, message, no_traceback, tgtui_run, write_backup
from tgtui.archive.chat_log import ChatLog
from tgtui.archive.folder import ArchiveError, open_archive
from tgtui.archive.index import SearchIndex
from tgtui.archive.lines import LinesError
from tgtui.archive.search import Filters, search
from tgtui.archive.wording import media_line, saved_file
from tgtui.export.run import export_backup
from tgtui.screens.versions import version_lines
from tgtui.widgets.message_text import Shown, message_lines

SEED = 26
SECONDS = 60  # for each part; every part takes a few seconds at most

# A message with every field the format has (SCHEMA.md), and a service message with the
# fields of its actions: each is given every hostile value in turn.
FULL = message(
    0,
    "base text",
    edited="2026-01-02T00:00:00",
    edited_unixtime="1767312000",
    author="Sig",
    out=True,
    reply_to_message_id=1,
    reply_to_peer_id="channel5",
    topic_id=1,
    forwarded_from="Bo",
    forwarded_from_id="user2",
    forwarded_date="2025-01-01T00:00:00",
    forwarded_date_unixtime="1735689600",
    forwarded_message_id=3,
    via_bot_id="user9",
    via_bot="@gif",
    text_entities=[
        {"type": "bold", "text": "base"},
        {"type": "text_link", "text": " text", "href": "https://example.com"},
    ],
    media_type="file",
    media_unavailable=False,
    file="media/file/1_a.txt",
    file_name="a.txt",
    file_size=3,
    mime_type="text/plain",
    width=10,
    height=10,
    duration_seconds=5,
    performer="P",
    title="T",
    sticker_emoji="x",
    self_destruct_period_seconds=3,
    poll={"question": "Q", "closed": False, "total_voters": 2, "answers": [
        {"text": "A", "voters": 2, "chosen": True}]},
    location_information={"latitude": 1.5, "longitude": 2.5},
    place_name="Place",
    address="Street",
    contact_information={"first_name": "F", "last_name": "L", "phone_number": "1"},
    web_page_url="https://example.com",
    web_page_site="Example",
    web_page_title="A page",
    web_page_description="What it says",
    reactions=[{"type": "emoji", "count": 2, "emoji": "x"},
               {"type": "custom_emoji", "count": 1, "document_id": 5}],
    views=10,
    forwards=2,
    grouped_id=77,
)  # fmt: skip
SERVICE = {
    "id": 0,
    "type": "service",
    "date_unixtime": "1767225600",
    "from": "Ana",
    "from_id": "user1",
    "action": "invite_members",
    "members": ["Bo", "Cy"],
    "title": "T",
    "inviter": "Ana",
    "information_text": "x",
    "discard_reason": "busy",
    "period": 5,
    "new_title": "N",
    "new_icon_emoji_id": 5,
    "duration": 5,
    "duration_seconds": 5,
    "schedule_date": 5,
    "score": 5,
    "amount": 5,
    "currency": "USD",
    "completed": [1],
    "incompleted": [2],
}
SERVICE_ACTIONS = ("invite_members", "custom_action", "score_in_game", "phone_call", "topic_edit")
NESTED = (
    ("text_entities", 0, "type"),
    ("text_entities", 0, "text"),
    ("text_entities", 1, "href"),
    ("poll", "question"),
    ("poll", "total_voters"),
    ("poll", "answers", 0, "text"),
    ("poll", "answers", 0, "voters"),
    ("reactions", 0, "count"),
    ("reactions", 1, "document_id"),
    ("location_information", "latitude"),
    ("contact_information", "first_name"),
)


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


# Nested values too deep for json.dumps itself are written by hand, where these marks are.
TOO_DEEP = "\x01nested 5000"  # past every parser: the line is damaged
NEAR_THE_LIMIT = "\x01nested 900"  # read by a process (a short stack), then taken apart
_DEPTHS = {TOO_DEEP: 5_000, NEAR_THE_LIMIT: 900}
HOSTILE: list[object] = [
    None,
    True,
    0,
    -1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**400,
    1.5,
    float("nan"),
    float("inf"),
    "",
    "²",
    "٣",
    "1_7",
    "\x00",
    "a\ud800b",
    "\x1b]52;c;eA==\x07\x7f\u202e\x9b[2J",
    "many",
    "x" * 50_000,
    [],
    {},
    [1, [2, [3]]],
    {"a": {"b": [1]}},
    [{"type": "bold", "text": 5}],
    _nested(300),  # deep, but read: every reader of the field must take it as absent
]


def _set(record: dict[str, Any], path: tuple[Any, ...], value: object) -> dict[str, Any]:
    """A copy of ``record`` with the field at ``path`` set to ``value``."""
    copy: dict[str, Any] = json.loads(json.dumps(record))
    target: Any = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def _dumps(value: object) -> bytes:
    """``value`` as ASCII JSON (NaN and Infinity as Python writes them), with the nested
    values that marks stand for written out."""
    data = json.dumps(value, allow_nan=True).encode("ascii")
    for mark, depth in _DEPTHS.items():
        data = data.replace(json.dumps(mark).encode(), b"[" * depth + b"1" + b"]" * depth)
    return data


def _raw(record: dict[str, Any]) -> bytes:
    return _dumps(record) + b"\n"


def _lines(rng: random.Random) -> tuple[list[bytes], int, int]:
    """Hostile lines with good ones between: (lines, good lines, damaged lines). Good lines
    say "goodword"; each hostile one has one field (or, for some, a few) made hostile."""
    lines: list[bytes] = []
    good = damaged = 0
    next_id = 1

    def add_good() -> None:
        nonlocal next_id, good
        lines.append(line(message(next_id, f"goodword {next_id}")))
        next_id += 1
        good += 1

    cases: list[tuple[dict[str, Any], list[tuple[tuple[Any, ...], object]]]] = []
    for base in (FULL, SERVICE):
        for key in base:
            cases.extend((base, [((key,), value)]) for value in [*HOSTILE, TOO_DEEP])
    for path in NESTED:
        cases.extend((FULL, [(path, value)]) for value in HOSTILE)
    cases.extend((_set(SERVICE, ("action",), a), []) for a in SERVICE_ACTIONS)
    for _ in range(150):  # a few hostile fields at once
        keys = rng.sample(sorted(FULL), 3)
        cases.append((FULL, [((key,), rng.choice(HOSTILE)) for key in keys]))
    for base, changes in cases:
        add_good()
        record = _set(base, ("id",), next_id)
        for path, value in changes:
            record = _set(record, path, value)
        if any(path == ("id",) or value == TOO_DEEP for path, value in changes):
            damaged += 1
        lines.append(_raw(record))
        next_id += 1
    raw_damaged = [
        b"\x00\n",
        b"\xff\xfe{}\n",
        b'{"id": 9, "text": "\xff"}\n',
        b"\n",
        b"null\n",
        b"[]\n",
        b"1\n",
        b'{"id": 9}{"id": 10}\n',
        b"\xef\xbb\xbf" + line({"id": 9}),
        b'{"id": 9, "text": "' + b"y" * (5 << 20) + b'"}\n',  # past the longest line read
        line({"id": "9", "text": "goodword"}),
        line({"id": 9.0}),
    ]
    for raw in raw_damaged:
        add_good()
        lines.append(raw)
        damaged += 1
    add_good()
    return lines, good, damaged


class Hung(AssertionError):
    """A part ran past its deadline (not an OSError, which the code under test may catch
    and go on after, as TimeoutError is)."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """`Hung` if the block runs longer than ``seconds`` (a FIFO opened for reading would
    block forever: the alarm interrupts it)."""

    def expired(signum: int, frame: object) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _read_everything(folder: Path, out: Path) -> dict[str, Any]:
    """What a user does with the folder, in this process: open it, search it, export it
    both ways, and read every message of every chat in the reader (drawn, its versions
    listed). What was found, for the caller to check."""
    archive = open_archive(folder)
    found: dict[str, Any] = {}
    with SearchIndex(archive) as index:
        index.update()
        found["good"] = search(index, archive, "goodword", Filters(), 10).count
        found["other"] = search(index, archive, "otherword", Filters(), 10).count
        found["damaged"] = index.damaged_lines()[0]
        for word in ("x", "many", "a", "base", "²", "2026"):
            search(index, archive, word, Filters(media="file"), 5)
    summary = export_backup(archive, out, "both", parallel=False)
    found["exported"] = summary.messages
    found["unreadable"] = summary.unreadable
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    found["ids"] = {
        chat.get("name"): [m["id"] for m in chat["messages"]] for chat in result["chats"]["list"]
    }
    for page in out.rglob("*.html"):
        page.read_text(encoding="utf-8")  # whole UTF-8
    console = Console(width=80, file=open(os.devnull, "w"))  # noqa: SIM115
    found["unopened"] = []
    for chat in archive.chats:
        try:
            log = ChatLog(chat)
        except LinesError:  # the reader says so, and the other chats open
            found["unopened"].append(chat.name)
            continue
        log.scan()
        older = None
        for k in range(log.count - 1, -1, -1):
            record = log.at(k)
            shown = Shown(older, log.exact, chat.folder, log.media_failed)
            message_lines(record, shown, 80, console)
            media_line(record, chat.folder, log.media_failed)
            saved_file(record, chat.folder)
            versions = log.versions_of(record)
            deleted = record.get("deleted_on_telegram")
            version_lines(versions, deleted if isinstance(deleted, str) else None)
            older = record
        log.find_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        log.find_id(2**70)
        log.close()
    console.file.close()
    return found


def test_every_field_of_a_message_line_given_hostile_values(tmp_path: Path) -> None:
    lines, good, damaged = _lines(random.Random(SEED))
    family = Chat(-1001, "Family", lines)
    work = Chat(-1002, "Work", [line(message(1, "otherword"))])
    write_backup(tmp_path / "backup", [family, work])
    media = tmp_path / "backup" / family.path / "media" / "file"
    media.mkdir(parents=True)
    (media / "1_a.txt").write_text("abc")
    with deadline(SECONDS):
        found = _read_everything(tmp_path / "backup", tmp_path / "export")
    assert found["good"] == good  # every good line is searched...
    assert found["other"] == 1  # ...and the other chat
    assert found["damaged"] == damaged  # each damaged line counted, once
    assert found["unreadable"] == damaged
    goods = [json.loads(raw)["id"] for raw in lines if b"goodword " in raw and raw[:1] == b"{"]
    assert set(goods) <= set(found["ids"]["Family"])  # ...and exported
    assert found["ids"]["Work"] == [1]


def _side_files(rng: random.Random) -> tuple[list[bytes], list[bytes], list[object]]:
    """Hostile edits.jsonl and deleted.jsonl lines for messages 1-40, and state.json bodies."""
    edits, deleted = [], []
    for n, value in enumerate([*HOSTILE, TOO_DEEP], start=1):
        key = rng.choice(["text", "from", "edited_unixtime", "file", "media_type", "poll"])
        edited = _set(FULL, ("id",), n)
        edited[key] = value
        edits.append(_raw(edited))
        if value != 1 and not isinstance(value, float):  # a bad id (1.5: not an integer)
            edits.append(_raw({**message(n, "edited words"), "id": value}))
        deleted.append(_raw({"id": n, "deleted": value, "noticed_by": value}))
        deleted.append(_raw({"id": value, "deleted": "2026-01-01T00:00:00"}))
    edits += [b"\x00\n", b"\xff\n", b"[]\n"]
    states: list[object] = [
        {"media_failed": value} for value in HOSTILE if not isinstance(value, float)
    ]
    states += [{"media_failed": {"1": value}} for value in HOSTILE]
    states += [[], "x", None, _nested(300)]
    return edits, deleted, states


def test_the_side_files_and_state_given_hostile_values(tmp_path: Path) -> None:
    edits, deleted, states = _side_files(random.Random(SEED))
    chats = []
    for number in range(1, len(states) + 1):
        lines = [line(message(n, f"goodword {n}")) for n in range(1, 41)]
        chats.append(Chat(-number, f"Chat {number}", lines))
    chats.append(Chat(-999, "Work", [line(message(1, "otherword"))]))
    backup = write_backup(tmp_path / "backup", chats)
    for chat, state in zip(chats, states, strict=False):
        (backup / chat.path / "edits.jsonl").write_bytes(b"".join(edits))
        (backup / chat.path / "deleted.jsonl").write_bytes(b"".join(deleted))
        (backup / chat.path / "state.json").write_bytes(_dumps(state))
    with deadline(SECONDS):
        found = _read_everything(backup, tmp_path / "export")
    assert found["other"] == 1
    assert found["damaged"] == 0  # messages.jsonl is whole; the side files' damage is theirs
    assert found["ids"]["Work"] == [1]
    assert all(len(ids) == 40 for ids in found["ids"].values() if ids != [1])


MANIFEST_KEYS = ("id", "name", "type", "path", "messages", "status", "reason", "updated")


def test_every_field_of_the_manifest_given_hostile_values(tmp_path: Path) -> None:
    work = Chat(-1002, "Work", [line(message(1, "otherword"))])
    other = Chat(-1003, "Other", [line(message(1, "goodword"))])
    cases: list[object] = []
    for key in MANIFEST_KEYS:
        cases.extend({**other.entry(), key: value} for value in [*HOSTILE, TOO_DEEP])
    cases += [value for value in HOSTILE if not isinstance(value, dict)]
    for number, case in enumerate(cases):
        backup = write_backup(tmp_path / f"b{number}", [work, other])
        manifest = {"account": case, "chats": [work.entry(), case]}
        (backup / "manifest.json").write_bytes(_dumps(manifest))
        with deadline(SECONDS):
            if json.dumps(TOO_DEEP) in json.dumps(case):  # past the parser: no manifest read
                with pytest.raises(ArchiveError, match="nested too deep"):
                    open_archive(backup)
                continue
            archive = open_archive(backup)
            assert archive.chat(work.id) is not None  # the good chat is there
            with SearchIndex(archive) as index:
                index.update()
                assert search(index, archive, "otherword", Filters()).count == 1
    for number, root in enumerate([*HOSTILE, TOO_DEEP, {"chats": "x"}, {"chats": 5}]):
        backup = write_backup(tmp_path / f"r{number}", [work])
        (backup / "manifest.json").write_bytes(_dumps(root))
        with deadline(SECONDS), contextlib.suppress(ArchiveError):
            open_archive(backup)  # a root of another shape is an ArchiveError, or no chats


KINDS = ("fifo", "zero", "folder", "outside", "dangling")
FILES = ("manifest.json", "messages.jsonl", "edits.jsonl", "deleted.jsonl", "state.json")


def _plant(path: Path, kind: str, outside: Path) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "outside":
        path.symlink_to(outside)
    else:
        path.symlink_to(outside.parent / "nothing-here")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and links: POSIX")
@pytest.mark.parametrize("name", FILES)
def test_files_that_are_fifos_links_or_folders(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "outside.jsonl"
    outside.write_bytes(line(message(1, "goodword secret")) + b'{"media_failed": {}}\n')
    for kind in KINDS:
        work = Chat(-1002, "Work", [line(message(1, "otherword"))])
        family = Chat(-1001, "Family", [line(message(n, "goodword")) for n in (1, 2)])
        backup = write_backup(tmp_path / kind, [family, work])
        target = backup / ("" if name == "manifest.json" else family.path) / name
        _plant(target, kind, outside)
        with deadline(SECONDS):
            if name == "manifest.json":
                with pytest.raises(ArchiveError):
                    open_archive(backup)
                continue
            found = _read_everything(backup, tmp_path / f"{kind}-export")
        assert found["other"] == 1
        assert found["ids"]["Work"] == [1]
        if name != "messages.jsonl":
            assert found["good"] == 2
            assert found["ids"]["Family"] == [1, 2]
        else:
            assert found["good"] == 0  # the link out of the backup is not read


# -- the same as a user runs it: processes, for a sample --------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_a_sample_as_processes(tmp_path: Path, seed: int) -> None:
    rng = random.Random(SEED + seed)
    lines = [line(message(1, "goodword first"))]
    for n in range(2, 40):
        record = _set(FULL, ("id",), n)
        for key in rng.sample(sorted(FULL), 4):
            record[key] = rng.choice([*HOSTILE, NEAR_THE_LIMIT])
        if record["id"] != n:
            record["id"] = n
        lines.append(_raw(record))
    lines.append(line(message(50, "goodword last")))
    work = Chat(-1002, "Work", [line(message(1, "otherword"))])
    backup = write_backup(tmp_path / "backup", [Chat(-1001, "Family", lines), work])
    found = tgtui_run("search", "goodword", "--in", str(backup), "--json", home=tmp_path)
    no_traceback(found)
    assert found.returncode == 0
    assert {json.loads(text)["message_id"] for text in found.stdout.splitlines()} >= {1, 50}
    for fmt in ("tde", "html"):
        out = tmp_path / f"export-{fmt}"
        done = tgtui_run("export", str(backup), "--format", fmt, "--out", str(out), home=tmp_path)
        no_traceback(done)
        assert done.returncode in (0, 1), done.stderr
        assert out.is_dir()
    result = json.loads((tmp_path / "export-tde" / "result.json").read_text(encoding="utf-8"))
    ids = [m["id"] for m in result["chats"]["list"][0]["messages"]]
    assert ids[0] == 1
    assert ids[-1] == 50
