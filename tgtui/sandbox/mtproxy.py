"""The sandbox as an MTProxy: one more loopback port that takes obfuscated connections keyed
by a secret and serves each as a direct connection to the DC its header names.

The secret's three forms (core.telegram.org/mtproto/mtproto-transports#transport-obfuscation;
Telegram's MTProxy, github.com/TelegramMessenger/MTProxy):

- 16 bytes: the obfuscated abridged, intermediate or padded intermediate transport, each
  direction's AES-256-CTR key being SHA256(the header's key + the secret);
- ``dd`` and 16 bytes: the same, padded intermediate (0xdddddddd) only;
- ``ee``, 16 bytes and a domain: fake TLS (`fake_tls`) around padded intermediate only.

The header's bytes 60-61 name the DC (signed little endian, negative for a media DC): one
the sandbox does not have gets the transport error -444 (invalid DC). Whatever else fails
(a wrong secret, a wrong domain, a stale or replayed hello, a transport the secret does not
allow) closes the connection and logs why, never the secret.
"""

from __future__ import annotations

import asyncio
import logging
import re
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from tgtui.sandbox.connection import Connection
from tgtui.sandbox.fake_tls import FakeTls
from tgtui.sandbox.transport import (
    OBFUSCATED_HEADER,
    PADDED_TAG,
    ByteSink,
    ByteSource,
    ObfuscatedCodec,
    TransportError,
    open_obfuscated,
)
from tgtui.sandbox.world import DC_COUNT

if TYPE_CHECKING:
    from tgtui.sandbox.server import SandboxServer

log = logging.getLogger(__name__)

KEY_BYTES = 16
PADDED = 0xDD  # a secret's first byte: padded intermediate only
FAKE_TLS = 0xEE  # a secret's first byte: fake TLS, the domain after the key
INVALID_DC = -444  # the transport error for a DC that does not exist
_HOST_NAME = re.compile(
    rb"(?=.{1,253}\Z)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*",
    re.I,
)

Mode = Literal["plain", "padded", "fake-tls"]


class MtproxySecretError(ValueError):
    """A secret that is none of the three forms; the message never holds it."""


@dataclass(frozen=True)
class MtproxySecret:
    """A proxy secret as people share it (``raw``), and what it says."""

    raw: bytes = field(repr=False)
    key: bytes = field(repr=False)
    mode: Mode
    domain: bytes | None = field(default=None, repr=False)  # part of the secret too

    @classmethod
    def parse(cls, raw: bytes) -> MtproxySecret:
        """The secret ``raw`` in one of its three forms (MtproxySecretError if none)."""
        if len(raw) == KEY_BYTES:
            return cls(raw, raw, "plain")
        if len(raw) == KEY_BYTES + 1 and raw[0] == PADDED:
            return cls(raw, raw[1:], "padded")
        if len(raw) > KEY_BYTES + 1 and raw[0] == FAKE_TLS:
            domain = raw[KEY_BYTES + 1 :]
            if not _HOST_NAME.fullmatch(domain):
                raise MtproxySecretError("the fake-TLS domain after the key is not a host name")
            return cls(raw, raw[1 : KEY_BYTES + 1], "fake-tls", domain)
        raise MtproxySecretError(
            "a secret is 16 bytes, or dd and 16 bytes, or ee, 16 bytes and a domain"
        )

    @classmethod
    def from_hex(cls, text: str) -> MtproxySecret:
        """The secret written in hex, as in a tg://proxy link."""
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise MtproxySecretError("not hex (two digits 0-9 or a-f a byte)") from None
        return cls.parse(raw)


class MtproxyRefused(TransportError):
    """A connection this proxy does not serve; the message says why (never the secret)."""


class MtProxy:
    """The proxy in front of a sandbox's DCs: checks each connection's outer layers and hands
    what is inside to a `Connection` of the DC it names."""

    def __init__(self, server: SandboxServer, secret: MtproxySecret) -> None:
        self.server = server
        self.secret = secret
        self._tls = FakeTls(secret.key, secret.domain) if secret.domain is not None else None

    def link(self, host: str, port: int) -> str:
        """The tg://proxy link Telegram's apps take for this proxy (it holds the secret)."""
        return f"tg://proxy?server={host}&port={port}&secret={self.secret.raw.hex()}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one client of the proxy's port until it goes away."""
        try:
            opened = await self._open(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            opened = None  # the client went away
        except TransportError as exc:  # MtproxyRefused, FakeTlsRefused
            log.warning("MTProxy: closing a connection: %s", exc)
            opened = None
        if opened is None:
            writer.close()
            return
        connection = Connection(self.server, *opened)
        self.server.accepted[f"mtproxy-dc{connection.dc}"] += 1
        await connection.run()

    async def _open(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[ByteSource, ByteSink, int, ObfuscatedCodec] | None:
        """The streams inside the proxy's layers, the DC and the transport the client chose;
        None when the DC does not exist (the client was sent the transport error)."""
        source: ByteSource = reader
        sink: ByteSink = writer
        if self._tls is not None:
            source, sink = await self._tls.accept(reader, writer)
        header = await source.readexactly(OBFUSCATED_HEADER)
        try:
            codec, plain = open_obfuscated(header, source, self.secret.key)
        except TransportError:
            raise MtproxyRefused("the header is not obfuscated with this secret") from None
        if self.secret.mode != "plain" and plain[56:60] != PADDED_TAG:
            raise MtproxyRefused(f"{codec.name} for a secret of padded intermediate only")
        (dc,) = struct.unpack("<h", plain[60:62])  # negative: the DC's media servers
        if not 1 <= abs(dc) <= DC_COUNT:
            log.warning("MTProxy: refusing DC %d (transport error %d)", dc, INVALID_DC)
            sink.write(codec.frame(struct.pack("<i", INVALID_DC)))
            await sink.drain()
            return None
        return source, sink, abs(dc), codec
