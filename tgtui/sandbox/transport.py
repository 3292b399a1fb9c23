"""MTProto TCP transports on the server side: full, intermediate, padded intermediate,
abridged, and any of the last three obfuscated (directly, or behind an MTProxy's secret).

The client announces its transport with its first bytes; the server answers in kind
(core.telegram.org/mtproto/mtproto-transports and /mtproto/obfuscation).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import struct
import zlib
from typing import Protocol

from tgtui.sandbox.crypto import AesCtr

OBFUSCATED_HEADER = 64  # the random bytes an obfuscated connection opens with


class TransportError(Exception):
    """The byte stream does not follow the transport the client chose."""


class ByteSource(Protocol):
    """Where a codec reads from: the socket, or the socket through the obfuscation."""

    async def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes (or IncompleteReadError)."""
        ...


class ByteSink(Protocol):
    """Where a connection writes: the socket's writer, or a layer over it (fake TLS)."""

    @property
    def transport(self) -> asyncio.WriteTransport:
        """The socket underneath (closed at once by `Connection.abort`)."""
        ...

    def write(self, data: bytes) -> None:
        """Queue ``data`` to be sent."""
        ...

    async def drain(self) -> None:
        """Wait until the queue is small enough to write more."""
        ...


class Codec(Protocol):
    """Frames MTProto packets on a byte stream."""

    name: str

    async def read(self, reader: ByteSource) -> bytes:
        """Read one whole packet."""
        ...

    def frame(self, packet: bytes) -> bytes:
        """Frame one packet for sending."""
        ...


class FullCodec:
    """TCP full: length, sequence number, payload, CRC32."""

    name = "full"

    def __init__(self, first: bytes) -> None:
        self._pending = first  # the first packet's length and sequence number, already read
        self._recv_seq = 0
        self._send_seq = 0

    async def read(self, reader: ByteSource) -> bytes:
        head = self._pending + await reader.readexactly(8 - len(self._pending))
        self._pending = b""
        length, seq = struct.unpack("<ii", head)
        if length < 12 or length > 16 * 1024 * 1024:
            raise TransportError(f"bad packet length {length}")
        rest = await reader.readexactly(length - 8)
        body, crc = rest[:-4], struct.unpack("<I", rest[-4:])[0]
        if zlib.crc32(head + body) != crc:
            raise TransportError("CRC32 mismatch")
        if seq != self._recv_seq:
            raise TransportError(f"sequence {seq}, expected {self._recv_seq}")
        self._recv_seq += 1
        return body

    def frame(self, packet: bytes) -> bytes:
        head = struct.pack("<ii", len(packet) + 12, self._send_seq) + packet
        self._send_seq += 1
        return head + struct.pack("<I", zlib.crc32(head))


class IntermediateCodec:
    """TCP intermediate (tag 0xeeeeeeee): a 4-byte length before each packet."""

    name = "intermediate"

    async def read(self, reader: ByteSource) -> bytes:
        (length,) = struct.unpack("<i", await reader.readexactly(4))
        if length <= 0 or length > 16 * 1024 * 1024:
            raise TransportError(f"bad packet length {length}")
        return await reader.readexactly(length)

    def frame(self, packet: bytes) -> bytes:
        return struct.pack("<i", len(packet)) + packet


PLAIN_HEADER = 20  # auth_key_id (0), msg_id, message_data_length
ENCRYPTED_HEADER = 24  # auth_key_id, msg_key; then whole AES blocks
MAX_PADDING = 15


def unpadded(payload: bytes) -> bytes:
    """The MTProto packet at the start of a padded-intermediate payload, without the 0-15
    random bytes after it (core.telegram.org/mtproto/mtproto-transports#padded-intermediate).

    The envelope's length counts the padding too, so the packet's own length is read from
    the packet: a plain message states it after its auth_key_id (zero) and msg_id
    (/mtproto/description#unencrypted-message); an encrypted one is its auth_key_id and
    msg_key, then whole 16-byte AES blocks (/mtproto/description#encrypted-message)."""
    if payload[:8] == bytes(8) and len(payload) >= PLAIN_HEADER:
        (length,) = struct.unpack_from("<i", payload, 16)
        end = PLAIN_HEADER + length
    else:
        end = len(payload) - (len(payload) - ENCRYPTED_HEADER) % 16
    if not len(payload) - MAX_PADDING <= end <= len(payload):
        raise TransportError(f"a packet of {end} bytes in a padded payload of {len(payload)}")
    return payload[:end]


