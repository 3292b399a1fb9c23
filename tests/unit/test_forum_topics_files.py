"""topics.jsonl as written and read: versions kept, a listing that did not end removes
nothing, hostile lines passed over; which topic a record is in."""

from __future__ import annotations

from pathlib import Path

from tgtui.backup.versioned import keep_versions
from tgtui.format.topics import GENERAL, in_topic, read_topic_versions, read_topics, topic_of
from tgtui.format.topics import topics_path as path_of


def _topic(topic_id: int, title: str, **more: object) -> dict[str, object]:
    return {"id": topic_id, "title": title, "closed": False, "pinned": False, **more}


def test_versions_are_appended_and_a_partial_listing_removes_nothing(tmp_path: Path) -> None:
    path = path_of(tmp_path)
    first = {"1": _topic(1, "General"), "5": _topic(5, "Trips"), "9": _topic(9, "Food")}
    kept = keep_versions(path, first, 100)
    assert sorted(kept.added) == ["1", "5", "9"]
    assert keep_versions(path, first, 200).added == []  # nothing changed: nothing written
    before = path.read_bytes()
    partial = {"1": _topic(1, "General"), "5": _topic(5, "Trips 2026")}
    kept = keep_versions(path, partial, 300, complete=False)
    assert (kept.changed, kept.removed) == (["5"], [])
    kept = keep_versions(path, partial, 400)
    assert kept.removed == ["9"]
    assert path.read_bytes().startswith(before)  # nothing rewritten
    topics = {t.id: t for t in read_topics(tmp_path)}
    assert topics[5].title == "Trips 2026"
    assert topics[5].versions == 2
    assert topics[9].removed
    assert topics[9].title == "Food"  # as it last was
    assert len(read_topic_versions(tmp_path).versions["5"]) == 2


def test_hostile_lines_are_passed_over(tmp_path: Path) -> None:
    path_of(tmp_path).write_bytes(
        b'not json\n{"key": "3", "seen": 5, "data": {"id": 4, "title": "x"}}\n'
        b'{"key": "7", "seen": 5, "data": {"id": 7, "title": ["no"], "closed": "yes"}}\n'
        b'{"key": 8, "seen": 5, "data": {"id": 8}}\n' + b"x" * 2_000_000 + b"\n"
    )
    topics = read_topics(tmp_path)
    assert [(t.id, t.title, t.closed) for t in topics] == [(7, "", False)]
    assert read_topic_versions(tmp_path).damaged == 3
    assert read_topics(tmp_path / "none") == []


def test_which_topic_a_record_is_in() -> None:
    assert topic_of({"id": 10, "topic_id": 5}) == 5
    assert topic_of({"id": 5, "action": "topic_created"}) == 5
    assert topic_of({"id": 11}) is None
    assert topic_of({"id": 12, "topic_id": "5"}) is None
    assert topic_of({"id": 13, "topic_id": True}) is None
    assert in_topic({"id": 11}, GENERAL)
    assert not in_topic({"id": 10, "topic_id": 5}, GENERAL)
    assert in_topic({"id": 10, "topic_id": 5}, 5)
