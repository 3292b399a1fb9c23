"""The backup on disk: the shape of its lines, its versions and deletions, read safely.

No Textual, no Telethon, no engine: the engine writes what these modules describe, and the
reader, search and exports read through them."""
