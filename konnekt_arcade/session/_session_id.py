"""``SessionId``: the UUID a host shares; it is also the signalling room and the lobby id."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from ._errors import InvalidSessionId


@dataclass(frozen=True, slots=True)
class SessionId:
    """A session id. ``str(session_id)`` is the text to share with guests."""

    uuid: UUID

    @classmethod
    def new(cls) -> SessionId:
        """A fresh random (v4) session id."""
        return cls(uuid4())

    @classmethod
    def parse(cls, text: str | UUID | SessionId) -> SessionId:
        """Parse a UUID, tolerating surrounding whitespace and a ``urn:uuid:`` prefix.

        Raises:
            InvalidSessionId: ``text`` is not a UUID (the message names the text).
        """
        if isinstance(text, SessionId):
            return text
        if isinstance(text, UUID):
            return cls(text)
        if not isinstance(text, str):
            raise InvalidSessionId(text)
        try:
            return cls(UUID(text.strip()))
        except ValueError:
            raise InvalidSessionId(text) from None

    @property
    def room(self) -> str:
        """The signalling room (URL path) of this session."""
        return str(self.uuid)

    def __str__(self) -> str:
        return str(self.uuid)
