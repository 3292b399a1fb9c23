"""Proxies as people give them (issue 31's first part): URLs for --proxy and ALL_PROXY, and
the links Telegram's apps take (t.me/proxy, t.me/socks, tg://), read into one `Proxy`; a
wrong one is one clear line; the password and the MTProxy secret never show in print."""

from __future__ import annotations

import base64

import pytest

from tgtui.proxy import Proxy, ProxyError, parse_proxy

KEY = bytes(range(0x10, 0x20))
FAKE_TLS = b"\xee" + KEY + b"www.example.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("socks5://127.0.0.1:1080", Proxy("socks5", "127.0.0.1", 1080)),
        ("SOCKS5H://Proxy.Example.COM:1080", Proxy("socks5", "proxy.example.com", 1080)),
        ("socks5://me:p%40ss@[::1]:9050", Proxy("socks5", "::1", 9050, "me", "p@ss")),
        ("socks4://10.0.0.1:1080", Proxy("socks4", "10.0.0.1", 1080)),
        ("http://user:pw@proxy.example.org:3128",
         Proxy("http", "proxy.example.org", 3128, "user", "pw")),
        (" https://t.me/socks?server=1.2.3.4&port=443 ", Proxy("socks5", "1.2.3.4", 443)),
        ("tg://socks?server=h.example&port=9&user=a&pass=b",
         Proxy("socks5", "h.example", 9, "a", "b")),
        ("t.me/socks?server=h.example&port=9", Proxy("socks5", "h.example", 9)),
    ],
)  # fmt: skip
def test_urls_and_socks_links(text: str, expected: Proxy) -> None:
    got = parse_proxy(text)
    assert (got.kind, got.host, got.port, got.username, got.password) == (
        expected.kind, expected.host, expected.port, expected.username, expected.password,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("secret", "mode", "domain"),
    [
        (KEY.hex(), "plain", None),
        (KEY.hex().upper(), "plain", None),
        ("dd" + KEY.hex(), "padded", None),
        (FAKE_TLS.hex(), "fake-tls", "www.example.com"),
        (base64.urlsafe_b64encode(FAKE_TLS).decode().rstrip("="), "fake-tls", "www.example.com"),
        (base64.b64encode(b"\xdd" + KEY).decode(), "padded", None),
    ],
)
@pytest.mark.parametrize("link", ["https://t.me/proxy?", "tg://proxy?", "telegram.me/proxy?"])
def test_mtproxy_links_in_every_secret_form(
    link: str, secret: str, mode: str, domain: str | None
) -> None:
    proxy = parse_proxy(f"{link}server=mt.example.net&port=443&secret={secret}")
    assert (proxy.kind, proxy.host, proxy.port) == ("mtproxy", "mt.example.net", 443)
    assert (proxy.secret, proxy.mode, proxy.domain) == (KEY, mode, domain)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no proxy given"),
        ("ftp://h.example:21", "unknown kind of proxy 'ftp'"),
        ("https://proxy.example.com:443", "unknown kind of proxy 'https'"),
        ("proxy.example.com:1080", "unknown kind of proxy"),
        ("socks5://h.example", "port must be a number from 1 to 65535"),
        ("socks5://h.example:0", "port must be a number from 1 to 65535"),
        ("socks5://h.example:70000", "port must be a number from 1 to 65535"),
        ("socks5://[::1:1080", "not a proxy address or link"),
        ("socks5://:1080", "has no host"),
        ("socks5://bad_host!:1080", "not a host name or an IP address"),
        ("socks4://u:p@h.example:1080", "SOCKS4 proxy takes no password"),
        ("tg://socks?server=h.example&port=1&user=a", "user name and password go together"),
        ("https://t.me/joinchat/abc", "not a proxy address or link"),
        ("tg://proxy?server=h.example&port=443&secret=0011", "an MTProxy secret is 16 bytes"),
        ("tg://proxy?server=h.example&port=443", "an MTProxy secret is 16 bytes"),
        ("tg://proxy?server=h.example&port=443&secret=not*base64", "neither hex nor base64"),
        (
            "tg://proxy?server=h.example&port=443&secret=ee" + KEY.hex() + "2f2f",
            "fake-TLS domain is not a host name",
        ),
    ],
)
def test_a_wrong_proxy_is_one_clear_line(text: str, says: str) -> None:
    with pytest.raises(ProxyError) as raised:
        parse_proxy(text)
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_password_and_the_secret_never_show() -> None:
    socks = parse_proxy("socks5://alice:s3cr3t-pw@h.example:1080")
    mtproxy = parse_proxy(f"tg://proxy?server=h.example&port=443&secret={FAKE_TLS.hex()}")
    for proxy in (socks, mtproxy):
        shown = f"{proxy!r} {proxy!s} {proxy.redacted}"
        assert "s3cr3t" not in shown
        assert KEY.hex() not in shown.lower()
        assert "alice" not in shown
    assert socks.redacted == "socks5 h.example:1080 (with a user name and password)"
    assert mtproxy.redacted == "mtproxy h.example:443 (fake-tls, www.example.com)"
    with pytest.raises(ProxyError) as raised:  # a wrong link's error quotes nothing of it
        parse_proxy("tg://proxy?server=h.example&port=443&secret=" + KEY.hex() + "00")
    assert KEY.hex() not in str(raised.value)
