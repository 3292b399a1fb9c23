"""The backup engine: fetch, retry, write, checkpoint. Nothing here imports Textual."""
