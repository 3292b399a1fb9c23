"""The sandbox's transports and session layer against Telegram's documentation, with Telethon's
own connection classes and MTProto state (what any third-party client is built from).

References (core.telegram.org):
- /mtproto/mtproto-transports: abridged, intermediate, padded intermediate, full; "obfuscation"
  of any of the first three;
- /mtproto/obfuscation: 64 random bytes (never 0xef first, never a transport tag or HTTP verb
  as the first four, never zeros as the second four), AES-256-CTR keys and IVs from bytes 8-55
  (reversed for the server's direction), the transport's tag in bytes 56-59;
- /mtproto/service_messages: ping/pong "do not require acknowledgments";
- /mtproto/service_messages_about_messages: bad_msg_notification 35, "odd msg_seqno expected
  (relevant message), but even received".
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from typing import Any

import pytest
from telethon import TelegramClient
from telethon.network import authenticator, connection
from telethon.network.connection.tcpintermediate import (
    IntermediatePacketCodec,
    RandomizedIntermediatePacketCodec,
)
from telethon.network.mtprotoplainsender import MTProtoPlainSender
from telethon.network.mtprotostate import MTProtoState
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import SandboxServer


class _Loggers(dict[str, logging.Logger]):
    """What Telethon's network classes take to log with."""

    def __missing__(self, key: str) -> logging.Logger:
        return logging.getLogger(key)


class _ObfuscatedIntermediate(connection.ConnectionTcpObfuscated):  # type: ignore[misc]
    packet_codec = IntermediatePacketCodec


class _ObfuscatedPadded(connection.ConnectionTcpObfuscated):  # type: ignore[misc]
    packet_codec = RandomizedIntermediatePacketCodec


@pytest.mark.parametrize(
    "transport",
    [connection.ConnectionTcpObfuscated, _ObfuscatedIntermediate, _ObfuscatedPadded],
    ids=["abridged", "intermediate", "padded-intermediate"],
)
async def test_obfuscated_transports_carry_a_whole_session(
    connect: ClientFactory, sandbox: SandboxServer, transport: Any
) -> None:
    """Key exchange on a fresh connection, then a signed-in session with a download big enough
    to span many packets: every byte each way goes through the obfuscation's AES-CTR."""
    fresh = await connect(fresh=True, connection=transport)
    assert not await fresh.is_user_authorized()
    signed = await connect(connection=transport)
    assert (await signed.get_me()).is_self
    dialogs = await signed.get_dialogs(limit=20)
    assert len(dialogs) == 20
    photo = None
    for dialog in dialogs:
        async for message in signed.iter_messages(dialog, limit=50):
            if isinstance(message.media, types.MessageMediaPhoto):
                photo = message
                break
        if photo is not None:
            break
    assert photo is not None, "the world has photos in its first chats"
    data = await signed.download_media(photo, file=bytes)
    assert isinstance(data, bytes)
    assert data.startswith(b"\x89PNG")
    size = photo.media.photo.sizes[-1]
    assert len(data) == size.size


async def test_an_obfuscated_header_naming_no_transport_is_closed(sandbox: SandboxServer) -> None:
    """Bytes 56-59 that decrypt to no transport's tag: the server closes the connection."""
    reader, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
    while True:
        header = os.urandom(64)
        if (
            header[0] != 0xEF
            and header[4:8] != bytes(4)
            and header[:4]
            not in (
                b"\xee\xee\xee\xee",
                b"\xdd\xdd\xdd\xdd",
            )
        ):
            break
    writer.write(header + os.urandom(64))
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), timeout=5) == b""
    writer.close()


class _RawSession:
    """An MTProto session made by hand from Telethon's pieces, to choose each seq_no."""

    def __init__(self, conn: Any, state: MTProtoState) -> None:
        self.conn = conn
        self.state = state

    @classmethod
    async def open(cls, sandbox: SandboxServer) -> _RawSession:
        loggers = _Loggers()
        conn = connection.ConnectionTcpFull(sandbox.host, sandbox.port, 2, loggers=loggers)
        await conn.connect()
        auth_key, time_offset = await authenticator.do_authentication(
            MTProtoPlainSender(conn, loggers=loggers)
        )
        state = MTProtoState(auth_key, loggers)
        state.time_offset = time_offset
        return cls(conn, state)

    async def send(self, request: Any, *, content_related: bool) -> int:
        buffer = io.BytesIO()
        msg_id: int = self.state.write_data_as_message(
            buffer, bytes(request), content_related=content_related
        )
        await self.conn.send(self.state.encrypt_message_data(buffer.getvalue()))
        return msg_id

    async def answer(self) -> Any:
        """The next message from the server other than new_session_created."""
        while True:
            message = self.state.decrypt_message_data(
                await asyncio.wait_for(self.conn.recv(), timeout=5)
            )
            if not isinstance(message.obj, types.NewSessionCreated):
                return message.obj

    async def close(self) -> None:
        await self.conn.disconnect()


async def test_a_ping_is_answered_whatever_the_parity_of_its_seq_no(
    sandbox: SandboxServer,
) -> None:
    """Pings "do not require acknowledgments", so a client may number one as not
    content-related (even seq_no, as Pyrogram does at every start) or as content-related
    (odd, as Telethon does): either gets its pong. A request that is content-related but
    numbered even still gets bad_msg_notification 35."""
    session = await _RawSession.open(sandbox)
    try:
        await session.send(functions.PingRequest(ping_id=1), content_related=False)
        salt = await session.answer()
        assert isinstance(salt, types.BadServerSalt), "the first message has no salt yet"
        session.state.salt = salt.new_server_salt
        for ping_id, related in ((2, False), (3, True), (4, False)):
            await session.send(functions.PingRequest(ping_id=ping_id), content_related=related)
            pong = await session.answer()
            assert isinstance(pong, types.Pong)
            assert pong.ping_id == ping_id
        await session.send(
            functions.PingDelayDisconnectRequest(ping_id=5, disconnect_delay=75),
            content_related=False,
        )
        pong = await session.answer()
        assert isinstance(pong, types.Pong)
        assert pong.ping_id == 5
        sent = await session.send(functions.help.GetNearestDcRequest(), content_related=False)
        bad = await session.answer()
        assert isinstance(bad, types.BadMsgNotification)
        assert (bad.bad_msg_id, bad.error_code) == (sent, 35)
    finally:
        await session.close()


async def test_a_signed_in_client_on_each_transport_reads_the_same_history(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    """The transport changes framing only: the same page of history over full and obfuscated."""
    pages = []
    for transport in (connection.ConnectionTcpFull, connection.ConnectionTcpObfuscated):
        client: TelegramClient = await connect(connection=transport)
        dialogs = await client.get_dialogs(limit=1)
        pages.append([m.id for m in await client.get_messages(dialogs[0], limit=100)])
    assert pages[0] == pages[1]
    assert len(pages[0]) == 100
