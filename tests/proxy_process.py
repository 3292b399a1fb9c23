"""A real SOCKS5/SOCKS4/HTTP proxy on loopback: pproxy (PyPI), run as a process.

Its verbose log has one line per connection it made onward ("socks5 127.0.0.1:A ->
127.0.0.1:B"), so a test can count what went through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

ONWARD = re.compile(r"^(socks5|socks4|http) \S+ -> (\S+):(\d+)$")


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ProxyProcess:
    """A running pproxy: its port and what it printed so far."""

    process: asyncio.subprocess.Process
    port: int
    lines: list[str] = field(default_factory=list)

    def onward(self) -> list[tuple[str, int]]:
        """The (host, port) of each connection it made for a client, in order."""
        found = (ONWARD.match(line) for line in self.lines)
        return [(m.group(2), int(m.group(3))) for m in found if m]

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").strip())


@contextlib.asynccontextmanager
async def running_proxy(
    scheme: str, auth: str | None = None, port: int | None = None
) -> AsyncIterator[ProxyProcess]:
    """pproxy listening on loopback (on ``port``, else a free one) for ``scheme`` ("socks5",
    "socks4", "http", or several joined by "+"), with ``auth`` ("user:password") if given,
    asking for it on every connection (its default trusts an address once it signed in)."""
    port = port or free_port()
    listen = f"{scheme}://127.0.0.1:{port}" + (f"#{auth}" if auth else "")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-u", "-m", "pproxy", "-l", listen, "-v", "--auth", "0",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    proxy = ProxyProcess(process, port)
    assert process.stdout is not None
    first = await asyncio.wait_for(process.stdout.readline(), 30)
    proxy.lines.append(first.decode(errors="replace").strip())
    assert "Serving on" in proxy.lines[0], proxy.lines
    reader = asyncio.ensure_future(proxy._read())
    try:
        yield proxy
    finally:
        process.terminate()
        await process.wait()
        await reader


@contextlib.asynccontextmanager
async def running_microsocks(auth: str | None = None) -> AsyncIterator[int]:
    """Debian's microsocks (a SOCKS5 server in C: `apt install microsocks`) on a free loopback
    port, with ``auth`` ("user:password") if given; yields the port once it takes
    connections. A proxy that costs next to nothing itself, for timing tgtui's own share."""
    port = free_port()
    command = ["microsocks", "-i", "127.0.0.1", "-p", str(port)]
    if auth:
        user, password = auth.split(":", 1)
        command += ["-u", user, "-P", password]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.01)
                continue
            writer.close()
            break
        else:
            raise AssertionError("microsocks did not start listening")
        yield port
    finally:
        process.terminate()
        await process.wait()
