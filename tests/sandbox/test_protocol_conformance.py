"""The key exchange, layers and service messages against Telegram's documentation.

References (core.telegram.org):
- /mtproto/auth_key, step 4.1: req_DH_params' encrypted_data made with RSA_PAD (what current
  clients send: GramJS, mtcute), or the older SHA1(data) + data + padding (Telethon 1.x);
- /mtproto/mtproto-transports: the transport error -404 for what the server cannot use;
- /api/invoking#layers: requests are read and answers written in the layer the connection
  declared with invokeWithLayer;
- /mtproto/service_messages_about_messages: msgs_state_req answered with msgs_state_info
  (1 nothing known, 2 not received, 3 msg_id too high, 4 received; +32 being or already
  processed);
- an unknown method: 400 INPUT_METHOD_INVALID_<id>_<n> (the id as an unsigned number).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import struct
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.errors.common import InvalidBufferError
from telethon.extensions import BinaryReader
from telethon.network import authenticator, connection
from telethon.network.mtprotoplainsender import MTProtoPlainSender
from telethon.tl import functions, types
from telethon.tl.tlobject import TLRequest

from tests.conftest import ClientFactory
from tests.sandbox.test_transport_conformance import _Loggers, _RawSession
from tgtui.sandbox import SandboxServer
from tgtui.sandbox import test_rsa_key as sandbox_rsa_key
from tgtui.sandbox.crypto import aes_ige_encrypt
from tgtui.sandbox.tl.codec import Reader, TlObject, Writer
from tgtui.sandbox.tl.schema import NATIVE_LAYER, TlType, available_layers, schema_for

QUERY = TlType("query")


def rsa_pad_encrypt(data: bytes) -> bytes:
    """The client's side of RSA_PAD (auth_key step 4.1), with the sandbox's public key."""
    key = sandbox_rsa_key()
    assert len(data) <= 144
    while True:
        data_with_padding = data + os.urandom(192 - len(data))
        temp_key = os.urandom(32)
        data_with_hash = (
            data_with_padding[::-1] + hashlib.sha256(temp_key + data_with_padding).digest()
        )
        aes_encrypted = aes_ige_encrypt(data_with_hash, temp_key, bytes(32))
        mask = hashlib.sha256(aes_encrypted).digest()
        temp_key_xor = bytes(a ^ b for a, b in zip(temp_key, mask, strict=True))
        block = int.from_bytes(temp_key_xor + aes_encrypted, "big")
        if block < key.n:
            return pow(block, key.e, key.n).to_bytes(256, "big")


async def test_rsa_pad_key_exchange_gives_a_working_key(
    connect: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telethon's own exchange, its RSA step made with RSA_PAD as current clients do."""
    fingerprint = sandbox_rsa_key().fingerprint
    calls: list[int] = []

    def encrypt(asked: int, data: bytes, *, use_old: bool = False) -> bytes | None:
        if asked != fingerprint or use_old:
            return None
        calls.append(asked)
        return rsa_pad_encrypt(data)

    monkeypatch.setattr(authenticator.rsa, "encrypt", encrypt)
    client = await connect(fresh=True)
    assert not await client.is_user_authorized()  # an encrypted call on the new key
    assert calls == [fingerprint]


async def test_legacy_rsa_key_exchange_still_works(connect: ClientFactory) -> None:
    client = await connect(fresh=True)
    config = await client(functions.help.GetConfigRequest())
    assert config.dc_options


async def test_undecryptable_req_dh_params_gets_transport_error_404(
    sandbox: SandboxServer,
) -> None:
    """An RSA block that decrypts to nothing valid: -404 and the connection closes (the
    server used to die on it with an uncaught TypeNotFoundError)."""
    conn = connection.ConnectionTcpFull(sandbox.host, sandbox.port, 2, loggers=_Loggers())
    await conn.connect()
    try:
        sender = MTProtoPlainSender(conn, loggers=_Loggers())
        nonce = int.from_bytes(os.urandom(16), "big", signed=True)
        res_pq = await sender.send(functions.ReqPqMultiRequest(nonce=nonce))
        assert isinstance(res_pq, types.ResPQ)
        with pytest.raises(InvalidBufferError) as raised:
            await sender.send(
                functions.ReqDHParamsRequest(
                    nonce=nonce,
                    server_nonce=res_pq.server_nonce,
                    p=b"\x01",
                    q=b"\x01",
                    public_key_fingerprint=sandbox_rsa_key().fingerprint,
                    encrypted_data=os.urandom(255),
                )
            )
        assert raised.value.code == 404
    finally:
        await conn.disconnect()


