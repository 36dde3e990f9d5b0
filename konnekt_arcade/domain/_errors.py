"""The domain's one exception type."""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a lobby rule. ``reason`` is a sentence a player can read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
