"""The HTML export's account and topic pages in a real browser (headless Chromium, issue 34):
from index.html to each account page and back, from a forum's page to its topics and a
topic's pages and back, by clicking; a saved profile picture decodes; every request stays on
file:// and none fails; the light and the dark scheme."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.reader.browser import browser_page, chromium
from tests.reader.test_export_account_topics import _picture, _set_files
from tests.reader.test_export_browser import _watched
from tgtui.cli import main
from tgtui.format.account import read_section

pytestmark = pytest.mark.skipif(
    chromium() is None and not os.environ.get("CI"),
    reason="needs Chromium (Debian: apt install chromium); CI installs it and never skips",
)

_DECODED = """() => Array.from(document.images, i => [i.getAttribute("src"),
  i.complete && i.naturalWidth > 0])"""
# Every picture of the page has loaded, or failed to: what `_DECODED` then reads is the
# page's last word, not a race with the browser still reading a file (a loaded CI box).
_SETTLED = "() => Array.from(document.images).every(i => i.complete)"


def _decoded(page: Any) -> list[list[Any]]:
    """Each picture of the page and whether it decoded, once every one has settled."""
    page.wait_for_function(_SETTLED)
    return list(page.evaluate(_DECODED))


def _style(page: Any, selector: str, name: str) -> str:
    return str(
        page.evaluate(
            f"getComputedStyle(document.querySelector({selector!r})).{name}",
        )
    )


def test_the_account_and_topic_pages_render_offline(forum_backup: Path, tmp_path: Path) -> None:
    picture = "account/profile_pictures/me.jpg"
    _picture(forum_backup / picture, (10, 120, 200))
    newest = max(
        read_section(forum_backup, "profile_pictures").current().items(),
        key=lambda item: item[1]["date"],
    )[0]
    _set_files(forum_backup, "profile_pictures", {newest: picture})
    saved = [p for p in read_section(forum_backup, "profile_pictures").current().values()]
    shown = sum(1 for p in saved if "file" in p)  # those the backup saved too, if it does
    out = tmp_path / "export"
    assert main(["export", str(forum_backup), "--out", str(out), "--format", "html"]) == 0
    index = (out / "index.html").as_uri()
    with browser_page(height=900) as page:
        failed, errors, asked = _watched(page)
        page.goto(index)
        links = page.locator("section.account ul.sections a")
        titles = [links.nth(n).inner_text() for n in range(links.count())]
        assert titles[:2] == ["Personal information", "Profile pictures"]
        assert "Contacts" in titles
        assert "Sessions" in titles
        for title in titles:
            page.goto(index)
            page.locator("section.account ul.sections a", has_text=title).first.click()
            page.wait_for_url("**/lists/*.html")
            assert page.locator("h1").inner_text() == title
            assert page.locator("ul.entries li.entry, .profile").count() >= 1
            assert all(ok for _src, ok in _decoded(page)), title
            if title == "Profile pictures":
                assert page.locator("img.account-photo").count() == shown
            if title == "Contacts":
                removed = page.locator("li.entry.removed .removed")
                assert removed.count() == 1
                assert removed.inner_text().startswith("removed (noticed ")
                page.emulate_media(color_scheme="dark")
                assert _style(page, ".removed", "color") == "rgb(255, 138, 128)"
                card = _style(page, "ul.entries", "backgroundColor")
                assert card == "rgb(33, 40, 48)"
                page.emulate_media(color_scheme="light")
            page.locator("a.back").click()
            page.wait_for_url("**/export/index.html")
        # The account's picture on the index decodes.
        assert _decoded(page)[0] == ["profile_pictures/" + newest + ".jpg", True]

        # A forum: its topics from its page's header, a topic, and back.
        forum = next(p for p in sorted(out.glob("chats/*/topics.html")))
        page.goto((forum.parent / "messages.html").as_uri())
        page.locator("header .bar a.topics").click()
        page.wait_for_url("**/topics.html")
        rows = page.locator("table.topics tr[id^=topic]")
        assert rows.count() >= 2
        first = rows.nth(0).locator("a").first
        title = first.inner_text()
        first.click()
        page.wait_for_url("**/topic*.html")
        assert page.locator("header h1").inner_text().startswith(title)
        assert page.locator("main .message, main .service").count() >= 1
        page.locator("header a.back").click()
        page.wait_for_url("**/topics.html")
        page.emulate_media(color_scheme="dark")
        assert _style(page, "body", "backgroundColor") == "rgb(15, 18, 22)"
    assert failed == []
    assert errors == []
    assert asked
    assert all(url.startswith("file://") for url in asked)
