"""Telethon through a fake-TLS MTProxy: the `ee` secrets most public MTProxies hand out.

Use it as Telethon's own MTProxy classes (telethon/network/connection/tcpmtproxy.py)::

    TelegramClient(session, api_id, api_hash,
                   connection=ConnectionTcpMTProxyFakeTLS,
                   proxy=(host, port, "ee" + key_hex + domain_hex))

The secret is the whole of it, `ee`, the 16-byte key and the domain the proxy imitates, in
hex or base64 (URL-safe or not) as `tgtui.proxy` reads links, or as bytes.

The protocol, as the client side of tdlib (td/mtproto/TlsInit.cpp, TcpTransport.cpp) speaks
it and the proxies check it (alexbers/mtprotoproxy `handle_fake_tls_handshake`,
TelegramMessenger/MTProxy net/net-tcp-rpc-ext-server.c):

1. The client sends a TLS 1.3 ClientHello as a browser's, 517 bytes (mtprotoproxy wants
   exactly `16 03 01 02 00 01 00 01 fc 03 03`; MTProxy a record of 512 to 767 bytes whose
   first suite after GREASE is a TLS 1.3 one), whose server name is the secret's domain
   (MTProxy hands a hello naming a domain it does not serve to the site it imitates). Its
   32-byte random is HMAC-SHA256(key, the hello with the random zeroed), the last 4 bytes
   XORed with the unix time (little-endian): the proxy finds its user by the HMAC, refuses
   a random it has seen, and a time too far off (MTProxy: more than 3 s ahead of its own).
2. The proxy answers a ServerHello record, a ChangeCipherSpec and an application-data record.
   The ServerHello's random is HMAC-SHA256(key, client random + the answer with that random
   zeroed): anything else (a wrong secret, the real site, a man in the middle) is refused.
3. Then comes the MTProxy obfuscated stream (core.telegram.org/mtproto/mtproto-transports,
   padded intermediate; /mtproto/obfuscation: a 64-byte header whose AES-CTR keys are
   sha256(header part + key), the DC at bytes 60..62), cut into application-data records
   (`17 03 03`, a 2-byte length, at most 2^14 bytes: RFC 8446, 5.1); the first is preceded by
   a ChangeCipherSpec record (`14 03 03 00 01 01`) and carries the header with the first
   packet, as tdlib sends them. The proxy's records come back the same way.

Telethon's pieces do the rest: `MTProxyIO` makes the header and the ciphers, and
`RandomizedIntermediatePacketCodec` frames the packets. The secret is never logged nor put
in an error message.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import random
import time
from collections.abc import Callable
from typing import Any

from telethon.network.connection.tcpmtproxy import (
    ConnectionTcpMTProxyRandomizedIntermediate,
    MTProxyIO,
)

from tgtui.proxy import ProxyError, parse_secret

HELLO_SIZE = 517  # record header (5) + handshake (512): what the proxies look for
RANDOM_AT = 11  # record header (5), handshake type and length (4), legacy version (2)
RANDOM_SIZE = 32
RECORD_MAX = 2**14  # TLSPlaintext.length (RFC 8446, 5.1)
CHANGE_CIPHER_SPEC = b"\x14\x03\x03\x00\x01\x01"
HANDSHAKE_RECORD = b"\x16\x03\x03"
APPLICATION_DATA = b"\x17\x03\x03"

# A browser's offer (Chrome's, after a GREASE value; RFC 8701 for GREASE): TLS 1.3's three
# suites, then TLS 1.2's ECDHE and RSA ones.
CIPHER_SUITES = bytes.fromhex("130113021303c02bc02fc02cc030cca9cca8c013c014009c009d002f0035")
SIGNATURE_ALGORITHMS = bytes.fromhex("04030804040105030805050108060601")
GROUPS = bytes.fromhex("001d00170018")  # x25519, secp256r1, secp384r1
X25519 = b"\x00\x1d"
CURVE_P = 2**255 - 19
CURVE_A = 486662

Random = Callable[[int], bytes]


class FakeTlsError(ConnectionError):
    """The proxy did not answer as a fake-TLS MTProxy holding this secret does."""


def parse_fake_tls_secret(secret: str | bytes) -> tuple[bytes, bytes]:
    """The 16-byte key and the domain of an `ee` secret (hex or base64 text, or bytes);
    ValueError (never showing the secret) for any other."""
    text = secret.hex() if isinstance(secret, bytes | bytearray) else secret
    try:
        key, mode, domain = parse_secret(text)
    except ProxyError as exc:
        raise ValueError(str(exc)) from None
    if mode != "fake-tls" or domain is None:
        raise ValueError("not a fake-TLS MTProxy secret (ee, 16 bytes, a domain)")
    return key, domain.encode("ascii")


def _grease(count: int) -> list[bytes]:
    """``count`` different GREASE values (0x0a0a, 0x1a1a, ... 0xfafa: RFC 8701)."""
    return [bytes([0x0A | n << 4] * 2) for n in random.SystemRandom().sample(range(16), count)]


def _vector(data: bytes, size: int = 2) -> bytes:
    """``data`` after its length (big-endian, ``size`` bytes), as TLS writes vectors."""
    return len(data).to_bytes(size, "big") + data


def _extension(kind: bytes, body: bytes) -> bytes:
    return kind + _vector(body)


def key_share_value(rand: Random = os.urandom) -> bytes:
    """A 32-byte value that looks like an X25519 public key: a point of the curve (not of its
    twist) times 8, as tdlib makes it (TlsInit.cpp, `Op::key`). Nobody decrypts with it."""
    while True:
        x = int.from_bytes(rand(32), "little") % CURVE_P
        y2 = _curve(x)
        if pow(y2, (CURVE_P - 1) // 2, CURVE_P) != 1:
            continue  # zero, or on the twist
        for _ in range(3):  # x(2P) = (x^2 - 1)^2 / 4y^2
            x = pow(x * x - 1, 2, CURVE_P) * pow(4 * y2, -1, CURVE_P) % CURVE_P
            y2 = _curve(x)
            if y2 == 0:  # a point of small order: draw again
                break
        else:
            return x.to_bytes(32, "little")


def _curve(x: int) -> int:
    """y^2 for ``x`` on Curve25519 (y^2 = x^3 + 486662 x^2 + x, RFC 7748)."""
    return (x * x * x + CURVE_A * x * x + x) % CURVE_P


def client_hello(
    key: bytes, domain: bytes, unix_time: int | None = None, rand: Random = os.urandom
) -> bytes:
    """The ClientHello record that opens a fake-TLS connection (the module's step 1).

    Its extensions are a browser's, in a random order between a GREASE one first and a
    GREASE one and the padding last (as Chrome shuffles them, and tdlib after it). A domain
    of more than 224 bytes leaves no room for the padding: the hello is then not 517 bytes,
    which mtprotoproxy refuses (tdlib cuts domains to 182 bytes instead)."""
    cipher_grease, first, group_grease, version_grease, last = _grease(5)
    name = _vector(b"\x00" + _vector(domain))
    shuffled = [
        _extension(b"\x00\x00", name),  # server_name (RFC 6066, 3)
        _extension(b"\x00\x17", b""),  # extended_master_secret
        _extension(b"\xff\x01", b"\x00"),  # renegotiation_info
        _extension(b"\x00\x0a", _vector(group_grease + GROUPS)),  # supported_groups
        _extension(b"\x00\x0b", b"\x01\x00"),  # ec_point_formats: uncompressed
        _extension(b"\x00\x23", b""),  # session_ticket
        _extension(b"\x00\x10", _vector(b"\x02h2\x08http/1.1")),  # ALPN
        _extension(b"\x00\x05", b"\x01\x00\x00\x00\x00"),  # status_request: OCSP
        _extension(b"\x00\x0d", _vector(SIGNATURE_ALGORITHMS)),
        _extension(b"\x00\x12", b""),  # signed_certificate_timestamp
        _extension(  # key_share: a GREASE entry, then X25519's
            b"\x00\x33",
            _vector(group_grease + _vector(b"\x00") + X25519 + _vector(key_share_value(rand))),
        ),
        _extension(b"\x00\x2d", b"\x01\x01"),  # psk_key_exchange_modes: psk_dhe_ke
        _extension(b"\x00\x2b", _vector(version_grease + b"\x03\x04\x03\x03", 1)),
        _extension(b"\x00\x1b", b"\x02\x00\x02"),  # compress_certificate: brotli
    ]
    random.SystemRandom().shuffle(shuffled)
    extensions = b"".join([_extension(first, b""), *shuffled, _extension(last, b"\x00")])
    body = (
        b"\x03\x03"  # legacy_version: TLS 1.2
        + bytes(RANDOM_SIZE)  # the random, zero until signed
        + _vector(rand(32), 1)  # legacy_session_id
        + _vector(cipher_grease + CIPHER_SUITES)
        + b"\x01\x00"  # compression: none
    )
    unpadded = 5 + 4 + len(body) + 2 + len(extensions)
    if unpadded + 4 <= HELLO_SIZE:  # padding (RFC 7685) to the size the proxies expect
        extensions += _extension(b"\x00\x15", bytes(HELLO_SIZE - unpadded - 4))
    handshake = b"\x01" + _vector(body + _vector(extensions), 3)
    hello = bytearray(b"\x16\x03\x01" + _vector(handshake))
    digest = bytearray(hmac.digest(key, bytes(hello), "sha256"))
    now = int(time.time()) if unix_time is None else unix_time
    stamp = (now & 0xFFFFFFFF).to_bytes(4, "little")
    digest[-4:] = bytes(a ^ b for a, b in zip(digest[-4:], stamp, strict=True))
    hello[RANDOM_AT : RANDOM_AT + RANDOM_SIZE] = digest
    return bytes(hello)


def answer_is_signed(key: bytes, client_random: bytes, answer: bytes) -> bool:
    """Whether the proxy's answer (the module's step 2) carries the HMAC only a holder of
    ``key`` can make for this hello."""
    if len(answer) < RANDOM_AT + RANDOM_SIZE:
        return False
    given = answer[RANDOM_AT : RANDOM_AT + RANDOM_SIZE]
    zeroed = answer[:RANDOM_AT] + bytes(RANDOM_SIZE) + answer[RANDOM_AT + RANDOM_SIZE :]
    return hmac.compare_digest(hmac.digest(key, client_random + zeroed, "sha256"), given)


async def read_answer(reader: asyncio.StreamReader) -> bytes:
    """The proxy's answer as received: a handshake record, a ChangeCipherSpec record and an
    application-data record (what tdlib waits for, TlsInit::wait_hello_response)."""
    try:
        head = await reader.readexactly(5)
        if head[:3] != HANDSHAKE_RECORD:
            raise FakeTlsError("the MTProxy did not answer with a TLS ServerHello")
        hello = head + await reader.readexactly(int.from_bytes(head[3:], "big"))
        head = await reader.readexactly(len(CHANGE_CIPHER_SPEC) + 5)
        if head[:-2] != CHANGE_CIPHER_SPEC + APPLICATION_DATA:
            raise FakeTlsError("the MTProxy's answer is not a fake-TLS one")
        return hello + head + await reader.readexactly(int.from_bytes(head[-2:], "big"))
    except asyncio.IncompleteReadError:
        raise FakeTlsError("the MTProxy closed the connection during the TLS handshake") from None


async def handshake(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: bytes, domain: bytes
) -> None:
    """Send the hello, read the answer, refuse it unless it is signed with ``key``."""
    hello = client_hello(key, domain)
    writer.write(hello)
    await writer.drain()
    answer = await read_answer(reader)
    if not answer_is_signed(key, hello[RANDOM_AT : RANDOM_AT + RANDOM_SIZE], answer):
        raise FakeTlsError(
            "the MTProxy's answer is not signed with the secret: a wrong secret, or not that "
            "proxy answering"
        )


class RecordReader:
    """The bytes of the proxy's application-data records, read as one stream."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._buffer = bytearray()

    async def readexactly(self, n: int) -> bytes:
        """The next ``n`` bytes, from as many records as it takes."""
        while len(self._buffer) < n:
            head = await self._reader.readexactly(5)
            if head[:3] != APPLICATION_DATA:
                raise FakeTlsError("the MTProxy sent something other than application data")
            self._buffer += await self._reader.readexactly(int.from_bytes(head[3:], "big"))
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data


