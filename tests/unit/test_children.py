"""The JSON-lines child protocol (`tgtui.children`): what a child says arrives as events, in
order, lines that are not JSON objects skipped; its exit code; a child stopped by SIGINT."""

from __future__ import annotations

import signal
from pathlib import Path

from tgtui.children import INTERRUPTED, JsonLinesChild, interrupted


async def test_every_json_object_line_is_an_event_in_order(tmp_path: Path) -> None:
    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"a": 1}\n[1, 2]\n"text"\n{"b": "\u2028"}\n', encoding="utf-8")
    child = await JsonLinesChild.start("json.tool", ["--json-lines", "--compact", str(lines)])
    events = [event async for event in child.events()]
    assert events == [{"a": 1}, {"b": "\u2028"}]
    assert await child.wait() == 0


async def test_a_child_that_fails_says_why_and_exits_1(tmp_path: Path) -> None:
    child = await JsonLinesChild.start("tgtui.archive.build_index", [str(tmp_path / "nothing")])
    events = [event async for event in child.events()]
    assert len(events) == 1
    assert "error" in events[0]
    assert await child.wait() == 1


def test_an_interrupted_child_is_told_apart() -> None:
    assert interrupted(INTERRUPTED)
    assert interrupted(-signal.SIGINT)
    assert not interrupted(0)
    assert not interrupted(1)
    assert not interrupted(-signal.SIGTERM)
