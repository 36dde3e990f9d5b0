"""What a game gets from messages and host requests (``session.drain_messages()``, the hook's
``on_message`` / ``on_request`` / ``on_reply``): small frozen values keyed by participant id.

The game never sees a peer id here: a sender is the lobby participant the roster binds to the
peer that sent the bytes (never an id written in the bytes, so no guest can speak for another),
and a reconnecting player keeps its participant id under a new peer id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Message:
    """A message from ``sender`` (``session.send_to_host`` or ``session.send_to``).

    ``to_host``: it was sent to the host role rather than to us by name (we are the host, or
    were when it arrived). ``from_host``: the host sent it, and our lobby showed ``sender`` as
    host when it was handed out (a new host's first words wait for the lobby to catch up), so
    a game may take it as the host's word. ``reliable``: the channel it came on.
    """

    sender: UUID
    data: bytes
    reliable: bool
    to_host: bool
    from_host: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    """A request the host's game code answers with ``session.reply(request, payload)``
    (e.g. "claim coin 7": the host decides, the requester learns the verdict).

    ``request_id`` is the requester's own number: with ``sender`` it names the request. After a
    host change a pending request is sent again to the new host, so a host may see a request
    its predecessor already answered: a handler should decide from the game's state (a coin
    already taken stays taken), not from having seen the request.
    """

    request_id: int
    sender: UUID
    data: bytes


class ReplyStatus(enum.StrEnum):
    """How a request ended."""

    ANSWERED = "answered"  # the host replied; ``Reply.data`` is its payload
    TIMEOUT = "timeout"  # no reply within the request's timeout (no host, or none answered)
    CLOSED = "closed"  # the session closed or failed before a reply


@dataclass(frozen=True, slots=True)
class Reply:
    """The end of one of our ``request_host`` calls: every request gets exactly one, so a
    game waiting on a request id never waits forever.

    ``host``: the participant that answered (None unless ``ANSWERED``).
    """

    request_id: int
    status: ReplyStatus
    data: bytes = b""
    host: UUID | None = None

    @property
    def ok(self) -> bool:
        """Whether the host answered (``status is ReplyStatus.ANSWERED``)."""
        return self.status is ReplyStatus.ANSWERED


#: What ``session.drain_messages()`` hands out.
Incoming = Message | Request | Reply
