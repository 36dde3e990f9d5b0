"""Sync-level notices that come out of ``drain_events`` beside domain events.

They tell the session layer about replication itself (a snapshot arrived,
the host changed, this peer got its participant id) rather than lobby facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class LobbySynced:
    """A snapshot was applied. ``first`` is True for the initial sync."""

    lobby_name: str
    sequence: int
    first: bool


@dataclass(frozen=True)
class Welcomed:
    """The host accepted our join or rejoin."""

    participant_id: UUID
    reconnect_token: str
    rejoined: bool


@dataclass(frozen=True)
class HostChanged:
    """Authority moved to ``host_peer`` in ``epoch``; ``is_local`` if that is us."""

    host_peer: str | None
    epoch: int
    is_local: bool
    migrated: bool


@dataclass(frozen=True)
class HostLost:
    """The current host stopped answering; an election is under way."""

    host_peer: str | None


@dataclass(frozen=True)
class AccessDenied:
    """The host refused to let us in: ``reason`` says why (no or wrong
    password). The session layer turns it into a ``WrongPassword`` error."""

    host_peer: str
    reason: str


@dataclass(frozen=True)
class IncompatibleLobby:
    """The lobby we are joining speaks protocol ``lobby_version``, we speak ``local_version``
    (``host_peer``: the host that refused us, None when we concluded it from its silence).
    The session layer turns it into an ``IncompatibleVersion`` error."""

    host_peer: str | None
    lobby_version: int
    local_version: int


@dataclass(frozen=True)
class IncompatiblePeer:
    """Host: ``peer`` speaks protocol ``version``, this lobby ``local_version``; it was
    refused (told so, never sent the lobby) and its messages are dropped and counted."""

    peer: str
    version: int
    local_version: int


@dataclass(frozen=True)
class ReceivedCommand:
    """A user command a peer sent us that passed the size and rate limits (before the
    host's authority checks): what ``P2PLoop.drain_domain_commands`` hands out, so the
    session never decodes sync bytes itself."""

    peer: str
    request_id: int
    command: Any
