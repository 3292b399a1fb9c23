"""The shared files of an HTML export: the style sheet and index.html listing the chats."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tgtui.export.html_pages import CSS_PATH, page_head, page_name
from tgtui.untrusted import html_text as esc

# Light by default, dark when the system asks for it; no web fonts, no network.
STYLE = """\
:root { --bg: #ffffff; --fg: #1b1b1b; --muted: #6b7280; --card: #f3f4f6; --line: #e5e7eb;
  --link: #1d63c9; --day: #e8eef8; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #17191c; --fg: #e6e6e6; --muted: #9aa1ab; --card: #22262b; --line: #30353b;
    --link: #7fb2ff; --day: #263042; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--link); }
.page { max-width: 760px; margin: 0 auto; padding: 12px 16px 40px; }
header h1 { font-size: 22px; margin: 8px 0; overflow-wrap: anywhere; }
.back { font-size: 14px; }
.pages { display: flex; gap: 16px; font-size: 14px; color: var(--muted); margin: 8px 0; }
.day { text-align: center; margin: 18px 0 8px; font-size: 13px; color: var(--muted); }
.day::before { content: ""; }
.message { background: var(--card); border-radius: 10px; padding: 6px 10px; margin: 6px 0;
  overflow-wrap: anywhere; }
.service { text-align: center; color: var(--muted); font-size: 14px; margin: 8px 0;
  overflow-wrap: anywhere; }
.meta { font-size: 13px; color: var(--muted); }
.from { font-weight: 600; }
.time { color: var(--muted); text-decoration: none; }
.edited, .via { font-style: italic; }
.deleted { font-style: italic; color: #c0392b; }
.forwarded, .reply { font-size: 13px; color: var(--muted); border-left: 3px solid var(--line);
  padding-left: 6px; margin: 4px 0; }
.text { white-space: normal; margin-top: 2px; }
.media { margin: 4px 0; font-size: 14px; }
.media img { max-width: min(100%, 420px); height: auto; border-radius: 6px; display: block; }
.missing { color: var(--muted); font-style: italic; }
.reactions span { display: inline-block; background: var(--bg); border-radius: 10px;
  padding: 0 6px; margin-right: 4px; font-size: 13px; }
.spoiler { background: var(--muted); color: transparent; border-radius: 3px; }
.spoiler:hover { color: var(--fg); background: transparent; }
pre, code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 13px; }
pre { background: var(--bg); padding: 6px; border-radius: 6px; overflow-x: auto; }
blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--line); }
.c0 { color: #c03d33; } .c1 { color: #4fad2d; } .c2 { color: #d09306; } .c3 { color: #168acd; }
.c4 { color: #8544d6; } .c5 { color: #cd4073; } .c6 { color: #2996ad; } .c7 { color: #ce671b; }
table.chats { width: 100%; border-collapse: collapse; }
table.chats td, table.chats th { text-align: left; padding: 6px 4px;
  border-bottom: 1px solid var(--line); }
table.chats td.n { text-align: right; color: var(--muted); }
.empty { color: var(--muted); }
"""

_TYPES = {
    "personal_chat": "Private chat",
    "bot_chat": "Bot",
    "saved_messages": "Saved messages",
    "private_group": "Group",
    "private_supergroup": "Group",
    "public_supergroup": "Public group",
    "private_channel": "Channel",
    "public_channel": "Public channel",
}


def write_style(root: Path) -> None:
    """css/style.css of the export."""
    folder = root / Path(CSS_PATH).parent
    folder.mkdir(mode=0o700, exist_ok=True)
    (root / CSS_PATH).write_text(STYLE, encoding="utf-8")


def write_index(
    root: Path, title: str, chats: Sequence[tuple[str, str, str, int]], with_json: bool
) -> None:
    """index.html: one row per chat (name, type, folder, messages) linking to its pages."""
    rows = []
    for name, kind, folder, messages in chats:
        rows.append(
            f'<tr><td><a href="{esc(folder)}/{page_name(1)}">{esc(name or "Chat")}</a></td>'
            f"<td>{esc(_TYPES.get(kind, kind))}</td>"
            f'<td class="n">{messages:,}</td></tr>'
        )
    json_note = (
        '<p>The same messages in Telegram Desktop\'s JSON: <a href="result.json">result.json</a>'
        " (each chat's own in its folder).</p>\n"
        if with_json
        else ""
    )
    page = (
        page_head(title, CSS_PATH)
        + f'<div class="page">\n<header><h1>{esc(title)}</h1></header>\n<main>\n{json_note}'
        + '<table class="chats">\n<tr><th>Chat</th><th>Type</th><th class="n">Messages</th></tr>\n'
        + "\n".join(rows)
        + "\n</table>\n</main>\n</div>\n</body>\n</html>\n"
    )
    (root / "index.html").write_text(page, encoding="utf-8")
