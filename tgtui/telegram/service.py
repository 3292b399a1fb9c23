"""The one Telethon client of the app: secure session file, single-instance lock, connect.

Only this module constructs a `TelegramClient`; screens and workers borrow it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from telethon import TelegramClient
from telethon.crypto import rsa
from telethon.sessions import SQLiteSession

from tgtui.i18n import _
from tgtui.portable import NONBLOCK, open_fd, owned_by_someone_else
from tgtui.private_files import (
    PRIVATE_DIR,
    PRIVATE_FILE,
    ExclusiveLock,
    LockHeld,
    create_private_file,
    session_file_path,
)
from tgtui.proxy import Proxy, ProxySetting
from tgtui.retry import Backoff, Wait, retry
from tgtui.sandbox_mark import read_mark
from tgtui.session_db import read_only
from tgtui.telegram.link_state import LinkState

if TYPE_CHECKING:
    from tgtui.telegram.through_proxy import ProxyProblem

SESSION_DIR_MODE = PRIVATE_DIR
SESSION_FILE_MODE = PRIVATE_FILE


class SessionLockedError(Exception):
    """Another tgtui already uses this session."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"Another tgtui is already running with the session {path}. "
            "Close it first (two programs on one session would corrupt it)."
        )
        self.path = path


class SessionFileError(Exception):
    """A session path that cannot be used (a folder, someone else's file, not a session)."""


SQLITE_MAGIC = b"SQLite format 3\x00"


def check_session_path(given: Path) -> None:
    """Refuse a ``--session`` path that is a folder, belongs to another user (or is a link
    they planted), holds something other than a session, or names a file that is not one
    (``/etc/passwd``: Telethon would make ``/etc/passwd.session`` beside it) (SessionFileError).
    """
    if given.is_dir():
        raise SessionFileError(
            _("{given} is a folder: give the session file's path.").format(given=given)
        )
    path = session_file_path(given)
    try:
        link = path.lstat()
    except FileNotFoundError:
        if path != given and given.exists():
            raise SessionFileError(
                _("{given} is not a Telethon session file (their names end in .session).").format(
                    given=given
                )
            ) from None
        return  # created 0600 by tgtui
    if stat.S_ISLNK(link.st_mode) and owned_by_someone_else(link):
        raise SessionFileError(
            _("{path} is a link made by another user; tgtui will not follow it.").format(path=path)
        )
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # before opening it: a FIFO would wait for ever
            raise SessionFileError(_("{path} is not a regular file.").format(path=path))
        fd = open_fd(path, os.O_RDONLY | NONBLOCK)
        try:
            head = os.read(fd, len(SQLITE_MAGIC))
        finally:
            os.close(fd)
    except OSError as exc:
        raise SessionFileError(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from exc
    if owned_by_someone_else(info):
        raise SessionFileError(
            _("{path} belongs to another user; tgtui will not use it.").format(path=path)
        )
    if head and head != SQLITE_MAGIC:
        raise SessionFileError(_("{path} is not a Telethon session file.").format(path=path))


def check_existing_session(given: Path, login: str) -> None:
    """What `check_session_path` refuses, and a session that is not there (SessionFileError):
    for commands that need a signed-in session, which never create one (only the login in
    the app does). ``login`` is the command that would make it, for the message."""
    check_session_path(given)
    path = session_file_path(given)
    if not path.exists():
        raise SessionFileError(
            _("There is no session {path}: log in first with `{login}`.").format(
                path=path, login=login
            )
        )


def check_signed_in(path: Path, login: str) -> None:
    """Refuse (SessionFileError) a session file that holds no auth key, without writing to
    it: it was never signed in, so connecting could only start a login.

    Read-only SQLite: the file is neither created nor changed, whatever it holds (but for
    what a writer killed mid-write left half done, which SQLite rolls back: `read_only`).
    """
    try:
        with contextlib.closing(read_only(path)) as db:
            rows = db.execute("SELECT auth_key FROM sessions").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise SessionFileError(
                _("Cannot read {path}: {reason}").format(path=path, reason=exc)
            ) from exc
        rows = []
    except sqlite3.DatabaseError:
        rows = []
    if not any(isinstance(key, bytes) and key for (key,) in rows):
        raise SessionFileError(
            _("{path} holds no signed-in session: log in first with `{login}`.").format(
                path=path, login=login
            )
        )


def prepare_session_file(path: Path) -> Path:
    """Make sure ``path`` (a .session file) exists 0600 inside a 0700 folder; return it.

    The file is created with its final mode, so there is no moment when another user could
    read the auth key; an existing file or folder with looser modes is tightened.
    """
    path = session_file_path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=SESSION_DIR_MODE)
    os.chmod(path.parent, SESSION_DIR_MODE)
    try:
        create_private_file(path)
    except FileExistsError:
        os.chmod(path, SESSION_FILE_MODE)
    return path


