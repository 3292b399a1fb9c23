"""The sandbox as an MTProxy (`SandboxOptions.mtproxy_secret`) against Telegram's documentation
and Telegram's own proxy, with Telethon's MTProxy connection classes as they ship, mtcute
(npm) through a fake-TLS link, and raw bytes where a check needs a client to misbehave.

References:
- core.telegram.org/mtproto/mtproto-transports#transport-obfuscation: behind an MTProxy each
  direction's AES-256-CTR key is SHA256(key + the secret's 16 bytes); the DC in bytes 60-61
  of the header, signed little endian, negative for a media DC; a 17-byte secret (dd) means
  padded intermediate;
- #padded-intermediate: 0-15 random bytes after each packet;
- #transport-errors: "Error 444 (invalid DC) is returned while ... connecting to an MTProxy
  ... if an invalid DC ID is specified";
- Telegram's MTProxy (github.com/TelegramMessenger/MTProxy, net/net-tcp-rpc-ext-server.c),
  for fake TLS (ee secrets): the ClientHello's random is HMAC-SHA256 (the secret's key) of
  the hello with it zeroed, XORed with the time in its last 4 bytes; a random seen before,
  a time over 3 s ahead or 600 s behind, another server name: refused; the answer's random is
  HMAC-SHA256 of the client's random and the answer; the client then sends ChangeCipherSpec
  and application-data records, the first holding the 64-byte header, padded intermediate
  only; a domain given, connections without TLS are refused;
- RFC 8446 section 4.1.2 (ClientHello), 5.1 (records); RFC 6066 section 3 (server_name).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.extensions import BinaryReader
from telethon.network.connection import (
    ConnectionTcpMTProxyAbridged,
    ConnectionTcpMTProxyIntermediate,
    ConnectionTcpMTProxyRandomizedIntermediate,
)
from telethon.network.connection.tcpabridged import AbridgedPacketCodec
from telethon.network.connection.tcpintermediate import (
    IntermediatePacketCodec,
    RandomizedIntermediatePacketCodec,
)
from telethon.network.connection.tcpmtproxy import MTProxyIO
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tests.sandbox.test_independent_clients import CLIENTS, _node, _npm_installed
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    DEMO_CODE,
    DEMO_PASSWORD,
    DEMO_PHONE,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
)
from tgtui.sandbox.world import HOME_DC, SELF_ID

KEY = bytes.fromhex("7a1c0e5f93b24d68a0c3e9f1d2b47c85")
DOMAIN = b"cdn.sandbox.example"
PLAIN = KEY
PADDED = b"\xdd" + KEY
FAKE_TLS = b"\xee" + KEY + DOMAIN
DIALOGS = 30
MEDIA_DC = 1  # where the world's files live (WorldOptions.media_dc): downloads go there
WAIT = 30.0  # the longest any answer may take on a loaded machine
BEHIND_DD = pytest.mark.parametrize("sandbox_options", [PADDED], indirect=True, ids=["dd"])
BEHIND_FAKE_TLS = pytest.mark.parametrize("sandbox_options", [FAKE_TLS], indirect=True, ids=["ee"])


def _byte_count(size: Any) -> int:
    """A photo size's bytes: a progressive size's whole file is its last scan's end
    (/constructor/photoSizeProgressive)."""
    if isinstance(size, types.PhotoSizeProgressive):
        return int(max(size.sizes))
    return int(size.size)


@pytest.fixture
def sandbox_options(request: pytest.FixtureRequest) -> SandboxOptions:
    """A small world behind an MTProxy: a plain secret, or the one a test names."""
    secret: bytes = getattr(request, "param", PLAIN)
    return SandboxOptions(
        world=WorldOptions(seed=7, dialogs=DIALOGS, messages=300), mtproxy_secret=secret
    )


def _proxy(sandbox: SandboxServer, secret: bytes) -> tuple[str, int, str]:
    """Telethon's `proxy=` for the sandbox's MTProxy port."""
    assert sandbox.mtproxy_port is not None
    return (sandbox.host, sandbox.mtproxy_port, secret.hex())


def _direct(sandbox: SandboxServer) -> dict[str, int]:
    """Connections accepted on the DCs' own ports (a client that went around the proxy)."""
    return {name: n for name, n in sandbox.accepted.items() if name.startswith("dc")}


