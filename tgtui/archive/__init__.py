"""Reading a backup folder: its chats, their messages, and the search index (no Textual)."""