def prepare_user_session_file(path: Path) -> Path:
    """Like `prepare_session_file` for a session the user named (``--session``).

    The user's folder (``~``, ``/tmp``...) is left as it is; only the file is made 0600 (and
    created that way when missing). A missing folder is an error worth a clear message.
    """
    path = session_file_path(path.expanduser())
    if not path.parent.is_dir():
        raise FileNotFoundError(f"The folder {path.parent} does not exist.")
    try:
        create_private_file(path)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            logger.warning("session file {} was readable by others; made it 0600", path)
            os.chmod(path, SESSION_FILE_MODE)
    return path


class SessionLock(ExclusiveLock):
    """An exclusive advisory lock next to the session file, held while the app runs."""

    def __init__(self, session_file: Path) -> None:
        super().__init__(session_file.with_name(session_file.name + ".lock"))
        self.session_file = session_file

    def acquire(self) -> None:
        """Take the lock or raise SessionLockedError at once (never wait)."""
        try:
            super().acquire()
        except LockHeld:
            raise SessionLockedError(self.session_file) from None


def reset_task_factory() -> None:
    """Undo an eager task factory (Textual's run_async installs one on Python >= 3.12).

    Under eager tasks Telethon's send and receive loops exit right after connect() and the
    app hangs. Call this inside the running loop before the first Telethon call.
    """
    asyncio.get_running_loop().set_task_factory(None)


# Telethon's own hidden retries are off: tgtui.retry retries, reports and counts down instead.
CLIENT_OPTIONS: dict[str, Any] = {
    "flood_sleep_threshold": 0,  # never sleep silently on FLOOD_WAIT
    "request_retries": 0,  # one attempt per call; 500s are retried by tgtui.retry
    "raise_last_call_error": True,  # the real error, not "Request was unsuccessful"
}


def is_sandbox_address(address: str | None) -> bool:
    """Whether a DC address is on loopback (where only a tgtui sandbox can be)."""
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def make_client(
    session_file: Path,
    api_id: int,
    api_hash: str,
    *,
    dc: tuple[int, str, int] | None = None,
    user_folder: bool = False,
    proxy: ProxySetting | None = None,
    link: LinkState | None = None,
) -> TelegramClient:
    """The app's client on a prepared session file.

    ``flood_sleep_threshold=0``: Telethon never sleeps silently on FLOOD_WAIT; the retry
    policy waits instead, so the UI can count down. ``dc`` (id, host, port) points a blank
    session at a server (the demo sandbox); ``user_folder`` leaves the folder's mode alone;
    every connection goes through ``proxy`` if it applies to the session's server
    (`through`: the proxy used, or None). Every connection, straight or through the proxy,
    is paced (`through_proxy._Paced`) and tells ``link`` how it fares.
    """
    from tgtui.telegram.through_proxy import PacedTcpFull, telethon_options

    prepared = (
        prepare_user_session_file(session_file)
        if user_folder
        else prepare_session_file(session_file)
    )
    session = SQLiteSession(str(prepared))
    if dc is not None:
        session.set_dc(*dc)
    sandbox_key = read_mark(prepared)
    if sandbox_key is not None and is_sandbox_address(session.server_address):
        # A session `tgtui sandbox` wrote and marked, for a server on loopback: trust the
        # sandbox's test key so new keys (for media on its other "DCs") can be made. Never
        # for any other session or address: the key is public, and trusting it elsewhere
        # would let anyone pose as Telegram. (A sandbox this process started trusts it
        # itself.)
        rsa.add_key(sandbox_key, old=False)
    chosen = through(proxy, session.server_address)
    routing: dict[str, Any] = {"connection": PacedTcpFull}
    if proxy is not None and chosen is not None:
        routing = telethon_options(chosen)
        logger.info("connecting through the proxy {} (from {})", chosen.redacted, proxy.source)
    if link is not None:
        link.proxy = chosen  # its troubles told in the proxy's terms
        # Telethon makes each connection itself, from the class: this client's class knows
        # its link.
        kind = routing["connection"]
        routing["connection"] = type(f"{kind.__name__}OfClient", (kind,), {"link": link})
    client = TelegramClient(
        session,
        api_id,
        api_hash,
        **CLIENT_OPTIONS,
        **routing,
        device_model="tgtui",
        app_version="tgtui",
    )
    if link is not None:
        link.bind(client.is_connected)
    return client


