"""What keeps a cold `tgtui search` within ripgrep's time (issue 30; the figures are
tests/bench/bench_search.py's): the mechanism, never the clock.

- a search with a current index opens no chat's file to see that it is current: one `lstat`
  per file against the state the index kept, nothing written to the index;
- a change the index does not hold is still found (a file that grew, a file replaced);
- a cold search loads neither Rich (for `--json`, and for results read through a pipe),
  multiprocessing (a big build's) nor chat matching (`--chat`'s), nor the logger (loguru and
  its asyncio: `tgtui.lazylog`), Telethon, Textual or a TOML parser (no config.toml);
- what it writes without Rich is what Rich's consoles would have written, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reader.stranger import line, message, two_chats
from tgtui.archive import index as index_module
from tgtui.archive.folder import open_archive
from tgtui.archive.index import MARK_OFF, MARK_ON, SearchIndex
from tgtui.archive.index_reading import open_source
from tgtui.archive.search import Filters, Hit, search
from tgtui.commands import search as search_command
from tgtui.commands.common import rich_stderr


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written a moment ago count as settled (else their state is not kept for a few
    seconds: see `tgtui.archive.index.SETTLED_NS`)."""
    monkeypatch.setattr(index_module, "SETTLED_NS", -(10**12))


def _no_opening(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every chat's file the index opens to look at it."""
    opened: list[str] = []

    def spy(chat: Any, unread: Any = None) -> Any:
        opened.append(chat.name)
        return open_source(chat, unread)

    monkeypatch.setattr(index_module, "open_source", spy)
    return opened


def test_a_current_index_opens_no_chat_file_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    two_chats(tmp_path)
    archive = open_archive(tmp_path)
    with SearchIndex(archive) as index:
        index.update()  # built
        index.update()  # each file looked at once, its state kept
    opened = _no_opening(monkeypatch)
    with SearchIndex(archive) as index:
        before = index.db.total_changes
        stats = index.update()
        found = search(index, archive, "riverword", Filters())
        assert index.db.total_changes == before  # nothing written
    assert opened == []
    assert (stats.chats, stats.messages) == (0, 0)
    assert found.count == 3


def test_what_the_index_does_not_hold_is_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    family, work = two_chats(tmp_path)
    archive = open_archive(tmp_path)
    with SearchIndex(archive) as index:
        index.update()
        index.update()
    opened = _no_opening(monkeypatch)
    grown = tmp_path / family.path / "messages.jsonl"
    with grown.open("ab") as lines:
        lines.write(line(message(1002, "riverword four")))
    replaced = tmp_path / work.path / "messages.jsonl"
    new = replaced.with_name("new.jsonl")
    new.write_bytes(line(message(1, "riverword elsewhere")))
    new.replace(replaced)  # another file (inode) in its place
    with SearchIndex(archive) as index:
        stats = index.update()
        found = search(index, archive, "riverword", Filters())
    assert sorted(opened) == ["Family", "Work"]
    assert stats.messages == 2
    assert found.count == 5
    assert search_words(tmp_path, "otherword") == 0


def search_words(folder: Path, words: str) -> int:
    archive = open_archive(folder)
    with SearchIndex(archive) as index:
        index.update()
        return search(index, archive, words, Filters()).count


def test_a_file_changed_a_moment_ago_is_opened_until_it_settles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state younger than the file system's clock can tell apart is never kept: a search
    right after a backup wrote a chat opens it, as every search did before states were."""
    family, work = two_chats(tmp_path)
    later = time.time_ns() + 3_600 * 10**9  # "a moment ago" however slow this machine is
    for chat in (family, work):
        os.utime(tmp_path / chat.path / "messages.jsonl", ns=(later, later))
    archive = open_archive(tmp_path)
    with SearchIndex(archive) as index:
        index.update()
        index.update()
        kept = index.db.execute("SELECT count(*) FROM source_stats").fetchone()[0]
    assert kept == 0
    opened = _no_opening(monkeypatch)
    assert search_words(tmp_path, "riverword") == 3
    assert sorted(opened) == ["Family", "Work"]


def _loaded_by_search(tmp_path: Path, *args: str) -> tuple[int, list[str], str]:
    """Exit code, the heavy modules loaded, and stdout of `tgtui search` run by `main` in a
    fresh interpreter whose stdout is a pipe (the index made by an earlier search)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_", "LOGURU"))}
    env.update(HOME=str(tmp_path))
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    probe = textwrap.dedent(
        f"""
        import json, sys
        from tgtui.cli import main
        code = main({["search", *args]!r})
        sys.stdout.flush()
        heavy = ("rich", "multiprocessing", "tgtui.chats.matching", "loguru", "asyncio")
        heavy += ("telethon", "textual", "tomllib")
        loaded = sorted({{m for m in sys.modules if m.startswith(heavy)}})
        sys.stderr.write("\\n" + json.dumps([code, loaded]) + "\\n")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    code, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    return code, loaded, done.stdout


def test_a_cold_search_loads_no_rich_no_multiprocessing_no_chat_matching(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    folder = str(backup)
    assert _loaded_by_search(tmp_path, "riverword", "--in", folder)[0] == 0  # makes the index
    code, loaded, out = _loaded_by_search(tmp_path, "riverword", "--in", folder, "--json")
    assert (code, loaded) == (0, [])
    assert len(out.splitlines()) == 3
    code, loaded, out = _loaded_by_search(tmp_path, "riverword", "--in", folder)
    assert (code, loaded) == (0, [])
    assert "Family" in out
    # --chat names chats: matching them loads what it needs, and finds them.
    code, loaded, out = _loaded_by_search(tmp_path, "riverword", "--in", folder, "--chat", "fam")
    assert code == 0
    assert loaded == ["tgtui.chats.matching"]


NAMES = [
    "Family",
    "Ana ",  # whitespace at the end: Rich trims it past the width
    "a:smile:b",  # an emoji code: Rich replaces it in strings
    "x" * 70 + "   ",
    "\x1b[31mred\x1b]0;title\x07 \u202eevil\u202c",
    "日本語のチャット 👩‍👩‍👧",
    "tab\there",
    "new\nline\n",
    "bell\a and return\r",
    "e\u0301\u0301\u0301\u0301\u0301\u0301",
    ":",
    "",
]


def _hits() -> list[Hit]:
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    hits = []
    for i, name in enumerate(NAMES):
        snippet = f"…before {MARK_ON}{name}{MARK_OFF} after {name}"
        hits.append(Hit(-100, name, i, when if i % 3 else None, NAMES[-1 - i], name, snippet))
    return hits


def _both_ways(capsys: pytest.CaptureFixture[str], hits: list[Hit], notes: list[str]) -> None:
    output = search_command._Output()
    output.hits(hits)
    for note in notes:
        output.say(note)
    plain = capsys.readouterr()
    search_command._Output()._rich_hits(hits)
    for note in notes:
        rich_stderr().print(note)
    rich = capsys.readouterr()
    assert (plain.out, plain.err) == (rich.out, rich.err)


def test_what_is_written_without_rich_is_what_rich_writes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results and notes, one by one and all together (one line that Rich must write sends
    the rest through it too), without Rich and with it, into a pipe."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "40")
    hits = _hits()
    for hit, name in zip(hits, NAMES, strict=True):
        _both_ways(capsys, [hit], [f"note: {name}"])
    _both_ways(capsys, hits, [f"note: {name}" for name in NAMES])
    _both_ways(capsys, [], [])
