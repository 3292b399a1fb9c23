"""The pure parts of `tgtui stats`: a text's words, links and emoji, what a record adds,
ranges split into whole months and edges, medians, and the aggregates kept current on a
backup made by hand (new lines added, a changed file read again)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from tests.reader.stranger import DATE, Chat, line, message, write_backup
from tgtui.archive.folder import open_archive
from tgtui.stats.message import look, media_kind
from tgtui.stats.query import _median, figures, span_of
from tgtui.stats.tally import month_bounds, month_of
from tgtui.stats.text import domain, text_facts
from tgtui.stats.update import StatsStore


def test_words_links_and_emoji_of_a_text() -> None:
    facts = text_facts(
        "Olá, THE garden é lindo 3rd 👍🏽❤️ 🇧🇷 see https://www.Example.com/x?a=1).",
        [{"type": "text_link", "text": "here", "href": "http://docs.test/p"}],
    )
    assert facts.words == 7  # Olá THE garden é lindo 3rd see: the link is taken out
    assert facts.links == 2
    assert facts.domains == ["example.com", "docs.test"]
    assert facts.top_words == ["olá", "garden", "lindo", "see"]  # "the", "é": stop words
    assert facts.emoji == ["👍🏽", "❤", "🇧🇷"]
    assert domain("https://[bad/x") is None
    assert domain("https://[bad/x") is None  # as kept
    long = "https://WWW.Long.test/" + "x" * 300
    assert domain(long) == domain(long) == "long.test"
    assert domain("http://") is None
    assert text_facts("").words == 0


def test_what_a_record_adds_with_odd_fields() -> None:
    seen = look({"id": 1, "text": 7, "from": ["x"], "media_type": "\x1b[2J", "file_size": -1})
    assert (seen.sender, seen.media, seen.size, seen.text.words) == ("", "other", 0, 0)
    assert look({"id": 2, "type": "service"}).service
    assert look({"id": 3, "deleted_on_telegram": "x"}).deleted
    author = look({"id": 4, "author": "Ed", "text": "hi"})
    assert (author.sender, author.name) == ("name:Ed", "Ed")
    assert media_kind("voice_message") == "voice_message"
    assert media_kind("") == ""


def test_a_range_is_whole_months_and_edges() -> None:
    since = dt.datetime(2025, 1, 15, tzinfo=dt.UTC)
    until = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    span = span_of(since, until)
    assert (span.first, span.last) == (
        month_of(int(dt.datetime(2025, 2, 1).timestamp())),
        2025 * 12 + 2,
    )
    assert span.edges() == [(int(since.timestamp()), month_bounds(span.first)[0])]
    inside = span_of(dt.datetime(2025, 1, 2, tzinfo=dt.UTC), dt.datetime(2025, 1, 3, tzinfo=dt.UTC))
    assert inside.first > inside.last
    assert len(inside.edges()) == 1
    assert span_of(None, None).edges() == []


def test_medians_of_counted_values() -> None:
    assert _median({}) is None
    assert _median({5: 1}) == 5
    assert _median({1: 1, 9: 1}) == 5
    assert _median({1: 2, 3: 1, 100: 1}) == 2


def test_the_aggregates_follow_new_lines_and_a_rewritten_file(tmp_path: Path) -> None:
    chat = Chat(42, "Ana", [line(message(i, f"garden {i}", out=i % 2 == 0)) for i in range(1, 30)])
    write_backup(tmp_path, [chat])
    archive = open_archive(tmp_path)
    with StatsStore(archive) as store:
        assert store.update().messages == 29
        assert figures(store, archive.chats).messages == 29
        jsonl = tmp_path / chat.path / "messages.jsonl"
        with jsonl.open("ab") as lines:
            lines.write(line(message(30, "late one")))
        done = store.update()
        assert (done.chats, done.messages, done.rebuilt) == (1, 1, False)
        result = figures(store, archive.chats)
        assert (result.messages, result.words) == (30, 29 * 2 + 2)
        # Rewritten in place (a repair): read again from the start.
        jsonl.write_bytes(b"".join(chat.lines[:10]))
        os.utime(jsonl, ns=(1, 1))
        store.update()
        assert figures(store, archive.chats).messages == 10
        # An edit: the chat is read again, the message counts in its latest version.
        edited = {**message(3, "now six words in this one"), "edited_unixtime": str(DATE + 999)}
        (tmp_path / chat.path / "edits.jsonl").write_text(json.dumps(edited) + "\n")
        store.update()
        again = figures(store, archive.chats)
        assert (again.messages, again.edited, again.words) == (10, 1, 9 * 2 + 6)


def test_a_chat_added_up_in_small_blocks_and_word_batches_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`tgtui.stats.scan` reads a block of lines at a time and counts a month's words a
    batch at a time (both small, for the cache): cut anywhere, the sums are the same."""
    from tgtui.stats import scan

    texts = ["garden of words", "Olá, lindo 👍🏽 dia", "see https://www.example.com/x ok", ""]
    lines = [
        line(message(i, f"{texts[i % 4]} {i}", date_unixtime=str(DATE + i * 86_400 * 5)))
        for i in range(1, 40)
    ]
    lines[7] = b'{"id": 8, "text": "cut\n'  # damaged
    data = b"".join(lines)

    def added_up() -> scan.Part:
        return scan.scan(io.BytesIO(data), 0, None, None)

    whole = added_up()
    monkeypatch.setattr(scan, "BLOCK", 100)  # lines cut across blocks
    monkeypatch.setattr(scan, "WORDS_HELD", 3)  # words counted a few at a time
    cut = added_up()
    assert whole.damaged == cut.damaged == 1
    assert len(whole.ids) == 38
    for name in ("tally", "dates", "ids", "offsets", "flags", "topics", "read_to"):
        assert getattr(cut, name) == getattr(whole, name), name
    assert whole.tally.words
    assert whole.tally.emoji
    assert whole.tally.domains


def test_the_scan_counts_the_words_text_facts_counts() -> None:
    """`tgtui.stats.scan` splits the words of ASCII texts, and of texts whose only other
    characters are not word characters (emoji, dashes), in C: the words `text_facts` finds
    with its regular expression."""
    from tgtui.stats import scan

    texts = [
        "Nice 👍🏽 one—OK, it_works 42 times",
        "emoji❤️only❤️between",
        "Olá ÉLAN İstanbul 👍",
        "tab\there «quoted» and ½ of ² x",
        "\ud800 lone half",
    ]
    for text in texts:
        data = line(message(1, text))
        part = scan.scan(io.BytesIO(data), 0, None, None)
        facts = text_facts(text)
        (month,) = part.tally.months
        assert part.tally.months[month][1] == facts.words, text
        assert part.tally.words.get(month, {}) == Counter(facts.top_words), text
