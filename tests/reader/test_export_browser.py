"""The HTML export in a real browser (headless Chromium, the system's): every page loads from
file://, no request fails nor leaves file://, every picture, video and sound decodes (the
sandbox's noise replaced by real files: `tests.reader.export_media`), a chat reads as a chat
(grouped senders, userpics, quotes, players), a reply link lands on its message, and nothing
from a message runs as code."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.reader.browser import browser_page, chromium
from tests.reader.conftest import _make_backup
from tests.reader.export_media import (
    DECODE_ALL,
    HOSTILE,
    make_media_real,
    media_chat,
    real_media,
)
from tgtui.archive.folder import open_archive
from tgtui.cli import main
from tgtui.export.run import chat_folder
from tgtui.format.media_paths import MediaFilter
from tgtui.sandbox import WorldOptions

pytestmark = pytest.mark.skipif(
    chromium() is None and not os.environ.get("CI"),
    reason="needs Chromium (Debian: apt install chromium); CI installs it and never skips",
)


@pytest.fixture(scope="module")
def all_media_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a small world with every kind of media saved (small files), made once."""
    out = tmp_path_factory.mktemp("export-media") / "backup"
    world = WorldOptions(seed=23, dialogs=4, messages=300, max_file_size=32 * 1024)
    asyncio.run(_make_backup(out, world, MediaFilter()))
    return out


def _watched(page: Any) -> tuple[list[str], list[str], list[str]]:
    """The requests that failed, the console's errors, and every address asked for."""
    failed: list[str] = []
    errors: list[str] = []
    asked: list[str] = []

    def note_failure(request: Any) -> None:
        # Leaving a page cancels the pictures it was still loading: not a broken link.
        if request.failure != "net::ERR_ABORTED":
            failed.append(f"{request.url}: {request.failure}")

    page.on("requestfailed", note_failure)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda request: asked.append(request.url))
    return failed, errors, asked


def _decoded(page: Any, html: Path) -> Counter[str]:
    """Every <img>, <video> and <audio> of a page loaded and decoded: how many of each."""
    page.goto(html.as_uri())
    found: Counter[str] = Counter()
    for tag, src, ok in page.evaluate(DECODE_ALL):
        assert ok, f"{html.name}: {tag} {src} did not decode"
        found[tag] += 1
    return found


_POSTERS = """async () => await Promise.all(
  Array.from(document.querySelectorAll("video[poster]"), v => new Promise(done => {
    const picture = new Image();
    picture.onload = () => done([v.getAttribute("poster"), picture.naturalWidth > 0]);
    picture.onerror = () => done([v.getAttribute("poster"), false]);
    picture.src = v.poster;
  })))"""


def _posters_decoded(page: Any, html: Path) -> int:
    """Every video poster of the page (open) loads and decodes: how many there are."""
    found = page.evaluate(_POSTERS)
    for poster, ok in found:
        assert ok, f"{html.name}: poster {poster} did not decode"
    return len(found)


