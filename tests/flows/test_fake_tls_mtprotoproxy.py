"""Telethon through a real fake-TLS MTProxy written by others: alexbers' mtprotoproxy (PyPI,
1.0.6; tests/mtprotoproxy_process.py runs it in front of the sandbox) and tgtui's
`ConnectionTcpMTProxyFakeTLS` with an `ee` secret, as a user would paste it from a link.

The proxy accepts the hello only if its HMAC and time are right, answers a ServerHello the
client accepts only if it is signed with the same key, then relays the obfuscated stream in
TLS records to the sandbox's DCs: what the client reads must be the sandbox's world, and the
sandbox must see the proxy's relay (obfuscated padded intermediate), not a direct client.
mtprotoproxy is in the test extra; without it this skips on a developer's machine and fails
under CI.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telethon import TelegramClient
from telethon.tl import functions, types

from tests import mtprotoproxy_process
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
    demo_session,
)
from tgtui.sandbox.world import SELF_ID
from tgtui.telegram.fake_tls import (
    RANDOM_AT,
    RANDOM_SIZE,
    ConnectionTcpMTProxyFakeTLS,
    answer_is_signed,
    client_hello,
)

KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
DOMAIN = "www.example.com"
SECRET = (b"\xee" + KEY + DOMAIN.encode()).hex()


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world whose files live on DC 1: a download crosses to another DC's port."""
    return SandboxOptions(world=WorldOptions(seed=5, dialogs=60, messages=400, media_dc=1))


@pytest.fixture
async def proxy_port(sandbox: SandboxServer, tmp_path: Path) -> AsyncIterator[int]:
    """mtprotoproxy's port, in front of this test's sandbox."""
    if not mtprotoproxy_process.installed():
        if os.environ.get("CI"):
            pytest.fail("mtprotoproxy is not installed: it belongs in the test extra")
        pytest.skip("mtprotoproxy is not installed (pip install mtprotoproxy==1.0.6)")
    process, port = await mtprotoproxy_process.start_mtprotoproxy(
        tmp_path, KEY, DOMAIN, sandbox.host, sandbox.dc_ports
    )
    try:
        yield port
    finally:
        await mtprotoproxy_process.stop(process)


async def _connected(sandbox: SandboxServer, port: int, secret: str) -> TelegramClient:
    client = TelegramClient(
        demo_session(sandbox),
        API_ID,
        API_HASH,
        connection=ConnectionTcpMTProxyFakeTLS,
        proxy=("127.0.0.1", port, secret),
        flood_sleep_threshold=0,
    )
    await client.connect()
    return client


def _relayed(sandbox: SandboxServer) -> set[str]:
    """How the connections the sandbox holds speak: the proxy's relay, not a direct client's
    (Telethon's own would be `full`)."""
    return {c.codec.name for c in sandbox.connections if c.codec is not None}


@pytest.mark.filterwarnings("ignore:proxy argument will be ignored")  # python-socks: not used
async def test_config_me_dialogs_and_history_through_the_proxy(
    sandbox: SandboxServer, proxy_port: int
) -> None:
    client = await _connected(sandbox, proxy_port, SECRET)
    try:
        config = await client(functions.help.GetConfigRequest())
        assert {option.port for option in config.dc_options} <= set(sandbox.dc_ports.values())
        me = await client.get_me()
        assert me.id == SELF_ID
        dialogs = await client.get_dialogs(folder=0)  # answers of tens of KiB: many TLS records
        archived = await client.get_dialogs(archived=True)
        assert len(dialogs) + len(archived) == 60
        chat = sandbox.world.chat(0)
        entity = await client.get_entity(chat.marked_id)
        messages = [m async for m in client.iter_messages(entity, limit=250, wait_time=0)]
        assert len(messages) == min(250, chat.count)
        assert [m.id for m in messages] == sorted((m.id for m in messages), reverse=True)
        assert _relayed(sandbox) == {"obfuscated-padded-intermediate"}
    finally:
        await client.disconnect()


@pytest.mark.filterwarnings("ignore:proxy argument will be ignored")
async def test_base64_secret_upload_and_a_download_from_another_dc(
    sandbox: SandboxServer, proxy_port: int
) -> None:
    """The secret as base64 (URL-safe, unpadded); a 40 KiB upload part (one packet in three
    records); a photo from DC 1, through a second connection to the proxy naming DC 1."""
    secret = base64.urlsafe_b64encode(bytes.fromhex(SECRET)).decode().rstrip("=")
    client = await _connected(sandbox, proxy_port, secret)
    try:
        data = os.urandom(40 * 1024)
        uploaded = await client.upload_file(data, file_name="blob.bin")
        assert sandbox.uploads.content(SELF_ID, uploaded.id) == data
        entity = await client.get_entity(sandbox.world.chat(0).marked_id)
        photos = [m async for m in client.iter_messages(entity, wait_time=0) if m.photo]
        photo = photos[0]
        size = min(
            (s for s in photo.photo.sizes if isinstance(s, types.PhotoSize)), key=lambda s: s.size
        )
        downloaded = await client.download_media(photo, file=bytes, thumb=size)
        assert downloaded == sandbox.files.whole(photo.photo.id, size.type, size.size)
        assert {c.dc for c in sandbox.connections} == {1, 2}
        assert _relayed(sandbox) == {"obfuscated-padded-intermediate"}
    finally:
        await client.disconnect()


async def _answer(port: int, hello: bytes) -> bytes:
    """What the proxy says to ``hello`` alone (the client then says no more)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(hello)
        writer.write_eof()
        return await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()


async def test_the_proxy_answers_only_a_hello_with_its_key_and_the_time(proxy_port: int) -> None:
    """The proxy, not this client, checks the hello: the right key and time get a signed
    answer; another key, or the time an hour off, get nothing (the proxy waits for the
    client to go, as a site that did not understand)."""
    hello = client_hello(KEY, DOMAIN.encode())
    answer = await _answer(proxy_port, hello)
    assert answer[:3] == b"\x16\x03\x03"
    assert answer_is_signed(KEY, hello[RANDOM_AT : RANDOM_AT + RANDOM_SIZE], answer)
    assert not answer_is_signed(bytes(16), hello[RANDOM_AT : RANDOM_AT + RANDOM_SIZE], answer)
    assert await _answer(proxy_port, client_hello(bytes(16), DOMAIN.encode())) == b""
    an_hour_ago = int(time.time()) - 3600
    assert await _answer(proxy_port, client_hello(KEY, DOMAIN.encode(), an_hour_ago)) == b""


@pytest.mark.filterwarnings("ignore:proxy argument will be ignored")
async def test_a_dropped_connection_comes_back_through_the_proxy(
    sandbox: SandboxServer, proxy_port: int
) -> None:
    """The sandbox drops every connection: the proxy closes the client's, and Telethon's
    reconnection makes a new handshake with the proxy; the next request is answered."""
    client = await _connected(sandbox, proxy_port, SECRET)
    try:
        assert (await client.get_me()).id == SELF_ID
        before = set(sandbox.connections)
        for connection in before:
            connection.abort()
        assert (await asyncio.wait_for(client.get_me(), 30)).id == SELF_ID
        assert sandbox.connections
        assert not sandbox.connections & before
        assert _relayed(sandbox) == {"obfuscated-padded-intermediate"}
    finally:
        await client.disconnect()
