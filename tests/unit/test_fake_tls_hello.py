"""The fake-TLS hello and the check of the proxy's answer (tgtui/telegram/fake_tls.py).

The hello is read here as a TLS server reads a ClientHello (RFC 8446, 4.1.2; each extension's
RFC), and its random as the proxies check it (mtprotoproxy's `handle_fake_tls_handshake`):
HMAC-SHA256 of the hello with the random zeroed, the last 4 bytes XORed with the time. The
proxy's answer is accepted only when signed with the key over the client's random; a proxy
on loopback that signs wrongly, answers something else, or hangs up is refused with
FakeTlsError (a ConnectionError: Telethon's connect retries and reports it).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import struct
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from telethon.crypto import AESModeCTR

from tgtui.telegram.fake_tls import (
    CHANGE_CIPHER_SPEC,
    CURVE_A,
    CURVE_P,
    HELLO_SIZE,
    RANDOM_AT,
    RANDOM_SIZE,
    ConnectionTcpMTProxyFakeTLS,
    FakeTlsError,
    RecordReader,
    RecordWriter,
    answer_is_signed,
    client_hello,
    key_share_value,
    parse_fake_tls_secret,
)

KEY = bytes(range(0xA0, 0xB0))
DOMAIN = b"www.example.com"
SECRET = (b"\xee" + KEY + DOMAIN).hex()
NOW = 1_700_000_000


def _vector(data: bytes, at: int, size: int = 2) -> tuple[bytes, int]:
    length = int.from_bytes(data[at : at + size], "big")
    end = at + size + length
    assert end <= len(data), "a vector runs past its parent"
    return data[at + size : end], end


def _extensions(hello: bytes) -> list[tuple[int, bytes]]:
    """The hello's extensions, in order, after checking every length on the way."""
    assert hello[:3] == b"\x16\x03\x01"
    record, end = _vector(hello, 3)
    assert end == len(hello)
    assert record[0] == 1  # client_hello
    body, end = _vector(record, 1, 3)
    assert end == len(record)
    assert body[:2] == b"\x03\x03"
    at = 2 + RANDOM_SIZE
    session, at = _vector(body, at, 1)
    assert len(session) == 32
    suites, at = _vector(body, at)
    assert b"\x13\x01" in [suites[i : i + 2] for i in range(0, len(suites), 2)]
    compression, at = _vector(body, at, 1)
    assert compression == b"\x00"
    block, at = _vector(body, at)
    assert at == len(body)
    found = []
    at = 0
    while at < len(block):
        kind = int.from_bytes(block[at : at + 2], "big")
        data, at = _vector(block, at + 2)
        found.append((kind, data))
    return found


def _is_grease(kind: int) -> bool:
    return kind & 0x0F0F == 0x0A0A and kind >> 8 == kind & 0xFF


def test_hello_is_517_bytes_as_the_proxies_expect() -> None:
    for domain in (b"a.io", DOMAIN, b"x" * 63 + b"." + b"y" * 63 + b"." + b"z" * 60 + b".com"):
        hello = client_hello(KEY, domain, NOW)
        assert len(hello) == HELLO_SIZE
        assert hello[:11] == bytes.fromhex("1603010200010001fc0303")  # mtprotoproxy's check


def test_hello_reads_as_a_browsers_client_hello() -> None:
    extensions = _extensions(client_hello(KEY, DOMAIN, NOW))
    kinds = [kind for kind, _ in extensions]
    assert len(set(kinds)) == len(kinds), "an extension twice"
    assert _is_grease(kinds[0])
    assert _is_grease(kinds[-2])
    assert kinds[-1] == 0x0015  # padding, last
    found = dict(extensions)
    names, _ = _vector(found[0x0000], 0)
    assert names[0] == 0  # host_name
    assert _vector(names, 1)[0] == DOMAIN
    assert found[0x002B].endswith(b"\x03\x04\x03\x03")  # TLS 1.3, then 1.2
    shares, _ = _vector(found[0x0033], 0)
    assert shares[:2] == shares[:1] * 2  # a GREASE share first
    x25519 = shares[shares.index(b"\x00\x1d\x00\x20") + 4 :][:32]
    assert len(x25519) == 32
    assert set(found[0x0015]) == {0}


def test_two_hellos_differ_where_browsers_differ() -> None:
    one, two = client_hello(KEY, DOMAIN, NOW), client_hello(KEY, DOMAIN, NOW)
    assert one[RANDOM_AT : RANDOM_AT + RANDOM_SIZE] != two[RANDOM_AT : RANDOM_AT + RANDOM_SIZE]
    assert _extensions(one) != _extensions(two)  # session id, key share, GREASE, order


def _time_signed(hello: bytes, key: bytes) -> int | None:
    """The time in the hello's random if it is the HMAC with ``key`` (as the proxy reads it),
    else None."""
    random = hello[RANDOM_AT : RANDOM_AT + RANDOM_SIZE]
    zeroed = hello[:RANDOM_AT] + bytes(RANDOM_SIZE) + hello[RANDOM_AT + RANDOM_SIZE :]
    digest = hmac.new(key, zeroed, hashlib.sha256).digest()
    if random[:28] != digest[:28]:
        return None
    stamp = bytes(a ^ b for a, b in zip(random[28:], digest[28:], strict=True))
    return int.from_bytes(stamp, "little")


