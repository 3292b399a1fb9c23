"""Fake TLS, the outer layer of an MTProxy whose secret starts with ``ee``: the connection
looks like TLS 1.3 to a site (the secret's domain) while it carries obfuscated MTProto.

What the client and the proxy exchange (Telegram's MTProxy, github.com/TelegramMessenger/
MTProxy, net/net-tcp-rpc-ext-server.c; core.telegram.org/mtproto/mtproto-transports#
transport-obfuscation for what travels inside):

1. The client sends a TLS ClientHello record (16 03 01, its length, then the handshake)
   whose 32-byte random is HMAC-SHA256, keyed by the secret's 16 bytes, of the whole
   record with the random zeroed, its last 4 bytes XORed with the Unix time (little
   endian). Its server name (SNI) is the secret's domain.
2. The proxy checks the digest, the time (not ahead, not too far behind), that this random
   was never seen before (a replayed hello is refused) and the server name, then answers
   with a ServerHello record, a ChangeCipherSpec record and an application-data record of
   random bytes. The ServerHello's random is HMAC-SHA256, by the same key, of the client's
   random followed by that whole answer with its own random zeroed.
3. The client sends a ChangeCipherSpec record (14 03 03 00 01 01); from then on each way
   is a stream of application-data records (17 03 03, a 2-byte length, the bytes), whose
   first one from the client opens with the 64-byte obfuscation header.

A hello that fails any check closes the connection (a real proxy would hand it to the
site it imitates); the reason goes to the log, never the secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import struct
import time
from dataclasses import dataclass

from tgtui.sandbox.transport import OBFUSCATED_HEADER, ByteSource, TransportError

HANDSHAKE = 0x16  # record types (RFC 8446 section 5.1)
APPLICATION = 0x17
CHANGE_CIPHER_SPEC = bytes.fromhex("140303000101")  # the whole record: type, version, 1, 1
APPLICATION_DATA = bytes.fromhex("170303")  # an application-data record's head, its length next
HELLO_START = bytes.fromhex("160301")  # a ClientHello record, TLS 1.0 record version
TLS_12 = b"\x03\x03"
RANDOM_AT = 11  # the ClientHello's and ServerHello's random: after the record and handshake heads
RANDOM_SIZE = 32
TIME_AT = 28  # the client's random: 28 bytes of digest, then 4 XORed with the time
SESSION_ID_SIZE = 32  # TLS 1.3's middlebox-compatible hello, as every MTProxy client sends
SERVER_NAME = 0  # the server_name extension (RFC 6066 section 3)
HOST_NAME = 0
MAX_HELLO = 4096  # the largest ClientHello Telegram's MTProxy reads
MAX_RECORD = 2**14 + 256  # RFC 8446 section 5.2: a TLS 1.3 record's most
SEND_RECORD = 2**14  # the most the proxy puts in one record (TLS's plaintext limit)
TIME_AHEAD = 3  # seconds a hello's time may be ahead of the proxy's (Telegram's MTProxy)
TIME_BEHIND = 600  # seconds it may be behind
ANSWER_PADDING = (2500, 3620)  # the answer's application data: as a site's certificate


class FakeTlsRefused(TransportError):
    """A connection that does not open as fake TLS with this proxy's secret and domain."""


@dataclass(frozen=True)
class ClientHello:
    """What the proxy reads from a ClientHello record."""

    record: bytes  # the whole record, its random zeroed (what the digest is of)
    random: bytes
    session_id: bytes
    server_name: bytes | None


def _cut(data: bytes, at: int, size: int, what: str) -> bytes:
    if at + size > len(data):
        raise FakeTlsRefused(f"the ClientHello ends inside its {what}")
    return data[at : at + size]


def _sized(data: bytes, at: int, width: int, what: str) -> tuple[bytes, int]:
    """A field of ``data`` at ``at`` led by its ``width``-byte big-endian length; and where
    the next field starts."""
    size = int.from_bytes(_cut(data, at, width, what), "big")
    return _cut(data, at + width, size, what), at + width + size