class PaddedIntermediateCodec(IntermediateCodec):
    """TCP padded intermediate (tag 0xdddddddd): 0-15 random bytes after each packet (the
    server's own are 0-3, as Telegram's: clients such as Telethon strip only those)."""

    name = "padded-intermediate"

    async def read(self, reader: ByteSource) -> bytes:
        return unpadded(await super().read(reader))

    def frame(self, packet: bytes) -> bytes:
        return super().frame(packet + os.urandom(os.urandom(1)[0] % 4))


class AbridgedCodec:
    """TCP abridged (tag 0xef): length in 4-byte words, one byte or 0x7f and three bytes."""

    name = "abridged"

    async def read(self, reader: ByteSource) -> bytes:
        words = (await reader.readexactly(1))[0]
        if words >= 0x7F:
            words = int.from_bytes(await reader.readexactly(3), "little")
        return await reader.readexactly(words * 4)

    def frame(self, packet: bytes) -> bytes:
        words = len(packet) // 4
        head = bytes([words]) if words < 0x7F else b"\x7f" + words.to_bytes(3, "little")
        return head + packet


class _Decrypting:
    """A byte source that decrypts what it reads with the connection's AES-CTR stream."""

    def __init__(self, reader: ByteSource, cipher: AesCtr) -> None:
        self._reader = reader
        self._cipher = cipher

    async def readexactly(self, n: int) -> bytes:
        return self._cipher(await self._reader.readexactly(n))


class ObfuscatedCodec:
    """Obfuscated2: the client's 64 random bytes give an AES-256-CTR key and IV for each
    direction (bytes 8-55 as they are for client to server, reversed for server to
    client); decrypted, bytes 56-59 name the transport inside (abridged, intermediate or
    padded intermediate), whose packets then travel encrypted."""

    def __init__(self, inner: Codec, reader: ByteSource, cipher_in: AesCtr, out: AesCtr):
        self.name = f"obfuscated-{inner.name}"
        self._inner = inner
        self._source = _Decrypting(reader, cipher_in)
        self._out = out

    async def read(self, reader: ByteSource) -> bytes:
        return await self._inner.read(self._source)

    def frame(self, packet: bytes) -> bytes:
        return self._out(self._inner.frame(packet))


PADDED_TAG = b"\xdd\xdd\xdd\xdd"
TAGGED: dict[bytes, type[IntermediateCodec] | type[AbridgedCodec]] = {
    b"\xef\xef\xef\xef": AbridgedCodec,
    b"\xee\xee\xee\xee": IntermediateCodec,
    PADDED_TAG: PaddedIntermediateCodec,
}


def open_obfuscated(
    header: bytes, reader: ByteSource, secret: bytes | None = None
) -> tuple[ObfuscatedCodec, bytes]:
    """The codec an obfuscated connection's 64-byte ``header`` sets up, and the header
    decrypted (its bytes 56-59 the transport's tag, 60-61 an MTProxy's DC).

    Client to server: the key is bytes 8-39, the IV 40-55; server to client: the same 48
    bytes reversed. Behind an MTProxy each key is SHA256(key + the secret's 16 bytes)
    (core.telegram.org/mtproto/mtproto-transports#transport-obfuscation)."""
    forward, backward = header[8:56], header[55:7:-1]
    key_in, key_out = forward[:32], backward[:32]
    if secret is not None:
        key_in = hashlib.sha256(key_in + secret).digest()
        key_out = hashlib.sha256(key_out + secret).digest()
    cipher_in = AesCtr(key_in, forward[32:48])
    cipher_out = AesCtr(key_out, backward[32:48])
    plain = cipher_in(header)
    codec = TAGGED.get(plain[56:60])
    if codec is None:
        raise TransportError(f"obfuscated header names no transport ({plain[56:60].hex()})")
    return ObfuscatedCodec(codec(), reader, cipher_in, cipher_out), plain


async def detect_codec(reader: ByteSource) -> Codec:
    """Read the client's first bytes and pick the transport they announce."""
    first = await reader.readexactly(1)
    if first == b"\xef":
        return AbridgedCodec()
    first += await reader.readexactly(3)
    if first == b"\xee\xee\xee\xee":
        return IntermediateCodec()
    if first == b"\xdd\xdd\xdd\xdd":
        return PaddedIntermediateCodec()
    # TCP full has no tag: these four bytes are the first packet's length, and the next four
    # its sequence number, 0. An obfuscated header never has zeros there (its rule).
    second = await reader.readexactly(4)
    if second != bytes(4):
        header = first + second + await reader.readexactly(OBFUSCATED_HEADER - 8)
        return open_obfuscated(header, reader)[0]
    return FullCodec(first + second)
