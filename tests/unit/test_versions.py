"""edits.jsonl and deleted.jsonl: every version and deletion once, across reopenings and a
torn last line; saved records found by bisecting the file; the latest view of a chat."""

from __future__ import annotations

import json
from pathlib import Path

from tgtui.backup.versions import DELETED, EDITS, Versions
from tgtui.backup.writer import encode_record
from tgtui.format.versions import find_record, latest_view


def _write_messages(folder: Path, ids: list[int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.jsonl").open("wb") as handle:
        for msg_id in ids:
            handle.write(encode_record({"id": msg_id, "text": f"first {msg_id}" + "x" * 300}))


def _ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_each_version_and_deletion_is_kept_once_across_reopening(tmp_path: Path) -> None:
    _write_messages(tmp_path, [1, 2, 3])
    first = {"id": 2, "text": "first 2"}
    edit = {"id": 2, "text": "second", "edited": "2026-01-02T00:00:00Z", "edited_unixtime": "9"}
    versions = Versions(tmp_path).open()
    assert versions.edited(edit, first)
    assert not versions.edited(dict(edit))  # the same version again
    assert not versions.edited({**first, "edited_unixtime": "5"}, {**first, "edited_unixtime": "5"})
    assert versions.deleted(3, "channel difference")
    assert not versions.deleted(3, "re-check")
    versions.close()
    # A run that stopped before its checkpoint moved on sees the same changes again.
    with (tmp_path / DELETED).open("ab") as handle:
        handle.write(b'{"id": 1, "deleted": "2026')  # and a torn last line
    again = Versions(tmp_path).open()
    assert not again.edited(dict(edit))
    assert not again.deleted(3, "channel difference")
    assert again.deleted(1, "live update")
    again.close()
    assert _ids(tmp_path / EDITS) == [2]
    assert _ids(tmp_path / DELETED) == [3, 1]


def test_two_edits_within_one_second_are_both_kept_and_the_later_shown(tmp_path: Path) -> None:
    """Telegram's edit dates are whole seconds: a second edit in the same second has the same
    date and must neither be taken for the first nor lost."""
    _write_messages(tmp_path, [4])
    first = {"id": 4, "text": "first 4"}
    at = {"edited": "2026-01-02T00:00:09Z", "edited_unixtime": "9"}
    versions = Versions(tmp_path).open()
    assert versions.edited({"id": 4, "text": "typo", **at}, first)
    assert versions.edited({"id": 4, "text": "fixed", **at}, first)
    assert not versions.edited({"id": 4, "text": "fixed", **at}, first)
    versions.close()
    [shown] = list(latest_view(tmp_path))
    assert shown["text"] == "fixed"
    assert shown["versions"] == 3


def test_find_record_bisects_to_any_saved_message(tmp_path: Path) -> None:
    ids = list(range(10, 5000, 7))
    _write_messages(tmp_path, ids)
    jsonl = tmp_path / "messages.jsonl"
    for msg_id in (ids[0], ids[1], ids[len(ids) // 2], ids[-2], ids[-1]):
        record = find_record(jsonl, msg_id)
        assert record is not None
        assert record["id"] == msg_id
    for missing in (0, 11, 4999, 10**9):
        assert find_record(jsonl, missing) is None
    assert find_record(tmp_path / "nothing.jsonl", 10) is None
    assert find_record(tmp_path, 10) is None  # a folder where the file should be


def test_latest_view_shows_the_last_version_and_marks_deletions(tmp_path: Path) -> None:
    _write_messages(tmp_path, [1, 2, 3])
    versions = Versions(tmp_path).open()
    versions.edited({"id": 2, "text": "v3", "edited_unixtime": "300"})
    versions.edited({"id": 2, "text": "v2", "edited_unixtime": "200"})
    versions.deleted(3, "re-check")
    versions.close()
    view = list(latest_view(tmp_path))
    assert [r["id"] for r in view] == [1, 2, 3]
    assert "versions" not in view[0]
    assert (view[1]["text"], view[1]["versions"]) == ("v3", 3)
    assert view[2]["text"].startswith("first 3")
    assert view[2]["deleted_on_telegram"]


def _at(second: int) -> dict[str, str]:
    return {"edited": f"2026-01-02T00:00:{second:02d}Z", "edited_unixtime": str(second)}


def test_an_older_version_saved_after_a_newer_one_is_not_shown_as_the_latest(
    tmp_path: Path,
) -> None:
    """A copy can read a message after its second edit (the first version on disk is then
    that edit) and a difference later name its first edit: the chat shows the newest."""
    folder = tmp_path / "chat"
    folder.mkdir()
    (folder / "messages.jsonl").write_bytes(encode_record({"id": 7, "text": "two", **_at(20)}))
    versions = Versions(folder).open()
    assert versions.edited({"id": 7, "text": "one", **_at(10)})
    versions.close()
    [shown] = list(latest_view(folder))
    assert shown["text"] == "two"
    assert shown["versions"] == 2


def test_a_caption_edited_keeps_the_file_the_first_version_saved(tmp_path: Path) -> None:
    """Editing a photo's caption leaves the photo: the latest version (as the reader and the
    exports see it) still names the saved file, its size and path; a version whose media is
    another photo does not take the old one's file."""
    folder = tmp_path / "chat"
    folder.mkdir()
    photo = {"media_type": "photo", "width": 800, "height": 600, "file_size": 4321}
    first = {"id": 9, "text": "sunset", **photo, "file": "media/photos/9.jpg"}
    (folder / "messages.jsonl").write_bytes(encode_record(first))
    versions = Versions(folder).open()
    assert versions.edited({"id": 9, "text": "sunset at the lake", **photo, **_at(10)}, first)
    versions.close()
    [shown] = list(latest_view(folder))
    assert shown["text"] == "sunset at the lake"
    assert shown["file"] == "media/photos/9.jpg"
    assert shown["file_size"] == 4321

    other = {"media_type": "photo", "width": 640, "height": 480, "file_size": 999}
    versions = Versions(folder).open()
    assert versions.edited({"id": 9, "text": "another photo", **other, **_at(20)}, first)
    versions.close()
    [shown] = list(latest_view(folder))
    assert shown["text"] == "another photo"
    assert "file" not in shown
