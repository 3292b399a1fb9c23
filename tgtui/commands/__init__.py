"""The command line's commands, one module each (`backup`, `chats`, `search`, `open`,
`export`, `sandbox`), with what they share in `common` (exit codes, consoles, options) and
the runner of the commands that talk to Telegram (`runner`: session, connection, demo).
Commands stand on the core; nothing in the core imports them (ARCHITECTURE.md)."""
