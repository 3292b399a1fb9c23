"""Bounds of a search, light enough for `tgtui search --help` to state them."""

MAX_LIMIT = 100_000  # results listed at most (each is held until it is shown)
