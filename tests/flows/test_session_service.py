"""Session files are private, one process per session, and the client really connects."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tgtui.sandbox import API_HASH, API_ID, SandboxServer, write_demo_session
from tgtui.telegram.service import (
    SessionLock,
    SessionLockedError,
    make_client,
    prepare_session_file,
    reset_task_factory,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_session_created_0600_in_a_0700_folder(tmp_path: Path) -> None:
    old = os.umask(0o000)  # even a permissive umask must not loosen the modes
    try:
        path = prepare_session_file(tmp_path / "sessions" / "main")
    finally:
        os.umask(old)
    assert path.name == "main.session"
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700


def test_loose_modes_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir(mode=0o755)
    path = folder / "main.session"
    path.write_text("")
    path.chmod(0o644)
    prepare_session_file(path)
    assert (_mode(path), _mode(folder)) == (0o600, 0o700)


def test_second_process_on_the_same_session_is_refused(tmp_path: Path) -> None:
    session = prepare_session_file(tmp_path / "main.session")
    script = (
        "import sys; from pathlib import Path\n"
        "from tgtui.telegram.service import SessionLock, SessionLockedError\n"
        "try:\n    SessionLock(Path(sys.argv[1])).acquire()\n"
        "except SessionLockedError as e:\n    print(e); sys.exit(3)\n"
    )
    with SessionLock(session):
        result = subprocess.run(
            [sys.executable, "-c", script, str(session)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 3
        assert "already running" in result.stdout
        assert str(session) in result.stdout
    with pytest.raises(SessionLockedError), SessionLock(session), SessionLock(session):
        pass
    freed = subprocess.run(
        [sys.executable, "-c", script, str(session)], capture_output=True, timeout=60, check=False
    )
    assert freed.returncode == 0  # free again once released


async def test_client_connects_even_under_an_eager_task_factory(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    import asyncio

    if not hasattr(asyncio, "eager_task_factory"):
        pytest.skip("eager tasks exist from Python 3.12")
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)
    session = write_demo_session(sandbox, tmp_path / "s" / "demo")
    reset_task_factory()
    client = make_client(session, API_ID, API_HASH)
    await client.connect()
    try:
        assert (await client.get_me()).is_self
        assert client.flood_sleep_threshold == 0
    finally:
        await client.disconnect()
    assert _mode(session) == 0o600


async def test_client_on_a_session_file_reaches_the_sandbox(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    session = write_demo_session(sandbox, tmp_path / "s" / "demo")
    client = make_client(session, API_ID, API_HASH)
    await client.connect()
    try:
        assert await client.is_user_authorized()
    finally:
        await client.disconnect()


def test_only_marked_loopback_sessions_trust_the_sandbox_key(tmp_path: Path) -> None:
    """The test key is trusted for a session `tgtui sandbox` wrote (it carries the key) whose
    server is on loopback; a bare loopback address, or a marked session pointed elsewhere,
    is not enough."""
    from telethon.crypto import rsa

    from tgtui.sandbox import test_rsa_key
    from tgtui.sandbox_mark import write_mark
    from tgtui.telegram.service import is_sandbox_address

    assert is_sandbox_address("127.0.0.1")
    assert is_sandbox_address("::1")
    assert not is_sandbox_address("149.154.167.51")
    assert not is_sandbox_address(None)
    key = test_rsa_key()
    rsa._server_keys.pop(key.fingerprint, None)
    make_client(tmp_path / "real.session", API_ID, API_HASH)  # Telegram's default DC
    assert key.fingerprint not in rsa._server_keys
    make_client(tmp_path / "loopback.session", API_ID, API_HASH, dc=(2, "127.0.0.1", 4321))
    assert key.fingerprint not in rsa._server_keys  # any local program could listen there
    far = tmp_path / "far.session"
    make_client(far, API_ID, API_HASH, dc=(2, "149.154.167.51", 443)).session.close()
    write_mark(far, key.public_pem)
    make_client(far, API_ID, API_HASH)
    assert key.fingerprint not in rsa._server_keys  # marked, but not a sandbox address
    near = tmp_path / "near.session"
    make_client(near, API_ID, API_HASH, dc=(2, "127.0.0.1", 4321)).session.close()
    write_mark(near, key.public_pem)
    make_client(near, API_ID, API_HASH)
    assert key.fingerprint in rsa._server_keys
