"""tgtui: a full-screen terminal Telegram client that keeps your history on your own disk."""

__version__ = "0.5.0"
