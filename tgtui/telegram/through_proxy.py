"""Reaching Telegram through a proxy: the client's options for each kind, and what went wrong
when a connection through one fails.

Telethon connects through SOCKS5, SOCKS4 and HTTP CONNECT with python-socks (its `proxy`
option), and through an MTProxy with a connection class that speaks the proxy's protocol
(plain and `dd` secrets: Telethon's own; `ee`, fake-TLS: `tgtui.telegram.fake_tls`). Every
connection the client opens takes the same options: the main one, the other DCs' (media,
exported authorizations), QR login, takeout and reconnects.

When connecting fails, `diagnose` connects once more the way Telethon does, without the
retries, asks Telegram's first question of the key exchange (req_pq_multi, which needs no
key: core.telegram.org/mtproto/auth_key) and turns what happened into one of the
`ProxyProblem`s below: the proxy is not there, refused the password, cannot reach Telegram,
timed out, or is not that kind of proxy. Those are not network blips to retry for ever: the
run stops and says which. (Some proxies say "connected" before they try Telegram, and close
the connection when they cannot reach it: only an answer from Telegram shows the way is
open.) Later, when Telegram goes away behind the proxy, the proxy still takes each connection
and closes it: every connection class here waits (1, 2, 4... s) before opening again after
one that closed right away, unanswered, where Telethon alone would reconnect in a tight loop.
The same classes tell the client's `tgtui.telegram.link_state.LinkState` how its connections
fare (direct ones too: `PacedTcpFull`), so a dropped link can be shown while it mends.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any

from loguru import logger
from telethon.errors import InvalidBufferError
from telethon.network import MTProtoPlainSender
from telethon.network.connection import (
    Connection,
    ConnectionTcpFull,
    ConnectionTcpMTProxyIntermediate,
    ConnectionTcpMTProxyRandomizedIntermediate,
)
from telethon.network.connection.connection import ObfuscatedConnection
from telethon.tl.functions import ReqPqMultiRequest

from tgtui.proxy import Proxy

if TYPE_CHECKING:
    from tgtui.telegram.link_state import LinkState

PROBE_TIMEOUT = 10.0  # seconds, as Telethon's own connect


class ProxyProblem(Exception):
    """Connecting through the proxy failed in a way retrying will not mend. The message is
    `tgtui.telegram.errors.explain`'s (the one table); ``proxy`` is shown redacted."""

    def __init__(self, proxy: Proxy, detail: str = "") -> None:
        super().__init__(f"{type(self).__name__}: {proxy.redacted}: {detail}".rstrip(": "))
        self.proxy = proxy
        self.detail = detail  # what the proxy said, for the log


class ProxyUnreachable(ProxyProblem):
    """Nothing answers at the proxy's address and port."""


class ProxyHostUnknown(ProxyProblem):
    """The proxy's host name does not resolve (a typo, or no network)."""


class ProxyAuthFailed(ProxyProblem):
    """The proxy refused the user name and password (or wants some and none were given)."""


class ProxyLoginClosed(ProxyProblem):
    """The proxy closed the connection, without a word, once given the user name and
    password: how some refuse them (or another kind of proxy)."""


class ProxyCannotReachTelegram(ProxyProblem):
    """The proxy answered, but could not connect on to Telegram's server."""


class ProxyRefused(ProxyProblem):
    """The proxy does not allow connections to Telegram (its rules forbid it)."""


class ProxyTimedOut(ProxyProblem):
    """The proxy did not answer in time."""


class ProxyWrongKind(ProxyProblem):
    """What answered does not speak the kind of proxy given (e.g. HTTP on a SOCKS port)."""


class ProxyClosed(ProxyProblem):
    """The proxy closed the connection without an answer: another kind of proxy, or one
    that closes when it cannot reach the server."""


class MTProxyClosed(ProxyProblem):
    """An MTProxy took the connection and closed it, or went silent: a wrong secret, or it
    cannot reach Telegram (an MTProxy says no more than that)."""


# A connection that closes this soon after it opened, before any answer came (a proxy took it,
# then could not reach Telegram), is not opened again at once: Telethon would reconnect in a
# tight loop, as fast as the proxy answers. It waits PACE_BASE s, doubling up to PACE_CAP.
SHORT_LIVED = 2.0
PACE_BASE = 1.0
PACE_CAP = 30.0


