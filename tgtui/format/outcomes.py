"""A chat's outcome as a run reports it and the manifest records it (`status`: complete,
partial, failed, skipped), and its word in the user's language."""

from __future__ import annotations

from tgtui.i18n import N_, _

# A chat's outcome (as ChatFinished and the manifest write it), as the user reads it.
OUTCOME_WORDS = {
    "complete": N_("complete"),
    "partial": N_("partial"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
}


def status_word(status: str) -> str:
    """A chat's outcome ("complete", "partial"...) in the user's language."""
    return _(OUTCOME_WORDS[status]) if status in OUTCOME_WORDS else status
