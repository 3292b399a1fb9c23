"""An answer as the sandbox writes it in every layer it serves, read back with that layer's
schema: the check that a method's answer reaches clients of any layer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from telethon.tl.tlobject import TLObject

from tgtui.sandbox.tl.codec import Reader
from tgtui.sandbox.tl.layers import answer_to_layer
from tgtui.sandbox.tl.schema import available_layers, schema_for


def read_in_every_layer(answer: TLObject, method: str) -> Iterator[tuple[int, Any]]:
    """``answer`` to ``method`` written in each layer served and read back as the method's
    result in that layer: (the layer, what was read)."""
    for layer in available_layers():
        schema = schema_for(layer)
        written = answer_to_layer(bytes(answer), method, layer)
        yield layer, Reader(written, schema).read(schema.function_named[method].result)