async def _a_photo(client: TelegramClient) -> Any:
    for dialog in await client.get_dialogs(limit=10):
        async for message in client.iter_messages(dialog, limit=60):
            if isinstance(message.media, types.MessageMediaPhoto):
                return message
    raise AssertionError("the world has photos in its first chats")


async def _download_checked(client: TelegramClient) -> None:
    photo = await _a_photo(client)
    assert photo.media.photo.dc_id == MEDIA_DC != HOME_DC
    data = await client.download_media(photo, file=bytes)
    assert isinstance(data, bytes)
    assert data.startswith(b"\x89PNG")
    assert len(data) == _byte_count(photo.media.photo.sizes[-1])


# -- Telethon's MTProxy connections ---------------------------------------------------------


@pytest.mark.parametrize(
    "transport",
    [
        ConnectionTcpMTProxyAbridged,
        ConnectionTcpMTProxyIntermediate,
        ConnectionTcpMTProxyRandomizedIntermediate,
    ],
    ids=["abridged", "intermediate", "padded-intermediate"],
)
async def test_a_plain_secret_carries_a_login_reads_and_a_media_dc_download(
    connect: ClientFactory, sandbox: SandboxServer, transport: Any
) -> None:
    """Key exchange, code and password, dialogs, history, and a photo from the media DC (its
    own proxied connection, an exported authorization): every connection through the proxy."""
    client = await connect(fresh=True, connection=transport, proxy=_proxy(sandbox, PLAIN))
    await client.send_code_request(DEMO_PHONE)
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.sign_in(DEMO_PHONE, DEMO_CODE)
    me = await client.sign_in(password=DEMO_PASSWORD)
    assert isinstance(me, types.User)
    assert me.phone == DEMO_PHONE
    assert len(await client.get_dialogs()) == DIALOGS
    await _download_checked(client)
    assert sandbox.accepted[f"mtproxy-dc{HOME_DC}"] >= 1
    assert sandbox.accepted[f"mtproxy-dc{MEDIA_DC}"] >= 1
    assert sandbox.accepted["mtproxy"] >= 2
    assert _direct(sandbox) == {}


