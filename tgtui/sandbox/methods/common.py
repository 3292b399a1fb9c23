"""Helpers shared by handlers: resolving input peers, and the users/chats an answer needs."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from telethon.tl import types

from tgtui.sandbox.avatars import Owner
from tgtui.sandbox.rpc import RpcError
from tgtui.sandbox.service_messages import VECTOR
from tgtui.sandbox.world import SELF_ID, Chat, Kind, owner_of, ts

if TYPE_CHECKING:
    from tgtui.sandbox.server import SandboxServer


def resolve(server: SandboxServer, peer: Any) -> Chat:
    """The dialog an InputPeer/InputUser/InputChannel names, with access-hash and fault checks."""
    world = server.world
    chat: Chat | None
    if isinstance(peer, types.InputPeerSelf | types.InputUserSelf):
        chat = world.saved()  # Saved Messages
        if chat is None:
            raise RpcError(400, "PEER_ID_INVALID")
    elif isinstance(peer, types.InputPeerUser | types.InputUser):
        chat = world.find("user", peer.user_id)
        if chat is None or chat.access_hash != peer.access_hash:
            raise RpcError(400, "PEER_ID_INVALID")
    elif isinstance(peer, types.InputPeerChat):
        chat = world.find("chat", peer.chat_id)
        if chat is None:
            raise RpcError(400, "PEER_ID_INVALID")
    elif isinstance(peer, types.InputPeerChannel | types.InputChannel):
        chat = world.find("channel", peer.channel_id)
        if chat is None or chat.access_hash != peer.access_hash:
            raise RpcError(400, "CHANNEL_INVALID")
    else:
        raise RpcError(400, "PEER_ID_INVALID")
    check_access(server, chat)
    return chat


def resolve_user(server: SandboxServer, user: Any) -> int:
    """The id of any user of the world an InputUser/InputPeerUser names (the account, a
    dialog's user, a group member), access hash checked; USER_ID_INVALID otherwise."""
    if is_self(user):
        return SELF_ID
    if isinstance(user, types.InputUser | types.InputPeerUser):
        known = server.world.user(user.user_id)
        if known is not None and known.access_hash == user.access_hash:
            return int(user.user_id)
    raise RpcError(400, "USER_ID_INVALID")


def peer_owner(server: SandboxServer, peer: Any) -> tuple[Owner, int]:
    """Whose avatar an InputPeer names: (owner kind, bare id), after the peer's checks."""
    if isinstance(peer, types.InputPeerSelf | types.InputPeerUser):
        try:
            return Owner.USER, resolve_user(server, peer)
        except RpcError:
            raise RpcError(400, "PEER_ID_INVALID") from None
    chat = resolve(server, peer)
    return owner_of(chat), chat.bare_id


def check_access(server: SandboxServer, chat: Chat) -> None:
    """CHANNEL_PRIVATE / CHAT_FORBIDDEN for chats the faults made private."""
    if chat.marked_id in server.faults.private:
        if chat.kind is Kind.GROUP:
            raise RpcError(403, "CHAT_FORBIDDEN")
        if chat.kind.is_channel:
            raise RpcError(400, "CHANNEL_PRIVATE")
        raise RpcError(400, "PEER_ID_INVALID")


def _peer_key(peer: Any) -> tuple[str, int] | None:
    if isinstance(peer, types.PeerUser):
        return "user", peer.user_id
    if isinstance(peer, types.PeerChat):
        return "chat", peer.chat_id
    if isinstance(peer, types.PeerChannel):
        return "channel", peer.channel_id
    return None


def entities_for(
    server: SandboxServer, messages: Iterable[Any], chats: Iterable[Chat] = ()
) -> tuple[list[Any], list[Any]]:
    """The users and chats a client needs to make sense of these messages and dialogs."""
    world = server.world
    keys: dict[tuple[str, int], None] = {}
    for chat in chats:
        key = _peer_key(chat.peer)
        if key:
            keys[key] = None
    for message in messages:
        for peer in (
            message.peer_id,
            getattr(message, "from_id", None),
            getattr(getattr(message, "fwd_from", None), "from_id", None),
            getattr(getattr(message, "fwd_from", None), "saved_from_peer", None),
        ):
            key = _peer_key(peer)
            if key:
                keys[key] = None
        for user_id in getattr(getattr(message, "action", None), "users", None) or ():
            keys["user", user_id] = None
    users: list[Any] = []
    groups: list[Any] = []
    for kind, bare_id in keys:
        if kind == "user":
            user = world.user(bare_id)
            if user is not None:
                users.append(user)
        else:
            found = world.find(kind, bare_id)
            if found is not None:
                groups.append(forbidden_or_entity(server, found))
    return users, groups


def forbidden_or_entity(server: SandboxServer, chat: Chat) -> Any:
    """The chat's entity, or its *Forbidden form when the faults made it private."""
    if chat.marked_id in server.faults.private:
        if chat.kind is Kind.GROUP:
            return types.ChatForbidden(id=chat.bare_id, title=server.world.display_name(chat))
        if chat.kind.is_channel:
            return types.ChannelForbidden(
                id=chat.bare_id,
                access_hash=chat.access_hash,
                title=server.world.display_name(chat),
                broadcast=chat.kind is Kind.CHANNEL or None,
                megagroup=chat.kind is Kind.SUPERGROUP or None,
            )
    return server.world.entity(chat)


def is_self(peer: Any) -> bool:
    """InputPeerSelf / InputUserSelf, or the demo account named by id."""
    if isinstance(peer, types.InputPeerSelf | types.InputUserSelf):
        return True
    return isinstance(peer, types.InputPeerUser | types.InputUser) and peer.user_id == SELF_ID


def current_state(server: SandboxServer) -> types.updates.State:
    """The account's update state now (updates.getState and friends)."""
    return state_at(server, server.pts)


def state_at(server: SandboxServer, pts: int) -> types.updates.State:
    """The account's update state at ``pts``: dated now, with its unread messages counted
    as the dialogs count them (core.telegram.org/constructor/updates.state)."""
    return types.updates.State(
        pts=pts,
        qts=0,
        date=ts(int(time.time())),
        seq=0,
        unread_count=server.world.unread_total,
    )


MASK64 = (1 << 64) - 1


def numbers_hash(numbers: Iterable[int]) -> int:
    """Telegram's hash of a list of numbers, as a client computes it to ask "changed?"
    (core.telegram.org/api/offsets#hash-generation), as a signed long."""
    value = 0
    for number in numbers:
        value ^= value >> 21
        value ^= (value << 35) & MASK64
        value ^= value >> 4
        value = (value + number) & MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def numbers_vector(numbers: list[int], *, long: bool) -> bytes:
    """A Vector<long> (or Vector<int>) answer: Telethon has no class for a bare vector."""
    return struct.pack(f"<Ii{len(numbers)}{'q' if long else 'i'}", VECTOR, len(numbers), *numbers)
