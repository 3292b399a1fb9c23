"""`tgtui --demo`: a sandbox world served from a background thread of this process.

The sandbox runs on its own event loop in its own thread, so building the world and answering
requests never stalls the TUI's loop; the app talks to it over loopback like any Telegram DC.
It lives in its own data folder and never touches the user's real session.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import ExitStack
from pathlib import Path

from tgtui.sandbox import (
    API_HASH,
    API_ID,
    DC_ID,
    DEMO_PHONE,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
    trust_test_key,
    write_demo_session,
)
from tgtui.telegram.service import ClientSpec, SessionLock, SessionLockedError

DEMO_DIALOGS = 1_000
DEMO_MESSAGES = 5_000
DEMO_MAX_FILE = 1024 * 1024  # media up to 1 MiB: a full demo backup stays about a gigabyte

CodeListener = Callable[[str, str], None]  # (phone, code), called on the sandbox's thread


DEMO_FORUMS = 2  # supergroups that are forums, with topics
DEMO_DEVICES = 3  # other devices signed in to the demo account


def demo_world(dialogs: int = DEMO_DIALOGS, messages: int = DEMO_MESSAGES) -> WorldOptions:
    """The demo's world: about 1,000 dialogs, the biggest with thousands of messages, two
    forums, and the account signed in on a few other devices."""
    return WorldOptions(
        seed=1,
        dialogs=dialogs,
        messages=messages,
        max_file_size=DEMO_MAX_FILE,
        forums=DEMO_FORUMS,
        devices=DEMO_DEVICES,
    )


class DemoSandbox:
    """A sandbox server running on a background thread until `stop`."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions(world=demo_world())
        self.server: SandboxServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._listeners: list[CodeListener] = []

    @property
    def phone(self) -> str:
        """The demo account's phone number."""
        return DEMO_PHONE

    @property
    def api(self) -> tuple[int, str]:
        """api_id and api_hash the sandbox accepts."""
        return API_ID, API_HASH

    @property
    def dc(self) -> tuple[int, str, int]:
        """(dc id, host, port) to point a blank session at."""
        if self.server is None:
            raise RuntimeError("DemoSandbox.start() was not called")
        return DC_ID, self.server.host, self.server.port

    def on_code_sent(self, listener: CodeListener) -> Callable[[], None]:
        """Call ``listener(phone, code)`` whenever the sandbox "sends" a login code.

        Returns the function that unsubscribes it.
        """
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    async def scan(self, token: bytes) -> None:
        """The demo account's phone scans a QR login code (`tgtui.sandbox.phone`)."""
        if self.server is None:
            raise RuntimeError("DemoSandbox.start() was not called")
        from tgtui.sandbox.phone import scan_with_phone

        await scan_with_phone(self.server, token)

    def _code_sent(self, phone: str, code: str) -> None:
        for listener in list(self._listeners):
            listener(phone, code)

    def start(self, timeout: float = 60.0) -> None:
        """Start serving; return once the port is open (the world is built lazily)."""
        trust_test_key()
        ready: Future[None] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="tgtui-sandbox", daemon=True
        )
        self._thread.start()
        ready.result(timeout=timeout)

    def _run(self, ready: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        finally:
            loop.close()

    async def _serve(self, ready: Future[None]) -> None:
        try:
            server = SandboxServer(self.options)
            server.on_code_sent = self._code_sent
            await server.start()
        except BaseException as exc:
            ready.set_exception(exc)
            raise
        self.server = server
        self._stopped = asyncio.Event()
        ready.set_result(None)
        try:
            await self._stopped.wait()
        finally:
            await server.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Close every connection and stop the thread."""
        if self._loop is not None and self._stopped is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> DemoSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def demo_session_file(demo_dir: Path) -> Path:
    """A new, private (0700) folder for this demo run's session; remove it after the run.

    Every demo starts at the login screen, and two demos never share a session.
    """
    demo_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove_abandoned(demo_dir)
    return Path(tempfile.mkdtemp(prefix="session-", dir=demo_dir)) / "demo.session"


def _remove_abandoned(demo_dir: Path) -> None:
    """Remove session folders of demo runs that were killed (their lock is free)."""
    for folder in demo_dir.glob("session-*"):
        session = folder / "demo.session"
        try:
            with SessionLock(session):
                pass
        except SessionLockedError:
            continue  # another demo is running on it
        except OSError:
            pass  # no folder to lock in: remove what is there
        shutil.rmtree(folder, ignore_errors=True)


def remove_demo_session(session_file: Path) -> None:
    """Delete a demo run's session folder."""
    shutil.rmtree(session_file.parent, ignore_errors=True)


def signed_in_demo(cleanup: ExitStack) -> ClientSpec:
    """Start a demo sandbox in this process (stopped by ``cleanup``) and a session signed in
    to it, in a temporary folder: `tgtui backup --demo`."""
    sandbox = DemoSandbox()
    sandbox.start()
    cleanup.callback(sandbox.stop)
    folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="tgtui-demo-")))
    assert sandbox.server is not None
    session = write_demo_session(sandbox.server, folder / "demo.session")
    demo_id, demo_hash = sandbox.api
    return ClientSpec(session, demo_id, demo_hash, user_folder=True)
