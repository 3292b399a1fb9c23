"""The figures of a backup's progress, without a server: the estimate from what Telegram
counted (and what it says is a guess), progress and time left over messages and bytes
together, and the command line's summary in a log."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, cast

import pytest
from rich.cells import cell_len
from rich.console import Console

from tgtui import i18n
from tgtui.backup.estimate import Counted, Sample, Saved, estimate, search_keys
from tgtui.backup.progress import ChatFinished
from tgtui.backup.rows import ChatRow, Samples, totals_of
from tgtui.backup.selection import ChatTarget
from tgtui.backup.summary import summary_table
from tgtui.commands.backup_progress import took
from tgtui.format.media_paths import MediaFilter
from tgtui.units import percent, sizes
from tgtui.widgets.backup_rows import FILES_WIDTH, files_of

DOCS = MediaFilter(frozenset({"document"}))


def doc(message_id: int, size: int) -> dict[str, Any]:
    return {"id": message_id, "media_type": "file", "file_size": size}


def target(chat_id: int = 1) -> ChatTarget:
    return ChatTarget(chat_id=chat_id, name="Chat", type="group", username=None, input_peer=None)


def test_a_small_chat_is_read_off_its_page_exactly() -> None:
    page = Sample(count=3, size=3, files=(doc(1, 100), doc(3, 50)), oldest_id=1)
    assert search_keys(page, saved=Saved(), media=DOCS) == []
    found = estimate(page, saved=Saved(), media=DOCS)
    assert (found.media_files, found.media_bytes) == (2, 150)
    assert found.files_counted
    assert found.bytes_exact
    # Saved up to message 1: only message 3's file is left.
    again = estimate(page, saved=Saved(1, 1), media=DOCS)
    assert (again.media_files, again.media_bytes) == (1, 50)


def test_a_big_chat_counts_its_files_as_telegram_does() -> None:
    """The page of the newest 100 holds no document; Telegram counts 939 of them."""
    page = Sample(count=5_000, size=100, files=(), oldest_id=4_901)
    (key,) = search_keys(page, saved=Saved(), media=DOCS)
    guessed = estimate(page, saved=Saved(), media=DOCS)  # before Telegram answers
    assert guessed.media_files == 0
    assert not guessed.files_counted
    page.searches[key] = Counted(939, tuple(doc(5_000 - n, 1_000) for n in range(20)))
    counted = estimate(page, saved=Saved(), media=DOCS)
    assert counted.media_files == 939
    assert counted.files_counted
    assert counted.media_bytes == 939_000
    assert not counted.bytes_exact  # sizes of 20 of them, scaled: a guess
    # A size limit keeps the share of the files seen under it: a guess too.
    small = MediaFilter(frozenset({"document"}), max_size=500)
    page.searches[key] = Counted(939, (doc(5_000, 100), doc(4_999, 10_000)))
    assert estimate(page, saved=Saved(), media=small).media_files == 470
    assert not estimate(page, saved=Saved(), media=small).files_counted


def test_the_bar_and_the_time_left_wait_for_the_last_byte() -> None:
    row = ChatRow(target(), status="running", done=150, total=150, started=0.0)
    row.media_started, row.media_total, row.media_bytes = True, 1, 2_400_000
    row.received = 1_200_000
    fraction = row.fraction()
    assert fraction is not None
    assert fraction < 1
    assert (row.eta(10.0) or 0) > 0
    row.received = 2_400_000  # every byte in, the file not yet at its name: not done
    assert percent(row.fraction() or 0) == "99%"
    assert (row.eta(10.0) or 0) > 0
    samples = Samples()
    samples.add(0.0, 0, 0)
    samples.add(1.0, 150, 1_000_000)
    samples.add(20.0, 150, 2_400_000)  # a slow part of the file: nothing in the last window
    totals = totals_of([row], samples, 40.0, running=True)
    assert totals.fraction is not None
    assert totals.fraction < 1
    assert totals.eta is not None
    assert totals.eta > 0
    row.media_done, row.status = 1, "done"
    done = totals_of([row], samples, 40.0, running=True)
    assert done.fraction == 1
    assert done.eta == 0


def test_bytes_of_bytes_stay_one_value() -> None:
    assert sizes(78_300_000, 120_000_000) == "78.3/120.0 MB"
    assert sizes(950_000, 1_200_000) == "950.0 KB/1.2 MB"
    assert sizes(0, 5_100_000, guess=True) == "0/≈5.1 MB"
    assert " " not in sizes(78_300_000, 120_000_000).split("/")[0]
    assert percent(0.9999) == "99%"
    assert percent(1.0) == "100%"


def test_the_summary_is_a_table_on_a_terminal_and_lines_in_a_log() -> None:
    result = ChatFinished(target(), Path(), "partial", "stopped", 10, 4, 2, 1)
    for terminal in (True, False):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=100, color_system=None)
        console.print(summary_table([result], all_rows=True))
        text = out.getvalue()
        if terminal:
            assert "┃" in text
        else:
            assert not set(text) & set("─│┃━┏┓┗┛┡┩")
            assert text.strip() == "partial: Chat: 10 messages (4 new), 2 files; stopped"
    assert took(0.43) == "0.4 s"
    assert took(75) == "1 min 15 s"
    assert took(3_725) == "1 h 02 min"


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_a_chats_files_column_drops_its_word_before_a_number_is_cut(language: str) -> None:
    """At 80 columns the files cell has 26 cells: "200/779 arquivos 80,4/303,3 MB" is 30.
    The backup screen showed "80,4/303," (the total cut in half); the word goes instead."""
    i18n.use(i18n.choose(language))
    try:
        row = ChatRow(target(), status="running", done=5_000, total=5_000, started=0.0)
        row.media_started, row.media_total, row.media_done = True, 779, 200
        row.media_bytes, row.received = 303_300_000, 80_400_000
        shown = files_of(cast(Any, None), row, FILES_WIDTH - 1)
        assert cell_len(shown) <= FILES_WIDTH - 1, shown
        assert shown.startswith("200/779 ")
        assert shown.endswith(sizes(80_400_000, row.bytes_total)), shown  # both values whole
        roomy = files_of(cast(Any, None), row)
        assert roomy.split()[1] in ("files", "arquivos")  # with room, the word stays
    finally:
        i18n.use(i18n.choose("en"))
