"""Statistics of a backup, offline: what `tgtui stats` shows.

- `text`: the words, emoji and links of a message's text (`stop_words`: the words left out
  of "most used");
- `message`: what one record adds to the figures;
- `store`: the aggregates file, `BACKUP/.index/stats.sqlite`, opened safely;
- `update`: bringing it up to date from each chat's files (only what is new is read);
- `query`: the figures of some chats over a date range, from the aggregates;
- `figures`: the figures themselves, and their JSON (STATS.md).

No Telethon, no Textual, no backup engine: the offline wall (ARCHITECTURE.md).
"""
