"""Parse Python source for the tests that read tgtui's own code (its imports, its texts)."""

from __future__ import annotations

import ast
import gc


def parse_source(source: str) -> ast.Module:
    """``ast.parse(source)`` with the garbage collector held off while it runs.

    CPython 3.11 keeps the AST builder's recursion depth in one interpreter-wide place: a
    collection during the parse may run a finaliser that raises (an event loop's object left
    by another test), the unraisable hook formats its traceback, 3.11's traceback calls
    ``ast.parse`` itself, and the outer parse fails with ``SystemError: AST constructor
    recursion depth mismatch``. No collection, no nested parse."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source)
    finally:
        if was_enabled:
            gc.enable()
