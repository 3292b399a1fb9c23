"""A big chat's HTML pages written by several workers (issue 30), cut where a page starts:
every page byte for byte what one process writes (the same files, names, links between
pages, day titles, reply links and senders' colours), and so is Telegram Desktop's JSON of
an export of both. Where a first look at the lines cannot know (a damaged line, ids out of
order, more senders than get a colour), the pages are written again, and still the same.

In-process (pages of a few messages, few colours: many cuts, quickly) and as a user runs it
(worker processes, pages of 1,000)."""

from __future__ import annotations

import json
import random
from array import array
from pathlib import Path
from typing import Any

import pytest

from tests.reader.stranger import DATE, Chat, line, message, write_backup
from tgtui.archive.folder import open_archive
from tgtui.export import html_pages, html_parts, run
from tgtui.export.chat_export import ChatJob, Part, PartDone, export_part
from tgtui.untrusted import html_text

Record = dict[str, Any]


def _chat(
    rng: random.Random, count: int, *, senders: int = 12, first_id: int = 1
) -> tuple[list[bytes], dict[str, bytes]]:
    """``count`` lines of a chat as tgtui writes them (ids ascending with gaps, days that
    change, replies to earlier, later, missing and other chats' messages, service messages,
    edits and deletions marked, photos, some shared by two messages), and the photo files."""
    lines: list[bytes] = []
    files: dict[str, bytes] = {}
    ident, when = first_id, DATE
    for n in range(count):
        ident += rng.choice([1, 1, 1, 2, 7])
        when += rng.choice([30, 600, 4000, 30_000, 90_000])
        who = rng.randrange(senders)
        record: Record = message(ident, f"words {n} <b>&amp;</b>", from_id=f"user{who}")
        record.update(date_unixtime=str(when), **{"from": f"Person {who} <{who}>"})
        roll = rng.random()
        if roll < 0.15:
            record["reply_to_message_id"] = rng.randint(1, ident + 30)
        elif roll < 0.17:
            record["reply_to_message_id"] = rng.randint(1, ident)
            record["reply_to_peer_id"] = "channel42"
        elif roll < 0.20:
            record = {
                "id": ident,
                "type": "service",
                "date_unixtime": str(when),
                "from": "Ana",
                "from_id": "user1",
                "action": "pin_message",
                "reply_to_message_id": rng.randint(1, ident),
            }
        elif roll < 0.25:
            shared = rng.random() < 0.3 and files
            path = rng.choice(sorted(files)) if shared else f"media/photos/{ident}.jpg"
            files[path] = b"photo %d" % ident
            record.update(media_type="photo", file=path, width=10, height=20)
        elif roll < 0.27:
            record.update(edited_unixtime=str(when + 5), versions=2)
        elif roll < 0.28:
            record["deleted_on_telegram"] = "2026-02-01T00:00:00Z"
        lines.append(line(record))
    return lines, files


def _backup(root: Path, chats: list[tuple[list[bytes], dict[str, bytes]]]) -> Path:
    made = [Chat(-1001 - n, f"Chat {n} <&>", lines) for n, (lines, _files) in enumerate(chats)]
    write_backup(root, made)
    for chat, (_lines, files) in zip(made, chats, strict=True):
        for path, data in files.items():
            (root / chat.path / path).parent.mkdir(parents=True, exist_ok=True)
            (root / chat.path / path).write_bytes(data)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _same(one: Path, many: Path) -> None:
    expected, got = _files(one), _files(many)
    assert sorted(got) == sorted(expected)
    for name, data in expected.items():
        assert got[name] == data, name


# -- in-process: the parts of a chat, one after another ------------------------------------


def _job(folder: Path, out: Path, tde: bool = False) -> ChatJob:
    where = (folder, out, "chats/chat_1")
    return ChatJob(1, "Chat <1>", "private_group", -1001, *where, tde, True, None, None)


def _in_parts(folder: Path, out: Path, count: int) -> list[Part]:
    """The chat exported in about ``count`` parts, one after another, and its pages written
    again as the plan says: the parts exported again."""
    job = _job(folder, out)
    size = (folder / "messages.jsonl").stat().st_size
    whole = Part(job, 0, 0, None, out / "0.single", out / "0.account", True, size)
    ids = out.parent / "ids"
    starts = html_parts.cut(folder / "messages.jsonl", count, ids)
    if starts is None:
        export_part(whole)
        return []
    made = html_parts.parts(whole, starts, ids)
    wrote = [export_part(part).pages for part in made]
    again = html_parts.again(made, wrote)
    for part in again:
        export_part(part)
    return again


