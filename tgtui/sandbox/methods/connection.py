"""help.* and updates.*: what a client asks right after connecting."""

from __future__ import annotations

import inspect
import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.living import Event
from tgtui.sandbox.methods.changing import EDIT_TIME_LIMIT
from tgtui.sandbox.methods.common import current_state, entities_for, resolve, state_at
from tgtui.sandbox.methods.dialogs import dialog_of
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import DC_COUNT, HOME_DC, ts


def _config(call: Call) -> types.Config:
    """help.config whose every DC option points back at the sandbox."""
    server = call.server
    now = int(time.time())
    values: dict[str, Any] = {
        "date": ts(now),
        "expires": ts(now + 3600),
        "test_mode": False,
        "this_dc": call.auth.dc,
        "edit_time_limit": EDIT_TIME_LIMIT,
        "dc_options": [
            types.DcOption(id=dc, ip_address=server.host, port=server.dc_ports[dc])
            for dc in range(1, DC_COUNT + 1)
        ],
        "dc_txt_domain_name": "sandbox.invalid",
        "me_url_prefix": "https://t.me/",
    }
    # Fill the many numeric limits of this layer's Config with harmless values.
    for name, parameter in inspect.signature(types.Config.__init__).parameters.items():
        if name != "self" and parameter.default is inspect.Parameter.empty and name not in values:
            values[name] = 4096 if name.endswith("_max") else 1000
    return types.Config(**values)


@handles(functions.help.GetConfigRequest)
async def get_config(call: Call, request: Any) -> types.Config:
    """help.getConfig."""
    return _config(call)


@handles(functions.help.GetNearestDcRequest)
async def get_nearest_dc(call: Call, request: Any) -> types.NearestDc:
    """help.getNearestDc."""
    return types.NearestDc(country="ZZ", this_dc=call.auth.dc, nearest_dc=HOME_DC)


@handles(functions.updates.GetStateRequest)
async def get_state(call: Call, request: Any) -> types.updates.State:
    """updates.getState."""
    call.user_id()
    return current_state(call.server)


DIFFERENCE_SLICE = 1_000  # account updates per getDifference answer; more make a slice
CHANNEL_DIFFERENCE_MAX = 100_000  # the most updates one getChannelDifference may ask for
DIFFERENCE_TIMEOUT = 30  # seconds a client should wait before asking a channel again


def _split(events: list[Event]) -> tuple[list[Any], list[Any]]:
    """New messages, and every other update, of these events."""
    new: list[Any] = []
    other: list[Any] = []
    for event in events:
        update = event.update
        if isinstance(update, types.UpdateNewMessage | types.UpdateNewChannelMessage):
            new.append(update.message)
        else:
            other.append(update)
    return new, other


def _messages_of(new: list[Any], other: list[Any]) -> list[Any]:
    return new + [u.message for u in other if getattr(u, "message", None) is not None]


@handles(functions.updates.GetDifferenceRequest)
async def get_difference(call: Call, request: Any) -> Any:
    """updates.getDifference: the account box's updates after ``pts`` (private chats and
    basic groups: new, edited and deleted messages), in slices; "too long" past
    ``pts_total_limit`` or past what the box keeps."""
    call.user_id()
    server = call.server
    box = server.living.account
    now = ts(int(time.time()))
    if request.pts > box.pts:
        raise RpcError(400, "PERSISTENT_TIMESTAMP_INVALID")
    if request.pts == box.pts:
        return types.updates.DifferenceEmpty(date=now, seq=0)
    total_limit = request.pts_total_limit
    events = box.since(request.pts)
    if events is None or (total_limit and box.pts - request.pts > total_limit):
        return types.updates.DifferenceTooLong(pts=box.pts)
    size = getattr(request, "pts_limit", None) or DIFFERENCE_SLICE
    chunk = events[:size]
    new, other = _split(chunk)
    users, chats = entities_for(server, _messages_of(new, other))
    state = state_at(server, chunk[-1].pts)
    fields: dict[str, Any] = {
        "new_messages": new,
        "new_encrypted_messages": [],
        "other_updates": other,
        "chats": chats,
        "users": users,
    }
    if len(chunk) < len(events):
        return types.updates.DifferenceSlice(**fields, intermediate_state=state)
    return types.updates.Difference(**fields, state=state)


@handles(functions.updates.GetChannelDifferenceRequest)
async def get_channel_difference(call: Call, request: Any) -> Any:
    """updates.getChannelDifference: one channel's updates after ``pts``, at most ``limit``
    pts at a time (``final`` when nothing is left); "too long", with the dialog's current
    pts and the latest messages, when ``pts`` is older than what the channel's box keeps."""
    call.user_id()
    server = call.server
    chat = resolve(server, request.channel)
    box = server.living.box(chat)
    if request.pts <= 0:
        raise RpcError(400, "PERSISTENT_TIMESTAMP_EMPTY")
    if request.pts > box.pts:
        raise RpcError(400, "PERSISTENT_TIMESTAMP_INVALID")
    limit = max(1, min(request.limit, CHANNEL_DIFFERENCE_MAX))
    events = box.since(request.pts)
    if events is None:
        view = server.history.view(chat)
        latest = [view.message_at(j) for j in range(min(len(view), limit, 100))]
        users, chats = entities_for(server, latest, [chat])
        return types.updates.ChannelDifferenceTooLong(
            dialog=dialog_of(call, chat),
            messages=latest,
            chats=chats,
            users=users,
            final=True,
            timeout=DIFFERENCE_TIMEOUT,
        )
    if not events:
        return types.updates.ChannelDifferenceEmpty(
            pts=box.pts, final=True, timeout=DIFFERENCE_TIMEOUT
        )
    taken: list[Event] = []
    counted = 0
    for event in events:
        if taken and counted + event.pts_count > limit:
            break
        taken.append(event)
        counted += event.pts_count
    new, other = _split(taken)
    users, chats = entities_for(server, _messages_of(new, other), [chat])
    return types.updates.ChannelDifference(
        pts=taken[-1].pts,
        new_messages=new,
        other_updates=other,
        chats=chats,
        users=users,
        final=(len(taken) == len(events)) or None,
        timeout=DIFFERENCE_TIMEOUT,
    )
