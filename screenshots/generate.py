"""Regenerate the README's screenshots from the real app on the demo sandbox.

    python screenshots/generate.py

Drives `TgtuiApp` headlessly through the demo's login (phone, code, password) to the chat list,
then backs up a few chats (estimate, running under a flood limit, summary), reads the backup
(archive, a chat, a chat opened at a photo with its picture drawn, a search), exports it,
shows its statistics, and saves an SVG of each step next to this file, and PNGs of a chat
page and a statistics page of the HTML export as headless Chromium shows them (`--html
EXPORT` makes only those, from an export).
Then once more in Brazilian Portuguese, signed in: a backup running (`backup-running-pt.svg`).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reader.browser import browser_page
from tests.tui.helpers import chats_loaded, settings_for, type_into, wait_for
from tgtui import i18n
from tgtui.app import AppContext, TgtuiApp
from tgtui.archive.folder import ArchiveChat
from tgtui.archive.pictures import picture_of
from tgtui.demo import DemoSandbox
from tgtui.sandbox import DEMO_CODE, DEMO_PASSWORD, write_demo_session
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.backup import BackupScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.export import ExportScreen
from tgtui.screens.login import LoginScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import HitList, SearchScreen
from tgtui.screens.stats import StatsScreen
from tgtui.telegram.auth import Step
from tgtui.telegram.service import ClientSpec, TelegramService
from tgtui.widgets.avatar import Avatar, chat_avatar
from tgtui.widgets.message_pictures import PictureLine
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.userpics import ONE_TO_ONE, UserpicLine

HERE = Path(__file__).resolve().parent
FOLDER = Path("/tmp/tgtui-demo/backups")  # shown on screen; emptied before and after
EXPORT = Path("/tmp/tgtui-demo/export")  # where the tour exports the backup
SIZE = (110, 32)


def _status(app: TgtuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _on(app: TgtuiApp, step: Step) -> bool:
    screen = app.screen
    return isinstance(screen, LoginScreen) and screen.step is step and not screen.busy


async def _shoot(pilot: Pilot[object], name: str) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.3)
    pilot.app.save_screenshot(str(HERE / f"{name}.svg"))
    print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    """Run the demo flow and save the screenshots."""
    shutil.rmtree(FOLDER, ignore_errors=True)
    shutil.rmtree(EXPORT, ignore_errors=True)
    with DemoSandbox() as demo, tempfile.TemporaryDirectory() as tmp:
        api_id, api_hash = demo.api
        spec = ClientSpec(Path(tmp) / "s" / "demo.session", api_id, api_hash, dc=demo.dc)
        service = TelegramService(spec)
        service.open()
        app = TgtuiApp(
            AppContext(
                service=service,
                settings=replace(settings_for(Path(tmp)), backup_dir=FOLDER),
                demo=True,
                prefill_phone=demo.phone,
                code_source=demo.on_code_sent,
            )
        )

        async def tour(pilot: Pilot[object]) -> None:
            await wait_for(pilot, lambda: _on(app, Step.PHONE), within=60)
            await _shoot(pilot, "login-phone")
            await pilot.press("enter")
            await wait_for(pilot, lambda: _on(app, Step.CODE))
            await _shoot(pilot, "login-code")
            await type_into(pilot, "#code", DEMO_CODE)
            await wait_for(pilot, lambda: _on(app, Step.PASSWORD))
            await _shoot(pilot, "login-password")
            await type_into(pilot, "#password", DEMO_PASSWORD)
            await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
            await wait_for(pilot, lambda: chats_loaded(app), within=60)
            await _shoot(pilot, "chats")
            # Pick a few chats and back them up, on a slow sandbox that rations history.
            await pilot.press("space", "down", "space", "space", "down", "space", "space")
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
            screen = app.screen
            assert isinstance(screen, BackupScreen)
            job = screen.job
            await wait_for(pilot, lambda: all(r.estimate for r in job.rows.values()))
            await _shoot(pilot, "backup-estimate")
            assert demo.server is not None
            demo.server.faults.apply("latency=40")
            demo.server.faults.apply("flood:messages.getHistory=12/4")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: bool(job.flood_left()) and job.totals().done > 800)
            await _shoot(pilot, "backup-running")
            await wait_for(pilot, lambda: job.state == "finished", within=300)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
            await _shoot(pilot, "backup-summary")
            # Read what was saved: the archive, a chat, a search.
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
            await wait_for(pilot, lambda: "index" in _status(app, "#archive-status"), within=60)
            await _shoot(pilot, "archive")
            await pilot.press("enter")
            await wait_for(pilot, lambda: " of " in _status(app, "#reader-status"))
            await _shoot(pilot, "reader")
            # A chat opened at a photo: its picture drawn under it (half blocks in the SVG).
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
            archive = app.screen
            assert isinstance(archive, ArchiveScreen)
            chat, photo = _a_photo(archive.service.folder, archive.service.archive.chats)
            await app.push_screen(ChatScreen(archive.service, chat, message_id=photo))
            await wait_for(pilot, lambda: _pictures_drawn(app), within=60)
            await _shoot(pilot, "reader-pictures")
            if "▀" not in (HERE / "reader-pictures.svg").read_text(encoding="utf-8"):
                raise RuntimeError("reader-pictures.svg shows no picture")
            await pilot.press("escape", "s", *"garden")
            try:
                await wait_for(pilot, lambda: _searched(app, "garden"), within=60)
            except AssertionError:
                print("search says:", _status(app, "#search-count"))
                raise
            await pilot.press("down")
            await _shoot(pilot, "search")
            # Export it: HTML and Telegram Desktop's JSON.
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            await type_into(pilot, "#export-out", str(EXPORT))
            await wait_for(pilot, lambda: "Exported" in _status(app, "#export-status"), within=60)
            await _shoot(pilot, "export")
            # The statistics of the whole backup: key numbers over messages by month.
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
            await pilot.press("C")
            await wait_for(pilot, lambda: _counted(app), within=60)
            await _shoot(pilot, "stats")
            app.exit()

        try:
            await app.run_async(headless=True, size=SIZE, auto_pilot=tour)
        finally:
            service.close()
            shutil.rmtree(FOLDER, ignore_errors=True)
        await _portuguese(demo, Path(tmp))


def _a_photo(root: Path, chats: Iterable[ArchiveChat]) -> tuple[ArchiveChat, int]:
    """The chat with most photos whose picture is saved (the file, or its preview), a group
    first (its senders' userpics beside their messages), then one whose own picture is
    saved, and its newest such photo's id."""
    found: list[tuple[bool, bool, int, ArchiveChat, int]] = []
    for chat in chats:
        photos = []
        for raw in chat.jsonl.read_text(encoding="utf-8").splitlines():
            record = json.loads(raw)
            if record.get("media_type") == "photo" and picture_of(record, chat.folder):
                photos.append(int(record["id"]))
        if photos:
            pictured = chat_avatar(root, chat.id) is not None
            group = chat.type not in ONE_TO_ONE
            found.append((group, pictured, len(photos), chat, max(photos)))
    if not found:
        raise RuntimeError("the backup saved no photo to show")
    _group, _pictured, _count, chat, newest = max(found, key=lambda item: item[:3])
    return chat, newest


def _pictures_drawn(app: TgtuiApp) -> bool:
    """The reader shows a picture, every picture on screen is drawn, and the chat's own (or
    its initials)."""
    screen = app.screen
    if not isinstance(screen, ChatScreen) or not screen.query_one(Avatar).settled:
        return False
    view = screen.query_one(MessageView)
    slots = [row.text.slot for row in view.rows if isinstance(row.text, PictureLine)]
    for row in view.rows:  # and the senders' userpics: looked up, and drawn if saved
        if isinstance(row.text, UserpicLine):
            sender = row.text.sender
            if sender.peer and sender.peer not in view.userpics.found:
                return False
            userpic = view.userpics.slot(sender)
            if userpic is not None:
                slots.append(userpic)
    return bool(slots) and all(slot.key in view.pictures.cache for slot in slots)


def _counted(app: TgtuiApp) -> bool:
    """The statistics screen shows its figures."""
    screen = app.screen
    return isinstance(screen, StatsScreen) and screen.counted is not None


def _searched(app: TgtuiApp, words: str) -> bool:
    """The search screen shows the results for ``words`` (not for their first letters)."""
    screen = app.screen
    return (
        isinstance(screen, SearchScreen)
        and screen.shown_for == words
        and bool(screen.query_one(HitList).hits)
    )


async def _portuguese(demo: DemoSandbox, tmp: Path) -> None:
    """The one Portuguese example: a backup running, signed in, in pt-BR."""
    server = demo.server
    assert server is not None
    server.faults.apply("latency=0")
    server.faults.flood.clear()  # the English tour's limit: the estimate runs unhindered
    session = write_demo_session(server, tmp / "pt" / "demo.session")
    api_id, api_hash = demo.api
    service = TelegramService(ClientSpec(session, api_id, api_hash))
    service.open()
    i18n.use(i18n.PORTUGUESE)
    app = TgtuiApp(
        AppContext(
            service=service,
            settings=replace(settings_for(tmp), backup_dir=FOLDER),
            demo=True,
        )
    )

    async def tour(pilot: Pilot[object]) -> None:
        await wait_for(pilot, lambda: chats_loaded(app), within=60)
        await pilot.press("down", "down", "space", "down", "space", "down", "space", "b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        screen = app.screen
        assert isinstance(screen, BackupScreen)
        job = screen.job
        await wait_for(pilot, lambda: all(r.estimate for r in job.rows.values()))
        server.faults.apply("latency=40")
        server.faults.apply("flood:messages.getHistory=12/4")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(job.flood_left()) and job.totals().done > 800)
        await _shoot(pilot, "backup-running-pt")
        job.cancel()
        await wait_for(pilot, lambda: job.state == "finished", within=60)
        app.exit()

    try:
        await app.run_async(headless=True, size=SIZE, auto_pilot=tour)
    finally:
        i18n.use(i18n.ENGLISH)
        service.close()
        shutil.rmtree(FOLDER, ignore_errors=True)


def _shoot_html(export: Path) -> None:
    """A chat page of the HTML export, with pictures, in headless Chromium (a PNG)."""
    pages = sorted(export.glob("chats/*/messages*.html"))
    with_photos = [p for p in pages if "<img " in p.read_text(encoding="utf-8")]
    if not with_photos:
        raise RuntimeError(f"no page of the export in {export} shows a photo")
    page_with_photo = with_photos[0]
    with browser_page(width=900, height=900) as page:
        page.goto(page_with_photo.as_uri())
        page.locator(".media img").first.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -420)")
        # Lazy pictures near the view load as a person scrolls; wait for those on screen.
        page.evaluate(
            """async () => {
              const shown = Array.from(document.images).filter(i => {
                const box = i.getBoundingClientRect();
                return box.bottom > 0 && box.top < window.innerHeight;
              });
              shown.forEach(i => { i.loading = "eager"; });
              await Promise.all(shown.map(i => i.decode().catch(() => 0)));
            }"""
        )
        page.screenshot(path=str(HERE / "export-html.png"))
    print("wrote screenshots/export-html.png")
    # The statistics page of the chat with most messages: its figures and first charts.
    busiest = max(export.glob("chats/*/stats.html"), key=lambda p: len(p.read_bytes()))
    with browser_page(width=900, height=1300) as page:
        page.goto(busiest.as_uri())
        page.screenshot(path=str(HERE / "export-stats.png"))
    print("wrote screenshots/export-stats.png")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--html"]:
        _shoot_html(Path(sys.argv[2]))
        sys.exit(0)
    try:
        asyncio.run(main())
        # Playwright in a fresh process: this one's asyncio has run an app and its children.
        subprocess.run([sys.executable, __file__, "--html", str(EXPORT)], check=True)
    finally:
        shutil.rmtree(EXPORT, ignore_errors=True)
