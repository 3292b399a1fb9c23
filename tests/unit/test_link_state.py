"""The link state of a client (`tgtui.telegram.link_state`), fed by its paced connections
(`tgtui.telegram.through_proxy._Paced`): what a drop, a failing reconnect, a proxy that
closes at once and a sender that gave up look like; and the CLI's lines about them."""

from __future__ import annotations

import asyncio
import functools
import io
import json
from typing import Any

import pytest

from tgtui.backup.json_progress import JsonProgress
from tgtui.backup.parts import FileParts
from tgtui.commands.backup_progress import link_teller
from tgtui.commands.common import Stderr
from tgtui.telegram import link_state, through_proxy
from tgtui.telegram.link_state import LinkState, LinkStatus
from tgtui.telegram.through_proxy import _Paced


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def phase(state: LinkState) -> str:
    """The link's phase now (a function: mypy would narrow the attribute for good)."""
    return state.status.phase


def _heard(state: LinkState) -> list[LinkStatus]:
    seen: list[LinkStatus] = []
    state.listen(seen.append)
    return seen


def test_a_failed_reconnect_is_trouble_until_one_opens() -> None:
    clock = Clock()
    state = LinkState(retry_delay=1.0, clock=clock)
    seen = _heard(state)
    main, media = object(), object()
    state.trying(main, again=False)
    state.opened(main)
    assert phase(state) == "connected"
    clock.now += 5
    state.trying(main, again=True)
    state.failed(main, ConnectionRefusedError(111, "Connect call failed"))
    assert phase(state) == "connected"  # one failed attempt is not a loss yet
    clock.now += 1
    state.trying(media, again=True)
    state.failed(media, TimeoutError())
    clock.now += 1
    state.trying(main, again=True)
    state.failed(main, ConnectionRefusedError(111, "Connect call failed"))
    status = state.status  # failing for 2 s: lost
    assert status.phase == "reconnecting"
    assert status.down
    assert status.since == 105.0  # since the first failure
    assert status.error == "Cannot reach Telegram. Check your network; retrying."
    assert status.next_try_in(clock.now) == 1.0
    clock.now += 1
    state.trying(main, again=True)
    state.opened(main)
    assert state.status == LinkStatus("connected")
    phases = [s.phase for s in seen]
    told = [p for i, p in enumerate(phases) if i == 0 or p != phases[i - 1]]
    assert told == ["connected", "reconnecting", "connected"]


def test_one_failure_before_a_success_is_not_a_loss() -> None:
    clock = Clock()
    state = LinkState(clock=clock)
    seen = _heard(state)
    way = object()
    state.trying(way, again=False)
    state.opened(way)
    state.trying(way, again=True)
    state.failed(way, ConnectionResetError())  # a proxy starting up, say
    clock.now += 1.0  # Telethon's pause
    state.trying(way, again=True)
    state.opened(way)
    assert not any(s.down for s in seen)


def test_an_attempt_that_began_before_a_success_is_old_news() -> None:
    clock = Clock()
    state = LinkState(clock=clock)
    slow, fast = object(), object()
    state.trying(fast, again=False)
    state.opened(fast)
    clock.now += 1
    state.trying(slow, again=True)
    clock.now += 1
    state.trying(fast, again=True)
    state.opened(fast)
    state.failed(slow, ConnectionResetError())  # it began before fast opened again
    assert phase(state) == "connected"


def test_the_first_connect_failing_is_connecting_not_reconnecting() -> None:
    state = LinkState(clock=Clock())
    way = object()
    state.trying(way, again=False)
    state.failed(way, OSError(101, "Network is unreachable"))
    assert phase(state) == "connecting"
    assert not state.status.down
    assert state.status.error == "Cannot reach Telegram. Check your network; retrying."


async def test_a_reconnect_still_under_way_after_grace_is_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(link_state, "GRACE", 0.05)
    state = LinkState()
    way = object()
    state.trying(way, again=False)
    state.opened(way)
    state.trying(way, again=True)  # a drop: Telethon reconnects, and it hangs
    assert phase(state) == "connected"
    await asyncio.sleep(0.1)
    assert phase(state) == "reconnecting"
    assert state.status.trying
    state.opened(way)
    assert phase(state) == "connected"


async def test_a_quick_reconnect_is_never_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_state, "GRACE", 0.05)
    state = LinkState()
    seen = _heard(state)
    way = object()
    state.trying(way, again=False)
    state.opened(way)
    state.trying(way, again=True)
    state.opened(way)
    await asyncio.sleep(0.1)
    assert not any(s.down for s in seen)


