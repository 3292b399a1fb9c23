"""Every string tgtui shows is marked for translation: a test that reads the code.

It finds the places where text reaches a user (notifications, labels, buttons, placeholders,
key descriptions, status lines, the command line's help and messages) and fails on one given
a literal with words in it instead of a translated string (`_()`, `N_()`, `ngettext()`,
`counted()`). A string that is marked cannot be missed by the catalog test
(test_i18n.py); this one catches the string nobody marked.

Left out on purpose: `tgtui/sandbox/` and its command, `tgtui/commands/sandbox.py` (a
developer's tool: its own options stay English), the
export's page writers (`tgtui/export/html_pages.py`, `tde.py`), which write the English of
Telegram Desktop's exports whatever the language, and the child processes the app starts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import tgtui
from tests.python_source import parse_source

ROOT = Path(tgtui.__file__).parent
SKIPPED = (
    "sandbox/",
    "commands/sandbox.py",
    "export/html_pages.py",
    "export/tde.py",
    # Child processes the app starts (`python -m ...`), never run by people.
    "archive/build_index.py",
    "export/child.py",
)
MARKERS = {"_", "N_", "N_plural", "ngettext", "counted", "pgettext", "NC_"}

# Where text reaches the user: call name -> (positional indexes, keyword names) it shows.
SINKS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "notify": ((0,), ("message", "title")),
    "Static": ((0,), ()),
    "Text": ((0,), ()),
    "Label": ((0,), ()),
    "Button": ((0,), ("label",)),
    "Tick": ((0,), ()),
    "Choice": ((0,), ()),
    "Checkbox": ((0,), ()),
    "Input": ((), ("placeholder",)),
    "Select": ((), ("prompt",)),
    "update": ((0,), ()),
    "Binding": ((2,), ("description",)),
    "SystemCommand": ((0, 1), ()),
    "ConfirmScreen": ((0, 1), ("confirm",)),
    "print": ((0,), ()),
    "write": ((0,), ()),
    "show": ((0,), ()),
    "start": ((1,), ()),  # Countdown.start(seconds, text)
    "add_argument": ((), ("help",)),
    "add_parser": ((), ("help", "description")),
    "add_subparsers": ((), ("title", "help", "description")),
    "ArgumentParser": ((), ("description", "epilog")),
    "ArgumentTypeError": ((0,), ()),
    "ChoiceError": ((0,), ()),
    "line": ((0, 1, 2, 3), ()),  # the CLI's coloured lines
    "work": ((), ("description",)),
    # tgtui's own errors: their messages are shown as they are.
    "ConfigError": ((2,), ()),
    "ExportError": ((0,), ()),
    "ArchiveError": ((0,), ()),
    "LinesError": ((0,), ()),
    "OpenerError": ((0,), ()),
    "IndexBuildError": ((0,), ()),
    "BackupAborted": ((0,), ()),
    "TakeoutRefused": ((0,), ()),
    "FolderRefused": ((0,), ()),
    "SessionLockedError": ((0,), ()),
    "SessionFileError": ((0,), ()),
    "CheckpointError": ((0,), ()),
    "BackupWriteError": ((0,), ()),
    "LockHeld": ((0,), ()),
}
TITLES = {"title", "sub_title", "TITLE", "SUB_TITLE", "border_title", "border_subtitle"}
# Not words to translate: a command's name before its message ("tgtui backup: ...",
# f"tgtui {command}: ..."), and names ("Telegram", "tgtui").
PREFIX = re.compile(r"^\s*tgtui(?: [a-z]*)?\s*:\s*")
WORD = re.compile(r"[A-Za-z]{2,}")
NAMES = {"tgtui", "Telegram"}


def _literal_words(node: ast.AST) -> str | None:
    """The literal text of ``node`` with words in it (None: none, or it is translated)."""
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
        if name == "format" and isinstance(node.func, ast.Attribute):
            return _literal_words(node.func.value)
        return None  # a call's result: translated (or checked) where it was made
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp):
        return _literal_words(node.left) or _literal_words(node.right)
    elif isinstance(node, ast.IfExp):
        return _literal_words(node.body) or _literal_words(node.orelse)
    elif isinstance(node, ast.Tuple):  # (text, style) parts of a CLI line
        return _literal_words(node.elts[0]) if node.elts else None
    else:
        return None
    words = set(WORD.findall(PREFIX.sub("", text))) - NAMES
    return text if words else None


def _call_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return node.func.id if isinstance(node.func, ast.Name) else ""


def _is_logger(node: ast.Call) -> bool:
    """logger.info(...), logger.opt(...).error(...): the log stays English."""
    target = node.func
    while isinstance(target, ast.Attribute | ast.Call):
        target = target.value if isinstance(target, ast.Attribute) else target.func
    return isinstance(target, ast.Name) and target.id == "logger"


def unmarked(source: str, where: str) -> Iterator[str]:
    """Places in ``source`` where a literal with words reaches the user untranslated."""
    for node in ast.walk(parse_source(source)):
        if isinstance(node, ast.Call) and not _is_logger(node):
            name = _call_name(node)
            if name in MARKERS:
                for arg in node.args:
                    if isinstance(arg, ast.JoinedStr):
                        yield f"{where}:{node.lineno}: an f-string cannot be translated"
                continue
            positions, keywords = SINKS.get(name, ((), ()))
            shown = [node.args[i] for i in positions if i < len(node.args)]
            shown += [k.value for k in node.keywords if k.arg in keywords]
            for value in shown:
                text = _literal_words(value)
                if text is not None:
                    yield f"{where}:{value.lineno}: {name}({text[:60]!r})"
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = target.attr if isinstance(target, ast.Attribute) else ""
                name = name or (target.id if isinstance(target, ast.Name) else "")
                text = _literal_words(node.value) if name in TITLES else None
                if text is not None:
                    yield f"{where}:{node.lineno}: {name} = {text[:60]!r}"


def test_every_string_shown_to_users_is_marked_for_translation() -> None:
    found = [
        problem
        for path in sorted(ROOT.rglob("*.py"))
        if not path.relative_to(ROOT).as_posix().startswith(SKIPPED)
        for problem in unmarked(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "shown to users but not marked for translation:\n" + "\n".join(found)


def test_the_reader_of_the_code_finds_what_it_looks_for() -> None:
    """The test above is only as good as its eye: it sees an unmarked notification, label,
    key, help and CLI line, and lets marked ones, logs and command names through."""
    code = """
self.notify("Backup finished.")
yield Static(f"{count} chats")
Binding("b", "backup", "Back up")
parser.add_argument("--all", help="back up every chat")
err.print(f"tgtui backup: {exc}")
err.print(f"tgtui backup: nothing to do {exc}")
self.notify(_("Backup finished."))
Binding("b", "backup", N_("Back up"))
logger.info("backing up {} chats", n)
status.update(_("{count} chats").format(count=n))
_(f"{n} chats")
"""
    found = sorted(unmarked(code, "x"), key=lambda p: int(p.split(":")[1]))
    assert [p.split(":")[1] for p in found] == ["2", "3", "4", "5", "7", "12"], found
