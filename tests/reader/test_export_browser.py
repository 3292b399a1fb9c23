"""The HTML export in a real browser (headless Chromium, the system's): every page loads from
file://, no request fails, every picture decodes, a reply link lands on its message, and
nothing from a message runs as code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.reader.browser import browser_page, chromium
from tgtui.archive.folder import open_archive
from tgtui.cli import main
from tgtui.export.run import chat_folder

pytestmark = pytest.mark.skipif(
    chromium() is None and not os.environ.get("CI"),
    reason="needs Chromium (Debian: apt install chromium); CI installs it and never skips",
)

_LOAD_IMAGES = """
async () => {
  const images = Array.from(document.images);
  for (const image of images) { image.loading = "eager"; }
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  return images.map(i => [i.getAttribute("src"), i.naturalWidth]);
}
"""


def test_every_page_loads_in_a_browser_with_its_pictures(backup: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert main(["export", str(backup), "--out", str(out), "--format", "html"]) == 0
    chats = open_archive(backup).chats
    failed: list[str] = []
    errors: list[str] = []
    pictures = 0
    with browser_page() as page:

        def note_failure(request: Any) -> None:
            # Leaving a page cancels the pictures it was still loading: not a broken link.
            if request.failure != "net::ERR_ABORTED":
                failed.append(f"{request.url}: {request.failure}")

        page.on("requestfailed", note_failure)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((out / "index.html").as_uri())
        links = page.locator("table.chats a")
        assert links.count() == len(chats)
        names = [links.nth(i).inner_text() for i in range(links.count())]
        assert names == [c.name for c in chats]
        links.first.click()
        page.wait_for_url("**/" + chat_folder(1, len(chats)) + "/messages.html")
        for html in sorted(out.glob("chats/*/messages*.html")):
            page.goto(html.as_uri())
            for src, width in page.evaluate(_LOAD_IMAGES):
                assert width > 0, f"{html.name}: {src} did not decode"
                pictures += 1
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
    assert failed == []
    assert errors == []


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
            assert all(src.startswith("photos/") for src in sources), html.name
        text = page.locator("body").inner_text()
    assert dialogs == []
    pages = "".join(p.read_text("utf-8") for p in out.glob("chats/*/messages*.html"))
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in pages
    assert text
