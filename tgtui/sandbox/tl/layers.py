"""Requests and answers between a client's layer and the sandbox's own (Telethon's).

Telegram reads each request and writes each answer in the layer the connection declared
with ``invokeWithLayer`` (core.telegram.org/api/invoking#layers). The sandbox's handlers
work in Telethon's layer: a request in another layer is read with that layer's schema and
written again in the native one, and an answer is read back with the native schema and
written in the client's, constructor by constructor, by name (see `codec`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tgtui.sandbox.tl.codec import Reader, TlError, TlObject, UnknownConstructor, Writer
from tgtui.sandbox.tl.schema import (
    NATIVE_LAYER,
    Schema,
    TlType,
    available_layers,
    schema_for,
    serving_layer,
)

_QUERY = TlType("query")
_UPDATES = TlType("boxed", "Updates")
INVOKE_WITH_LAYER_ID = 0xDA9B0D0D
# Methods older layers name otherwise than the native one, which took them over with an
# InputPeer where they had an InputChannel (layer 220 moved forum topics to messages.*, for
# topics in bots' private chats too): their name -> (native name, old field, new field).
RENAMED_METHODS = {
    "channels.getForumTopics": ("messages.getForumTopics", "channel", "peer"),
    "channels.getForumTopicsByID": ("messages.getForumTopicsByID", "channel", "peer"),
}
_CHANNEL_AS_PEER = {
    "inputChannel": "inputPeerChannel",
    "inputChannelEmpty": "inputPeerEmpty",
    "inputChannelFromMessage": "inputPeerChannelFromMessage",
}


@dataclass(frozen=True)
class Incoming:
    """A request as the sandbox's handlers read it."""

    data: bytes  # the request in the native layer
    method: str  # the innermost method's name, e.g. "messages.getHistory"
    method_id: int  # that method's id in the client's layer
    declared_layer: int | None  # the layer an invokeWithLayer in it declared


def _schema_of(declared: int) -> Schema:
    return schema_for(serving_layer(declared))


def is_native(layer: int) -> bool:
    """Whether a client of ``layer`` is answered in the sandbox's own layer as it is."""
    return serving_layer(layer) == NATIVE_LAYER


def wrapper_ids() -> frozenset[int]:
    """Ids of the methods that wrap another one (invokeWithLayer, initConnection, ...) in
    any layer the sandbox has: a request starting with one may declare a layer."""
    ids: set[int] = set()
    for layer in available_layers():
        for combinator in schema_for(layer).functions.values():
            if any(param.type.kind == "query" for param in combinator.params):
                ids.add(combinator.id)
    return frozenset(ids)


def innermost(request: TlObject) -> TlObject:
    """The method a chain of wrappers (invokeWithLayer(initConnection(...))) calls."""
    while True:
        inner = next(
            (
                value
                for value in request.fields.values()
                if isinstance(value, TlObject) and value.function
            ),
            None,
        )
        if inner is None:
            return request
        request = inner


def to_native(body: bytes, layer: int) -> Incoming:
    """Read a request sent on a connection of ``layer`` (an invokeWithLayer inside it
    switches to the layer it names) and write it in the native layer.

    Raises UnknownConstructor for a method or constructor the layer does not have (a
    method the native layer lacks is reported with the client's id), TlError for bytes the
    schema cannot read."""
    reader = Reader(body, _schema_of(layer), switch=_schema_of)
    request = reader.read(_QUERY)
    inner = innermost(request)
    name, ident = inner.name, inner.id
    native = schema_for(NATIVE_LAYER)
    if name not in native.function_named and name in RENAMED_METHODS:
        _rename(inner)
    data = Writer(native).dump(_QUERY, request)
    return Incoming(data, name, ident, reader.declared_layer)


def _rename(call: TlObject) -> None:
    """Make a call of a renamed method (`RENAMED_METHODS`) the native method's call."""
    native_name, old, new = RENAMED_METHODS[call.name]
    call.name = native_name
    value = call.fields.pop(old, None)
    if isinstance(value, TlObject):
        value = TlObject(_CHANNEL_AS_PEER.get(value.name, value.name), dict(value.fields))
    call.fields[new] = value


def answer_to_layer(data: bytes, method: str, layer: int) -> bytes:
    """An answer to ``method`` built in the native layer, written in ``layer``'s."""
    target = _schema_of(layer)
    if target.layer == NATIVE_LAYER:
        return data
    native = schema_for(NATIVE_LAYER)
    native_name = RENAMED_METHODS[method][0] if method in RENAMED_METHODS else method
    function = native.function_named.get(native_name)
    if function is None:
        return data
    value = Reader(data, native).read(function.result)
    result = target.function_named.get(method, function).result
    return Writer(target).dump(result, value)


def updates_to_layer(data: bytes, layer: int) -> bytes:
    """A pushed Updates object built in the native layer, written in ``layer``'s."""
    target = _schema_of(layer)
    if target.layer == NATIVE_LAYER:
        return data
    value = Reader(data, schema_for(NATIVE_LAYER)).read(_UPDATES)
    return Writer(target).dump(_UPDATES, value)


def unknown_method_error(error: UnknownConstructor, body: bytes) -> str:
    """Telegram's error text for a request it cannot read: INPUT_METHOD_INVALID_<id>_<n>
    (the method's id as an unsigned number) for an unknown method, else
    INPUT_CONSTRUCTOR_INVALID_<id>_<n> for an unknown constructor inside a known one.
    ``n`` is the request's length in bytes."""
    prefix = "INPUT_METHOD_INVALID" if error.method else "INPUT_CONSTRUCTOR_INVALID"
    return f"{prefix}_{error.ident}_{len(body)}"


__all__ = [
    "INVOKE_WITH_LAYER_ID",
    "RENAMED_METHODS",
    "Incoming",
    "TlError",
    "UnknownConstructor",
    "answer_to_layer",
    "innermost",
    "is_native",
    "to_native",
    "unknown_method_error",
    "updates_to_layer",
    "wrapper_ids",
]