def _no_delay(connection: Any) -> None:
    """Send each packet at once (TCP_NODELAY) on a connection Telethon opened. asyncio sets
    it on the sockets it connects itself, not on one handed over by python-socks: through a
    SOCKS or HTTP proxy, Nagle's algorithm held each request back until the last one's
    acknowledgement, 22 ms a round trip on loopback against 0.2 ms straight."""
    writer = getattr(connection, "_writer", None)  # Telethon's asyncio StreamWriter
    sock = writer.get_extra_info("socket") if writer is not None else None
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Paced:
    """A connection that waits before opening again when its last one closed right away,
    unanswered, and that tells its client's `LinkState` (``link``, set on a subclass made
    for each client: `tgtui.telegram.service.make_client`) each attempt, failure, pause and
    success. Nothing per packet but one flag, until the first answer."""

    link: LinkState | None = None
    _ip: str
    _port: int
    _opened = 0.0  # when the last connect succeeded (time.monotonic())
    _quick = 0  # how many in a row closed within SHORT_LIVED, unanswered
    _heard = False  # the connection opened last carried an answer
    _confirm = False  # after a pause: only the first answer is a success to tell

    async def connect(self, timeout: float | None = None, ssl: Any = None) -> None:  # noqa: ASYNC109 - Telethon's signature
        """Telethon's connect, after a pause if the last connection was short-lived."""
        link = self.link
        since = time.monotonic() - self._opened
        again = bool(self._opened)
        suspect = again and not self._heard and since < SHORT_LIVED
        if suspect:
            self._quick += 1
            pause = min(PACE_CAP, PACE_BASE * 2 ** (self._quick - 1))
            logger.warning(
                "the connection to {}:{} closed {:.1f} s after it opened, unanswered; "
                "the next in {:.0f} s",
                self._ip,
                self._port,
                since,
                pause,
            )
            if link is not None:
                closed = ConnectionError(f"closed {since:.1f} s after it opened")
                link.paused(self, pause, closed)
            await asyncio.sleep(pause)
        else:
            self._quick = 0
        if link is not None:
            link.trying(self, again=again)
        opened = False
        try:
            await super().connect(timeout=timeout, ssl=ssl)  # type: ignore[misc]
            opened = True
            _no_delay(self)
        except (OSError, TimeoutError) as exc:  # refused, unreachable, the proxy's no
            if link is not None:
                link.failed(self, exc)
            raise
        finally:
            if not opened and link is not None:
                link.ended(self)  # cancelled (or failed, told above): the attempt is over
        self._opened = time.monotonic()
        self._heard = False
        self._confirm = suspect
        if link is not None:
            if suspect:
                link.ended(self)  # open, but so were the last ones: wait for an answer
            else:
                link.opened(self)

    async def recv(self) -> Any:
        """Telethon's recv; the first answer of a connection is noted (and told, after a
        pause)."""
        data = await super().recv()  # type: ignore[misc]
        if not self._heard:
            self._heard = True
            if self._confirm and self.link is not None:
                self.link.opened(self)
        return data


class PacedTcpFull(_Paced, ConnectionTcpFull):  # type: ignore[misc]
    """Telethon's default connection (TCP full), paced: straight to Telegram, and through
    SOCKS and HTTP proxies."""


class _Unwaited:
    """Telethon's MTProxy connections wait 2 s after connecting, for a proxy that would close
    on a transport it does not take (its issue 1134): 2 s at every start and every media DC.
    The transports here are what the secret asks for (`dd`: padded), and a proxy that closes
    anyway fails the first read, which `diagnose` and the reconnects already handle."""

    async def _connect(self, timeout: float | None = None, ssl: Any = None) -> None:  # noqa: ASYNC109 - Telethon's signature
        await ObfuscatedConnection._connect(self, timeout=timeout, ssl=ssl)


class PacedMTProxyIntermediate(_Paced, _Unwaited, ConnectionTcpMTProxyIntermediate):  # type: ignore[misc]
    """An MTProxy with a plain secret, paced."""


class PacedMTProxyPadded(_Paced, _Unwaited, ConnectionTcpMTProxyRandomizedIntermediate):  # type: ignore[misc]
    """An MTProxy with a `dd` secret (padded intermediate), paced."""


def telethon_options(proxy: Proxy) -> dict[str, Any]:
    """TelegramClient's ``connection`` and ``proxy`` options for ``proxy``."""
    if proxy.kind != "mtproxy":
        return {
            "connection": PacedTcpFull,
            "proxy": {
                "proxy_type": proxy.kind,
                "addr": proxy.host,
                "port": proxy.port,
                "username": proxy.username,
                "password": proxy.password,
                "rdns": True,
            },
        }
    return {"connection": _mtproxy_connection(proxy), "proxy": _mtproxy_address(proxy)}


@functools.cache
def _paced_fake_tls() -> Any:
    """The fake-TLS MTProxy connection, paced: one class (fake_tls is loaded only for it)."""
    from tgtui.telegram.fake_tls import ConnectionTcpMTProxyFakeTLS

    class PacedFakeTLS(_Paced, ConnectionTcpMTProxyFakeTLS):
        """A fake-TLS MTProxy, paced."""

    return PacedFakeTLS


