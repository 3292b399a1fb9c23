"""One client TCP connection: transport, key exchange, MTProto 2.0 session layer, answers.

Every request gets an rpc_result or an rpc_error; service messages (containers, gzip, acks,
pings, salts, bad msg notifications) are routed here and written by `service_messages`;
requests are read in the layer the connection declared, dispatched by the server and
answered in that layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
from typing import TYPE_CHECKING, Any

from telethon.errors import TypeNotFoundError
from telethon.extensions import BinaryReader
from telethon.tl import functions, types

from tgtui.sandbox.crypto import BadPacket, decrypt_from_client, encrypt_from_server
from tgtui.sandbox.handshake import Handshake, HandshakeError, HandshakeRefused
from tgtui.sandbox.rpc import Call, RpcError
from tgtui.sandbox.service_messages import (
    DESTROY_SESSION,
    GET_FUTURE_SALTS,
    GZIP_PACKED,
    MSG_CONTAINER,
    MSGS_ACK,
    MSGS_STATE_REQ,
    PING,
    PING_DELAY_DISCONNECT,
    bad_msg_notification,
    future_salts,
    gunzip,
    header_error,
    msgs_state_info,
    pong,
    rpc_error,
    rpc_result,
    serialize_result,
)
from tgtui.sandbox.state import AuthKeyRecord, SessionRecord
from tgtui.sandbox.tl.layers import (
    Incoming,
    TlError,
    UnknownConstructor,
    answer_to_layer,
    is_native,
    to_native,
    unknown_method_error,
    updates_to_layer,
)
from tgtui.sandbox.tl.schema import NATIVE_LAYER
from tgtui.sandbox.transport import ByteSink, ByteSource, Codec, TransportError, detect_codec

if TYPE_CHECKING:
    from tgtui.sandbox.server import SandboxServer

log = logging.getLogger(__name__)

INVOKE_WITH_LAYER = struct.pack("<I", functions.InvokeWithLayerRequest.CONSTRUCTOR_ID)
# Methods that wrap another (their ids are the same in every layer): one may hold an
# invokeWithLayer, so a request starting with one is read with the schemas.
_WRAPPER_PREFIXES = frozenset(
    struct.pack("<I", request.CONSTRUCTOR_ID)
    for request in (
        functions.InitConnectionRequest,
        functions.InvokeAfterMsgRequest,
        functions.InvokeAfterMsgsRequest,
        functions.InvokeWithoutUpdatesRequest,
        functions.InvokeWithMessagesRangeRequest,
        functions.InvokeWithTakeoutRequest,
        functions.InvokeWithBusinessConnectionRequest,
        functions.InvokeWithGooglePlayIntegrityRequest,
        functions.InvokeWithApnsSecretRequest,
        functions.InvokeWithReCaptchaRequest,
    )
)


class Connection:
    """Serves one client connection until it closes (or a fault closes it)."""

    def __init__(
        self,
        server: SandboxServer,
        reader: ByteSource,
        writer: ByteSink,
        dc: int,
        codec: Codec | None = None,
    ) -> None:
        """``reader`` and ``writer``: the socket's, or layers over them (an MTProxy's fake
        TLS); ``codec``: the transport when a layer below already read it (an MTProxy's
        obfuscation header), else the client's first bytes announce it."""
        self.server = server
        self.dc = dc  # the DC whose port the client connected to (or its MTProxy named)
        self.reader = reader
        self.writer = writer
        self.codec = codec
        self.handshake: Handshake | None = None
        self.requests = 0
        self.auth: AuthKeyRecord | None = None
        self.session: SessionRecord | None = None
        # The layer this connection declared (invokeWithLayer); None: the auth key's.
        self.layer: int | None = None
        self._write_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Read and answer packets until the peer goes away."""
        try:
            if self.codec is None:
                self.codec = await detect_codec(self.reader)
            while not self.closed:
                packet = await self.codec.read(self.reader)
                await self._on_packet(packet)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        except (TransportError, HandshakeError, BadPacket) as exc:
            log.warning("closing connection: %s", exc)
        finally:
            self.abort()

    def abort(self) -> None:
        """Close the connection at once, abandoning answers in flight (as a network drop does)."""
        if self.closed:
            return
        self.closed = True
        self.server.connections.discard(self)
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):  # the transport may already be gone
            self.writer.transport.abort()

    # -- incoming ----------------------------------------------------------------------------

    async def _on_packet(self, packet: bytes) -> None:
        if len(packet) < 8:
            raise TransportError("packet shorter than an auth_key_id")
        (key_id,) = struct.unpack("<Q", packet[:8])
        if key_id == 0:
            await self._on_plain(packet)
            return
        record = self.server.auth.get(key_id)
        if record is None or record.dc != self.dc:  # keys are per DC
            # Telegram's transport error for an unknown key: the client makes a new one.
            await self._send_raw(struct.pack("<i", -404))
            self.abort()
            return
        plaintext = decrypt_from_client(record.key, packet)
        salt, session_id, msg_id, seq_no, length = struct.unpack("<qqqii", plaintext[:32])
        body = plaintext[32 : 32 + length]
        if len(body) != length or length % 4:
            raise BadPacket("message length does not match the payload")
        session = record.sessions.get(session_id)
        if session is None:
            session = record.sessions[session_id] = SessionRecord(session_id)
            created = types.NewSessionCreated(
                first_msg_id=msg_id,
                unique_id=struct.unpack("<q", os.urandom(8))[0],
                server_salt=record.salt,
            )
            await self._send(record, session, bytes(created), content_related=True)
        self.auth, self.session = record, session
        self.server.connections.add(self)
        if not await self._check_header(record, session, msg_id, seq_no, body):
            return
        if salt != record.salt:
            bad_salt = types.BadServerSalt(
                bad_msg_id=msg_id, bad_msg_seqno=seq_no, error_code=48, new_server_salt=record.salt
            )
            await self._send(record, session, bytes(bad_salt), content_related=False)
            return
        await self._on_message(record, session, msg_id, seq_no, body)

    async def _check_header(
        self, record: AuthKeyRecord, session: SessionRecord, msg_id: int, seq_no: int, body: bytes
    ) -> bool:
        """MTProto's msg_id and seq_no rules; a violation gets a bad_msg_notification."""
        code = header_error(msg_id, seq_no, body)
        if code:
            note = bad_msg_notification(msg_id, seq_no, code)
            await self._send(record, session, note, content_related=False)
            return False
        return True

    async def _on_message(
        self, record: AuthKeyRecord, session: SessionRecord, msg_id: int, seq_no: int, body: bytes
    ) -> None:
        if msg_id in session.seen:
            return  # a resend of something already answered or in progress
        session.seen.append(msg_id)
        session.highest_client_msg_id = max(session.highest_client_msg_id, msg_id)
        (constructor,) = struct.unpack("<I", body[:4])
        if constructor == MSG_CONTAINER:
            await self._on_container(record, session, body)
        elif constructor == GZIP_PACKED:
            session.seen.remove(msg_id)
            await self._on_message(record, session, msg_id, seq_no, gunzip(body))
        elif constructor == MSGS_ACK:
            return
        elif constructor == MSGS_STATE_REQ:
            info = msgs_state_info(session, msg_id, body)
            await self._send(record, session, info, content_related=False)
        elif constructor in (PING, PING_DELAY_DISCONNECT):
            await self._send(record, session, pong(msg_id, body))
        elif constructor == DESTROY_SESSION:
            (target,) = struct.unpack("<q", body[4:12])
            record.sessions.pop(target, None)
            ok = types.DestroySessionOk(session_id=target)
            await self._send(record, session, rpc_result(msg_id, bytes(ok)))
        elif constructor == GET_FUTURE_SALTS:
            await self._send(record, session, future_salts(msg_id, record.salt))
        else:
            self._spawn(self._answer(record, session, msg_id, body))

    async def _on_container(
        self, record: AuthKeyRecord, session: SessionRecord, body: bytes
    ) -> None:
        (count,) = struct.unpack("<i", body[4:8])
        pos = 8
        for _ in range(count):
            inner_id, inner_seq, length = struct.unpack("<qii", body[pos : pos + 16])
            inner = body[pos + 16 : pos + 16 + length]
            pos += 16 + length
            if len(inner) != length or inner[:4] == struct.pack("<I", MSG_CONTAINER):
                note = bad_msg_notification(inner_id, inner_seq, 64)  # invalid container
                await self._send(record, session, note, content_related=False)
                return
            if await self._check_header(record, session, inner_id, inner_seq, inner):
                await self._on_message(record, session, inner_id, inner_seq, inner)

    async def _on_plain(self, packet: bytes) -> None:
        try:
            _msg_id, length = struct.unpack("<qi", packet[8:20])
            with BinaryReader(packet[20 : 20 + length]) as reader:
                request = reader.tgread_object()
            if self.handshake is None or isinstance(
                request, functions.ReqPqMultiRequest | functions.ReqPqRequest
            ):
                self.handshake = Handshake(self.server.rsa_key)
            answer, key = self.handshake.answer(request)
        except (HandshakeRefused, TypeNotFoundError, struct.error, ValueError) as exc:
            # What Telegram does with a plain message it cannot use: the transport error
            # -404, then it closes the connection.
            log.warning("refusing a plain message: %s", exc)
            await self._send_raw(struct.pack("<i", -404))
            self.abort()
            return
        if key is not None:
            self.server.auth.add(key, dc=self.dc)
            self.handshake = None
        reply = bytes(answer)
        msg_id = SessionRecord(0).next_msg_id(response=True)
        await self._send_raw(struct.pack("<qqi", 0, msg_id, len(reply)) + reply)

    # -- answering ---------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def current_layer(self) -> int:
        """The layer this connection is answered in: the one it declared, else its key's."""
        if self.layer is not None:
            return self.layer
        if self.auth is not None and self.auth.layer is not None:
            return self.auth.layer
        return NATIVE_LAYER

    def _incoming(self, record: AuthKeyRecord, body: bytes) -> Incoming | None:
        """The request in the native layer, when it needs translating: sent in another
        layer, or starting with a wrapper that may declare one (invokeWithLayer)."""
        layer = self.current_layer()
        if body[:4] == INVOKE_WITH_LAYER and len(body) >= 8:
            (declared,) = struct.unpack("<i", body[4:8])
            self.layer = record.layer = declared
            if is_native(declared):
                return None  # the rest is in the native layer already
        elif is_native(layer) and body[:4] not in _WRAPPER_PREFIXES:
            return None
        incoming = to_native(body, layer)
        if incoming.declared_layer is not None:
            self.layer = record.layer = incoming.declared_layer
        return incoming

    async def _answer(
        self, record: AuthKeyRecord, session: SessionRecord, msg_id: int, body: bytes
    ) -> None:
        faults = self.server.faults
        self.requests += 1
        if (faults.drop_after and self.requests > faults.drop_after) or faults.should_drop():
            log.info("fault: dropping connection at request %d", self.requests)
            self.abort()
            return
        try:
            incoming = self._incoming(record, body)
            with BinaryReader(incoming.data if incoming else body) as reader:
                request = reader.tgread_object()
        except UnknownConstructor as exc:
            await self._send(record, session, self._unreadable(msg_id, exc, body))
            return
        except TypeNotFoundError as exc:
            method = struct.pack("<I", exc.invalid_constructor_id) == body[:4]
            unknown = UnknownConstructor(exc.invalid_constructor_id, method=method)
            await self._send(record, session, self._unreadable(msg_id, unknown, body))
            return
        except (TlError, struct.error, ValueError, IndexError):
            log.warning("unreadable request %s", body[:4].hex())
            error = RpcError(400, "INPUT_FETCH_FAIL")
            await self._send(record, session, rpc_error(msg_id, error))
            return
        call = Call(server=self.server, auth=record, session=session, msg_id=msg_id)
        layer = self.current_layer()
        try:
            result = await self.server.dispatch(call, request)
            data = serialize_result(result)
            if incoming is not None and not is_native(layer):
                data = answer_to_layer(data, incoming.method, layer)
            payload = rpc_result(msg_id, data)
        except RpcError as exc:
            payload = rpc_error(msg_id, exc)
        except Exception:
            log.exception("sandbox handler failed for %s", type(request).__name__)
            payload = rpc_error(msg_id, RpcError(500, "INTERNAL_SANDBOX_ERROR"))
        await self._send(record, session, payload)

    def _unreadable(self, msg_id: int, error: UnknownConstructor, body: bytes) -> bytes:
        """Telegram's answer to a request naming a method or constructor it does not have."""
        log.warning("request with %s", error)
        return rpc_error(msg_id, RpcError(400, unknown_method_error(error, body)))

    async def push(self, data: bytes) -> None:
        """Send a server-initiated message (updates) on this connection's current session."""
        if self.auth is not None and self.session is not None and not self.closed:
            layer = self.current_layer()
            if not is_native(layer):
                data = updates_to_layer(data, layer)
            await self._send(self.auth, self.session, data, response=False)

    # -- outgoing ----------------------------------------------------------------------------

    async def _send(
        self,
        record: AuthKeyRecord,
        session: SessionRecord,
        body: bytes,
        *,
        content_related: bool = True,
        response: bool = True,
    ) -> None:
        async with self._write_lock:
            msg_id = session.next_msg_id(response=response)
            seq_no = session.next_seq_no(content_related=content_related)
            head = struct.pack("<qqqii", record.salt, session.session_id, msg_id, seq_no, len(body))
            await self._write(encrypt_from_server(record.key, head + body))

    async def _send_raw(self, packet: bytes) -> None:
        async with self._write_lock:
            await self._write(packet)

    async def _write(self, packet: bytes) -> None:
        if self.closed or self.codec is None:
            return
        framed = self.codec.frame(packet)
        bandwidth = self.server.faults.bandwidth
        if bandwidth:
            await asyncio.sleep(len(framed) / bandwidth)
        self.writer.write(framed)
        try:
            await self.writer.drain()
        except ConnectionError:
            self.abort()
