"""The tests that read tgtui's source parse it whatever the garbage collector finds."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import tgtui
from tests.python_source import parse_source


class _ParsesWhenCollected:
    """Garbage whose finaliser parses, as 3.11's traceback does for an unraisable error."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        ast.parse("x = (1 + 2) * 3\n" * 50)


def test_a_collection_during_the_parse_does_not_break_it() -> None:
    source = (Path(tgtui.__file__).parent / "cli.py").read_text(encoding="utf-8")
    threshold = gc.get_threshold()
    gc.set_threshold(50)
    try:
        for _ in range(10):
            for _ in range(200):
                _ParsesWhenCollected()
            tree = parse_source(source)
            assert any(isinstance(node, ast.FunctionDef) for node in ast.walk(tree))
    finally:
        gc.set_threshold(*threshold)
        gc.collect()
