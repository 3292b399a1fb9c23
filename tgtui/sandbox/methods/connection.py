"""help.* and updates.*: what a client asks right after connecting."""

from __future__ import annotations

import inspect
import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import current_state, entities_for
from tgtui.sandbox.rpc import Call, handles
from tgtui.sandbox.world import ts


def _config(call: Call) -> types.Config:
    """help.config whose every DC option points back at the sandbox."""
    server = call.server
    now = int(time.time())
    values: dict[str, Any] = {
        "date": ts(now),
        "expires": ts(now + 3600),
        "test_mode": False,
        "this_dc": 2,
        "dc_options": [
            types.DcOption(id=dc, ip_address=server.host, port=server.port) for dc in range(1, 6)
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
    return types.NearestDc(country="ZZ", this_dc=2, nearest_dc=2)


@handles(functions.updates.GetStateRequest)
async def get_state(call: Call, request: Any) -> types.updates.State:
    """updates.getState."""
    call.user_id()
    return current_state(call.server)


@handles(functions.updates.GetDifferenceRequest)
async def get_difference(call: Call, request: Any) -> Any:
    """updates.getDifference: new messages sent while the client was away."""
    call.user_id()
    server = call.server
    now = ts(int(time.time()))
    if request.pts >= server.pts:
        return types.updates.DifferenceEmpty(date=now, seq=0)
    new = [m for m in server.history.live_messages() if m.pts > request.pts]
    users, chats = entities_for(server, [m.message for m in new])
    return types.updates.Difference(
        new_messages=[m.message for m in new],
        new_encrypted_messages=[],
        other_updates=[],
        chats=chats,
        users=users,
        state=current_state(server),
    )


@handles(functions.updates.GetChannelDifferenceRequest)
async def get_channel_difference(call: Call, request: Any) -> Any:
    """updates.getChannelDifference: nothing new, come back much later."""
    call.user_id()
    return types.updates.ChannelDifferenceEmpty(pts=request.pts, final=True, timeout=3600)