@BEHIND_DD
async def test_a_dd_secret_serves_padded_intermediate(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    client = await connect(
        connection=ConnectionTcpMTProxyRandomizedIntermediate, proxy=_proxy(sandbox, PADDED)
    )
    assert (await client.get_me()).is_self
    await _download_checked(client)
    assert sandbox.accepted[f"mtproxy-dc{MEDIA_DC}"] >= 1
    assert _direct(sandbox) == {}


async def _refused(
    connect: ClientFactory,
    caplog: pytest.LogCaptureFixture,
    transport: Any,
    proxy: tuple[str, int, str],
    reason: str,
) -> None:
    """Telethon's MTProxy connection fails (the proxy closed it after the header) for
    ``reason``, which the log says without the secret."""
    caplog.set_level(logging.WARNING, "tgtui.sandbox")
    with pytest.raises(ConnectionError):
        await connect(connection=transport, proxy=proxy, connection_retries=0, retry_delay=0)
    assert reason in caplog.text
    assert KEY.hex() not in caplog.text
    assert DOMAIN.decode() not in caplog.text


@BEHIND_DD
@pytest.mark.parametrize(
    "transport",
    [ConnectionTcpMTProxyAbridged, ConnectionTcpMTProxyIntermediate],
    ids=["abridged", "intermediate"],
)
async def test_a_dd_secret_refuses_other_transports(
    connect: ClientFactory,
    sandbox: SandboxServer,
    transport: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client that drops the secret's dd and speaks another transport: closed."""
    proxy = _proxy(sandbox, KEY)
    await _refused(connect, caplog, transport, proxy, "padded intermediate only")
    assert sandbox.accepted == {"mtproxy": 1}


async def test_a_wrong_secret_is_refused(
    connect: ClientFactory, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = _proxy(sandbox, bytes(b ^ 0x5A for b in KEY))
    transport = ConnectionTcpMTProxyRandomizedIntermediate
    await _refused(connect, caplog, transport, proxy, "not obfuscated with this secret")
    assert sandbox.accepted == {"mtproxy": 1}


@BEHIND_FAKE_TLS
async def test_a_fake_tls_secret_refuses_a_connection_without_tls(
    connect: ClientFactory, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Telethon speaks no fake TLS: it sends the obfuscation header at once, refused."""
    proxy = _proxy(sandbox, KEY)
    transport = ConnectionTcpMTProxyRandomizedIntermediate
    await _refused(connect, caplog, transport, proxy, "not a TLS handshake record")


# -- raw bytes: the header's DC ----------------------------------------------------------------


def _req_pq() -> tuple[bytes, int]:
    """A plain req_pq_multi message (the key exchange's first), and its nonce."""
    nonce = int.from_bytes(os.urandom(16), "little", signed=True)
    body = bytes(functions.ReqPqMultiRequest(nonce=nonce))
    msg_id = int(time.time() * 2**32) & ~3
    return struct.pack("<qqi", 0, msg_id, len(body)) + body, nonce


async def _read_intermediate(reader: Any, decrypt: Any) -> bytes:
    """One intermediate-framed packet (padding of 0-3 bytes stripped, as Telegram sends)."""
    (length,) = struct.unpack("<i", decrypt(await reader.readexactly(4)))
    assert length > 0, f"transport error {length}"
    packet: bytes = decrypt(await reader.readexactly(length))
    return packet[: len(packet) - len(packet) % 4]


async def _assert_res_pq(reader: Any, decrypt: Any, nonce: int) -> None:
    """The server's answer to `_req_pq`: a plain resPQ with its nonce."""
    packet = await asyncio.wait_for(_read_intermediate(reader, decrypt), WAIT)
    assert packet[:8] == bytes(8), "a plain message"
    with BinaryReader(packet[20:]) as tl:
        answer = tl.tgread_object()
    assert isinstance(answer, types.ResPQ)
    assert answer.nonce == nonce


async def _plain_proxied(sandbox: SandboxServer, dc: int) -> tuple[Any, Any, Any, Any]:
    """A connection to the MTProxy port opened with Telethon's own MTProxy header."""
    assert sandbox.mtproxy_port is not None
    reader, writer = await asyncio.open_connection(sandbox.host, sandbox.mtproxy_port)
    header, encryptor, decryptor = MTProxyIO.init_header(KEY, dc, IntermediatePacketCodec)
    writer.write(bytes(header))
    return reader, writer, encryptor, decryptor


@pytest.mark.parametrize("dc", [0, 6, -7, 10_002], ids=["0", "6", "-7", "test-dc-2"])
async def test_a_dc_the_sandbox_has_not_gets_transport_error_444(
    sandbox: SandboxServer, dc: int
) -> None:
    reader, writer, _encryptor, decryptor = await _plain_proxied(sandbox, dc)
    answer = decryptor.decrypt(await asyncio.wait_for(reader.readexactly(8), WAIT))
    assert struct.unpack("<ii", answer) == (4, -444)
    assert await asyncio.wait_for(reader.read(), WAIT) == b""
    writer.close()
    assert "mtproxy-dc" not in " ".join(sandbox.accepted)


async def test_a_negative_dc_is_that_dcs_media_servers(sandbox: SandboxServer) -> None:
    reader, writer, encryptor, decryptor = await _plain_proxied(sandbox, -MEDIA_DC)
    message, nonce = _req_pq()
    writer.write(encryptor.encrypt(IntermediatePacketCodec(None).encode_packet(message)))
    await _assert_res_pq(reader, decryptor.decrypt, nonce)
    writer.close()
    assert sandbox.accepted == {"mtproxy": 1, f"mtproxy-dc{MEDIA_DC}": 1}


# -- raw bytes: fake TLS -------------------------------------------------------------------


def _client_hello(
    key: bytes = KEY, domain: bytes = DOMAIN, at: int | None = None, session_id: bytes | None = None
) -> bytes:
    """A TLS 1.3 ClientHello as MTProxy clients make it (server name, supported_versions,
    a key share), its random the digest of ``key`` XORed with the time ``at`` (now)."""
    session_id = os.urandom(32) if session_id is None else session_id
    names = b"\x00" + struct.pack(">H", len(domain)) + domain
    server_name = struct.pack(">HHH", 0, len(names) + 2, len(names)) + names
    versions = bytes.fromhex("002b0003020304")
    key_share = struct.pack(">HHHHH", 0x33, 38, 36, 0x1D, 32) + os.urandom(32)
    extensions = server_name + versions + key_share
    body = (
        b"\x03\x03"
        + bytes(32)
        + bytes([len(session_id)])
        + session_id
        + bytes.fromhex("000413011302")  # two cipher suites
        + b"\x01\x00"  # compression: none
        + struct.pack(">H", len(extensions))
        + extensions
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    record = b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake
    digest = hmac.new(key, record, hashlib.sha256).digest()
    stamp = int(time.time()) if at is None else at
    tail = (int.from_bytes(digest[28:], "little") ^ stamp).to_bytes(4, "little")
    return record[:11] + digest[:28] + tail + record[43:]


class _TlsStream:
    """The bytes inside the server's application-data records."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.buffer = b""
        self.records = 0

    async def readexactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            head = await self.reader.readexactly(5)
            assert head[:3] == b"\x17\x03\x03", "application data"
            (length,) = struct.unpack(">H", head[3:])
            assert length <= 2**14, "a TLS record's plaintext limit"
            self.buffer += await self.reader.readexactly(length)
            self.records += 1
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data


async def _server_answer(reader: asyncio.StreamReader, client_random: bytes) -> None:
    """Read the ServerHello, ChangeCipherSpec and application-data records and check the
    answer's random is the digest of the client's random and the answer."""
    answer = b""
    for kind in (b"\x16\x03\x03", b"\x14\x03\x03", b"\x17\x03\x03"):
        head = await asyncio.wait_for(reader.readexactly(5), WAIT)
        assert head[:3] == kind
        answer += head + await reader.readexactly(struct.unpack(">H", head[3:])[0])
    assert answer[5] == 2, "a ServerHello"
    assert answer[43] == 32, "the session id echoed"
    zeroed = answer[:11] + bytes(32) + answer[43:]
    expected = hmac.new(KEY, client_random + zeroed, hashlib.sha256).digest()
    assert answer[11:43] == expected


async def _fake_tls_open(
    sandbox: SandboxServer, hello: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    assert sandbox.mtproxy_port is not None
    reader, writer = await asyncio.open_connection(sandbox.host, sandbox.mtproxy_port)
    writer.write(hello)
    await writer.drain()
    return reader, writer


async def _closed(reader: asyncio.StreamReader) -> bytes:
    """What the server sent before it closed (a reset is a close that sent nothing more)."""
    try:
        return await asyncio.wait_for(reader.read(), WAIT)
    except ConnectionResetError:
        return b""


def _record(data: bytes) -> bytes:
    return b"\x17\x03\x03" + struct.pack(">H", len(data)) + data


CHANGE_CIPHER_SPEC = b"\x14\x03\x03\x00\x01\x01"


async def _fake_tls_session(
    sandbox: SandboxServer, codec: Any = RandomizedIntermediatePacketCodec
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, Any, Any]:
    """A fake-TLS handshake, then the obfuscation header (Telethon's) in the first record."""
    hello = _client_hello()
    reader, writer = await _fake_tls_open(sandbox, hello)
    await _server_answer(reader, hello[11:43])
    header, encryptor, decryptor = MTProxyIO.init_header(KEY, HOME_DC, codec)
    writer.write(CHANGE_CIPHER_SPEC + _record(bytes(header)))
    return reader, writer, encryptor, decryptor


@BEHIND_FAKE_TLS
async def test_fake_tls_carries_padded_intermediate_with_up_to_15_bytes_of_padding(
    sandbox: SandboxServer,
) -> None:
    """A packet cut across two records, 13 bytes of padding after it."""
    reader, writer, encryptor, decryptor = await _fake_tls_session(sandbox)
    message, nonce = _req_pq()
    padding = os.urandom(13)
    framed = struct.pack("<i", len(message) + len(padding)) + message + padding
    encrypted = encryptor.encrypt(framed)
    writer.write(_record(encrypted[:7]) + _record(b"") + _record(encrypted[7:]))
    stream = _TlsStream(reader)
    await _assert_res_pq(stream, decryptor.decrypt, nonce)
    writer.close()
    assert sandbox.accepted == {"mtproxy": 1, f"mtproxy-dc{HOME_DC}": 1}


@BEHIND_FAKE_TLS
@pytest.mark.parametrize(
    ("hello", "reason"),
    [
        (lambda: _client_hello(domain=b"other.example"), "server name"),
        (lambda: _client_hello(key=bytes(16)), "digest"),
        (lambda: _client_hello(at=int(time.time()) - 3600), "behind"),
        (lambda: _client_hello(at=int(time.time()) + 60), "ahead"),
        (lambda: _client_hello(session_id=b"\x01"), "session id"),
    ],
    ids=["wrong-domain", "wrong-secret", "stale", "from-the-future", "short-session-id"],
)
async def test_a_hello_not_made_for_this_proxy_is_closed_unanswered(
    sandbox: SandboxServer, hello: Any, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "tgtui.sandbox")
    reader, writer = await _fake_tls_open(sandbox, hello())
    assert await _closed(reader) == b""
    writer.close()
    assert reason in caplog.text
    assert KEY.hex() not in caplog.text
    assert DOMAIN.decode() not in caplog.text


@BEHIND_FAKE_TLS
async def test_a_replayed_hello_is_closed_unanswered(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "tgtui.sandbox")
    hello = _client_hello()
    reader, writer = await _fake_tls_open(sandbox, hello)
    await _server_answer(reader, hello[11:43])
    writer.close()
    again, writer = await _fake_tls_open(sandbox, hello)
    assert await _closed(again) == b""
    writer.close()
    assert "replay" in caplog.text


@BEHIND_FAKE_TLS
@pytest.mark.parametrize(
    "codec", [IntermediatePacketCodec, AbridgedPacketCodec], ids=["intermediate", "abridged"]
)
async def test_fake_tls_takes_padded_intermediate_only(
    sandbox: SandboxServer, codec: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "tgtui.sandbox")
    reader, writer, _encryptor, _decryptor = await _fake_tls_session(sandbox, codec)
    assert await _closed(reader) == b""
    writer.close()
    assert "padded intermediate only" in caplog.text
    assert sandbox.accepted == {"mtproxy": 1}


@BEHIND_FAKE_TLS
@pytest.mark.parametrize(
    ("after", "reason"),
    [
        (_record(os.urandom(64)), "no ChangeCipherSpec"),
        (CHANGE_CIPHER_SPEC + b"\x15\x03\x03\x00\x02\x02\x28", "not application data"),
        (CHANGE_CIPHER_SPEC + _record(os.urandom(40)), "shorter than the obfuscation header"),
        (CHANGE_CIPHER_SPEC + b"\x17\x03\x03\x41\x01", "TLS allows"),
    ],
    ids=["no-change-cipher-spec", "alert", "short-first-record", "record-too-long"],
)
async def test_records_after_the_hello_must_be_as_tls_sends_them(
    sandbox: SandboxServer, after: bytes, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "tgtui.sandbox")
    hello = _client_hello()
    reader, writer = await _fake_tls_open(sandbox, hello)
    await _server_answer(reader, hello[11:43])
    writer.write(after)
    assert await _closed(reader) == b""
    writer.close()
    assert reason in caplog.text


# -- mtcute, as it ships on npm ------------------------------------------------------------


def _mtcute_installed() -> None:
    """mtcute as pinned (CI installed it; else `npm ci` as for the other npm clients, which
    a node_modules made before mtcute was added lacks)."""
    if not (CLIENTS / "node_modules" / "@mtcute" / "node" / "package.json").exists():
        shutil.rmtree(CLIENTS / "node_modules", ignore_errors=True)
        _npm_installed()


@BEHIND_FAKE_TLS
async def test_mtcute_logs_in_and_reads_through_a_fake_tls_link(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    """mtcute (@mtcute/node, layer 227) given nothing but the tg://proxy link: a fresh login,
    help.getConfig, help.getNearestDc, dialogs, a chat's messages and a photo from the media
    DC, each byte inside fake TLS; the same as Telethon reads directly."""
    node = _node()
    _mtcute_installed()
    client = await connect()
    dialogs = await client.get_dialogs(limit=10, folder=0)
    photo = await _a_photo(client)
    chat = await photo.get_chat()
    history = await client.get_messages(chat, limit=50)
    assert photo.id in [m.id for m in history]
    reference = await client.download_media(photo, file=bytes)
    await client.disconnect()
    sandbox.accepted.clear()
    config = {
        "host": sandbox.host,
        "home_dc": HOME_DC,
        "home_port": sandbox.dc_ports[HOME_DC],
        "link": sandbox.mtproxy_link,
        "api_id": API_ID,
        "api_hash": API_HASH,
        "rsa_public_key": sandbox.rsa_key.public_pem,
        "phone": DEMO_PHONE,
        "code": DEMO_CODE,
        "password": DEMO_PASSWORD,
        "dialogs": 10,
        "chat": str(photo.chat_id),
        "history": 50,
        "photo": photo.id,
    }
    process = await asyncio.create_subprocess_exec(
        node,
        "mtcute_client.mjs",
        json.dumps(config),
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode(errors="replace")[-4000:]
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["me"] == str(SELF_ID)
    assert seen["this_dc"] == seen["nearest_dc"] == HOME_DC
    assert seen["dialogs"] == [str(d.id) for d in dialogs]
    assert seen["history"] == [m.id for m in history]
    assert seen["photo"] == {
        "id": photo.id,
        "size": len(reference),
        "sha256": hashlib.sha256(reference).hexdigest(),
    }
    assert sandbox.accepted[f"mtproxy-dc{MEDIA_DC}"] >= 1
    assert _direct(sandbox) == {}


# -- the command ---------------------------------------------------------------------------


async def test_the_command_describes_its_mtproxy_in_the_json_line() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tgtui",
        "sandbox",
        "--dialogs",
        "3",
        "--messages",
        "10",
        "--mtproxy-secret",
        PADDED.hex(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        info = json.loads(await asyncio.wait_for(process.stdout.readline(), 60))
        port = info["mtproxy_port"]
        assert info["mtproxy_link"] == (
            f"tg://proxy?server=127.0.0.1&port={port}&secret={PADDED.hex()}"
        )
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        header, encryptor, decryptor = MTProxyIO.init_header(
            KEY, HOME_DC, RandomizedIntermediatePacketCodec
        )
        message, nonce = _req_pq()
        writer.write(bytes(header) + encryptor.encrypt(struct.pack("<i", len(message)) + message))
        await _assert_res_pq(reader, decryptor.decrypt, nonce)
        writer.close()
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    assert process.stderr is not None
    assert PADDED.hex() not in (await process.stderr.read()).decode()


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("7a1c0e5f93b24d68a0c3e9f1d2b47c8", "not hex"),
        ("7a1c0e5f93b24d68a0c3e9f1d2b47c", "16 bytes"),
        ("dd7a1c0e5f93b24d68a0c3e9f1d2b47c8500", "16 bytes"),
        ("ee7a1c0e5f93b24d68a0c3e9f1d2b47c85" + b"no domain!".hex(), "not a host name"),
    ],
    ids=["odd-digits", "15-bytes", "dd-18-bytes", "ee-bad-domain"],
)
def test_a_bad_secret_is_one_line_that_never_shows_it(secret: str, says: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tgtui", "sandbox", "--mtproxy-secret", secret],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert says in result.stderr
    assert secret not in result.stderr
    assert secret[2:34] not in result.stderr
