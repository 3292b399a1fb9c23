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
one that closed right away, where Telethon alone would reconnect in a tight loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from typing import Any

from loguru import logger
from telethon.errors import InvalidBufferError
from telethon.network import MTProtoPlainSender
from telethon.network.connection import (
    Connection,
    ConnectionTcpFull,
    ConnectionTcpMTProxyIntermediate,
    ConnectionTcpMTProxyRandomizedIntermediate,
)
from telethon.tl.functions import ReqPqMultiRequest

from tgtui.proxy import Proxy

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


# A connection through a proxy that closes this soon after it opened (the proxy took it, then
# could not reach Telegram) is not opened again at once: Telethon would reconnect in a tight
# loop, as fast as the proxy answers. It waits PACE_BASE s, doubling up to PACE_CAP.
SHORT_LIVED = 2.0
PACE_BASE = 1.0
PACE_CAP = 30.0


class _Paced:
    """A connection that waits before opening again when its last one closed right away."""

    _ip: str
    _port: int
    _opened = 0.0  # when the last connect succeeded (time.monotonic())
    _quick = 0  # how many in a row closed within SHORT_LIVED

    async def connect(self, timeout: float | None = None, ssl: Any = None) -> None:  # noqa: ASYNC109 - Telethon's signature
        """Telethon's connect, after a pause if the last connection was short-lived."""
        since = time.monotonic() - self._opened
        if self._opened and since < SHORT_LIVED:
            self._quick += 1
            pause = min(PACE_CAP, PACE_BASE * 2 ** (self._quick - 1))
            logger.warning(
                "through the proxy, the connection to {}:{} closed {:.1f} s after it opened; "
                "the next in {:.0f} s",
                self._ip,
                self._port,
                since,
                pause,
            )
            await asyncio.sleep(pause)
        else:
            self._quick = 0
        await super().connect(timeout=timeout, ssl=ssl)  # type: ignore[misc]
        self._opened = time.monotonic()


class PacedTcpFull(_Paced, ConnectionTcpFull):  # type: ignore[misc]
    """Telethon's default connection (TCP full), paced: for SOCKS and HTTP proxies."""


class PacedMTProxyIntermediate(_Paced, ConnectionTcpMTProxyIntermediate):  # type: ignore[misc]
    """An MTProxy with a plain secret, paced."""


class PacedMTProxyPadded(_Paced, ConnectionTcpMTProxyRandomizedIntermediate):  # type: ignore[misc]
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


def _mtproxy_connection(proxy: Proxy) -> Any:
    """The Connection class (Telethon's classes are untyped) that speaks to this MTProxy."""
    if proxy.mode == "fake-tls":
        from tgtui.telegram.fake_tls import ConnectionTcpMTProxyFakeTLS

        class PacedFakeTLS(_Paced, ConnectionTcpMTProxyFakeTLS):
            """A fake-TLS MTProxy, paced."""

        return PacedFakeTLS
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
        # It took the greeting and closed on the user name and password, as some proxies
        # do instead of answering "refused" (RFC 1929 says they should answer).
        return ProxyAuthFailed(proxy, text)
    if "invalid proxy response" in lowered or "closed unexpectedly" in lowered:
        return ProxyClosed(proxy, text)  # nothing came back at all
    return ProxyWrongKind(proxy, text)  # an answer, but not one this kind of proxy gives
