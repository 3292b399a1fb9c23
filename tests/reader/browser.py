"""A real headless browser (the system's Chromium, driven by Playwright) for the tests and
the screenshots of the HTML export. Offline: every network feature Chromium would reach
out with is switched off."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """The system's Chromium, if installed."""
    return (
        os.environ.get("TGTUI_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@contextmanager
def browser_page(width: int = 900, height: int = 1000) -> Iterator[Any]:
    """A fresh page of a headless Chromium."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    assert executable is not None, "Chromium is not installed (Debian: apt install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()
