"""MTProto TCP transports on the server side: full, intermediate, padded intermediate, abridged.

The client announces its transport with its first bytes; the server answers in kind.
"""

from __future__ import annotations

import asyncio
import os
import struct
import zlib
from typing import Protocol


class TransportError(Exception):
    """The byte stream does not follow the transport the client chose."""


class Codec(Protocol):
    """Frames MTProto packets on a byte stream."""

    name: str

    async def read(self, reader: asyncio.StreamReader) -> bytes:
        """Read one whole packet."""
        ...

    def frame(self, packet: bytes) -> bytes:
        """Frame one packet for sending."""
        ...


class FullCodec:
    """TCP full: length, sequence number, payload, CRC32."""

    name = "full"

    def __init__(self, first: bytes) -> None:
        self._pending = first
        self._recv_seq = 0
        self._send_seq = 0

    async def read(self, reader: asyncio.StreamReader) -> bytes:
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

    async def read(self, reader: asyncio.StreamReader) -> bytes:
        (length,) = struct.unpack("<i", await reader.readexactly(4))
        if length <= 0 or length > 16 * 1024 * 1024:
            raise TransportError(f"bad packet length {length}")
        return await reader.readexactly(length)

    def frame(self, packet: bytes) -> bytes:
        return struct.pack("<i", len(packet)) + packet


class PaddedIntermediateCodec(IntermediateCodec):
    """TCP padded intermediate (tag 0xdddddddd): 0-3 random bytes after each packet."""

    name = "padded-intermediate"

    async def read(self, reader: asyncio.StreamReader) -> bytes:
        packet = await super().read(reader)
        return packet[: len(packet) - len(packet) % 4]

    def frame(self, packet: bytes) -> bytes:
        return super().frame(packet + os.urandom(os.urandom(1)[0] % 4))


class AbridgedCodec:
    """TCP abridged (tag 0xef): length in 4-byte words, one byte or 0x7f and three bytes."""

    name = "abridged"

    async def read(self, reader: asyncio.StreamReader) -> bytes:
        words = (await reader.readexactly(1))[0]
        if words >= 0x7F:
            words = int.from_bytes(await reader.readexactly(3), "little")
        return await reader.readexactly(words * 4)

    def frame(self, packet: bytes) -> bytes:
        words = len(packet) // 4
        head = bytes([words]) if words < 0x7F else b"\x7f" + words.to_bytes(3, "little")
        return head + packet


async def detect_codec(reader: asyncio.StreamReader) -> Codec:
    """Read the client's first bytes and pick the transport they announce."""
    first = await reader.readexactly(1)
    if first == b"\xef":
        return AbridgedCodec()
    first += await reader.readexactly(3)
    if first == b"\xee\xee\xee\xee":
        return IntermediateCodec()
    if first == b"\xdd\xdd\xdd\xdd":
        return PaddedIntermediateCodec()
    # TCP full has no tag: these four bytes are already the first packet's length.
    return FullCodec(first)
