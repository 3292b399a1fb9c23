"""Request dispatch: handlers by TL request class, rpc errors, and each call's context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from telethon.tl import functions

if TYPE_CHECKING:
    from tgtui.sandbox.server import SandboxServer
    from tgtui.sandbox.state import AuthKeyRecord, SessionRecord


class RpcError(Exception):
    """An error answer (rpc_error) with Telegram's code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


@dataclass
class Call:
    """What a handler knows about the request it answers."""

    server: SandboxServer
    auth: AuthKeyRecord
    session: SessionRecord
    msg_id: int
    takeout_id: int | None = None

    def user_id(self) -> int:
        """The signed-in account, or AUTH_KEY_UNREGISTERED as Telegram answers."""
        if self.auth.user_id is None:
            raise RpcError(401, "AUTH_KEY_UNREGISTERED")
        return self.auth.user_id


Handler = Callable[[Call, Any], Awaitable[Any]]
H = TypeVar("H", bound=Handler)
HANDLERS: dict[type, Handler] = {}

# Methods that only wrap another query; they are unwrapped before dispatch and never logged.
WRAPPERS = (
    functions.InvokeWithLayerRequest,
    functions.InitConnectionRequest,
    functions.InvokeWithoutUpdatesRequest,
    functions.InvokeAfterMsgRequest,
    functions.InvokeAfterMsgsRequest,
    functions.InvokeWithTakeoutRequest,
    functions.InvokeWithMessagesRangeRequest,
)
# Methods a client needs to connect at all; faults never hit them.
CONNECTION_METHODS = frozenset({"help.getConfig", "help.getNearestDc"})


def handles(*request_types: type) -> Callable[[H], H]:
    """Register a coroutine as the handler of these Telethon request classes."""

    def register(handler: H) -> H:
        for request_type in request_types:
            HANDLERS[request_type] = handler
        return handler

    return register


def method_name(request: Any) -> str:
    """Telegram's name for a request: GetHistoryRequest in messages -> "messages.getHistory"."""
    module = type(request).__module__.rsplit(".", 1)[-1]
    name = type(request).__name__.removesuffix("Request")
    name = name[:1].lower() + name[1:]
    return name if module == "functions" else f"{module}.{name}"
