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
from telethon import TelegramClient, errors
from telethon.errors import SecurityError
from telethon.errors.common import AuthKeyNotFound
from telethon.network import authenticator, connection
from telethon.network.connection.tcpintermediate import (
    IntermediatePacketCodec,
    RandomizedIntermediatePacketCodec,
)
from telethon.network.mtprotoplainsender import MTProtoPlainSender
from telethon.network.mtprotostate import MTProtoState
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions


def _byte_count(size: Any) -> int:
    """A photo size's bytes: a progressive size's whole file is its last scan's end
    (/constructor/photoSizeProgressive)."""
    if isinstance(size, types.PhotoSizeProgressive):
        return int(max(size.sizes))
    return int(size.size)


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
    assert len(data) == _byte_count(photo.media.photo.sizes[-1])


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
        for attempt in range(3):
            conn = connection.ConnectionTcpFull(sandbox.host, sandbox.port, 2, loggers=loggers)
            await conn.connect()
            try:
                auth_key, time_offset = await authenticator.do_authentication(
                    MTProtoPlainSender(conn, loggers=loggers)
                )
                break
            except SecurityError:
                # About one key in 256 starts with a zero byte, which Telethon drops: it
                # fails its own check and starts again, as TelegramClient does.
                await conn.disconnect()
                if attempt == 2:
                    raise
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


async def _first_photo(client: TelegramClient) -> Any:
    async for dialog in client.iter_dialogs(limit=20):
        async for message in client.iter_messages(dialog, limit=50):
            if isinstance(message.media, types.MessageMediaPhoto):
                return message
    raise AssertionError("the world has photos in its first chats")


@pytest.mark.parametrize(
    "sandbox_options",
    [
        SandboxOptions(world=WorldOptions(seed=7, dialogs=30, messages=300, media_dc=dc))
        for dc in (1, 2)
    ],
    ids=["media-on-dc1", "media-on-dc2"],
)
async def test_files_on_another_dc_are_fetched_through_an_exported_authorization(
    client: TelegramClient, sandbox: SandboxServer, sandbox_options: SandboxOptions
) -> None:
    """/api/datacenter: a file's `dc_id` says where it lives; a client on another DC exports
    its authorization (auth.exportAuthorization) and imports it there before upload.getFile.
    The world puts its files on DC 1 by default (the account is on DC 2): that path is what
    every download takes; `media_dc=2` keeps them on the account's own connection."""
    media_dc = sandbox_options.world.media_dc
    photo = await _first_photo(client)
    assert photo.media.photo.dc_id == media_dc
    sandbox.log.clear()
    data = await client.download_media(photo, file=bytes)
    size = photo.media.photo.sizes[-1]  # the biggest; progressive or not (/api/files)
    whole = _byte_count(size)
    assert data == sandbox.files.whole(photo.media.photo.id, size.type, whole)
    exported = {e.method for e in sandbox.log.entries} & {
        "auth.exportAuthorization",
        "auth.importAuthorization",
    }
    assert bool(exported) is (media_dc != 2)


def test_a_media_dc_outside_telegrams_five_is_refused() -> None:
    with pytest.raises(ValueError, match="media_dc"):
        WorldOptions(media_dc=6)


async def test_a_file_asked_for_on_the_wrong_dc_answers_file_migrate(
    client: TelegramClient,
) -> None:
    """/method/upload.getFile: 303 FILE_MIGRATE_X, "the file to be accessed is currently
    stored in a different data center" (the world's files live on DC 1, the account on 2);
    /method/auth.exportAuthorization: DC_ID_INVALID for a DC that is not another real one."""
    photo = (await _first_photo(client)).media.photo
    location = types.InputPhotoFileLocation(
        id=photo.id,
        access_hash=photo.access_hash,
        file_reference=photo.file_reference,
        thumb_size=next(s.type for s in photo.sizes if isinstance(s, types.PhotoSize)),
    )
    with pytest.raises(errors.FileMigrateError) as migrate:
        await client(functions.upload.GetFileRequest(location=location, offset=0, limit=4096))
    assert migrate.value.new_dc == photo.dc_id == 1
    for dc_id in (2, 0, 6):
        with pytest.raises(errors.DcIdInvalidError):
            await client(functions.auth.ExportAuthorizationRequest(dc_id=dc_id))
    exported = await client(functions.auth.ExportAuthorizationRequest(dc_id=1))
    assert exported.id == (await client.get_me()).id


async def test_each_dc_has_its_own_address_and_its_own_keys(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    """/api/datacenter: help.getConfig lists the DCs and where to reach them; an auth key is
    made with one DC and unknown to the others (transport error -404: Telethon stops there)."""
    fresh = await connect(fresh=True, dc=4)
    config = await fresh(functions.help.GetConfigRequest())
    ports = {option.id: option.port for option in config.dc_options}
    assert ports == sandbox.dc_ports
    assert len(set(ports.values())) == 5
    assert config.this_dc == 4
    with pytest.raises(AuthKeyNotFound):  # the account's DC 2 key, taken to DC 1
        await connect(fresh=False, dc=1)


async def test_a_login_begun_on_another_dc_is_sent_to_the_accounts_dc(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    """/api/datacenter: auth.sendCode on a DC that is not the number's answers 303
    PHONE_MIGRATE_X; the client moves there (Telethon does it by itself) and asks again."""
    from tgtui.sandbox.world import DEMO_CODE, DEMO_PASSWORD, DEMO_PHONE

    fresh = await connect(fresh=True, dc=4)
    await fresh.send_code_request(DEMO_PHONE)
    answers = [e.error for e in sandbox.log.of("auth.sendCode")]
    assert answers == ["PHONE_MIGRATE_2", None]
    assert fresh.session.dc_id == 2
    with pytest.raises(errors.SessionPasswordNeededError):
        await fresh.sign_in(DEMO_PHONE, DEMO_CODE)
    await fresh.sign_in(password=DEMO_PASSWORD)
    assert (await fresh.get_me()).is_self