def parse_client_hello(record: bytes) -> ClientHello:
    """Read a ClientHello record strictly (RFC 8446 section 4.1.2): one handshake filling
    the record, a 32-byte session id, every extension once, the extensions filling the
    hello to its end."""
    if record[:3] != HELLO_START:
        raise FakeTlsRefused("the first bytes are not a TLS handshake record")
    if record[5] != 1 or int.from_bytes(record[6:9], "big") != len(record) - 9:
        raise FakeTlsRefused("the record is not one ClientHello")
    if record[9:11] != TLS_12:
        raise FakeTlsRefused("the ClientHello's legacy version is not TLS 1.2")
    random = record[RANDOM_AT : RANDOM_AT + RANDOM_SIZE]
    session_id, at = _sized(record, RANDOM_AT + RANDOM_SIZE, 1, "session id")
    if len(session_id) != SESSION_ID_SIZE:
        raise FakeTlsRefused(f"a session id of {len(session_id)} bytes, not 32")
    suites, at = _sized(record, at, 2, "cipher suites")
    compression, at = _sized(record, at, 1, "compression methods")
    if not suites or len(suites) % 2 or not compression:
        raise FakeTlsRefused("no cipher suite or no compression method")
    extensions, at = _sized(record, at, 2, "extensions")
    if at != len(record):
        raise FakeTlsRefused("bytes after the ClientHello's extensions")
    seen: set[bytes] = set()
    server_name: bytes | None = None
    at = 0
    while at < len(extensions):
        kind = _cut(extensions, at, 2, "extension")
        body, at = _sized(extensions, at + 2, 2, "extension")
        if kind in seen:
            raise FakeTlsRefused(f"extension {kind.hex()} twice")
        seen.add(kind)
        if int.from_bytes(kind, "big") == SERVER_NAME:
            server_name = _server_name(body)
    zeroed = record[:RANDOM_AT] + bytes(RANDOM_SIZE) + record[RANDOM_AT + RANDOM_SIZE :]
    return ClientHello(zeroed, random, session_id, server_name)


def _server_name(body: bytes) -> bytes:
    """The one host name of a server_name extension (RFC 6066 section 3)."""
    names, end = _sized(body, 0, 2, "server name list")
    if end != len(body) or not names or names[0] != HOST_NAME:
        raise FakeTlsRefused("the server_name extension holds no host name")
    name, end = _sized(names, 1, 2, "server name")
    if end != len(names) or not name or b"\0" in name:
        raise FakeTlsRefused("the server_name extension is not one host name")
    return name


