"""Telegram's TL schemas per layer and a reader/writer driven by them (see `layers`)."""
