"""A TL reader and writer driven by a `Schema`: bytes of one layer to a tree of `TlObject`s
by predicate name, and a tree back to bytes in any layer.

Writing a tree read in another layer is how the sandbox speaks every layer: each object is
written as the target layer's constructor of the same name; fields that layer lacks are
dropped, fields it needs and the tree lacks (or holds in another shape) get a neutral value
(0, "", [], false, or the type's plainest constructor, e.g. ``*Empty``); an object whose
constructor the layer does not have becomes that type's ``*Unsupported``/plainest
constructor, or is left out of a vector (Telegram sends no item a layer cannot read).
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Callable
from typing import Any

from tgtui.sandbox.tl.schema import (
    BOOL_FALSE_ID,
    BOOL_TRUE_ID,
    VECTOR_ID,
    Combinator,
    Param,
    Schema,
    TlType,
)

GZIP_PACKED_ID = 0x3072CFA1
_MAX_DEFAULT_DEPTH = 6
_QUERY = TlType("query")

_INT = struct.Struct("<i")
_UINT = struct.Struct("<I")
_LONG = struct.Struct("<q")
_DOUBLE = struct.Struct("<d")


class TlObject:
    """One constructor or method call: its name, the id it was read with, its fields (a
    conditional field that was absent is missing from ``fields``)."""

    __slots__ = ("fields", "function", "id", "name")

    def __init__(
        self, name: str, fields: dict[str, Any], *, ident: int = 0, function: bool = False
    ) -> None:
        self.name = name
        self.fields = fields
        self.id = ident
        self.function = function

    def __repr__(self) -> str:
        return f"TlObject({self.name!r}, {self.fields!r})"


class TlError(Exception):
    """Bytes that the schema cannot read, or a tree it cannot write."""


class UnknownConstructor(TlError):
    """A constructor (or, ``method`` True, a method) id the layer does not have."""

    def __init__(self, ident: int, *, method: bool) -> None:
        kind = "method" if method else "constructor"
        super().__init__(f"unknown {kind} 0x{ident:08x}")
        self.ident = ident
        self.method = method


class Reader:
    """Reads TL bytes with a schema. An ``invokeWithLayer`` switches the rest of the read to
    the layer it names (``switch`` maps a declared layer to a schema); the layer it named
    is kept in ``declared_layer``."""

    def __init__(
        self, data: bytes, schema: Schema, switch: Callable[[int], Schema] | None = None
    ) -> None:
        self.data = data
        self.pos = 0
        self.schema = schema
        self.switch = switch
        self.declared_layer: int | None = None

    def _take(self, size: int) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise TlError("unexpected end of data")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def _uint(self) -> int:
        value: int = _UINT.unpack(self._take(4))[0]
        return value

    def _tl_bytes(self) -> bytes:
        first = self._take(1)[0]
        if first == 254:
            length = int.from_bytes(self._take(3), "little")
            head = 4
        else:
            length, head = first, 1
        value = self._take(length)
        self._take(-(head + length) % 4)
        return value

    def read(self, tl_type: TlType) -> Any:
        """Read one value of ``tl_type``."""
        kind = tl_type.kind
        if kind == "int":
            return _INT.unpack(self._take(4))[0]
        if kind == "long":
            return _LONG.unpack(self._take(8))[0]
        if kind in ("string", "bytes"):
            return self._tl_bytes()
        if kind == "#":
            return self._uint()
        if kind == "Bool":
            ident = self._uint()
            if ident not in (BOOL_TRUE_ID, BOOL_FALSE_ID):
                raise UnknownConstructor(ident, method=False)
            return ident == BOOL_TRUE_ID
        if kind == "double":
            return _DOUBLE.unpack(self._take(8))[0]
        if kind == "int128":
            return self._take(16)
        if kind == "int256":
            return self._take(32)
        if kind == "true":
            return True
        if kind in ("Vector", "vector"):
            if kind == "Vector" and self._uint() != VECTOR_ID:
                raise TlError("vector expected")
            inner = tl_type.inner
            assert inner is not None
            return [self.read(inner) for _ in range(self._uint())]
        if kind == "bare":
            combinator = self.schema.constructor_named.get(tl_type.name)
            if combinator is None:
                raise TlError(f"no constructor {tl_type.name}")
            return self._fields(combinator)
        return self._boxed(tl_type)

    def _boxed(self, tl_type: TlType) -> TlObject:
        ident = self._uint()
        if ident == GZIP_PACKED_ID:
            inner = Reader(gzip.decompress(self._tl_bytes()), self.schema, self.switch)
            value = inner._boxed(tl_type)
            self.schema, self.declared_layer = inner.schema, inner.declared_layer
            return value
        if tl_type.kind == "query":
            combinator = self.schema.functions.get(ident)
            if combinator is None:
                raise UnknownConstructor(ident, method=True)
        else:
            combinator = self.schema.constructors.get(ident)
            if combinator is None and tl_type.kind == "any":
                combinator = self.schema.functions.get(ident)
            if combinator is None:
                raise UnknownConstructor(ident, method=False)
        return self._fields(combinator)

    def _fields(self, combinator: Combinator) -> TlObject:
        fields: dict[str, Any] = {}
        flags: dict[str, int] = {}
        for param in combinator.params:
            if param.flag is not None and not flags.get(param.flag[0], 0) >> param.flag[1] & 1:
                continue
            if param.type.kind == "#":
                flags[param.name] = self._uint()
                continue
            if (
                param.type.kind == "query"
                and combinator.name == "invokeWithLayer"
                and self.switch is not None
            ):
                self.declared_layer = fields["layer"]
                self.schema = self.switch(fields["layer"])
            fields[param.name] = self.read(param.type)
        return TlObject(combinator.name, fields, ident=combinator.id, function=combinator.function)


def _fits(tl_type: TlType, value: Any) -> bool:
    """Whether a value read in some layer can be written as ``tl_type``."""
    kind = tl_type.kind
    if kind in ("int", "long", "#"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "double":
        return isinstance(value, float | int) and not isinstance(value, bool)
    if kind in ("string", "bytes", "int128", "int256"):
        return isinstance(value, bytes | str)
    if kind in ("Bool", "true"):
        return isinstance(value, bool)
    if kind in ("Vector", "vector"):
        return isinstance(value, list)
    return isinstance(value, TlObject)


class Writer:
    """Writes a tree (read in any layer) as bytes of ``schema``'s layer."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._out: list[bytes] = []

    def dump(self, tl_type: TlType, value: Any) -> bytes:
        """The bytes of one value."""
        self._out = []
        self._write(tl_type, value, 0)
        return b"".join(self._out)

    def _write(self, tl_type: TlType, value: Any, depth: int) -> None:
        kind = tl_type.kind
        out = self._out
        if not _fits(tl_type, value):
            value = None
        if kind == "int":
            out.append(_INT.pack(_wrap(value or 0, 32)))
        elif kind == "long":
            out.append(_LONG.pack(_wrap(value or 0, 64)))
        elif kind in ("string", "bytes"):
            data = value.encode() if isinstance(value, str) else value or b""
            out.append(_tl_bytes(data))
        elif kind == "Bool":
            out.append(_UINT.pack(BOOL_TRUE_ID if value else BOOL_FALSE_ID))
        elif kind == "double":
            out.append(_DOUBLE.pack(float(value or 0)))
        elif kind in ("int128", "int256"):
            size = 16 if kind == "int128" else 32
            data = value if isinstance(value, bytes) and len(value) == size else bytes(size)
            out.append(data)
        elif kind == "true" or kind == "#":
            pass  # a flag bit, written with its flags word
        elif kind in ("Vector", "vector"):
            inner = tl_type.inner
            assert inner is not None
            items = [item for item in value or () if self._writable(inner, item)]
            if kind == "Vector":
                out.append(_UINT.pack(VECTOR_ID))
            out.append(_UINT.pack(len(items)))
            for item in items:
                self._write(inner, item, depth)
        else:
            self._object(tl_type, value, depth)

    def _writable(self, tl_type: TlType, item: Any) -> bool:
        """A vector keeps an object only if this layer has its constructor."""
        if tl_type.kind not in ("boxed", "any") or not isinstance(item, TlObject):
            return True
        return item.name in self.schema.constructor_named

    def _object(self, tl_type: TlType, value: TlObject | None, depth: int) -> None:
        schema = self.schema
        combinator: Combinator | None = None
        if value is not None:
            table = (
                schema.function_named
                if tl_type.kind == "query" or value.function
                else schema.constructor_named
            )
            combinator = table.get(value.name)
        if tl_type.kind == "query" and combinator is None:
            ident = value.id if value is not None else 0
            raise UnknownConstructor(ident, method=True)
        if tl_type.kind == "bare":
            combinator = schema.constructor_named.get(tl_type.name)
            if combinator is None:
                raise TlError(f"layer {schema.layer} has no constructor {tl_type.name}")
        if combinator is None:
            combinator = self._stand_in(tl_type, unknown=value is not None)
            value = None
        if depth > _MAX_DEFAULT_DEPTH and value is None:
            raise TlError(f"no finite default for {tl_type}")
        if tl_type.kind != "bare":
            self._out.append(_UINT.pack(combinator.id))
        self._fields(combinator, value.fields if value is not None else {}, depth)

    def _stand_in(self, tl_type: TlType, *, unknown: bool) -> Combinator:
        """The constructor written where the tree has none this layer knows."""
        candidates = self.schema.of_type.get(tl_type.name, [])
        if not candidates:
            raise TlError(f"layer {self.schema.layer} has no type {tl_type}")

        def rank(combinator: Combinator) -> tuple[int, int]:
            first, second = ("Unsupported", "Empty") if unknown else ("Empty", "Unsupported")
            name = combinator.name
            preference = 0 if name.endswith(first) else 1 if name.endswith(second) else 2
            required = sum(1 for p in combinator.params if p.flag is None)
            return preference, required

        return min(candidates, key=rank)

    def _fields(self, combinator: Combinator, fields: dict[str, Any], depth: int) -> None:
        params = combinator.params
        flags: dict[str, int] = {p.name: 0 for p in params if p.type.kind == "#"}
        present: list[tuple[Param, Any]] = []
        for param in params:
            if param.type.kind == "#":
                present.append((param, None))
                continue
            value = fields.get(param.name)
            fits = value is not None and _fits(param.type, value)
            if param.flag is not None:
                if fits and (param.type.kind != "true" or value is True):
                    flags[param.flag[0]] = flags.get(param.flag[0], 0) | 1 << param.flag[1]
                    present.append((param, value))
                continue
            present.append((param, value if fits else None))
        for param, value in present:
            if param.type.kind == "#":
                self._out.append(_UINT.pack(flags[param.name]))
            else:
                self._write(param.type, value, depth + (value is None))


def _wrap(value: int, bits: int) -> int:
    """A two's-complement value of ``bits`` bits (a long id written where an int is)."""
    half = 1 << (bits - 1)
    return (value + half) % (1 << bits) - half


def _tl_bytes(data: bytes) -> bytes:
    length = len(data)
    head = bytes([length]) if length < 254 else b"\xfe" + length.to_bytes(3, "little")
    padding = -(len(head) + length) % 4
    return head + data + bytes(padding)