class RecordWriter:
    """Writes a stream as application-data records: the first one after a ChangeCipherSpec
    record and starting with the obfuscation header, as tdlib does (`do_write_tls`)."""

    def __init__(self, writer: asyncio.StreamWriter, header: bytes) -> None:
        self._writer = writer
        self._lead = CHANGE_CIPHER_SPEC
        self._header = header

    def write(self, data: bytes) -> None:
        """Send ``data`` (already encrypted) in records of at most 2^14 bytes."""
        data = self._header + data
        out = bytearray(self._lead)
        self._lead = self._header = b""
        for start in range(0, len(data), RECORD_MAX):
            out += APPLICATION_DATA + _vector(data[start : start + RECORD_MAX])
        self._writer.write(bytes(out))


# Telethon's side: its classes are untyped, so what touches them is here, below.


class _FakeTlsIO(MTProxyIO):  # type: ignore[misc]
    """Telethon's MTProxy obfuscation (header, AES-CTR both ways) over TLS records."""

    def __init__(self, connection: ConnectionTcpMTProxyFakeTLS) -> None:
        super().__init__(connection)  # the header and the ciphers, keyed with the secret
        self._reader = RecordReader(connection._reader)
        self._writer = RecordWriter(connection._writer, bytes(self.header))


class ConnectionTcpMTProxyFakeTLS(ConnectionTcpMTProxyRandomizedIntermediate):  # type: ignore[misc]
    """A connection to Telegram through a fake-TLS MTProxy; ``proxy=(host, port, secret)``
    with the whole `ee` secret (see the module's doc)."""

    obfuscated_io = _FakeTlsIO

    def __init__(
        self,
        ip: str,
        port: int,
        dc_id: int,
        *,
        loggers: Any,
        proxy: tuple[str, int, str | bytes] | None = None,
        local_addr: Any = None,
    ) -> None:
        super().__init__(ip, port, dc_id, loggers=loggers, proxy=proxy, local_addr=local_addr)
        assert proxy is not None  # TcpMTProxy refused None already
        self._domain = parse_fake_tls_secret(proxy[2])[1]

    @staticmethod
    def normalize_secret(secret: str | bytes) -> bytes:
        """The key, as Telethon's MTProxy classes keep it (in `_secret`)."""
        return parse_fake_tls_secret(secret)[0]

    async def _connect(
        self,
        timeout: float | None = None,  # noqa: ASYNC109 - Telethon's signature
        ssl: Any = None,
    ) -> None:
        """TCP to the proxy, the TLS handshake, then the obfuscated stream in records. Not
        TcpMTProxy's: it waits 2 s for the proxy to close on a wrong protocol, which the
        signed answer already told."""
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self._ip, self._port), timeout
        )
        try:
            await asyncio.wait_for(
                handshake(self._reader, self._writer, self._secret, self._domain), timeout
            )
        except BaseException:
            self._writer.close()
            raise
        self._codec = self.packet_codec(self)
        self._init_conn()

    def _init_conn(self) -> None:
        """The header waits for the first packet (RecordWriter), in the first record."""
        self._obfuscation = self.obfuscated_io(self)
