"""No packet takes another way: with a proxy set, every connection the client opens (the
account's DC, the media DC's with its exported authorization, a fresh client's QR login)
reaches the sandbox through the proxy. Counted at both ends: what a SOCKS5 proxy (pproxy)
carried onward is every connection the sandbox's DC ports took; through the sandbox's own
MTProxy, its DC ports took none.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from telethon.tl import functions

from tests.conftest import ClientFactory
from tests.proxy_process import running_proxy
from tgtui.proxy import parse_proxy
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.server import API_HASH, API_ID
from tgtui.telegram.service import CLIENT_OPTIONS
from tgtui.telegram.through_proxy import telethon_options

KEY = bytes(range(16))
SECRETS = {
    "plain": KEY,
    "padded": b"\xdd" + KEY,
    "fake-tls": b"\xee" + KEY + b"cdn.example.org",
}


async def _everything(connect: ClientFactory, options: dict[str, Any]) -> None:
    """What makes a connection of its own: sign in, read, a file from the media DC, and a
    QR login's token on a fresh client."""
    client = await connect(**CLIENT_OPTIONS, **options)
    assert (await client.get_me()).id
    assert await client.get_dialogs(limit=20)
    photo = (await client.get_profile_photos("me"))[0]
    assert await client.download_media(photo, file=bytes)  # on another DC
    fresh = await connect(fresh=True, **CLIENT_OPTIONS, **options)
    token = await fresh(functions.auth.ExportLoginTokenRequest(API_ID, API_HASH, []))
    assert token.token


def _direct(sandbox: SandboxServer) -> int:
    return sum(n for where, n in sandbox.accepted.items() if where.startswith("dc"))


async def test_through_socks5_every_connection_is_the_proxy_s(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    async with running_proxy("socks5", "me:pw") as proxy:
        url = f"socks5://me:pw@127.0.0.1:{proxy.port}"
        await _everything(connect, telethon_options(parse_proxy(url)))
        carried = proxy.onward()
    assert len({port for _, port in carried}) >= 2  # the account's DC and the media's
    assert _direct(sandbox) == len(carried)


@pytest.mark.parametrize(
    "sandbox_options",
    [
        SandboxOptions(world=WorldOptions(seed=7, dialogs=30, messages=100), mtproxy_secret=secret)
        for secret in SECRETS.values()
    ],
    ids=list(SECRETS),
)
async def test_through_an_mtproxy_no_connection_goes_straight(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    assert sandbox.mtproxy_link is not None
    proxy = parse_proxy(sandbox.mtproxy_link)
    await _everything(connect, telethon_options(proxy))
    assert _direct(sandbox) == 0
    assert sandbox.accepted["mtproxy"] >= 3
    assert sum(n for where, n in sandbox.accepted.items() if where.startswith("mtproxy-dc")) >= 3


async def test_a_proxy_that_lost_telegram_is_not_asked_again_and_again(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    """Telegram goes away behind the proxy: the proxy still takes each connection and closes
    it at once. Telethon would reconnect as fast as it answers (hundreds a second, a core
    busy); each connection waits 1, 2, 4... s after one that closed right away."""
    async with running_proxy("socks5") as proxy:
        url = f"socks5://127.0.0.1:{proxy.port}"
        client = await connect(**CLIENT_OPTIONS, **telethon_options(parse_proxy(url)))
        assert (await client.get_me()).id
        before = len(proxy.onward())
        await sandbox.close()  # Telegram is gone; the proxy is not
        await asyncio.sleep(3.5)  # the window the connections are counted in
        tries = len(proxy.onward()) - before
    assert 1 <= tries <= 4, tries  # at 0, 1 and 3 s (and one more on a slow machine)


async def test_through_a_socks_proxy_each_packet_leaves_at_once(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    """TCP_NODELAY on the connection python-socks made, as asyncio sets it on its own: with
    Nagle's algorithm on, each request waited for the last one's acknowledgement (22 ms a
    round trip on loopback instead of 0.3)."""
    async with running_proxy("socks5") as proxy:
        url = f"socks5://127.0.0.1:{proxy.port}"
        client = await connect(**CLIENT_OPTIONS, **telethon_options(parse_proxy(url)))
        await client.get_me()
        photo = (await client.get_profile_photos("me"))[0]
        await client.download_media(photo, file=bytes)  # a connection to the media DC too
        # (Telethon keeps its connections private: the main one, and those it borrowed.)
        senders = [client._sender, *(s for _, s in client._borrowed_senders.values())]
        assert len(senders) >= 2
        for sender in senders:
            sock = sender._connection._writer.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