def _mtproxy_connection(proxy: Proxy) -> Any:
    """The Connection class (Telethon's classes are untyped) that speaks to this MTProxy."""
    from tgtui.telegram.fast_ctr import use_fast_ctr

    use_fast_ctr()  # its obfuscation on OpenSSL, not pure Python
    if proxy.mode == "fake-tls":
        return _paced_fake_tls()
    if proxy.mode == "padded":
        return PacedMTProxyPadded
    return PacedMTProxyIntermediate


def _mtproxy_address(proxy: Proxy) -> tuple[str, int, str]:
    """(host, port, secret) as Telethon's MTProxy classes take it: the key in hex (`dd`
    dropped: the class speaks the padded protocol), or the whole fake-TLS secret."""
    assert proxy.secret is not None
    if proxy.mode == "fake-tls":
        domain = (proxy.domain or "").encode("ascii")
        return proxy.host, proxy.port, (b"\xee" + proxy.secret + domain).hex()
    return proxy.host, proxy.port, proxy.secret.hex()


class _Loggers(dict[str, logging.Logger]):
    """Telethon's connections look their logger up by module name."""

    def __missing__(self, key: str) -> logging.Logger:
        return logging.getLogger(key)


async def diagnose(
    proxy: Proxy, host: str, port: int, dc_id: int, *, within: float = PROBE_TIMEOUT
) -> ProxyProblem | None:
    """Connect to Telegram's ``host``:``port`` through ``proxy`` once, as the client does:
    the problem, or None if the way through is open (a failure was something else)."""
    options = telethon_options(proxy)
    kind: type[Connection] = options.get("connection", ConnectionTcpFull)
    loggers = _Loggers()
    connection = kind(host, port, dc_id, loggers=loggers, proxy=options["proxy"])
    try:
        await connection.connect(timeout=within)
    except (TimeoutError, OSError) as exc:  # python-socks' errors are OSErrors here
        await connection.disconnect()
        return classify(proxy, exc)
    try:
        nonce = int.from_bytes(os.urandom(16), "big", signed=True)
        question = MTProtoPlainSender(connection, loggers=loggers).send(ReqPqMultiRequest(nonce))
        await asyncio.wait_for(question, within)
    except (TimeoutError, OSError, EOFError, InvalidBufferError) as exc:  # EOF: closed
        logger.info("through {}, Telegram did not answer: {!r}", proxy.redacted, exc)
        if proxy.kind == "mtproxy":
            return MTProxyClosed(proxy, repr(exc))
        return ProxyCannotReachTelegram(proxy, repr(exc))
    finally:
        await connection.disconnect()
    return None


# What the proxy's answer means, by its code: SOCKS5's replies (RFC 1928, section 6),
# SOCKS4's (91: rejected or failed) and HTTP's status.
CANNOT_REACH = {3, 4, 5, 6, 91, 502, 503, 504}
REFUSED = {2, 403}
AUTH = {407}


def classify(proxy: Proxy, error: BaseException) -> ProxyProblem:
    """The problem an error of a connection through ``proxy`` shows."""
    text = str(error)
    lowered = text.lower()
    code = getattr(error, "error_code", None)
    if (
        isinstance(error, socket.gaierror)
        or "name or service not known" in lowered
        or ("failure in name resolution" in lowered)
    ):
        return ProxyHostUnknown(proxy, text)
    if proxy.kind == "mtproxy":
        if "connect call failed" in lowered or isinstance(error, ConnectionRefusedError):
            return ProxyUnreachable(proxy, text)
        return MTProxyClosed(proxy, text)  # closed, or silent: how it treats a wrong secret
    if "could not connect to proxy" in lowered:
        return ProxyUnreachable(proxy, text)
    if isinstance(error, TimeoutError) or "timed out" in lowered:
        return ProxyTimedOut(proxy, text)
    if code in AUTH or "authentication" in lowered:
        return ProxyAuthFailed(proxy, text)
    if code in CANNOT_REACH:
        return ProxyCannotReachTelegram(proxy, text)
    if code in REFUSED:
        return ProxyRefused(proxy, text)
    if "closed unexpectedly" in lowered and proxy.username is not None:
        # Closed once the user name and password were sent, as some proxies refuse them
        # instead of answering (RFC 1929 says they should answer): or it is another kind.
        return ProxyLoginClosed(proxy, text)
    if "invalid proxy response" in lowered or "closed unexpectedly" in lowered:
        return ProxyClosed(proxy, text)  # nothing came back at all
    return ProxyWrongKind(proxy, text)  # an answer, but not one this kind of proxy gives
