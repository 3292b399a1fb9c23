"""Exports of a backup into standard formats: Telegram Desktop's JSON and a browsable HTML
archive. Offline: they read only the backup folder."""
