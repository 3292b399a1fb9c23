"""The account's own vote in a poll is kept (`chosen`, as Telegram Desktop's export writes
it) and the reader marks it: Telegram sends it as pollAnswerVoters.chosen
(core.telegram.org/constructor/pollAnswerVoters)."""

from __future__ import annotations

from pathlib import Path

from telethon import TelegramClient
from telethon.tl import types

from tests.flows.backup_helpers import read_records, targets
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.format.media_paths import NO_MEDIA
from tgtui.sandbox import SandboxServer
from tgtui.widgets.message_text import poll_lines


async def test_the_accounts_vote_is_saved_and_marked_in_the_reader(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client)
    result = await BackupEngine(app_client, BackupOptions(tmp_path, media=NO_MEDIA)).run(chats)
    assert result.all_complete
    world = {
        sandbox.world.chat(i).marked_id: sandbox.world.chat(i) for i in range(len(sandbox.world))
    }
    voted = unvoted = 0
    for chat in result.chats:
        for record in read_records(chat.path):
            if record.get("media_type") != "poll":
                continue
            sent = sandbox.history.by_id(world[chat.target.chat_id], record["id"])
            assert isinstance(sent, types.Message)
            assert isinstance(sent.media, types.MessageMediaPoll)
            told = [bool(r.chosen) for r in sent.media.results.results]
            kept = [a.get("chosen") is True for a in record["poll"]["answers"]]
            assert kept == told
            marks = [str(line)[:1] for line in poll_lines(record)][: len(kept)]
            assert marks == ["✓" if k else "○" for k in kept]
            voted += any(kept)
            unvoted += not any(kept)
    assert voted  # both kinds were seen
    assert unvoted