@pytest.mark.parametrize("seed", range(12))
def test_a_chat_in_parts_writes_the_pages_one_process_writes(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_pages, "PAGE_SIZE", 7)
    monkeypatch.setattr(html_pages, "COLOURED", 9)
    rng = random.Random(seed)
    lines, files = _chat(rng, rng.randint(40, 400), senders=rng.choice([3, 9, 15]))
    trouble = rng.choice(["none", "none", "damaged", "order", "no id first"])
    at = rng.randrange(1, len(lines) - 1)
    if trouble == "damaged":  # torn: its id where the first look reads it, in order
        lines[at] = lines[at][: len(lines[at]) // 2] + b"\n"
    elif trouble == "order":
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    elif trouble == "no id first":
        record = json.loads(lines[at])
        lines[at] = line({"type": record.pop("type"), **record})
    folder = _backup(tmp_path / "b", [(lines, files)]) / "chats" / "1001_chat"
    whole = Part(_job(folder, tmp_path / "one"), 0, 0, None, tmp_path / "s", tmp_path / "a", True)
    export_part(whole)
    count = rng.randint(2, 12)
    again = _in_parts(folder, tmp_path / "many", count)
    _same(tmp_path / "one", tmp_path / "many")
    if trouble != "none":  # when cut: the whole chat's pages again, by one process
        assert all(part.continued is None for part in again)


@pytest.mark.parametrize("seed", range(4))
def test_groups_and_quotes_in_parts_are_what_one_process_writes(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few senders writing minutes apart (messages grouped under one name, groups running
    over where pages and parts start) and replies to the messages just before (quoted when
    on the same page): a part, which starts at a page, writes what one process writes."""
    monkeypatch.setattr(html_pages, "PAGE_SIZE", 7)
    rng = random.Random(100 + seed)
    lines: list[bytes] = []
    ident, when = 0, DATE
    for n in range(rng.randint(60, 200)):
        ident += rng.choice([1, 1, 2])
        when += rng.choice([20, 60, 300, 901])
        who = rng.choice([0, 0, 0, 1, 2])
        record: Record = message(ident, f"said <{n}>", from_id=f"user{who}")
        record.update(date_unixtime=str(when), **{"from": f"Person <{who}>"})
        if rng.random() < 0.3 and ident > 3:
            record["reply_to_message_id"] = ident - rng.randint(1, 3)
        if rng.random() < 0.1:
            record["via_bot"] = "@gif"
        lines.append(line(record))
    folder = _backup(tmp_path / "b", [(lines, {})]) / "chats" / "1001_chat"
    whole = Part(_job(folder, tmp_path / "one"), 0, 0, None, tmp_path / "s", tmp_path / "a", True)
    export_part(whole)
    _in_parts(folder, tmp_path / "many", rng.randint(3, 9))
    _same(tmp_path / "one", tmp_path / "many")
    pages = "".join(p.read_text() for p in (tmp_path / "one").glob("messages*.html"))
    assert 'class="message joined"' in pages
    assert '<span class="quote">said &lt;' in pages


def test_the_first_look_cuts_where_pages_start_and_reads_every_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_pages, "PAGE_SIZE", 10)
    monkeypatch.setattr(html_parts, "CHUNK", 1000)  # lines across reads, cuts in any of them
    lines, _files = _chat(random.Random(3), 555)
    path, ids = tmp_path / "messages.jsonl", tmp_path / "ids"
    path.write_bytes(b"".join(lines))
    cuts = html_parts.cut(path, 6, ids)
    assert cuts is not None
    starts = [sum(len(raw) for raw in lines[:n]) for n in range(len(lines))]
    assert len(cuts) == 5
    for offset, number in cuts:
        assert number % 10 == 0
        assert starts[number] == offset
    read = array("q", ids.read_bytes())
    assert list(read) == [json.loads(raw)["id"] for raw in lines[: cuts[-1][1]]]
    # Lines not as tgtui writes them: not cut (one process writes the chat's pages).
    path.write_bytes(b"".join([*lines[:300], b"\n", *lines[300:]]))
    assert html_parts.cut(path, 6, ids) is None
    path.write_bytes(b"".join([*lines[:300], lines[301], lines[300], *lines[302:]]))
    assert html_parts.cut(path, 6, ids) is None
    path.write_bytes(b"".join(lines[:5]))
    assert html_parts.cut(path, 6, ids) is None  # no page to cut at


# -- as a user runs it: worker processes, pages of 1,000 -------------------------------------


@pytest.fixture
def cut_counts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Cut HTML chats from 64 KiB on; how many parts each cut chat was cut into."""
    monkeypatch.setattr(run, "HTML_PART_BYTES", 64 * 1024)
    counts: list[int] = []
    real = html_parts.parts

    def parts(whole: Part, starts: list[tuple[int, int]], ids: Path) -> list[Part]:
        made = real(whole, starts, ids)
        counts.append(len(made))
        return made

    monkeypatch.setattr(html_parts, "parts", parts)
    return counts


def _both_ways(backup: Path, tmp_path: Path, fmt: str) -> tuple[Any, Any]:
    archive = open_archive(backup)
    one = run.export_backup(archive, tmp_path / "one", fmt, parallel=False)
    many = run.export_backup(archive, tmp_path / "many", fmt, parallel=True)
    return one, many


@pytest.mark.parametrize("fmt", ["html", "both"])
def test_a_big_chat_is_cut_between_workers_and_written_as_one_process_writes_it(
    tmp_path: Path, cut_counts: list[int], fmt: str
) -> None:
    rng = random.Random(30)
    big, small = _chat(rng, 5_600), _chat(rng, 300)
    backup = _backup(tmp_path / "b", [small, big])
    one, many = _both_ways(backup, tmp_path, fmt)
    assert max(cut_counts, default=0) >= 3  # the big chat, in parts of whole pages
    assert (one.messages, one.files_linked) == (many.messages, many.files_linked)
    assert (tmp_path / "one" / "chats" / "chat_2" / "messages6.html").exists()
    _same(tmp_path / "one", tmp_path / "many")


def test_a_damaged_line_in_a_cut_chat_has_its_pages_written_again_the_same(
    tmp_path: Path, cut_counts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines, files = _chat(random.Random(31), 4_500)
    lines[1_500] = lines[1_500][:40] + b"\n"  # torn: its id read by the first look only
    backup = _backup(tmp_path / "b", [(lines, files)])
    again: list[list[Part]] = []
    real = html_parts.again

    def spy(made: list[Part], wrote: list[Any]) -> list[Part]:
        again.append(real(made, wrote))
        return again[-1]

    monkeypatch.setattr(html_parts, "again", spy)
    one, many = _both_ways(backup, tmp_path, "both")
    assert cut_counts
    assert [[p.continued for p in parts] for parts in again] == [[None]]  # by one process
    assert one.unreadable == many.unreadable == 1
    _same(tmp_path / "one", tmp_path / "many")


def test_a_chat_of_more_senders_than_get_a_colour_is_coloured_as_one_process_does(
    tmp_path: Path, cut_counts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10,000 senders get their own colour, the later ones colour 0: a part does not know
    # which it met first, so the parts that coloured otherwise write their pages again.
    lines, files = _chat(random.Random(32), 13_000, senders=1_000_000)
    backup = _backup(tmp_path / "b", [(lines, files)])
    wrote_again: list[PartDone] = []
    real = run._Plan.done

    def done(plan: run._Plan, part: Part, result: PartDone) -> bool:
        if part.again:
            wrote_again.append(result)
        return real(plan, part, result)

    monkeypatch.setattr(run._Plan, "done", done)
    _both_ways(backup, tmp_path, "html")
    assert cut_counts
    assert wrote_again
    page = (tmp_path / "many" / "chats" / "chat_1" / "messages13.html").read_text()
    assert 'class="from c0"' in page
    _same(tmp_path / "one", tmp_path / "many")


# -- the usual text, shown as it is ---------------------------------------------------------


def test_a_text_is_shown_as_it_is_only_when_escaping_would_leave_it_so() -> None:
    """A message's text skips the sanitiser (`tgtui.untrusted.html_text`) when it holds no
    character the sanitiser changes, nor a newline (a break): every character is looked at."""
    plain = html_pages._AS_IT_IS
    for code in range(0x110000):
        char = chr(code)
        if html_text(char) != char or char == "\n":
            assert plain.search(char) is not None, hex(code)
    assert plain.search("With a smile 😮, façade — naïve") is None


# -- the saved pictures: userpics and thumbnails, the same from any part --------------------

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60


def test_userpics_and_previews_in_parts_are_what_one_process_writes(
    tmp_path: Path, cut_counts: list[int]
) -> None:
    lines, files = _chat(random.Random(33), 5_000, senders=40)
    records = [json.loads(raw) for raw in lines]
    for record in records:
        if record.get("media_type") == "photo":  # half saved, every one with its preview
            record["thumbnail"] = f"thumbs/{record['id']}.jpg"
            if record["id"] % 2:
                files.pop(record.pop("file"), None)
    backup = _backup(tmp_path / "b", [([line(r) for r in records], files)])
    chat = backup / "chats" / "1001_chat"
    (chat / "thumbs").mkdir()
    for record in records:
        if "thumbnail" in record:
            (chat / record["thumbnail"]).write_bytes(JPEG + str(record["id"]).encode())
    (backup / "avatars").mkdir()
    index = []
    for who in range(0, 40, 3):
        (backup / "avatars" / f"user{who}_7.jpg").write_bytes(JPEG)
        index.append({"peer": f"user{who}", "photo_id": "7", "file": f"avatars/user{who}_7.jpg"})
    (backup / "avatars" / "index.jsonl").write_text("".join(json.dumps(e) + "\n" for e in index))
    _both_ways(backup, tmp_path, "html")
    assert cut_counts
    _same(tmp_path / "one", tmp_path / "many")
    pages = "".join(p.read_text() for p in (tmp_path / "many").glob("chats/*/messages*.html"))
    assert 'class="userpic" src="../../avatars/user0_7.jpg"' in pages
    assert '<div class="media photo preview">' in pages
    assert len(list((tmp_path / "many" / "avatars").iterdir())) == len(index)
