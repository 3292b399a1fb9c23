"""The sandbox server: listens on loopback, owns the world, the faults and the request log."""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox import methods  # noqa: F401 - registers the handlers
from tgtui.sandbox.account_data import AccountData
from tgtui.sandbox.connection import Connection
from tgtui.sandbox.crypto import test_rsa_key
from tgtui.sandbox.faults import Faults
from tgtui.sandbox.files import FileStore
from tgtui.sandbox.history import History
from tgtui.sandbox.living import BOX_SIZE, Event, Living
from tgtui.sandbox.login import LoginState
from tgtui.sandbox.methods.common import entities_for
from tgtui.sandbox.methods.ranges import within_messages_range
from tgtui.sandbox.mtproxy import MtProxy, MtproxySecret
from tgtui.sandbox.rpc import CONNECTION_METHODS, HANDLERS, WRAPPERS, Call, RpcError, method_name
from tgtui.sandbox.state import AuthKeyRecord, AuthStore, LogEntry, RequestLog, SessionRecord
from tgtui.sandbox.uploads import Uploads
from tgtui.sandbox.world import DC_COUNT, HOME_DC, SELF_ID, Chat, World, WorldOptions, ts

log = logging.getLogger(__name__)

DC_ID = HOME_DC  # where sessions start; the world's files live on WorldOptions.media_dc
API_ID = 17_349
API_HASH = "344583e45741c457fe1862106095a5eb"


@dataclass
class SandboxOptions:
    """How to run a sandbox."""

    host: str = "127.0.0.1"
    port: int = 0
    world: WorldOptions = field(default_factory=WorldOptions)
    faults: Faults = field(default_factory=Faults)
    activity: float = 0.0  # changes a second made by others (`Living.run`); 0: none
    activity_limit: int | None = None  # stop after this many changes (None: never)
    box_size: int = BOX_SIZE  # updates kept per update box (older pts: "too long")
    # Also listen as an MTProxy with this secret (16 bytes; dd and 16; ee, 16 and a domain).
    mtproxy_secret: bytes | None = field(default=None, repr=False)


