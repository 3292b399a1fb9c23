"""`tgtui export` on a backup made from the sandbox: Telegram Desktop's JSON read by an
independent reader of such exports (tg-parser, from PyPI), files linked beside it, HTML
pages whose every link leads somewhere, and an export that is whole or not there at all."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from tg_parser.infrastructure.readers.telegram_json import TelegramJSONReader

from tgtui import i18n
from tgtui.archive.folder import open_archive
from tgtui.cli import main
from tgtui.export.run import chat_folder, export_backup
from tgtui.export.tde import NOT_INCLUDED, UNAVAILABLE, bare_id


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _exported(backup: Path, tmp_path: Path, fmt: str = "both", *extra: str) -> Path:
    out = tmp_path / "export"
    assert main(["export", str(backup), "--out", str(out), "--format", fmt, *extra]) == 0
    return out


def test_an_independent_reader_reads_every_chat_and_every_message(
    backup: Path, tmp_path: Path
) -> None:
    out = _exported(backup, tmp_path, "tde")
    archive = open_archive(backup)
    whole = json.loads((out / "result.json").read_text(encoding="utf-8"))
    listed = whole["chats"]["list"]
    assert [c["id"] for c in listed] == [bare_id(c.id) for c in archive.chats]
    reader = TelegramJSONReader()
    for n, chat in enumerate(archive.chats, 1):
        single = out / chat_folder(n, len(archive.chats)) / "result.json"
        assert reader.validate(single) == []
        parsed = reader.read(single)
        lines = [r for r in _lines(chat.jsonl) if r.get("type") in ("message", "service")]
        assert parsed.id == bare_id(chat.id)
        assert parsed.name == chat.name
        assert [int(m.id) for m in parsed.messages] == [r["id"] for r in lines]
        for message, line in zip(parsed.messages, lines, strict=True):
            if line["type"] == "message":
                assert message.text == line["text"]
                assert message.author_id == line["from_id"]
        # The whole-account file holds the same messages, paths from the export's root.
        whole_chat = listed[n - 1]["messages"]
        assert [m["id"] for m in whole_chat] == [r["id"] for r in lines]


def test_files_sit_beside_result_json_hard_linked_from_the_backup(
    backup: Path, tmp_path: Path
) -> None:
    out = _exported(backup, tmp_path, "tde")
    checked = 0
    for single in sorted(out.glob("chats/chat_*/result.json")):
        chat = json.loads(single.read_text(encoding="utf-8"))
        for message in chat["messages"]:
            for key in ("photo", "file"):
                value = message.get(key)
                if value is None or value in (NOT_INCLUDED, UNAVAILABLE):
                    continue
                assert value.split("/")[0] in ("photos", "stickers"), value
                exported = single.parent / value
                assert exported.is_file()
                assert os.stat(exported).st_nlink >= 2  # linked, not copied
                checked += 1
    assert checked > 0
    whole = json.loads((out / "result.json").read_text(encoding="utf-8"))
    for chat in whole["chats"]["list"]:
        for message in chat["messages"]:
            value = message.get("photo")
            if value and not value.startswith("("):
                assert (out / value).is_file()
                assert value.startswith("chats/chat_")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append(value)
            if name == "id" and value:
                self.ids.add(value)


def _rename_a_photo(backup: Path, name: str) -> None:
    """Give one saved photo a name full of what URLs give a meaning to."""
    for chat in open_archive(backup).chats:
        lines = _lines(chat.jsonl)
        for line in lines:
            if line.get("media_type") == "photo" and line.get("file"):
                old = chat.folder / line["file"]
                line["file"] = str(Path(line["file"]).with_name(name))
                old.rename(chat.folder / line["file"])
                text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines)
                chat.jsonl.write_text(text, encoding="utf-8")
                return
    raise AssertionError("no saved photo in the backup")


def test_html_pages_have_no_broken_local_link(backup: Path, tmp_path: Path) -> None:
    _rename_a_photo(backup, "a#b c%20?.jpg")
    out = _exported(backup, tmp_path, "html")
    pages = [out / "index.html", *sorted(out.glob("chats/*/messages*.html"))]
    parsed = {}
    for page in pages:
        links = _Links()
        links.feed(page.read_text(encoding="utf-8"))
        parsed[page] = links
    replies = 0
    for page, links in parsed.items():
        for target in links.targets:
            if re.match(r"[a-z]+:", target):
                assert target.startswith(("http://", "https://", "mailto:", "tg://")), target
                continue
            path, _, anchor = target.partition("#")
            where = (page.parent / unquote(path)).resolve() if path else page
            assert where.is_file(), f"{page.name}: {target}"
            if anchor:
                assert anchor in parsed[where].ids, f"{page.name}: {target}"
                replies += path.startswith("messages") or anchor.startswith("message")
    assert replies > 0
    assert (out / "css" / "style.css").is_file()


def test_both_formats_share_one_folder_and_one_copy_of_the_files(
    backup: Path, tmp_path: Path
) -> None:
    out = _exported(backup, tmp_path, "both")
    assert (out / "index.html").is_file()
    assert (out / "result.json").is_file()
    first = out / chat_folder(1, len(open_archive(backup).chats))
    assert (first / "result.json").is_file()
    assert (first / "messages.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="result.json"' in index


def test_chat_folders_are_numbered_as_telegram_desktop_numbers_them() -> None:
    assert [chat_folder(i, 3) for i in (1, 3)] == ["chats/chat_1", "chats/chat_3"]
    assert [chat_folder(i, 11) for i in (1, 11)] == ["chats/chat_01", "chats/chat_11"]
    assert chat_folder(100, 100) == "chats/chat_100"  # digits of 99


def test_dates_and_chats_choose_what_is_exported(backup: Path, tmp_path: Path) -> None:
    archive = open_archive(backup)
    chat = archive.chats[1]
    lines = _lines(chat.jsonl)
    middle = int(lines[len(lines) // 2]["date_unixtime"])
    from datetime import UTC, datetime

    since = datetime.fromtimestamp(middle, UTC).isoformat()
    out = _exported(backup, tmp_path, "tde", "--chat", str(chat.id), "--since", since)
    exported = json.loads((out / chat_folder(1, 1) / "result.json").read_text("utf-8"))
    assert exported["name"] == chat.name
    expected = [r["id"] for r in lines if int(r.get("date_unixtime", 0)) >= middle]
    assert [m["id"] for m in exported["messages"]] == expected
    assert len(list(out.glob("chats/chat_*"))) == 1


def test_a_stopped_export_leaves_nothing_behind(backup: Path, tmp_path: Path) -> None:
    archive = open_archive(backup)
    out = tmp_path / "stopped"

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_backup(archive, out, "both", progress=stop, parallel=False)
    assert not out.exists()
    assert list(tmp_path.glob(".stopped*")) == []


def test_an_existing_or_unwritable_destination_is_refused_cleanly(
    backup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    assert main(["export", str(backup), "--out", str(taken)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert list(taken.iterdir()) == []
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert main(["export", str(backup), "--out", str(a_file / "out")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_a_full_disk_fails_the_export_with_a_message_and_leaves_nothing(
    backup: Path, tmp_path: Path
) -> None:
    # A file size limit makes every write past 64 KB fail as a full disk would (EFBIG).
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
        "from tgtui.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "full"
    done = subprocess.run(
        [sys.executable, "-c", script, "export", str(backup), "--out", str(out), "--format", "tde"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "cannot write the export" in done.stderr
    assert not out.exists()
    assert list(tmp_path.glob(".full*")) == []


def test_parallel_workers_write_the_same_export_as_one_process(
    backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tgtui.export import run

    monkeypatch.setattr(run, "PART_BYTES", 4096)  # cut even this small backup into parts
    archive = open_archive(backup)
    one = export_backup(archive, tmp_path / "one", "tde", parallel=False)
    many = export_backup(archive, tmp_path / "many", "tde", parallel=True)
    assert one.messages == many.messages > 0
    for path in sorted((tmp_path / "one").rglob("result.json")):
        twin = tmp_path / "many" / path.relative_to(tmp_path / "one")
        assert twin.read_bytes() == path.read_bytes(), path


def test_damaged_lines_and_planted_links_do_not_reach_the_export(
    backup: Path, tmp_path: Path
) -> None:
    archive = open_archive(backup)
    chat = next(c for c in archive.chats if any("file" in r for r in _lines(c.jsonl)))
    with_file = next(r for r in _lines(chat.jsonl) if r.get("file"))
    target = chat.folder / with_file["file"]
    target.unlink()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the export")
    target.symlink_to(secret)  # a link out of the backup, where the photo was
    with chat.jsonl.open("a", encoding="utf-8") as handle:
        handle.write('{"id": 99999999, "type": "mess\n')  # a torn line
    summary = export_backup(archive, tmp_path / "out", "both", parallel=False)
    assert summary.unreadable == 1
    refused = f"{with_file['file']} is refused: it is a link"
    assert any(refused in problem for problem in summary.problems)  # said as it is
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert path.read_bytes() != b"not for the export"


def test_an_unreadable_chat_is_listed_and_the_rest_exported(
    backup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = open_archive(backup)
    blocked = archive.chats[0]
    blocked.jsonl.unlink()
    os.mkfifo(blocked.jsonl)  # would hang a reader that opened it blindly
    with (archive.chats[1].jsonl).open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
    out = tmp_path / "out"
    assert main(["export", str(backup), "--out", str(out), "--format", "tde"]) == 1
    err = capsys.readouterr().err
    assert f"not exported: {blocked.name}: its messages.jsonl cannot be read" in err
    assert "1 damaged line" in err
    whole = json.loads((out / "result.json").read_text(encoding="utf-8"))
    counts = [len(chat["messages"]) for chat in whole["chats"]["list"]]
    assert counts[0] == 0
    assert all(counts[1:])


def test_exports_show_the_archive_as_it_is_now(backup: Path, tmp_path: Path) -> None:
    from tgtui.backup.versions import Versions

    chat = open_archive(backup).chats[0]
    saved = [r for r in _lines(chat.jsonl) if r.get("type") == "message" and r.get("text")]
    edited, deleted = saved[-1], saved[-2]
    versions = Versions(chat.folder).open()
    versions.edited(
        {**edited, "text": "said better", "edited": "2026-11-27T10:00:00Z",
         "edited_unixtime": "1764237600",
         "text_entities": [{"type": "plain", "text": "said better"}]}
    )  # fmt: skip
    versions.deleted(deleted["id"], "channel difference")
    versions.close()
    out = _exported(backup, tmp_path)
    folder = out / chat_folder(1, len(open_archive(backup).chats))
    messages = {m["id"]: m for m in json.loads((folder / "result.json").read_text())["messages"]}
    assert messages[edited["id"]]["text"] == "said better"  # the latest version
    assert messages[edited["id"]]["edited_unixtime"] == "1764237600"
    assert deleted["id"] in messages  # gone from Telegram, kept in the archive's export
    page = "".join(p.read_text() for p in folder.glob("messages*.html"))
    assert "said better" in page
    assert "edited (2 versions)" in page
    assert "deleted on Telegram" in page


def test_the_export_writes_telegram_desktops_english_in_any_language(
    backup: Path, tmp_path: Path
) -> None:
    """A Portuguese user's export is the English one, byte for byte (pages, JSON, files):
    Telegram Desktop's export format is what tools read, and the pages say what its say."""
    archive = open_archive(backup)
    english = export_backup(archive, tmp_path / "en", "both")
    with i18n.speaking(i18n.PORTUGUESE):
        assert i18n._("Saved Messages") == "Mensagens Salvas"  # Portuguese is on
        portuguese = export_backup(archive, tmp_path / "pt", "both")
        assert i18n.current() == i18n.PORTUGUESE  # and still on after the export
    assert (english.chats, english.messages) == (portuguese.chats, portuguese.messages)
    written = sorted(
        p.relative_to(english.folder) for p in english.folder.rglob("*") if p.is_file()
    )
    assert written == sorted(
        p.relative_to(portuguese.folder) for p in portuguese.folder.rglob("*") if p.is_file()
    )
    pages = [p for p in written if p.suffix in (".html", ".json")]
    assert any(p.suffix == ".html" for p in pages)
    for page in pages:
        assert (english.folder / page).read_bytes() == (portuguese.folder / page).read_bytes(), page
