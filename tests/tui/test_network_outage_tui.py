"""The TUI while the network goes away, at 80x24, on the real sandbox: the app reaches it
through a relay on loopback that the test stops (every connection dropped, new ones refused)
and starts again on the same port. The chat list and the backup screen say "Waiting for the
network: next try in N s" while it is away, "Connected again." when it is back, and a
backup under way ends complete and exact."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.helpers import chats_loaded, make_app, running, text_of, wait_for
from tests.tui.screen_text import rows
from tests.tui.test_backup_screen import assert_exact, fill, job_of, until_summary
from tgtui.app import TgtuiApp
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.screens.backup import BackupScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.widgets.link_line import SHOW_AFTER

OUTAGE = 3.0  # seconds the relay is stopped: several of Telethon's reconnect attempts
pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Chats big enough that a backup of three outlasts the outage once answers are late."""
    return SandboxOptions(world=WorldOptions(seed=41, dialogs=60, messages=3000))


class Relay:
    """A TCP relay on loopback to the sandbox's port. Stopped, it drops every connection
    and refuses new ones (the network gone); started again, on the same port."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target
            )
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}
        pipes = [
            asyncio.ensure_future(self._pipe(reader, upstream_writer)),
            asyncio.ensure_future(self._pipe(upstream_reader, writer)),
        ]
        self._pipes.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)
        self._pipes.difference_update(pipes)
        for end in (writer, upstream_writer):
            self._writers.discard(end)
            end.transport.abort()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()


def _through(app: TgtuiApp, relay: Relay) -> None:
    """Point the app's (not yet connected) session at the relay."""
    with contextlib.closing(sqlite3.connect(app.service.session_file)) as db:
        db.execute("UPDATE sessions SET port = ?", (relay.port,))
        db.commit()


async def _outage(
    pilot: Pilot[Any], app: TgtuiApp, relay: Relay, sandbox: SandboxServer, line: str
) -> tuple[float, list[str]]:
    """Stop the relay (and drop the sandbox's side), wait for the line to say so, keep
    the network away for OUTAGE s, start it again. Returns when the line showed (after the
    stop) and the screen then."""
    stopped = time.monotonic()
    await relay.stop()
    sandbox.drop_connections()
    await wait_for(
        pilot,
        lambda: "Waiting for the network: next try in" in text_of(app, line),
        within=10,
        what="the waiting line",
    )
    shown = time.monotonic() - stopped
    screen = rows(app)
    await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))
    assert "Waiting for the network" in text_of(app, line)
    await relay.start()
    return shown, screen


async def _back(pilot: Pilot[Any], app: TgtuiApp, line: str) -> None:
    """The line says "Connected again." and then goes."""
    await wait_for(pilot, lambda: text_of(app, line) == "Connected again.", within=15)
    await wait_for(pilot, lambda: text_of(app, line) == "", within=10, what="the line gone")


async def test_the_chat_list_and_a_backup_ride_out_the_network_going_away(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    relay = Relay(sandbox.port)
    await relay.start()
    app = make_app(sandbox, tmp_path, signed_in=True)
    _through(app, relay)
    try:
        async with running(app, size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: chats_loaded(app), what="the chats")
            assert text_of(app, "#dialog-link") == ""
            shown, screen = await _outage(pilot, app, relay, sandbox, "#dialog-link")
            await _back(pilot, app, "#dialog-link")
            assert shown >= SHOW_AFTER  # a blip shows nothing; an outage, within seconds
            waiting = [r for r in screen if "Waiting for the network" in r]
            assert len(waiting) == 1, screen  # one row, whole, above the footer
            assert "next try in" in waiting[0]
            assert screen.index(waiting[0]) >= len(screen) - 4, screen
            assert isinstance(app.screen, DialogsScreen)
            # A backup under way: it waits, says so, and goes on by itself.
            await pilot.press("space", "space", "space", "b")
            await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
            await fill(pilot, "#backup-out", str(tmp_path / "out"))
            await fill(pilot, "#backup-media", "none")
            job = job_of(app)
            await wait_for(pilot, lambda: all(r.estimate for r in job.rows.values()))
            sandbox.faults.latency = 0.03  # each answer late: the backup takes a while
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: job.totals().new > 0, what="the first messages")
            before = job.totals().new
            shown, screen = await _outage(pilot, app, relay, sandbox, "#backup-link")
            assert job.state == "running", "the backup ended before the outage did"
            assert any("Waiting for the network: next try in" in r for r in screen), screen
            await _back(pilot, app, "#backup-link")
            assert job.totals().new > before
            summary = await until_summary(pilot, app)
            assert "Everything chosen is saved" in summary
            await assert_exact(app, job)
    finally:
        with contextlib.suppress(AssertionError):
            await relay.stop()


async def test_the_chat_list_connects_again_after_telethon_gave_up(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Away longer than Telethon's own reconnecting (here: it is made to give up): the
    link is offline, and the chat list connects again by itself, counting down each wait,
    until the network is back; then the list reloads."""
    relay = Relay(sandbox.port)
    await relay.start()
    app = make_app(sandbox, tmp_path, signed_in=True)
    _through(app, relay)
    try:
        async with running(app, size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: chats_loaded(app), what="the chats")
            await relay.stop()
            await wait_for(pilot, lambda: "next try in" in text_of(app, "#dialog-link"), within=10)
            gave_up = time.monotonic()
            phases: list[str] = []
            app.service.link.listen(lambda status: phases.append(status.phase))
            await app.service.client.disconnect()  # as Telethon does after its attempts
            await wait_for(pilot, lambda: "offline" in phases, within=10, what="offline")
            # The chat list is trying again: the line counts down to its next try.
            await wait_for(
                pilot,
                lambda: "reconnecting" in phases[phases.index("offline") :],
                within=10,
                what="the chat list connecting again",
            )
            assert "Waiting for the network" in text_of(app, "#dialog-link")
            await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - gave_up)))
            await relay.start()
            await _back(pilot, app, "#dialog-link")
            assert app.service.client.is_connected()
            await pilot.press("f5")
            await wait_for(pilot, lambda: chats_loaded(app), what="the chats again")
    finally:
        with contextlib.suppress(AssertionError):
            await relay.stop()