class SandboxServer:
    """A local Telegram server speaking MTProto on loopback."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.world = World(options.world)
        self.history = History(self.world)
        self.account = AccountData(self.world, self.history)  # contacts, sessions, stories...
        self.files = FileStore(options.world.seed, held=self.history.held)
        self.uploads = Uploads()  # what clients upload (upload.saveFilePart)
        self.faults = options.faults
        self.log = RequestLog()
        self.auth = AuthStore()
        self.login = LoginState()
        self.rsa_key = test_rsa_key()
        self.connections: set[Connection] = set()
        self.living = Living(self, box_size=options.box_size)
        self._activity: asyncio.Task[None] | None = None
        self.takeouts: dict[int, int] = {}  # takeout id -> user id
        self.on_code_sent: Callable[[str, str], None] | None = None  # (phone, code)
        self.host = options.host
        self.port = options.port  # the account's home DC; every DC has its own port
        self.dc_ports: dict[int, int] = {}
        # Connections accepted, by listener: "dc1".."dc5" direct, "mtproxy" on the proxy's
        # port, "mtproxy-dc1".."mtproxy-dc5" those it passed on, by the DC they named.
        self.accepted: collections.Counter[str] = collections.Counter()
        secret = options.mtproxy_secret
        self.mtproxy = MtProxy(self, MtproxySecret.parse(secret)) if secret is not None else None
        self.mtproxy_port: int | None = None
        self._servers: list[asyncio.Server] = []
        self._clients: set[asyncio.Task[None]] = set()
        self.demo_key = self._demo_key(options.world.seed)
        self.auth.add(self.demo_key, SELF_ID)

    @staticmethod
    def _demo_key(seed: int) -> bytes:
        """The pre-authorized key of the demo session: fixed per seed, first byte non-zero."""
        material = b""
        counter = 0
        while len(material) < 256:
            material += hashlib.sha256(f"tgtui-demo-key:{seed}:{counter}".encode()).digest()
            counter += 1
        return b"\x7f" + material[1:256]

    async def start(self) -> None:
        """Listen for each of Telegram's DCs: the home DC on the configured port (0 picks a
        free one), the others on free ports. A connection belongs to the DC it came to: its
        auth keys are that DC's, as on Telegram (help.getConfig tells clients the ports)."""
        for dc in range(1, DC_COUNT + 1):
            port = self.port if dc == HOME_DC else 0
            server = await asyncio.start_server(
                functools.partial(self._on_client, dc), self.host, port
            )
            self._servers.append(server)
            self.dc_ports[dc] = server.sockets[0].getsockname()[1]
        self.port = self.dc_ports[HOME_DC]
        log.info("sandbox listening on %s:%d (DC %d)", self.host, self.port, HOME_DC)
        if self.mtproxy is not None:
            proxy = await asyncio.start_server(
                functools.partial(self._on_mtproxy_client, self.mtproxy), self.host, 0
            )
            self._servers.append(proxy)
            self.mtproxy_port = proxy.sockets[0].getsockname()[1]
            log.info("MTProxy listening on %s:%d", self.host, self.mtproxy_port)
        if self.options.activity > 0:
            self._activity = asyncio.ensure_future(
                self.living.run(
                    self.options.activity, self.options.world.seed, self.options.activity_limit
                )
            )

    @property
    def pts(self) -> int:
        """The account's update box pts (private chats and basic groups)."""
        return self.living.account.pts

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._activity is not None:
            self._activity.cancel()
        for server in self._servers:
            server.close()
        for connection in list(self.connections):
            connection.abort()
        for task in list(self._clients):
            task.cancel()
        if self._clients:
            await asyncio.gather(*self._clients, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()

    @property
    def mtproxy_link(self) -> str | None:
        """The tg://proxy link of the MTProxy port, once listening (it holds the secret)."""
        if self.mtproxy is None or self.mtproxy_port is None:
            return None
        return self.mtproxy.link(self.host, self.mtproxy_port)

    async def _on_client(
        self, dc: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.accepted[f"dc{dc}"] += 1
        await self._serving(Connection(self, reader, writer, dc).run())

    async def _on_mtproxy_client(
        self, mtproxy: MtProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.accepted["mtproxy"] += 1
        await self._serving(mtproxy.serve(reader, writer))

    async def _serving(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a client's work as one of the tasks `close` cancels."""
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
        try:
            await work
        finally:
            if task is not None:
                self._clients.discard(task)

    def drop_connections(self) -> int:
        """Close every client connection now (a network blip). Returns how many."""
        live = list(self.connections)
        for connection in live:
            connection.abort()
        return len(live)

    async def dispatch(self, call: Call, request: Any) -> Any:
        """Unwrap invokeWith*/initConnection, apply faults, run the handler, log the outcome."""
        message_range: Any = None
        while isinstance(request, WRAPPERS):
            if isinstance(request, functions.InvokeWithMessagesRangeRequest):
                message_range = request.range  # the wrapped query answers within it
            elif isinstance(request, functions.InvokeWithLayerRequest):
                call.auth.layer = request.layer
            elif isinstance(request, functions.InvokeWithoutUpdatesRequest):
                call.session.no_updates = True
            elif isinstance(request, functions.InvokeWithTakeoutRequest):
                if self.takeouts.get(request.takeout_id) != call.auth.user_id:
                    raise RpcError(400, "TAKEOUT_INVALID")
                call.takeout_id = request.takeout_id
            request = request.query
        method = method_name(request)
        arrived = time.monotonic()
        error: str | None = None
        self.log.started(method)
        try:
            if self.faults.latency:  # each answer late, while others are in flight
                await asyncio.sleep(self.faults.latency)
            if method not in CONNECTION_METHODS:
                self._inject_faults(call, method)
            handler = HANDLERS.get(type(request))
            if handler is None:
                # Telegram's error strings are capitals, digits and underscores (clients
                # parse them): the method's name goes to the log, not into the error.
                log.warning("%s is not served by the sandbox", method)
                raise RpcError(400, "INPUT_METHOD_INVALID")
            if message_range is None:
                return await handler(call, request)
            with within_messages_range(message_range):
                return await handler(call, request)
        except RpcError as exc:
            error = exc.message
            raise
        finally:
            self.log.answered(method)
            self.log.add(
                LogEntry(
                    at=arrived,
                    method=method,
                    key_id=call.auth.key_id,
                    request=request,
                    error=error,
                    takeout=call.takeout_id is not None,
                    msg_id=call.msg_id,
                )
            )

    def _inject_faults(self, call: Call, method: str) -> None:
        account = call.auth.user_id or call.auth.key_id
        wait = self.faults.flood_wait(account, method)
        if wait:
            raise RpcError(420, f"FLOOD_WAIT_{wait}")
        if self.faults.should_fail(method):
            raise RpcError(500, "INTERNAL")

    def authorize(self, record: AuthKeyRecord, user_id: int) -> None:
        """Bind an auth key to an account (after sign-in)."""
        record.user_id = user_id

    def push_event(self, chat: Chat, event: Event) -> asyncio.Task[None] | None:
        """Push one update of the living world to the demo account's connections (a task;
        None when no event loop runs)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return None
        message = getattr(event.update, "message", None)
        updates = self.updates_of([event.update], [message] if message is not None else [], [chat])
        return asyncio.ensure_future(self.push_updates(SELF_ID, bytes(updates)))

    def updates_of(
        self, updates: list[Any], messages: list[Any], chats: list[Chat]
    ) -> types.Updates:
        """An Updates object of ``updates``, with the users and chats its messages and
        ``chats`` need, dated now."""
        users, groups = entities_for(self, messages, chats)
        return types.Updates(
            updates=updates, users=users, chats=groups, date=ts(int(time.time())), seq=0
        )

    async def push_updates(
        self, user_id: int, data: bytes, *, skip: SessionRecord | None = None
    ) -> None:
        """Send an Updates object to every live main connection of an account that wants
        updates (but ``skip``: the session whose request made them gets them as its answer)."""
        for connection in list(self.connections):
            session = connection.session
            auth = connection.auth
            signed_in = auth is not None and auth.user_id == user_id and not auth.imported
            wants = session is not None and session is not skip and not session.no_updates
            if signed_in and wants:
                await connection.push(data)