def test_every_page_loads_in_a_browser_with_its_pictures(backup: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    chats = open_archive(backup).chats
    pictures = previews = userpics = 0
    with browser_page() as page:
        assert make_media_real(backup, real_media(page)) > 0  # its stickers
        assert main(["export", str(backup), "--out", str(out), "--format", "html"]) == 0
        failed, errors, asked = _watched(page)
        page.goto((out / "index.html").as_uri())
        links = page.locator("table.chats td:first-child a")
        assert links.count() == len(chats)
        names = [links.nth(i).inner_text() for i in range(links.count())]
        assert names == [c.name for c in chats]
        links.first.click()
        page.wait_for_url("**/" + chat_folder(1, len(chats)) + "/messages.html")
        for html in sorted(out.glob("chats/*/messages*.html")):
            pictures += _decoded(page, html)["IMG"]
            # Photos left out by the media choice: their saved thumbnail, marked a preview.
            previews += page.locator(".media.preview img").count()
            assert (
                page.locator(".media.preview .tag").count()
                == page.locator(".media.preview img").count()
            )
            userpics += page.locator("img.userpic").count()
        # A reply link leads to the message it answers, on whichever page it is.
        reply = None
        for html in sorted(out.glob("chats/*/messages*.html")):
            page.goto(html.as_uri())
            if page.locator(".reply a").count():
                reply = page.locator(".reply a").first
                break
        assert reply is not None
        target = (reply.get_attribute("href") or "").split("#")[1]
        reply.click()
        page.wait_for_url(f"**#{target}")
        assert page.locator(f"#{target}").is_visible()
    assert pictures > 0
    assert previews > 0
    assert userpics > 0  # the saved ones (`_decoded` decoded each)
    assert failed == []
    assert errors == []
    assert asked
    assert all(url.startswith("file://") for url in asked)
    # Self-contained: every picture a page shows is in the export, none in the backup.
    pages = "".join(p.read_text("utf-8") for p in out.glob("chats/*/messages*.html"))
    assert "../../avatars/" in pages
    assert str(backup) not in pages
    assert {p.name for p in (out / "avatars").iterdir()} <= {
        p.name for p in (backup / "avatars").iterdir()
    }


def test_every_picture_video_and_sound_of_a_chat_plays_in_a_browser(
    all_media_backup: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(all_media_backup, backup)
    out = tmp_path / "export"
    found: Counter[str] = Counter()
    with browser_page() as page:
        assert make_media_real(backup, real_media(page)) > 0
        assert main(["export", str(backup), "--out", str(out), "--format", "html"]) == 0
        failed, errors, asked = _watched(page)
        userpics = saved = posters = 0
        for html in sorted(out.glob("chats/*/messages*.html")):
            found += _decoded(page, html)
            posters += _posters_decoded(page, html)
            # A joined message shows no name nor userpic again (the sandbox's small worlds
            # space messages hours apart: `test_each_kind_of_media...` has groups).
            assert page.locator(".message.joined .from, .message.joined .userpic").count() == 0
            # Each group's first message: a name and a userpic (the saved one, else initials).
            firsts = page.locator(".message:not(.joined)")
            assert page.locator(".message:not(.joined) > .userpic").count() == firsts.count()
            assert page.locator(".message:not(.joined) .meta .from").count() == firsts.count()
            userpics += firsts.count()
            saved += page.locator(".message:not(.joined) > img.userpic").count()
            assert page.locator("header .bar .userpic").count() == 1
    assert min(found[tag] for tag in ("IMG", "VIDEO", "AUDIO")) > 0, found
    assert userpics
    assert saved  # the senders' saved userpics, decoded (`_decoded`)
    assert posters  # videos' and GIFs' posters: their saved thumbnails, decoded
    assert failed == []
    assert errors == []
    assert asked
    assert all(url.startswith("file://") for url in asked)


_KINDS = """() => Array.from(document.querySelectorAll(".media"), m => {
  const e = m.querySelector("img, video, audio");
  return [m.className, e ? e.tagName : "", e ? e.getAttributeNames().sort().join(" ") : "",
          e ? getComputedStyle(e).borderRadius : "", m.innerText];
})"""


def test_each_kind_of_media_is_shown_as_a_chat_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export"
    with browser_page(height=2400) as page:
        backup = media_chat(tmp_path / "backup", real_media(page))
        code = main(["export", str(backup), "--out", str(out), "--format", "html"])
        assert code == 0, capsys.readouterr().err
        failed, errors, asked = _watched(page)
        html = out / "chats" / "chat_1" / "messages.html"
        assert _decoded(page, html) == {"IMG": 2, "VIDEO": 4, "AUDIO": 2}
        shown: dict[str, list[str]] = {}
        for kind, *rest in page.evaluate(_KINDS):
            shown.setdefault(kind, rest)  # the first of each
        assert shown["media photo"][:2] == ["IMG", "alt height loading src width"]
        assert shown["media sticker"][:2] == ["IMG", "alt height loading src width"]
        # A GIF plays by itself, muted, in a loop; with no script, no control is needed.
        assert shown["media animation"][:2] == [
            "VIDEO",
            "autoplay height loop muted playsinline preload src width",
        ]
        assert shown["media video"][:2] == ["VIDEO", "controls height preload src width"]
        assert shown["media video"][3].startswith("video · clip.mp4 · ")
        assert shown["media video"][3].endswith(" B · 0:01")
        round_video = shown["media round"]
        assert round_video[:2] == ["VIDEO", "controls preload src"]
        assert round_video[2] == "50%"
        assert "The Band — A Song · 2:05" in page.locator(".media.audio").nth(1).inner_text()
        assert "0:07" in page.locator(".media.audio").first.inner_text()
        # Sounds are fetched only when played (`_decoded` asked for them all).
        assert html.read_text(encoding="utf-8").count(' controls preload="none"></audio>') == 2
        # A poll: a bar an answer, its share beside it.
        assert page.locator(".poll meter").evaluate_all("ms => ms.map(m => m.value)") == [70, 30]
        assert "<i>There</i>" in page.locator(".poll").inner_text()
        # Not saved: the reason in words.
        assert "File not included" in page.locator("#message15").inner_text()
        # Grouped: Ana's eight media under one name, Bea's two, Ana's 13 to 15; a pill for
        # the pin, and Ana's name again after it.
        assert page.locator(".message.joined").count() == 7 + 1 + 2
        assert page.locator("#message17 .from").inner_text() == "Ana"
        assert page.locator("#message9 .userpic").inner_text() == "BL"
        assert page.locator("#message10 .from").count() == 0
        assert page.locator(".service .pill").inner_text().startswith("Ana pinned")
        # The time on the right, the full date its tooltip.
        time = page.locator("#message9 .time")
        assert (time.get_attribute("title") or "").count(":") == 2
        box, body = time.bounding_box(), page.locator("#message9 .body").bounding_box()
        assert box is not None
        assert body is not None
        assert body["x"] + body["width"] - (box["x"] + box["width"]) < 16
        # Replies quote the sender and the start of the text, and lead to it.
        quote = page.locator("#message11 .reply a")
        assert quote.inner_text() == "Bea Lima hello from Bea"
        assert quote.get_attribute("href") == "#message9"
        # A hostile name: text in its initials and in a quote, never markup.
        assert page.locator("#message12 .userpic").inner_text() == "SX"
        quoted = page.locator("#message13 .reply a").inner_text()
        assert quoted.startswith("<script>alert('pic')</script>")
        assert quoted.endswith("I am <b>hostile</b>")
        assert page.locator("script, b b, i").count() == 0
    assert failed == []
    assert errors == []
    assert asked
    assert all(url.startswith("file://") for url in asked)
    page_text = html.read_text(encoding="utf-8")
    assert HOSTILE[:8] not in page_text
    assert "&lt;script&gt;alert(&#x27;pic&#x27;)&lt;/script&gt;" in page_text


def test_a_hostile_chat_is_text_in_the_browser(hostile_backup: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert main(["export", str(hostile_backup), "--out", str(out), "--format", "html"]) == 0
    dialogs: list[str] = []
    with browser_page() as page:

        def refuse(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", refuse)
        for html in [out / "index.html", *sorted(out.glob("chats/*/messages*.html"))]:
            page.goto(html.as_uri())
            # No element came from a message: only the tags the export writes.
            tags = set(page.evaluate("Array.from(document.querySelectorAll('*'), e => e.tagName)"))
            assert tags <= {
                "HTML",
                "HEAD",
                "META",
                "TITLE",
                "LINK",
                "BODY",
                "DIV",
                "HEADER",
                "MAIN",
                "FOOTER",
                "NAV",
                "A",
                "SPAN",
                "H1",
                "B",
                "BR",
                "IMG",
                "STRONG",
                "EM",
                "U",
                "S",
                "CODE",
                "PRE",
                "BLOCKQUOTE",
                "UL",
                "LI",
                "P",
                "TABLE",
                "TBODY",
                "TR",
                "TD",
                "TH",
            }, html.name
            sources = page.evaluate("Array.from(document.images, i => i.getAttribute('src'))")
            places = ("photos/", "thumbs/", "../../avatars/")
            assert all(src.startswith(places) for src in sources), html.name
        text = page.locator("body").inner_text()
    assert dialogs == []
    pages = "".join(p.read_text("utf-8") for p in out.glob("chats/*/messages*.html"))
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in pages
    assert text
