"""Run alexbers' mtprotoproxy (PyPI `mtprotoproxy` 1.0.6), a real fake-TLS MTProxy written by
others, as a process in front of a sandbox.

    process, port = await start_mtprotoproxy(tmp_path, secret, domain, sandbox.host,
                                             sandbox.dc_ports)

The package installs a script, `mtprotoproxy.py` (no importable module), whose settings are
a Python file it runs with runpy (its `init_config`). Its `main` cannot be used as it is, so
`python -m tests.mtprotoproxy_process CONFIG` loads the script as a module and serves its own
client handler (`handle_client_wrapper`: the fake-TLS handshake, the obfuscation, the relay)
on loopback, after changing three things, none of them the protocol:

- where Telegram is: the script dials `TG_DATACENTERS_V4[dc - 1]` on port 443, Telegram's
  own addresses. Here each DC is the sandbox's host and that DC's port (the config's
  `SANDBOX_HOST`, `SANDBOX_DC_PORTS`), by wrapping its `open_connection_tryer`;
- the start: `main` passes `loop=` to `asyncio.start_server` (gone since Python 3.10) and
  `init_ip_info` asks web sites for this machine's address (tests stay on loopback). The
  server here listens on the config's `LISTEN_ADDR_IPV4`, on a free port (`PORT = 0`), and
  prints `{"port": N}` once it listens;
- no mask site (`MASK = False`: a wrong client is read to its end, not relayed to the domain)
  and no middle proxy (`USE_MIDDLE_PROXY = False`: it would fetch Telegram's proxy list).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType
from typing import Any

SCRIPT = Path(sysconfig.get_path("scripts")) / "mtprotoproxy.py"
ROOT = Path(__file__).resolve().parent.parent  # where `tests` is a package
START_TIMEOUT = 30.0

CONFIG = """\
PORT = 0
LISTEN_ADDR_IPV4 = "127.0.0.1"
LISTEN_ADDR_IPV6 = ""
USERS = {{"tgtui": {key!r}}}
TLS_ONLY = True
TLS_DOMAIN = {domain!r}
MASK = False
USE_MIDDLE_PROXY = False
FAST_MODE = True
SANDBOX_HOST = {host!r}
SANDBOX_DC_PORTS = {ports!r}
"""


def installed() -> bool:
    """Whether the mtprotoproxy package (its script) is installed in this environment."""
    return SCRIPT.is_file()


def write_config(folder: Path, key: bytes, domain: str, host: str, ports: dict[int, int]) -> Path:
    """A settings file for mtprotoproxy: one user with ``key``, fake-TLS only."""
    path = folder / "mtprotoproxy_config.py"
    path.write_text(CONFIG.format(key=key.hex(), domain=domain, host=host, ports=dict(ports)))
    return path


async def start_mtprotoproxy(
    folder: Path, key: bytes, domain: str, host: str, ports: dict[int, int]
) -> tuple[asyncio.subprocess.Process, int]:
    """Start mtprotoproxy in front of the sandbox at ``host``/``ports``; the process and the
    port it listens on (once it listens)."""
    config = write_config(folder, key, domain, host, ports)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.mtprotoproxy_process",
        str(config),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        port = int(json.loads(line)["port"])
    except BaseException:
        process.kill()
        await process.wait()
        raise
    return process, port


async def stop(process: asyncio.subprocess.Process) -> None:
    """End the proxy (it has nothing to save)."""
    if process.returncode is None:
        process.kill()
    await process.wait()


def _load(config: str) -> ModuleType:
    """The script as a module, its settings read (it exits at import without an argument)."""
    sys.argv = [str(SCRIPT), config]
    spec = importlib.util.spec_from_file_location("mtprotoproxy", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.init_config()
    module.init_stats()
    return module


def _to_sandbox(proxy: Any) -> None:
    """Dial the sandbox's DCs where the script dials Telegram's."""
    host: str = proxy.config.SANDBOX_HOST
    ports: dict[int, int] = proxy.config.SANDBOX_DC_PORTS
    proxy.TG_DATACENTERS_V4 = [f"dc{dc}" for dc in range(1, max(ports) + 1)]
    dial = proxy.open_connection_tryer

    async def to_dc(addr: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return await dial(host, ports[int(addr[2:])], *args, **kwargs)

    proxy.open_connection_tryer = to_dc


async def _serve(proxy: Any) -> None:
    server = await asyncio.start_server(
        proxy.handle_client_wrapper,
        proxy.config.LISTEN_ADDR_IPV4,
        proxy.config.PORT,
        limit=proxy.get_to_tg_bufsize(),
    )
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    """`python -m tests.mtprotoproxy_process CONFIG`: serve until killed."""
    proxy = _load(sys.argv[1])
    _to_sandbox(proxy)
    asyncio.run(_serve(proxy))


if __name__ == "__main__":
    main()