def test_random_is_the_hmac_of_the_hello_xored_with_the_time() -> None:
    hello = client_hello(KEY, DOMAIN, NOW)
    assert _time_signed(hello, KEY) == NOW
    assert _time_signed(hello, bytes(16)) is None
    assert _time_signed(client_hello(bytes(16), DOMAIN, NOW), KEY) is None
    assert _time_signed(client_hello(KEY, DOMAIN, 2**32 + 5), KEY) == 5  # 4 bytes of it


def test_hello_without_a_time_given_carries_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tgtui.telegram.fake_tls.time.time", lambda: NOW + 0.75)
    assert _time_signed(client_hello(KEY, DOMAIN), KEY) == NOW


def test_key_share_is_a_curve25519_point() -> None:
    for _ in range(20):
        x = int.from_bytes(key_share_value(), "little")
        assert 0 < x < CURVE_P
        y2 = (x**3 + CURVE_A * x * x + x) % CURVE_P
        assert pow(y2, (CURVE_P - 1) // 2, CURVE_P) == 1  # on the curve, not its twist


@pytest.mark.parametrize(
    "secret",
    [
        SECRET,
        SECRET.upper(),
        base64.b64encode(bytes.fromhex(SECRET)).decode(),
        base64.urlsafe_b64encode(bytes.fromhex(SECRET)).decode().rstrip("="),
        bytes.fromhex(SECRET),
    ],
)
def test_secret_in_every_form(secret: str | bytes) -> None:
    assert parse_fake_tls_secret(secret) == (KEY, DOMAIN)


@pytest.mark.parametrize("secret", [KEY.hex(), "dd" + KEY.hex(), "ee" + KEY.hex(), "ee00zz"])
def test_other_secrets_are_refused_without_showing_them(secret: str) -> None:
    with pytest.raises(ValueError, match=r"^(?!.*(a0a1|A0A1|oKGi))"):
        parse_fake_tls_secret(secret)


def _answer(key: bytes, client_random: bytes, *, cert: bytes = b"\x55" * 1500) -> bytes:
    """A proxy's answer as mtprotoproxy writes one, signed with ``key``."""
    server_hello = (
        b"\x03\x03" + bytes(32) + b"\x20" + bytes(32) + b"\x13\x01\x00"
        b"\x00\x2e\x00\x33\x00\x24\x00\x1d\x00\x20" + bytes(32) + b"\x00\x2b\x00\x02\x03\x04"
    )
    handshake = b"\x02" + len(server_hello).to_bytes(3, "big") + server_hello
    answer = bytearray(b"\x16\x03\x03" + len(handshake).to_bytes(2, "big") + handshake)
    answer += CHANGE_CIPHER_SPEC + b"\x17\x03\x03" + len(cert).to_bytes(2, "big") + cert
    signature = hmac.new(key, client_random + bytes(answer), hashlib.sha256).digest()
    answer[RANDOM_AT : RANDOM_AT + RANDOM_SIZE] = signature
    return bytes(answer)


def test_answer_signed_with_the_key_over_this_hello_only() -> None:
    random = os.urandom(32)
    answer = _answer(KEY, random)
    assert answer_is_signed(KEY, random, answer)
    assert not answer_is_signed(bytes(16), random, answer)  # another secret
    assert not answer_is_signed(KEY, os.urandom(32), answer)  # another hello's (a replay)
    changed = bytearray(answer)
    changed[-1] ^= 1
    assert not answer_is_signed(KEY, random, bytes(changed))  # changed on the way
    assert not answer_is_signed(KEY, random, answer[:40])


Answer = Callable[[bytes], bytes]


class _Proxy:
    """A fake-TLS proxy on loopback that answers the hello with ``answer(hello)``, then
    hangs up or keeps what the client sends."""

    def __init__(self, answer: Answer, hang_up: bool) -> None:
        self.answer = answer
        self.hang_up = hang_up
        self.received = bytearray()
        self.port = 0
        self.got_records = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hello = await reader.readexactly(HELLO_SIZE)
        writer.write(self.answer(hello))
        await writer.drain()
        try:
            while not self.hang_up and (data := await reader.read(65536)):
                self.received += data
                self.got_records.set()
        finally:
            writer.close()


Start = Callable[[Answer, bool], Awaitable[_Proxy]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Start `_Proxy`s; all stopped at the end."""
    servers: list[asyncio.Server] = []

    async def run(answer: Answer, hang_up: bool = False) -> _Proxy:
        proxy = _Proxy(answer, hang_up)
        server = await asyncio.start_server(proxy.serve, "127.0.0.1", 0)
        proxy.port = server.sockets[0].getsockname()[1]
        servers.append(server)
        return proxy

    yield run
    for server in servers:
        server.close()


class _Loggers(dict[str, logging.Logger]):
    def __missing__(self, key: str) -> logging.Logger:
        return logging.getLogger(key)


def _connection(port: int, secret: str | bytes = SECRET) -> ConnectionTcpMTProxyFakeTLS:
    return ConnectionTcpMTProxyFakeTLS(
        "149.154.167.51", 443, 2, loggers=_Loggers(), proxy=("127.0.0.1", port, secret)
    )


def _signed(key: bytes) -> Answer:
    return lambda hello: _answer(key, hello[RANDOM_AT : RANDOM_AT + RANDOM_SIZE])


async def test_a_wrongly_signed_answer_is_refused(
    start: Start,
) -> None:
    proxy = await start(_signed(bytes(16)), False)
    connection = _connection(proxy.port)
    with pytest.raises(FakeTlsError, match="not signed with the secret") as caught:
        await connection.connect(timeout=10)
    assert KEY.hex() not in str(caught.value)
    assert not connection._connected


@pytest.mark.parametrize(
    ("answer", "hang_up", "says"),
    [
        (lambda hello: b"HTTP/1.1 400 Bad Request\r\n\r\n", True, "ServerHello"),
        (lambda hello: _signed(KEY)(hello).replace(CHANGE_CIPHER_SPEC, b"\x15" * 6), False, "not"),
        (lambda hello: _signed(KEY)(hello)[:100], True, "closed the connection"),
    ],
)
async def test_an_answer_of_another_kind_is_refused(
    start: Start, answer: Answer, hang_up: bool, says: str
) -> None:
    proxy = await start(answer, hang_up)
    with pytest.raises(FakeTlsError, match=says):
        await _connection(proxy.port).connect(timeout=10)


async def test_after_a_signed_answer_the_obfuscated_stream_comes_in_records(
    start: Start,
) -> None:
    """What a proxy then reads (mtproto/obfuscation with a secret): a ChangeCipherSpec, then
    records whose stream opens with the 64-byte header: its AES-CTR key sha256(bytes 8..40 +
    key), IV bytes 40..56, the padded intermediate tag at 56 and the DC at 60."""
    proxy = await start(_signed(KEY), False)
    connection = _connection(proxy.port, bytes.fromhex(SECRET))
    await connection.connect(timeout=10)
    try:
        await connection.send(b"\x00" * 40_000)  # more than two records' worth
        await asyncio.wait_for(_records_of(proxy, 40_000 + 64 + 4), 10)
    finally:
        await connection.disconnect()
    data = bytes(proxy.received)
    assert data.startswith(CHANGE_CIPHER_SPEC)
    stream, at = bytearray(), len(CHANGE_CIPHER_SPEC)
    sizes = []
    while at < len(data):
        assert data[at : at + 3] == b"\x17\x03\x03"
        (size,) = struct.unpack(">H", data[at + 3 : at + 5])
        sizes.append(size)
        stream += data[at + 5 : at + 5 + size]
        at += 5 + size
    assert max(sizes) <= 2**14
    assert len(sizes) >= 3
    header = bytes(stream[:64])
    decrypt = AESModeCTR(hashlib.sha256(header[8:40] + KEY).digest(), header[40:56])
    plain = decrypt.encrypt(bytes(stream))
    assert plain[56:60] == b"\xdd\xdd\xdd\xdd"
    assert int.from_bytes(plain[60:62], "little", signed=True) == 2
    (length,) = struct.unpack("<i", plain[64:68])
    assert 40_000 <= length <= 40_003  # the packet and up to 3 bytes of padding
    assert plain[68 : 68 + 40_000] == b"\x00" * 40_000


async def _records_of(proxy: _Proxy, at_least: int) -> None:
    while len(proxy.received) < at_least:
        proxy.got_records.clear()
        await proxy.got_records.wait()


async def test_records_in_both_directions() -> None:
    """Reading: records joined into one stream, and anything but application data refused.
    Writing: at most 2^14 bytes a record, the header in the first, after the CCS."""
    reader = asyncio.StreamReader()
    reader.feed_data(b"\x17\x03\x03\x00\x03abc\x17\x03\x03\x00\x02de\x15\x03\x03\x00\x02\x02\x28")
    records = RecordReader(reader)
    assert await records.readexactly(4) == b"abcd"
    assert await records.readexactly(1) == b"e"
    with pytest.raises(FakeTlsError):
        await records.readexactly(1)

    written: list[bytes] = []

    class Sink:
        def write(self, data: bytes) -> None:
            written.append(data)

    writer = RecordWriter(Sink(), b"H" * 64)  # type: ignore[arg-type]
    writer.write(b"x" * 20_000)
    writer.write(b"y")
    first = written[0]
    assert first[:6] == CHANGE_CIPHER_SPEC
    assert first[6:11] == b"\x17\x03\x03\x40\x00"
    assert first[11 : 11 + 64] == b"H" * 64
    assert first[11 + 2**14 : 11 + 2**14 + 5] == b"\x17\x03\x03" + (20_064 - 2**14).to_bytes(2)
    assert written[1] == b"\x17\x03\x03\x00\x01y"
