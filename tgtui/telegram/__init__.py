"""Telegram services: the client, login, dialogs, errors. Nothing here imports Textual."""
