"""A proxy as people give it: a URL, or a link a channel posted (`https://t.me/proxy?...`).

`parse_proxy` reads every form Telegram's own apps take, plus the URLs of `--proxy` and
`ALL_PROXY`:

- `socks5://[user:password@]host:port` (also `socks5h://`), `socks4://host:port`,
  `http://[user:password@]host:port` (HTTP CONNECT);
- `https://t.me/socks?server=H&port=P[&user=U&pass=W]` and `tg://socks?...`;
- `https://t.me/proxy?server=H&port=P&secret=S` and `tg://proxy?...` (MTProxy), the secret in
  hex or base64 (URL-safe or not) and in each of its three forms: 16 bytes (plain), `dd` and
  16 bytes (random padding), `ee`, 16 bytes and the domain a fake-TLS proxy imitates.

What it gives back never shows the password or the secret when printed (`Proxy.redacted`,
and its repr): proxies end up in logs and error messages.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from tgtui.i18n import _

Kind = Literal["socks5", "socks4", "http", "mtproxy"]
Mode = Literal["plain", "padded", "fake-tls"]

SCHEMES: dict[str, Kind] = {
    "socks5": "socks5",
    "socks5h": "socks5",
    "socks4": "socks4",
    "socks4a": "socks4",  # the host name resolved by the proxy, as tgtui always asks
    "http": "http",
}
LINK_HOSTS = ("t.me", "telegram.me", "telegram.dog")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")
KEY_BYTES = 16


class ProxyError(ValueError):
    """A proxy that cannot be understood; the message says why, in the user's language, and
    never holds the password or the secret."""


@dataclass(frozen=True)
class Proxy:
    """Where to connect through, and how."""

    kind: Kind
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    secret: bytes | None = field(default=None, repr=False)  # MTProxy: the 16-byte key
    mode: Mode | None = None  # MTProxy: how the secret says to speak to it
    domain: str | None = None  # fake-TLS: the site the proxy imitates

    @property
    def redacted(self) -> str:
        """The proxy for a log or a message: kind, host and port, whether it has a password
        or a secret, never either."""
        where = f"[{self.host}]" if ":" in self.host else self.host
        text = f"{self.kind} {where}:{self.port}"
        if self.username is not None:
            text += " " + _("(with a user name and password)")
        if self.mode is not None:
            text += f" ({self.mode}" + (f", {self.domain})" if self.domain else ")")
        return text

    def __repr__(self) -> str:
        return f"Proxy({self.redacted})"


MAX_LENGTH = 4096  # a proxy link is well under 1 KB


def parse_proxy(text: str) -> Proxy:
    """The proxy ``text`` names (see the module's doc); ProxyError if it names none."""
    if len(text) > MAX_LENGTH:
        raise ProxyError(_("too long for a proxy address or link"))
    try:
        return _parse(text)
    except ProxyError:
        raise
    except ValueError:  # anything urllib or ipaddress refused that the checks did not see
        raise ProxyError(_("not a proxy address or link")) from None


def _parse(text: str) -> Proxy:
    given = text.strip()
    if not given:
        raise ProxyError(_("no proxy given"))
    if "://" not in given and given.split("/", 1)[0].lower() in LINK_HOSTS:
        given = "https://" + given  # "t.me/proxy?..." as copied without its scheme
    try:
        parts = urlsplit(given)
    except ValueError:  # e.g. a bracket left open
        raise ProxyError(_("not a proxy address or link")) from None
    scheme = parts.scheme.lower()
    if scheme == "tg":
        return _link(parts.netloc.lower(), parts.query)
    if scheme in ("https", "http") and (parts.hostname or "") in LINK_HOSTS:
        return _link(parts.path.strip("/").lower(), parts.query)
    kind = SCHEMES.get(scheme)
    if kind is None:
        raise ProxyError(
            _(
                "unknown kind of proxy {scheme}: use socks5://, socks4://, http:// or a t.me link"
            ).format(scheme=repr(scheme or "?"))
        )
    host = _host(parts.hostname)
    port = _port(parts.netloc.rpartition(":")[2] if ":" in parts.netloc else None)
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    if kind == "socks4" and password is not None:
        raise ProxyError(_("a SOCKS4 proxy takes no password"))
    if (username is None) != (password is None):
        raise ProxyError(_("a proxy's user name and password go together"))
    return Proxy(kind, host, port, username, password)


def _link(what: str, query: str) -> Proxy:
    """A t.me/tg: link: `proxy` (MTProxy) or `socks`."""
    if what not in ("socks", "proxy"):
        raise ProxyError(_("not a proxy address or link"))
    fields = {key.lower(): values[0] for key, values in parse_qs(query).items() if values}
    host = _host(fields.get("server"))
    port = _port(fields.get("port"))
    if what == "socks":
        user, password = fields.get("user"), fields.get("pass")
        if (user is None) != (password is None):
            raise ProxyError(_("a proxy's user name and password go together"))
        return Proxy("socks5", host, port, user, password)
    # A base64 secret pasted as it is: its "+" read as a space by the query's rules.
    secret, mode, domain = parse_secret((fields.get("secret") or "").replace(" ", "+"))
    return Proxy("mtproxy", host, port, secret=secret, mode=mode, domain=domain)


def _host(value: str | None) -> str:
    if not value:
        raise ProxyError(_("the proxy's address has no host"))
    host = value.strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOSTNAME.match(host):
        raise ProxyError(_("the proxy's host is not a host name or an IP address"))
    return host.lower()


def _port(value: str | None) -> int:
    # ASCII digits only: str.isdigit() takes "²" and "①", which int() then refuses.
    if value is None or not re.fullmatch(r"[0-9]{1,5}", value) or not 1 <= int(value) <= 65535:
        raise ProxyError(_("the proxy's port must be a number from 1 to 65535"))
    return int(value)


def parse_secret(value: str | None) -> tuple[bytes, Mode, str | None]:
    """An MTProxy secret: its key, how to speak to the proxy, the fake-TLS domain."""
    raw = _decoded(value or "")
    if len(raw) == KEY_BYTES:
        return raw, "plain", None
    if raw[:1] == b"\xdd" and len(raw) == KEY_BYTES + 1:
        return raw[1:], "padded", None
    if raw[:1] == b"\xee" and len(raw) > KEY_BYTES + 1:
        domain = raw[KEY_BYTES + 1 :]
        try:
            name = domain.decode("ascii")
        except UnicodeDecodeError:
            name = ""
        if not _HOSTNAME.match(name):
            raise ProxyError(_("the MTProxy secret's fake-TLS domain is not a host name"))
        return raw[1 : KEY_BYTES + 1], "fake-tls", name  # as given: MTProxy compares bytes
    raise ProxyError(
        _("an MTProxy secret is 16 bytes, or dd and 16 bytes, or ee, 16 bytes and a domain")
    )


def _decoded(text: str) -> bytes:
    """A secret's bytes: hex, or base64 (URL-safe or not, padded or not)."""
    text = text.strip()
    if re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", text):
        return bytes.fromhex(text)
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ProxyError(_("the MTProxy secret is neither hex nor base64")) from None


# The environment's proxy variables, in the order they are looked at (each lowercase one
# first, as curl does): ALL_PROXY is meant for every protocol (SOCKS, usually); HTTPS_PROXY
# is the one a network's HTTP proxy is set in.
ENVIRONMENT = ("all_proxy", "ALL_PROXY", "https_proxy", "HTTPS_PROXY")


@dataclass(frozen=True)
class ProxySetting:
    """The proxy chosen for a run, and where it was chosen (for messages and the log).

    One from the environment is a default for every program, not a choice made for tgtui:
    it is not used for addresses that NO_PROXY names, nor for loopback ones (a sandbox on
    this machine, which a proxy elsewhere could not reach)."""

    proxy: Proxy
    source: str  # "--proxy", "config.toml", or the environment variable's name
    no_proxy: str = ""  # the environment's NO_PROXY, for a proxy from the environment

    @property
    def from_environment(self) -> bool:
        """Whether the environment set it (not --proxy or config.toml)."""
        return self.source in ENVIRONMENT

    def applies_to(self, host: str | None) -> bool:
        """Whether connections to ``host`` go through the proxy."""
        if not self.from_environment or host is None:
            return True
        try:
            if ipaddress.ip_address(host.strip("[]")).is_loopback:
                return False
        except ValueError:
            if host.lower() == "localhost":
                return False
        return not _excluded(host, self.no_proxy)


def _excluded(host: str, no_proxy: str) -> bool:
    """Whether NO_PROXY (comma- or space-separated: `*`, host names and their domains, IP
    addresses and networks) names ``host``."""
    name = host.strip("[]").lower()
    for entry in re.split(r"[,\s]+", no_proxy.strip().lower()):
        if not entry:
            continue
        if entry == "*":
            return True
        try:
            if ipaddress.ip_address(name) in ipaddress.ip_network(entry, strict=False):
                return True
            continue
        except ValueError:
            pass
        domain = entry.lstrip("*").lstrip(".")
        if domain and (name == domain or name.endswith("." + domain)):
            return True
    return False


def choose_proxy(
    given: Proxy | None,
    off: bool,
    configured: Proxy | None,
    environ: Mapping[str, str],
    skipped: list[str] | None = None,
) -> ProxySetting | None:
    """The proxy for this run: none with --no-proxy; else --proxy's, config.toml's `proxy`,
    then the environment's (`ENVIRONMENT`). A variable that cannot be read is passed over,
    and why is added to ``skipped``."""
    skipped = [] if skipped is None else skipped
    if off:
        return None
    if given is not None:
        return ProxySetting(given, "--proxy")
    if configured is not None:
        return ProxySetting(configured, "config.toml")
    for name in ENVIRONMENT:
        value = environ.get(name, "").strip()
        if not value:
            continue
        if "://" not in value:
            value = "http://" + value  # "proxy.example:3128", as curl reads it
        try:
            proxy = parse_proxy(value)
        except ProxyError as exc:
            # Set for other programs too (curl takes https:// proxies tgtui cannot use):
            # a word on stderr, and the next variable, or none.
            skipped.append(_("{name} is not used: {problem}").format(name=name, problem=exc))
            continue
        no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
        return ProxySetting(proxy, name, no_proxy)
    return None