async def test_no_one_trying_is_offline_or_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_state, "GRACE", 0.02)
    monkeypatch.setattr(link_state, "STALE", 0.05)
    for alive, expected in ((False, "offline"), (True, "connected")):
        state = LinkState(retry_delay=0.01)
        state.bind(functools.partial(bool, alive))  # Telethon gave up, or another DC's did
        way = object()
        state.trying(way, again=False)
        state.opened(way)
        state.trying(way, again=True)
        state.failed(way, ConnectionRefusedError())
        await asyncio.sleep(0.04)
        assert phase(state) == "reconnecting"
        await asyncio.sleep(0.2)
        assert phase(state) == expected
        if expected == "offline":
            assert state.status.down
            assert state.status.next_try is None


class _Socket:
    """Stands for Telethon's Connection: connect fails while ``refusing``."""

    refusing = False
    _ip = "127.0.0.1"
    _port = 1

    async def connect(self, timeout: float | None = None, ssl: Any = None) -> None:  # noqa: ASYNC109
        if self.refusing:
            raise ConnectionRefusedError(111, "Connect call failed")

    async def recv(self) -> bytes:
        return b"answer"


class _PacedSocket(_Paced, _Socket):
    pass


async def test_the_paced_connection_reports_each_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(through_proxy, "PACE_BASE", 0.01)
    monkeypatch.setattr(link_state, "GRACE", 0.0)  # every failure told at once
    state = LinkState()
    pauses: list[float] = []
    monkeypatch.setattr(state, "paused", lambda way, seconds, error: pauses.append(seconds))
    connection = type("Bound", (_PacedSocket,), {"link": state})()
    await connection.connect()
    assert phase(state) == "connected"
    await connection.recv()  # answered: a drop after this is not "closed at once"
    connection.refusing = True
    with pytest.raises(ConnectionRefusedError):
        await connection.connect()
    assert phase(state) == "reconnecting"
    assert pauses == []  # a connection that carried answers is reopened at once
    connection.refusing = False
    await connection.connect()
    assert phase(state) == "connected"
    # Now it closes at once, unanswered (a proxy that cannot reach Telegram): paced, and
    # only an answer counts as connected again.
    state.failed(connection, ConnectionResetError())  # what the pause would have said
    await connection.connect()
    assert pauses == [0.01]
    assert phase(state) == "reconnecting"
    await connection.recv()
    assert phase(state) == "connected"


async def test_a_connection_without_a_link_reports_nothing() -> None:
    connection = _PacedSocket()
    await connection.connect()
    await connection.recv()


async def test_a_connection_closed_while_its_key_is_made_is_a_connection_error() -> None:
    class Client:
        class session:
            dc_id = 2

        async def _borrow_exported_sender(self, dc_id: int) -> Any:
            raise asyncio.IncompleteReadError(b"", 8)

    parts = FileParts(Client(), object(), dc_id=1)
    with pytest.raises(ConnectionError, match="IncompleteReadError"):
        await parts.get(0, 1024)


def _lost_then_back(mode: str, report: object) -> str:
    clock = Clock()
    said = io.StringIO()
    tell = link_teller(mode, Stderr(said), report, clock=clock)
    tell(LinkStatus("connected"))
    down = LinkStatus("reconnecting", since=99.0, error="Cannot reach Telegram.", next_try=101.4)
    tell(down)
    tell(LinkStatus("reconnecting", since=99.0, error="Cannot reach Telegram.", next_try=102.0))
    clock.now = 108.0
    tell(LinkStatus("connected"))
    return said.getvalue()


def test_the_cli_says_lost_and_back_once_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert _lost_then_back("bars", None).splitlines() == [
        "Connection lost; reconnecting (next try in 1 s): Cannot reach Telegram.",
        "Connected again after 9.0 s.",
    ]
    assert _lost_then_back("lines", None) == ""
    assert capsys.readouterr().err.splitlines() == [
        "Connection lost; reconnecting (next try in 1 s): Cannot reach Telegram.",
        "Connected again after 9.0 s.",
    ]
    assert _lost_then_back("none", None) == ""
    written: list[str] = []
    assert _lost_then_back("json", JsonProgress(written.append, 1, every=0)) == ""
    events = [json.loads(line) for line in written]
    assert [e["event"] for e in events] == ["start", "connection_lost", "connection_back"]
    assert events[1]["reason"] == "Cannot reach Telegram."
    assert events[1]["next_try_seconds"] == 1.4
    assert events[2]["seconds"] == 9.0