class _Raw(TLRequest):  # type: ignore[misc]
    """A request given as bytes; its answer is returned as bytes (to read with a schema)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def _bytes(self) -> bytes:
        return self.body

    @staticmethod
    def read_result(reader: BinaryReader) -> bytes:
        data: bytes = reader.read()
        return data


def _in_layer(request: Any, layer: int) -> bytes:
    """A Telethon request written in ``layer``, wrapped in invokeWithLayer(layer, ...)."""
    tree = Reader(bytes(request), schema_for(NATIVE_LAYER)).read(QUERY)
    wrapped = TlObject("invokeWithLayer", {"layer": layer, "query": tree}, function=True)
    return Writer(schema_for(layer)).dump(QUERY, wrapped)


@pytest.mark.parametrize("layer", available_layers())
async def test_answers_are_written_in_the_declared_layer(
    client: TelegramClient, sandbox: SandboxServer, layer: int
) -> None:
    """Dialogs asked in each layer the sandbox has: the answer reads whole with that layer's
    schema, its users are that layer's `user` constructor, and its dialogs are the same."""
    request = functions.messages.GetDialogsRequest(
        offset_date=None, offset_id=0, offset_peer=types.InputPeerEmpty(), limit=20, hash=0
    )
    answer = await client(_Raw(_in_layer(request, layer)))
    schema = schema_for(layer)
    reader = Reader(answer, schema)
    dialogs = reader.read(TlType("boxed", "messages.Dialogs"))
    # What follows the object is the message's padding (Telethon hands the rest over).
    assert len(answer) - reader.pos < 1024
    assert len(dialogs.fields["dialogs"]) == 20
    user_id = schema.constructor_named["user"].id
    users = dialogs.fields["users"]
    assert users
    assert {
        struct.unpack("<I", Writer(schema).dump(TlType("boxed", "User"), u)[:4])[0]
        for u in users
        if u.name == "user"
    } == {user_id}
    assert any(c.layer == layer for c in sandbox.connections if c.auth is not None)
    assert sandbox.auth.get(client.session.auth_key.key_id).layer == layer  # type: ignore[union-attr]


async def test_a_layer_the_sandbox_has_no_schema_for_gets_the_nearest_older(
    client: TelegramClient,
) -> None:
    """A client of layer 225 (no schema here) is answered in 220's constructors."""
    request = functions.users.GetUsersRequest(id=[types.InputUserSelf()])
    tree = Reader(bytes(request), schema_for(NATIVE_LAYER)).read(QUERY)
    wrapped = TlObject("invokeWithLayer", {"layer": 225, "query": tree}, function=True)
    answer = await client(_Raw(Writer(schema_for(220)).dump(QUERY, wrapped)))
    (constructor,) = struct.unpack("<I", answer[8:12])  # after the vector's id and count
    assert constructor == schema_for(220).constructor_named["user"].id


async def test_an_unknown_method_gets_telegrams_error_form(client: TelegramClient) -> None:
    with pytest.raises(errors.BadRequestError) as raised:
        await client(_Raw(struct.pack("<I", 0x1BADC0DE) + bytes(8)))
    assert re.fullmatch(r"INPUT_METHOD_INVALID_464371934_\d+", raised.value.message)


async def test_msgs_ack_numbered_either_way_is_accepted(sandbox: SandboxServer) -> None:
    """mtcute numbers its acks as content-related (odd seq_no), and Telegram takes them: no
    bad_msg_notification 34; the next request is answered as usual."""
    session = await _RawSession.open(sandbox)
    try:
        await session.send(functions.PingRequest(ping_id=1), content_related=False)
        salt = await session.answer()
        session.state.salt = salt.new_server_salt
        for related in (True, False):
            await session.send(types.MsgsAck(msg_ids=[1, 2]), content_related=related)
        await session.send(functions.PingRequest(ping_id=7), content_related=True)
        pong = await session.answer()
        assert isinstance(pong, types.Pong)
        assert pong.ping_id == 7
    finally:
        await session.close()


async def test_msgs_state_req_gets_msgs_state_info(sandbox: SandboxServer) -> None:
    session = await _RawSession.open(sandbox)
    try:
        await session.send(functions.PingRequest(ping_id=1), content_related=False)
        salt = await session.answer()
        session.state.salt = salt.new_server_salt
        answered = await session.send(functions.PingRequest(ping_id=2), content_related=True)
        assert isinstance(await session.answer(), types.Pong)
        future = answered + (1000 << 32)
        asked = await session.send(
            types.MsgsStateReq(msg_ids=[answered, future]), content_related=True
        )
        info = await asyncio.wait_for(session.answer(), 5)
        assert isinstance(info, types.MsgsStateInfo)
        assert info.req_msg_id == asked
        assert [ord(byte) for byte in info.info] == [4 | 32, 3]
    finally:
        await session.close()


async def test_invoke_with_messages_range_answers_the_wrapped_query(
    client: TelegramClient,
) -> None:
    """invokeWithMessagesRange is a wrapper: the answer is the wrapped query's (here a page
    of history, over a range covering every message: the same page as unwrapped)."""
    dialog = (await client.get_dialogs(limit=1))[0]
    history = functions.messages.GetHistoryRequest(
        peer=dialog.input_entity,
        offset_id=0,
        offset_date=None,
        add_offset=0,
        limit=20,
        max_id=0,
        min_id=0,
        hash=0,
    )
    plain = await client(history)
    wrapped = await client(
        functions.InvokeWithMessagesRangeRequest(
            range=types.MessageRange(min_id=1, max_id=2**31 - 1), query=history
        )
    )
    assert [m.id for m in wrapped.messages] == [m.id for m in plain.messages]
    assert wrapped.messages
