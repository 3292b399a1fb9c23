"""`tgtui backup` and `tgtui chats` through a real proxy on loopback (pproxy, from PyPI):
SOCKS5 with a password, SOCKS4 and HTTP CONNECT; every connection through it, the media DC's
too; and each way a proxy fails told in one line, exit 2, the password never shown.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.flows.cli_process import cli_env, run_tgtui
from tests.proxy_process import free_port, running_proxy
from tests.sandbox_process import start_sandbox_process

SECRET = "s3cr3t-Pa55"  # the proxy's password: never on stderr, never in the log


@pytest.fixture
async def sandbox_process(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A small sandbox process, its files on another DC than the account's."""
    process, info = await start_sandbox_process(
        "--dialogs", "6", "--messages", "120", "--seed", "12",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


def _log(home: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in home.rglob("tgtui*.log"))


async def test_a_backup_with_media_goes_through_socks5_with_a_password(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    info = sandbox_process
    async with running_proxy("socks5", f"reader:{SECRET}") as proxy:
        url = f"socks5://reader:{SECRET}@127.0.0.1:{proxy.port}"
        out = tmp_path / "backup"
        code, _, err = await run_tgtui(
            tmp_path, info, "backup", "--out", str(out), "--all", "--max-file-size", "0.3",
            "--progress", "none", "--proxy", url,
        )  # fmt: skip
        assert code == 0, err
        onward = proxy.onward()
    manifest = json.loads((out / "manifest.json").read_text())
    assert sum(chat["media_files"] for chat in manifest["chats"]) > 0
    # Every connection went through the proxy: to the account's DC and to the media's.
    ports = {port for _, port in onward}
    home, media = info["dc_ports"][str(info["dc_id"])], set(info["dc_ports"].values())
    assert home in ports, onward
    assert len(ports & media) >= 2, onward
    assert SECRET not in err
    assert SECRET not in _log(tmp_path)


@pytest.mark.parametrize("scheme", ["socks4", "http"])
async def test_chats_are_listed_through_socks4_and_http(
    sandbox_process: dict[str, Any], tmp_path: Path, scheme: str
) -> None:
    async with running_proxy(scheme) as proxy:
        code, out, err = await run_tgtui(
            tmp_path, sandbox_process, "chats", "--json",
            "--proxy", f"{scheme}://127.0.0.1:{proxy.port}",
        )  # fmt: skip
        assert code == 0, err
        assert len(json.loads(out)) == 6
        assert proxy.onward(), proxy.lines


async def test_a_wrong_password_is_one_line_and_never_shown(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    async with running_proxy("socks5", "reader:right") as proxy:
        url = f"socks5://reader:{SECRET}@127.0.0.1:{proxy.port}"
        code, out, err = await run_tgtui(tmp_path, sandbox_process, "chats", "--proxy", url)
    assert code == 2
    assert err.strip().splitlines() == [  # pproxy closes on a wrong password, unsaid
        f"tgtui chats: The proxy socks5 127.0.0.1:{proxy.port} (with a user name and "
        "password) closed the connection when given the user name and password: check them, "
        "and that it is that kind of proxy (socks5://, socks4://, http://)."
    ]
    assert out == ""
    assert SECRET not in _log(tmp_path)


async def test_a_proxy_that_is_not_there_is_one_line(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    port = free_port()
    code, _, err = await run_tgtui(
        tmp_path, sandbox_process, "chats", "--proxy", f"socks5://127.0.0.1:{port}"
    )
    assert code == 2
    assert err.strip().splitlines() == [
        f"tgtui chats: Nothing answers at the proxy socks5 127.0.0.1:{port}: is it running, "
        "and are its address and port right?"
    ]


async def test_a_proxy_that_cannot_reach_telegram_is_one_line(tmp_path: Path) -> None:
    process, info = await start_sandbox_process(
        "--dialogs", "3", "--messages", "10", "--session-out", str(tmp_path / "s.session")
    )
    process.terminate()  # Telegram is gone; the proxy is still there
    await process.wait()
    async with running_proxy("socks5") as proxy:
        code, _, err = await run_tgtui(
            tmp_path, info, "chats", "--proxy", f"socks5://127.0.0.1:{proxy.port}"
        )
    assert code == 2
    assert err.strip().splitlines() == [
        f"tgtui chats: The proxy socks5 127.0.0.1:{proxy.port} answers, but cannot reach "
        "Telegram from where it is."
    ]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (f"socks5://reader:{SECRET}@127.0.0.1:70000", "the proxy's port must be a number"),
        ("tg://proxy?server=example.org&port=443&secret=zz" + SECRET, "neither hex nor base64"),
        (f"ftp://reader:{SECRET}@example.org:21", "unknown kind of proxy 'ftp'"),
    ],
)
async def test_a_malformed_proxy_is_refused_before_anything_connects(
    sandbox_process: dict[str, Any], tmp_path: Path, given: str, said: str
) -> None:
    code, out, err = await run_tgtui(tmp_path, sandbox_process, "chats", "--proxy", given)
    assert code == 2
    assert said in err.splitlines()[-1]
    assert SECRET not in err
    assert out == ""


async def test_the_environment_s_proxy_is_not_used_for_a_sandbox_on_this_machine(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    """ALL_PROXY is every program's default: a sandbox on loopback is not reached through
    it (a proxy elsewhere could not), while --proxy is a choice made for tgtui and is."""
    dead = {"ALL_PROXY": f"socks5://127.0.0.1:{free_port()}"}
    code, out, err = await run_tgtui(tmp_path, sandbox_process, "chats", "--json", environ=dead)
    assert code == 0, err
    assert len(json.loads(out)) == 6
    code, _, err = await run_tgtui(
        tmp_path, sandbox_process, "chats", "--proxy", dead["ALL_PROXY"], environ=dead
    )
    assert code == 2
    assert "Nothing answers at the proxy" in err
    code, out, err = await run_tgtui(
        tmp_path,
        sandbox_process,
        "chats",
        "--json",
        environ={"ALL_PROXY": "socks5://host:port", "HTTPS_PROXY": "https://proxy.corp:3128"},
    )
    assert code == 0, err  # set for other programs: passed over, with a word
    assert len(json.loads(out)) == 6
    assert err.strip().splitlines() == [
        "tgtui: ALL_PROXY is not used: the proxy's port must be a number from 1 to 65535",
        "tgtui: HTTPS_PROXY is not used: unknown kind of proxy 'https': use socks5://, "
        "socks4://, http:// or a t.me link",
    ]


async def test_proxy_before_the_command_and_the_demo_leaves_config_s_proxy_alone(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    """`tgtui --proxy URL chats` (the option before the command, as `tgtui --help` shows
    it), and a proxy saved in config.toml is Telegram's way, not the demo's: the demo's
    sandbox is on this machine."""
    async with running_proxy("socks4") as proxy:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tgtui", "--proxy", f"socks4://127.0.0.1:{proxy.port}",
            "chats", "--json", "--session", sandbox_process["session"],
            env=cli_env(tmp_path, sandbox_process),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, err.decode()
        assert len(json.loads(out)) == 6
        assert proxy.onward()
    config = tmp_path / "config.toml"
    config.write_text(f'proxy = "socks5://me:{SECRET}@127.0.0.1:{free_port()}"\n')
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", "chats", "--demo", "--json",
        env={**cli_env(tmp_path, sandbox_process), "TGTUI_CONFIG": str(config)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert json.loads(out)