def through(proxy: ProxySetting | None, server: str | None) -> Proxy | None:
    """The proxy connections to ``server`` go through (None: straight)."""
    if proxy is None or not proxy.applies_to(server):
        return None
    return proxy.proxy


CONNECT_RETRY = Backoff(base=1.0, cap=30.0, attempts=None)
STARTUP_RETRY = Backoff(base=1.0, cap=10.0, attempts=6)  # the calls right after connecting


@dataclass(frozen=True)
class ClientSpec:
    """Everything needed to build the app's client."""

    session_file: Path
    api_id: int | None  # None until the first-run screen asks for them
    api_hash: str | None
    dc: tuple[int, str, int] | None = None  # a blank session pointed at this server
    user_folder: bool = False  # the session's folder is the user's: leave its mode alone
    # A command that needs a signed-in session (`backup`, `chats`): the file must exist and
    # hold an auth key; nothing is created and nothing connects otherwise. ``login`` is the
    # command that would make it, for the message.
    signed_in: bool = False
    login: str = "tgtui"
    proxy: ProxySetting | None = None  # --proxy, config.toml's or the environment's


class TelegramService:
    """Owns the app's one Telethon client for its whole life: lock, connect, disconnect.

    Built (and locked) before the UI starts, so a second tgtui on the same session exits with
    a message instead of a "database is locked" crash; connected inside the running app.
    """

    def __init__(self, spec: ClientSpec) -> None:
        self.spec = spec
        self.session_file = session_file_path(spec.session_file.expanduser())
        self._lock = SessionLock(self.session_file)
        self._client: TelegramClient | None = None
        # One for the service's life: a client built anew (a proxy chosen, a log-out)
        # reports to the same link, and its listeners stay.
        self._link = LinkState(retry_delay=float(CLIENT_OPTIONS.get("retry_delay", 1)))

    def open(self) -> None:
        """Take the session lock and prepare the file (SessionLockedError if taken,
        SessionFileError for a session path that cannot be used, or, for ``signed_in``, a
        session that is missing or was never signed in: then nothing is created)."""
        given = self.spec.session_file.expanduser()
        if self.spec.signed_in:  # looked at before the lock, which would be a file made
            check_existing_session(given, self.spec.login)
            check_signed_in(self.session_file, self.spec.login)
        elif not self.spec.user_folder:
            self.session_file.parent.mkdir(parents=True, exist_ok=True, mode=SESSION_DIR_MODE)
        elif not self.session_file.parent.is_dir():
            raise FileNotFoundError(f"The folder {self.session_file.parent} does not exist.")
        else:
            check_session_path(given)
        self._lock.acquire()

    def _build(self, dc: tuple[int, str, int] | None = None) -> TelegramClient:
        if self.spec.api_id is None or self.spec.api_hash is None:
            raise RuntimeError("api_id and api_hash are needed to build the client")
        return make_client(
            self.session_file,
            self.spec.api_id,
            self.spec.api_hash,
            dc=dc or self.spec.dc,
            user_folder=self.spec.user_folder,
            proxy=self.spec.proxy,
            link=self._link,
        )

    @property
    def link(self) -> LinkState:
        """How the client's connections fare: connected, or reconnecting (since when, why,
        the next try), with listeners (`tgtui.telegram.link_state`)."""
        return self._link

    @property
    def client(self) -> TelegramClient:
        """The one client (built by the first `connect`)."""
        if self._client is None:
            raise RuntimeError("TelegramService.connect() was not called")
        return self._client

    async def connect(self, on_wait: Callable[[Wait], None] | None = None) -> None:
        """Build the client on first use, then connect, retrying while the network is down."""
        reset_task_factory()
        if self._client is None:
            self._client = self._build()
        client = self._client

        async def call() -> None:
            proxy = self.proxy
            if proxy is None:
                await client.connect()
                return
            # Through a proxy, the way through is tried beside the client's own connect:
            # a proxy that is not there, refuses the password or cannot reach Telegram
            # will not mend by waiting (and some take the connection, then close it, which
            # Telethon would take for a blip and reconnect for ever). Say which, at once.
            connecting = asyncio.ensure_future(client.connect())
            try:
                problem = await self.test_proxy(proxy)
            except BaseException:
                connecting.cancel()
                raise
            if problem is not None:
                connecting.cancel()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError, OSError):
                    await connecting
                await client.disconnect()
                logger.warning("connecting failed: {} ({})", problem, problem.detail)
                raise problem
            await connecting

        await retry(call, policy=CONNECT_RETRY, on_wait=on_wait, what="connect")
        logger.info("connected to Telegram (session {})", self.session_file)

    async def reconnect(self) -> None:
        """Connect the client again after Telethon gave up reconnecting, retrying while the
        network is down (for ever), each wait told to `link`. Not `connect`'s way through a
        proxy, which stops at a proxy that is away: here it is a proxy restarting, waited
        for like the network."""
        await retry(
            self.client.connect,
            policy=CONNECT_RETRY,
            on_wait=lambda wait: self.link.waiting(wait.seconds),
            what="connect",
        )

    async def is_authorized(self, on_wait: Callable[[Wait], None] | None = None) -> bool:
        """Whether the session is signed in (transient faults retried)."""
        client = self.client

        async def call() -> bool:
            return bool(await client.is_user_authorized())

        return await retry(call, policy=STARTUP_RETRY, on_wait=on_wait, what="updates.getState")

    async def me(self, on_wait: Callable[[Wait], None] | None = None) -> Any:
        """The signed-in account (users.getUsers of self), transient faults retried."""
        client = self.client

        async def call() -> Any:
            return await client.get_me()

        return await retry(call, policy=STARTUP_RETRY, on_wait=on_wait, what="users.getUsers")

    async def log_out(self) -> None:
        """Sign this session out on the server and start over on a fresh session file.

        Telethon's log_out disconnects and deletes the session file; a new client (the same
        file, created 0600 again) is built and connected so the login screen can use it.
        """
        client = self.client
        session = client.session
        home_dc = (session.dc_id, session.server_address, session.port)
        if not await client.log_out():  # also disconnects and deletes the session file
            # The server no longer knew this session (revoked elsewhere): forget it here too.
            await client.disconnect()
            client.session.delete()
        logger.info("logged out")
        # The next login starts on the same DC (the account's home; the sandbox in the demo).
        self._client = self._build(dc=home_dc)
        await self.connect()

    @property
    def proxy(self) -> Proxy | None:
        """The proxy connections go through now (None: straight to Telegram)."""
        return through(self.spec.proxy, self._server()[0])

    async def use_proxy(self, proxy: ProxySetting | None) -> None:
        """Connect through ``proxy`` from now on (None: straight): the client is dropped
        (disconnected first) and the next `connect` builds it anew; the session stays."""
        await self.disconnect()
        if self._client is not None:
            self._client.session.close()
            self._client = None
        self.spec = replace(self.spec, proxy=proxy)
        logger.info("proxy now {}", proxy.proxy.redacted if proxy else "none")

    async def test_proxy(self, proxy: Proxy) -> ProxyProblem | None:
        """Try the way to this session's Telegram server through ``proxy``, as connecting
        would (`through_proxy.diagnose`): the ProxyProblem, or None if Telegram answered."""
        from tgtui.telegram.through_proxy import diagnose

        host, port, dc_id = self._server()
        return await diagnose(proxy, host, port, dc_id)

    def _server(self) -> tuple[str, int, int]:
        """Where this session connects: (host, port, DC id)."""
        if self._client is None:
            self._client = self._build()
        session = self._client.session
        return session.server_address, session.port, session.dc_id

    async def disconnect(self) -> None:
        """Disconnect (safe to call twice)."""
        if self._client is not None and self._client.is_connected():
            await self._client.disconnect()

    def close(self) -> None:
        """Let go of the session lock (after disconnect)."""
        if self._client is not None:
            self._client.session.close()
        self._lock.release()
