"""A file is not given up because the network went away: a media request waits out an
outage as long as a chat's history does, while a server's faults (and a link that fails
with the network there) still count against its attempts."""

from __future__ import annotations

import errno

import pytest
from telethon import errors

from tgtui.backup.media import MEDIA_RETRY
from tgtui.retry import Backoff, link_lost, retry

FEW = Backoff(base=0.0, cap=0.0, attempts=2, outage_counts=False)


class World:
    """A call and a reconnect that fail as told, counted."""

    def __init__(self, away_for: int, call_fails: int, error: BaseException) -> None:
        self.away_for = away_for  # reconnects that fail before the network is back
        self.call_fails = call_fails  # calls that fail before one succeeds
        self.error = error
        self.calls = 0
        self.reconnects = 0

    async def call(self) -> str:
        self.calls += 1
        if self.calls <= self.call_fails:
            raise self.error
        return "file"

    async def reconnect(self) -> None:
        self.reconnects += 1
        if self.reconnects <= self.away_for:
            raise ConnectionError("Connection to Telegram failed 5 time(s)")


async def no_sleep(_seconds: float) -> None:
    return None


async def test_an_outage_longer_than_the_attempts_is_waited_out() -> None:
    world = World(away_for=20, call_fails=21, error=ConnectionError("disconnected"))
    got = await retry(world.call, policy=FEW, sleep=no_sleep, reconnect=world.reconnect)
    assert got == "file"
    assert world.calls == 22  # far more than 2 retries: the network was away for 20


async def test_a_link_that_fails_while_the_network_is_there_still_counts() -> None:
    # The client reconnects fine, the file's connection keeps failing (a DC that refuses):
    # given up after its attempts, not retried for ever.
    world = World(away_for=0, call_fails=100, error=ConnectionError("media DC refused"))
    with pytest.raises(ConnectionError):
        await retry(world.call, policy=FEW, sleep=no_sleep, reconnect=world.reconnect)
    assert world.calls == 3


async def test_a_server_fault_counts_even_while_the_network_is_away() -> None:
    fault = errors.ServerError(request=None, message="INTERNAL")
    world = World(away_for=100, call_fails=100, error=fault)
    with pytest.raises(errors.ServerError):
        await retry(world.call, policy=FEW, sleep=no_sleep, reconnect=world.reconnect)
    assert world.calls == 3


async def test_other_calls_still_count_an_outage() -> None:
    counted = Backoff(base=0.0, cap=0.0, attempts=2)
    world = World(away_for=100, call_fails=100, error=ConnectionError("disconnected"))
    with pytest.raises(ConnectionError):
        await retry(world.call, policy=counted, sleep=no_sleep, reconnect=world.reconnect)
    assert world.calls == 3
    assert not MEDIA_RETRY.outage_counts  # the downloads wait outages out


def test_what_a_lost_link_is() -> None:
    assert link_lost(ConnectionResetError())
    assert link_lost(ConnectionError("Cannot send requests while disconnected"))
    assert link_lost(OSError(errno.ENETUNREACH, "Network is unreachable"))
    assert not link_lost(OSError(errno.ENOSPC, "No space left on device"))  # the disk's
    assert not link_lost(TimeoutError())
