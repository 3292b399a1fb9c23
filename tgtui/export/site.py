"""The shared files of an HTML export: the style sheet and index.html listing the chats."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tgtui.export.html_pages import CSS_PATH, STATS_PAGE, page_head, page_name
from tgtui.untrusted import html_text as esc

# Light by default, dark when the system asks for it; no web fonts, no network, no script.
STYLE = """\
:root { --bg: #e7ebf0; --fg: #1b1b1b; --muted: #6b7280; --card: #ffffff; --line: #dfe3e8;
  --link: #1d63c9; --day: rgba(60, 80, 100, 0.45); --bar: #ffffff; --accent: #3390ec; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1216; --fg: #e6e6e6; --muted: #9aa1ab; --card: #212830; --line: #30353b;
    --link: #7fb2ff; --day: rgba(40, 50, 60, 0.85); --bar: #1b2027; --accent: #6ab2f2; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--link); }
.page { max-width: 760px; margin: 0 auto; padding: 0 12px 40px; }
header { padding-top: 8px; }
header > h1 { font-size: 22px; margin: 8px 0 12px; overflow-wrap: anywhere; }
.bar { display: flex; align-items: center; gap: 12px; background: var(--bar);
  border-radius: 12px; padding: 8px 12px; box-shadow: 0 1px 2px rgba(0, 0, 0, 0.12); }
.bar h1 { font-size: 18px; margin: 0; overflow-wrap: anywhere; min-width: 0; }
.back { font-size: 14px; white-space: nowrap; }
.bar .stats { margin-left: auto; font-size: 14px; white-space: nowrap; }
.pages { display: flex; gap: 16px; font-size: 14px; color: var(--muted); margin: 8px 4px; }
.day { text-align: center; margin: 14px 0 8px; font-size: 13px; color: #fff; }
.day, .service .pill { display: table; margin-left: auto; margin-right: auto;
  background: var(--day); border-radius: 12px; padding: 2px 10px; }
.service { text-align: center; margin: 8px 0; font-size: 13px; overflow-wrap: anywhere; }
.service .pill { color: #fff; }
.service .time { color: rgba(255, 255, 255, 0.75); }
.message { display: flex; align-items: flex-start; gap: 8px; margin: 8px 0 2px; }
.message.joined { margin-top: 2px; padding-left: 46px; }
.userpic { flex: none; width: 38px; height: 38px; border-radius: 50%; object-fit: cover;
  display: inline-flex; align-items: center; justify-content: center; font-size: 15px;
  font-weight: 600; overflow: hidden; white-space: nowrap; user-select: none; }
span.userpic { color: #fff; }
.userpic.big { width: 42px; height: 42px; font-size: 17px; }
.body { display: flow-root; min-width: 0; max-width: calc(100% - 46px);
  background: var(--card); border-radius: 12px; padding: 6px 10px 4px;
  overflow-wrap: anywhere; box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); }
.body:has(> .sticker, > .animation, > .round) { background: none; box-shadow: none;
  padding-left: 0; }
.meta { font-size: 14px; }
.from { font-weight: 600; }
.foot { float: right; margin: 4px 0 0 12px; font-size: 12px; color: var(--muted);
  white-space: nowrap; line-height: 1.6; }
.time { color: var(--muted); text-decoration: none; }
.edited, .via { font-style: italic; color: var(--muted); }
.deleted { font-style: italic; color: #c0392b; }
.forwarded, .reply { font-size: 13px; color: var(--muted); border-left: 3px solid var(--accent);
  padding: 1px 8px; margin: 4px 0; border-radius: 2px; }
.reply a { display: block; text-decoration: none; color: inherit; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.reply .quote { color: var(--fg); }
.text { white-space: normal; margin-top: 2px; }
.text:empty { display: none; }
.media { margin: 4px 0; font-size: 14px; }
.media img, .media video { max-width: min(100%, 420px); height: auto; border-radius: 8px;
  display: block; }
.media.photo img, .media.video video { max-height: 480px; width: auto; }
.media.sticker img, .media.sticker video { width: 160px; max-height: 160px; object-fit: contain;
  border-radius: 0; }
.media.animation video, .media.animation img { max-width: min(100%, 320px); }
.media.round video { width: 200px; height: 200px; border-radius: 50%; object-fit: cover; }
.media audio { display: block; width: min(100%, 320px); height: 40px; }
.media.preview .still { position: relative; display: inline-block; max-width: 100%; }
.media.preview .tag { position: absolute; left: 6px; top: 6px; padding: 0 6px;
  border-radius: 8px; background: rgba(0, 0, 0, 0.55); color: #fff; font-size: 12px; }
.media.preview img { opacity: 0.92; }
.media.file.preview img { max-width: min(100%, 240px); }
.media.round.preview img { width: 200px; height: 200px; border-radius: 50%;
  object-fit: cover; }
.media.link-preview { border-left: 3px solid var(--accent); padding: 2px 8px;
  max-width: min(100%, 420px); }
.link-preview img { max-width: 100%; height: auto; margin-bottom: 4px; }
.link-preview .site { font-weight: 600; font-size: 13px; }
.link-preview .title { display: block; font-weight: 600; }
.link-preview .description { font-size: 13px; }
.caption { font-size: 13px; margin-top: 2px; }
.caption a { color: var(--muted); text-decoration: none; }
.poll { min-width: min(100%, 300px); }
.poll .question { font-weight: 600; margin-bottom: 4px; }
.poll .answer { margin: 4px 0; }
.poll .answer.chosen { font-weight: 600; }
.poll .share { display: inline-block; min-width: 3em; color: var(--muted); }
.poll .n { color: var(--muted); font-size: 12px; }
.poll meter { display: block; width: 100%; height: 6px; }
.poll meter::-webkit-meter-bar { background: var(--line); border: 0; border-radius: 3px;
  height: 6px; }
.poll meter::-webkit-meter-optimum-value { background: var(--accent); border-radius: 3px; }
.poll meter::-moz-meter-bar { background: var(--accent); border-radius: 3px; }
.poll .votes { font-size: 12px; color: var(--muted); }
.missing { color: var(--muted); font-style: italic; }
.reactions { margin-top: 4px; }
.reactions span:not(.foot, .foot *) { display: inline-block; background: var(--bg);
  border-radius: 10px; padding: 0 6px; margin-right: 4px; font-size: 13px; }
.spoiler { background: var(--muted); color: transparent; border-radius: 3px; }
.spoiler:hover { color: var(--fg); background: transparent; }
pre, code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 13px; }
pre { background: var(--bg); padding: 6px; border-radius: 6px; overflow-x: auto; }
blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--line); }
.c0 { color: #c03d33; } .c1 { color: #4fad2d; } .c2 { color: #d09306; } .c3 { color: #168acd; }
.c4 { color: #8544d6; } .c5 { color: #cd4073; } .c6 { color: #2996ad; } .c7 { color: #ce671b; }
.userpic.c0 { background: #e17076; } .userpic.c1 { background: #7bc862; }
.userpic.c2 { background: #e5ca77; } .userpic.c3 { background: #65aadd; }
.userpic.c4 { background: #a695e7; } .userpic.c5 { background: #ee7aae; }
.userpic.c6 { background: #6ec9cb; } .userpic.c7 { background: #faa774; }
@media (prefers-color-scheme: dark) {
  .c0 { color: #ff8a80; } .c1 { color: #8bd16a; } .c2 { color: #f0c060; }
  .c3 { color: #6ab2f2; } .c4 { color: #b89cff; } .c5 { color: #ff88b4; }
  .c6 { color: #6fd3de; } .c7 { color: #ffa96b; }
}
table.chats { width: 100%; border-collapse: collapse; background: var(--card);
  border-radius: 12px; overflow: hidden; }
table.chats td, table.chats th { text-align: left; padding: 8px 10px;
  border-bottom: 1px solid var(--line); }
table.chats td.n { text-align: right; color: var(--muted); }
.empty { color: var(--muted); }
.stats-page section { background: var(--card); border-radius: 12px; padding: 10px 14px;
  margin: 12px 0; box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); }
.stats-page h2 { font-size: 16px; margin: 4px 0 8px; overflow-wrap: anywhere; }
.stats-page .note { color: var(--muted); font-size: 13px; margin: 4px 0; }
.stats-page figure { margin: 0; }
.stats-page .bar .back + .back { margin-left: -4px; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
  gap: 8px; margin: 12px 0; }
dl.figures .figure { background: var(--card); border-radius: 12px; padding: 8px 12px;
  box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); }
dl.figures dt { font-size: 12px; color: var(--muted); }
dl.figures dd { margin: 2px 0 0; font-size: 17px; font-weight: 600; overflow-wrap: anywhere; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0; }
svg.chart text { fill: var(--muted); font: 11px system-ui, -apple-system, "Segoe UI", Roboto,
  sans-serif; }
svg.chart text.label { fill: var(--fg); font-size: 12px; }
svg.chart text.value { fill: var(--fg); }
svg.chart .col { fill: var(--accent); }
svg.chart .col:hover, svg.chart .cell:hover { fill: var(--link); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .cell { fill: var(--accent); }
svg.chart .cell.none { fill: var(--line); }
table.figures-table { width: 100%; border-collapse: collapse; font-size: 14px; margin-top: 8px; }
table.figures-table th, table.figures-table td { text-align: left; padding: 4px 6px;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
table.figures-table .n, table.chats th.n { text-align: right; }
.stats-link { margin: 4px 0 12px; }
.bar .topics { margin-left: auto; font-size: 14px; white-space: nowrap; }
.bar .topics + .stats { margin-left: 0; }
.in-chat { font-size: 13px; font-weight: normal; color: var(--muted); margin-left: 4px; }
.topic-icon { display: inline-flex; align-items: center; justify-content: center; flex: none;
  width: 24px; height: 24px; margin-right: 8px; border-radius: 50%; vertical-align: middle;
  background: var(--accent); color: #fff; font-size: 12px; font-weight: 600; }
table.topics td.topic { overflow-wrap: anywhere; }
table.topics td.when { color: var(--muted); font-size: 13px; white-space: nowrap; }
.mark { display: inline-block; font-size: 12px; color: var(--muted); border: 1px solid var(--line);
  border-radius: 8px; padding: 0 6px; margin-left: 4px; white-space: nowrap;
  font-weight: normal; }
.removed { display: inline-block; font-size: 12px; font-style: italic; font-weight: normal;
  color: #c0392b; margin-left: 6px; }
.entry.removed > .userpic, .entry.removed > .account-photo { opacity: 0.6; }
.account-page .note, .topics-page .note { color: var(--muted); font-size: 13px;
  margin: 12px 4px; }
section.account { background: var(--card); border-radius: 12px; padding: 10px 14px;
  margin: 12px 0; box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); }
section.account h2, h2.chats-title, .account-page h2 { font-size: 16px; margin: 4px 0 8px; }
.me { display: flex; align-items: center; gap: 12px; margin: 4px 0 10px; }
.me .name, .entry .name { font-weight: 600; overflow-wrap: anywhere; }
.details { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
ul.sections { list-style: none; padding: 0; margin: 0; display: grid; gap: 4px 16px;
  grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
ul.sections .n { color: var(--muted); font-size: 13px; }
ul.entries { list-style: none; padding: 0; margin: 0 0 12px; background: var(--card);
  border-radius: 12px; overflow: hidden; box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); }
ul.entries li.entry { display: flex; align-items: flex-start; gap: 12px; padding: 10px 12px;
  border-bottom: 1px solid var(--line); }
ul.entries li.entry:last-child { border-bottom: 0; }
.entry-body { min-width: 0; overflow-wrap: anywhere; }
.account-photo { display: block; flex: none; width: 160px; height: auto; max-height: 240px;
  object-fit: cover; border-radius: 8px; }
.caption-text { color: var(--fg); }
.profile { display: flex; align-items: flex-start; gap: 16px; background: var(--card);
  border-radius: 12px; padding: 12px 14px; box-shadow: 0 1px 1px rgba(0, 0, 0, 0.08); }
.profile .userpic.big { width: 90px; height: 90px; font-size: 32px; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0;
  min-width: 0; }
dl.fields dt { color: var(--muted); font-size: 13px; }
dl.fields dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
@media (prefers-color-scheme: dark) {
  .removed { color: #ff8a80; }
}
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
    root: Path,
    title: str,
    chats: Sequence[tuple[str, str, str, int]],
    with_json: bool,
    account: str = "",
) -> None:
    """index.html: one row per chat (name, type, folder, messages) linking to its pages,
    under the account's block (``account``: `tgtui.export.html_account`'s, or nothing)."""
    rows = []
    for name, kind, folder, messages in chats:
        rows.append(
            f'<tr><td><a href="{esc(folder)}/{page_name(1)}">{esc(name or "Chat")}</a></td>'
            f"<td>{esc(_TYPES.get(kind, kind))}</td>"
            f'<td class="n">{messages:,}</td>'
            f'<td><a href="{esc(folder)}/{STATS_PAGE}">Statistics</a></td></tr>'
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
        + account
        + f'<p class="stats-link"><a href="{STATS_PAGE}">Statistics of this export</a>: messages'
        + " by month, activity by hour and weekday, top senders, media, words, emoji, links"
        + " and conversations.</p>\n"
        + '<table class="chats">\n<tr><th>Chat</th><th>Type</th><th class="n">Messages</th>'
        + "<th></th></tr>\n"
        + "\n".join(rows)
        + "\n</table>\n</main>\n</div>\n</body>\n</html>\n"
    )
    (root / "index.html").write_text(page, encoding="utf-8")