def hello_digest(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 of ``data`` keyed by the secret's 16 bytes (both hellos' randoms)."""
    return hmac.new(key, data, hashlib.sha256).digest()


def _record(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + TLS_12 + struct.pack(">H", len(body)) + body


def server_answer(key: bytes, client_random: bytes, session_id: bytes) -> bytes:
    """ServerHello (TLS 1.3: TLS_AES_128_GCM_SHA256, an x25519 key share, supported_versions
    1.3, the client's session id echoed), ChangeCipherSpec, and an application-data record
    of random bytes standing for the encrypted certificate; its random the digest of the
    client's random and the whole answer."""
    key_share = struct.pack(">HHHH", 0x33, 36, 0x1D, 32) + os.urandom(32)
    versions = struct.pack(">HHH", 0x2B, 2, 0x0304)
    extensions = key_share + versions
    hello = (
        TLS_12
        + bytes(RANDOM_SIZE)
        + bytes([len(session_id)])
        + session_id
        + b"\x13\x01"  # TLS_AES_128_GCM_SHA256
        + b"\x00"  # no compression
        + struct.pack(">H", len(extensions))
        + extensions
    )
    handshake = b"\x02" + len(hello).to_bytes(3, "big") + hello
    low, high = ANSWER_PADDING
    certificate = os.urandom(low + secrets.randbelow(high - low))
    answer = _record(HANDSHAKE, handshake) + CHANGE_CIPHER_SPEC + _record(APPLICATION, certificate)
    digest = hello_digest(key, client_random + answer)
    return answer[:RANDOM_AT] + digest + answer[RANDOM_AT + RANDOM_SIZE :]


class FakeTls:
    """The fake-TLS side of one proxy: its key and domain, and the randoms it has accepted
    (kept while their time is within the window, so a replay is refused)."""

    def __init__(self, key: bytes, domain: bytes) -> None:
        self._key = key
        self._domain = domain.lower()
        self._seen: dict[bytes, int] = {}  # client random -> the time in it

    def check(self, hello: ClientHello, now: int) -> None:
        """Refuse a hello not made with this secret for this domain, stale, or seen."""
        if hello.server_name is None or hello.server_name.lower() != self._domain:
            raise FakeTlsRefused("the hello's server name is not the secret's domain")
        expected = hello_digest(self._key, hello.record)
        if not hmac.compare_digest(expected[:TIME_AT], hello.random[:TIME_AT]):
            raise FakeTlsRefused("the hello's digest is not of this proxy's secret")
        tail = bytes(a ^ b for a, b in zip(expected[TIME_AT:], hello.random[TIME_AT:], strict=True))
        (stamp,) = struct.unpack("<i", tail)  # the client's Unix time
        if hello.random in self._seen:
            raise FakeTlsRefused("a hello already seen (a replay)")
        if stamp > now + TIME_AHEAD:
            raise FakeTlsRefused(f"the hello's time is {stamp - now} s ahead")
        if stamp < now - TIME_BEHIND:
            raise FakeTlsRefused(f"the hello's time is {now - stamp} s behind")
        for random, seen in list(self._seen.items()):
            if seen < now - TIME_BEHIND:
                del self._seen[random]
        self._seen[hello.random] = stamp

    async def accept(
        self, reader: ByteSource, writer: asyncio.StreamWriter
    ) -> tuple[TlsRecordReader, TlsRecordWriter]:
        """Read and check the client's hello, answer it; the byte streams inside the
        application-data records that follow."""
        head = await reader.readexactly(5)
        if head[:3] != HELLO_START:
            raise FakeTlsRefused("the first bytes are not a TLS handshake record")
        (length,) = struct.unpack(">H", head[3:])
        if not 0 < length <= MAX_HELLO - 5:
            raise FakeTlsRefused(f"a ClientHello record of {length} bytes")
        hello = parse_client_hello(head + await reader.readexactly(length))
        self.check(hello, int(time.time()))
        writer.write(server_answer(self._key, hello.random, hello.session_id))
        await writer.drain()
        return TlsRecordReader(reader), TlsRecordWriter(writer)


class TlsRecordReader:
    """The bytes the client sends inside application-data records, after its
    ChangeCipherSpec; the first record holds at least the obfuscation header."""

    def __init__(self, reader: ByteSource) -> None:
        self._reader = reader
        self._buffer = bytearray()
        self._records = 0

    async def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes of the records' contents (or IncompleteReadError)."""
        while len(self._buffer) < n:
            self._buffer += await self._record()
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    async def _record(self) -> bytes:
        if self._records == 0 and await self._reader.readexactly(6) != CHANGE_CIPHER_SPEC:
            raise FakeTlsRefused("no ChangeCipherSpec record after the hello")
        head = await self._reader.readexactly(5)
        if head[:3] != APPLICATION_DATA:
            raise FakeTlsRefused(f"a record of type {head[0]:#04x}, not application data")
        (length,) = struct.unpack(">H", head[3:])
        if length > MAX_RECORD:
            raise FakeTlsRefused(f"a record of {length} bytes (TLS allows {MAX_RECORD})")
        if self._records == 0 and length < OBFUSCATED_HEADER:
            raise FakeTlsRefused("the first record is shorter than the obfuscation header")
        self._records += 1
        return await self._reader.readexactly(length)


class TlsRecordWriter:
    """Sends bytes to the client inside application-data records of up to 16 KiB."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    @property
    def transport(self) -> asyncio.WriteTransport:
        """The socket underneath."""
        return self._writer.transport

    def write(self, data: bytes) -> None:
        """Queue ``data`` in as many records as it takes."""
        for at in range(0, len(data), SEND_RECORD):
            part = data[at : at + SEND_RECORD]
            self._writer.write(APPLICATION_DATA + struct.pack(">H", len(part)) + part)

    async def drain(self) -> None:
        """Wait for the socket's buffer to drain."""
        await self._writer.drain()
