"""Telegram's TL schemas as data: combinators, their parameters and types, per layer.

A schema is read from the text form Telegram publishes (``name#id field:type ... = Type;``,
with ``---functions---`` before the methods). The files in ``schemas/`` are the ones client
packages ship (SOURCES.md says which); ``layer<N>.tl`` is layer N.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

NATIVE_LAYER = 229  # the layer of the Telethon the sandbox is written with

SCALARS = frozenset({"int", "long", "double", "int128", "int256", "string", "bytes", "true"})
VECTOR_ID = 0x1CB5C415
BOOL_TRUE_ID, BOOL_FALSE_ID = 0x997275B5, 0xBC799737

_LINE = re.compile(r"^([\w.]+)#([0-9a-fA-F]{1,8})\s*(.*?)\s*=\s*([^;]+);")


@dataclass(frozen=True, slots=True)
class TlType:
    """A parameter's or result's type.

    ``kind`` is a scalar name (int, long, double, int128, int256, string, bytes, true), ``#``
    (a flags word), ``Bool``, ``Vector`` (boxed) or ``vector`` (bare) with ``inner``, ``boxed``
    (any constructor of type ``name``), ``bare`` (constructor ``name`` without its id),
    ``query`` (``!X``: a whole method call) or ``any`` (a generic result, or Object).
    """

    kind: str
    name: str = ""
    inner: TlType | None = None

    def __str__(self) -> str:
        if self.inner is not None:
            return f"{self.kind}<{self.inner}>"
        return self.name or self.kind


@dataclass(frozen=True, slots=True)
class Param:
    """One field of a combinator; ``flag`` is (flags field, bit) for a conditional one."""

    name: str
    type: TlType
    flag: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Combinator:
    """A constructor (``function`` False) or a method (True)."""

    name: str
    id: int
    params: tuple[Param, ...]
    result: TlType
    function: bool

    @property
    def result_type(self) -> str:
        """The name of the type this constructor builds (e.g. ``messages.Messages``)."""
        return self.result.name or self.result.kind


@dataclass
class Schema:
    """One layer's combinators, by id and by name."""

    layer: int
    constructors: dict[int, Combinator] = field(default_factory=dict)
    functions: dict[int, Combinator] = field(default_factory=dict)
    constructor_named: dict[str, Combinator] = field(default_factory=dict)
    function_named: dict[str, Combinator] = field(default_factory=dict)
    of_type: dict[str, list[Combinator]] = field(default_factory=dict)

    def add(self, combinator: Combinator) -> None:
        """Register a combinator (a later definition of the same name replaces an earlier)."""
        if combinator.function:
            self.functions[combinator.id] = combinator
            self.function_named[combinator.name] = combinator
        else:
            self.constructors[combinator.id] = combinator
            self.constructor_named[combinator.name] = combinator
            self.of_type.setdefault(combinator.result_type, []).append(combinator)


def parse_type(text: str, generics: frozenset[str] = frozenset()) -> TlType:
    """The TlType of a type expression such as ``Vector<long>`` or ``messages.Messages``."""
    text = text.strip()
    if text == "#":
        return TlType("#")
    if text in SCALARS:
        return TlType(text)
    if text == "Bool":
        return TlType("Bool")
    if text.startswith("!"):
        return TlType("query")
    if text in generics or text == "Object":
        return TlType("any")
    for prefix in ("Vector<", "vector<"):
        if text.startswith(prefix) and text.endswith(">"):
            inner = parse_type(text[len(prefix) : -1], generics)
            return TlType(prefix[:-1], inner=inner)
    if text.startswith("%"):
        return TlType("bare", name=text[1:])
    last = text.rsplit(".", 1)[-1]
    if last[:1].islower():
        return TlType("bare", name=text)
    return TlType("boxed", name=text)


def parse_schema(text: str, layer: int) -> Schema:
    """Read a schema in Telegram's text form."""
    schema = Schema(layer)
    functions = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if line.startswith("---"):
            functions = line.startswith("---functions")
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        name, ident, fields, result = match.groups()
        if name == "vector":
            continue  # Vector t is built in
        generics = frozenset(re.findall(r"\{(\w+):Type\}", fields))
        params: list[Param] = []
        for token in fields.split():
            if token.startswith("{") or ":" not in token:
                continue
            param_name, type_text = token.split(":", 1)
            flag: tuple[str, int] | None = None
            if "?" in type_text:
                condition, type_text = type_text.split("?", 1)
                flag_field, bit = condition.split(".")
                flag = (flag_field, int(bit))
            params.append(Param(param_name, parse_type(type_text, generics), flag))
        schema.add(
            Combinator(
                name=name,
                id=int(ident, 16),
                params=tuple(params),
                result=parse_type(result, generics),
                function=functions,
            )
        )
    for name, ident in (("boolFalse", BOOL_FALSE_ID), ("boolTrue", BOOL_TRUE_ID)):
        if name not in schema.constructor_named:
            schema.add(Combinator(name, ident, (), TlType("boxed", "Bool"), function=False))
    return schema


@cache
def available_layers() -> tuple[int, ...]:
    """The layers whose schema the sandbox has, ascending."""
    folder = resources.files("tgtui.sandbox.tl").joinpath("schemas")
    layers = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"layer(\d+)\.tl", entry.name)
        if match:
            layers.append(int(match.group(1)))
    return tuple(sorted(layers))


def serving_layer(declared: int) -> int:
    """The layer the sandbox answers a client that declared ``declared`` in: that layer
    when its schema is here, else the newest one older than it, else the oldest one."""
    layers = available_layers()
    older = [layer for layer in layers if layer <= declared]
    return older[-1] if older else layers[0]


@cache
def schema_for(layer: int) -> Schema:
    """The schema of ``layer`` (which must be one of `available_layers`), parsed once."""
    path = resources.files("tgtui.sandbox.tl").joinpath("schemas", f"layer{layer}.tl")
    return parse_schema(path.read_text(encoding="utf-8"), layer)
