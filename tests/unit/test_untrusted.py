"""The sanitiser: what a stranger's string may and may not do on our terminal and disk."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from tgtui.sandbox.names import HOSTILE, HOSTILE_FILE_NAMES
from tgtui.untrusted import clean, cut_bytes, file_name, html_text, json_line, safe_text


def _controls(text: str) -> list[str]:
    """Characters a terminal acts on: C0 (but newline), DEL, C1, bidi overrides."""
    bad = []
    for char in text:
        code = ord(char)
        if (
            (code < 0x20 and char != "\n")
            or 0x7F <= code < 0xA0
            or 0x202A <= code <= 0x202E
            or 0x2066 <= code <= 0x2069
        ):
            bad.append(char)
    return bad


@pytest.mark.parametrize("hostile", HOSTILE)
def test_no_hostile_string_keeps_a_control_character(hostile: str) -> None:
    assert _controls(clean(hostile)) == []
    assert _controls(clean(hostile, multiline=True)) == []
    assert "\n" not in clean(hostile)


def test_escape_sequences_become_visible_instead_of_acting() -> None:
    osc52 = "\x1b]52;c;ZWNobw==\x07hi"
    assert clean(osc52) == "\u241b]52;c;ZWNobw==\u2407hi"  # ␛ and ␇: seen, never run
    assert clean("a\x00b\x9bc") == "a\u2400b\ufffdc"


def test_bidi_overrides_are_dropped_but_rtl_letters_stay() -> None:
    assert clean("x\u202egnp.exe\u202c y") == "xgnp.exe y"
    assert clean("\u05e9\u05dc\u05d5\u05dd") == "\u05e9\u05dc\u05d5\u05dd"


def test_newlines_are_kept_only_where_asked() -> None:
    assert clean("a\nb\r\nc\u2028d\te") == "a b\u240d c d e"
    assert clean("a\nb", multiline=True) == "a\nb"


def test_long_strings_are_cut_with_an_ellipsis() -> None:
    assert clean("A" * 300, limit=10) == "A" * 9 + "…"
    assert len(clean("B" * 10_000_000, limit=80)) == 80


def test_floods_of_combining_marks_are_thinned() -> None:
    zalgo = "Z" + "\u0351" * 50 + "a"
    assert clean(zalgo) == "Z" + "\u0351" * 4 + "a"


def test_safe_text_is_never_markup() -> None:
    console = Console(width=80, record=True, color_system=None)
    for hostile in ("[bold red]x[/]", "[/r/linux] memes", "Chat [beta]", "Crypto [/signals]"):
        console.print(safe_text(hostile))
    shown = console.export_text()
    assert "[bold red]x[/]" in shown
    assert "[/r/linux] memes" in shown
    assert "Chat [beta]" in shown
    assert "Crypto [/signals]" in shown


def test_surrogates_cannot_break_the_terminal() -> None:
    broken = "bad \ud800 half"
    assert clean(broken) == "bad \ufffd half"
    clean(broken).encode("utf-8")  # would raise UnicodeEncodeError with the surrogate


def test_cut_bytes_never_splits_a_letter() -> None:
    bold = "\U0001d401" * 70
    assert len(bold.encode()) == 280
    cut = cut_bytes(bold, 255)
    assert len(cut.encode()) == 252
    assert cut == "\U0001d401" * 63


@pytest.mark.parametrize("name", HOSTILE_FILE_NAMES)
def test_file_names_fit_in_bytes_and_stay_in_their_folder(name: str, tmp_path: Path) -> None:
    safe = file_name(name, 200)
    assert len(safe.encode("utf-8")) <= 200
    assert "/" not in safe
    assert "\x00" not in safe
    assert safe not in (".", "..")
    assert not safe.startswith(".")
    assert _controls(safe) == []
    if safe:
        made = tmp_path / safe
        made.write_bytes(b"x")  # the filesystem takes it
        assert made.parent == tmp_path
        assert os.listdir(tmp_path) == [safe]


def test_file_names_keep_a_short_extension_when_cut() -> None:
    name = file_name("\U0001d401" * 70 + ".pdf", 100)
    assert name.endswith(".pdf")
    assert len(name.encode()) <= 100
    assert file_name("report 2024/final.docx", 200) == "report_2024_final.docx"
    assert file_name("../..", 200) == ""


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_channel_posts_signature_is_shown_as_text(hostile: str) -> None:
    """A post's author (post_author, a name Telegram passes on) goes through the sanitiser
    like every other name when the reader shows the message."""
    from tgtui.widgets.message_text import Shown, message_lines

    record = {"id": 1, "date_unixtime": "1767225600", "from": "News", "author": hostile,
              "text": "post"}  # fmt: skip
    console = Console(width=100, record=True)
    shown_with = Shown(older=None, replied=lambda _id: None, folder=Path("chat"), failed={})
    lines = message_lines(record, shown_with, 100, console)
    shown = "".join(line.plain for line in lines)
    assert _controls(shown) == []


# Characters a terminal acts on (or cannot even encode) that JSON writes raw unless told.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@pytest.mark.parametrize(
    "value", [*HOSTILE, "del \x7f", "half \ud800 pair", "csi \x9b2J", "\u202egnp.exe"]
)
def test_a_json_line_is_inert_on_a_terminal_and_exact_for_a_script(value: str) -> None:
    """`json_line` is what `search --json`, `chats --json` and `--progress json` print."""
    text = json_line({"name": value, "names": [value]})
    text.encode("utf-8")  # a lone surrogate would raise here, on stdout
    assert not _RAW_IN_JSON.search(text)
    assert "\n" not in text
    assert json.loads(text) == {"name": value, "names": [value]}


def test_html_text_escapes_and_drops_what_would_act_or_reorder() -> None:
    assert html_text('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert html_text("pay\u202e exe\u2066.txt\u2069") == "pay exe.txt"
    assert html_text("a\x00b\x7fc\x9bd\te\nf") == "abcd\te\nf"
    assert html_text("half \ud800") == "half \ufffd"
    html_text("half \ud800").encode("utf-8")
    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    assert html_text(deep) == clean(deep) == "…"  # nested past what str() walks
