"""Sans-I/O lobby replication: ordering, gap repair, snapshots, authority, heartbeats and host
election.

Nothing here touches sockets, threads or clocks; ``now`` is always passed in.

The public names are what a user of the sync engine needs: ``LobbySync`` and its
``SyncConfig``, what it hands out (``Outgoing`` on a ``Channel``, the notices, its ``Role``),
the snapshot the seed's ``P2PLoop.send_full_sync_to_peer`` takes, and the protocol's version
and size limit. The wire messages themselves live in the private ``_wire`` module: the wire
format is not API (it changes with ``PROTOCOL_VERSION``). Importing one from here still works
for one release and warns (``DeprecationWarning``).
"""

from __future__ import annotations

import warnings
from typing import Any

from ._config import SyncConfig
from ._notices import (
    AccessDenied,
    HostChanged,
    HostLost,
    IncompatibleLobby,
    IncompatiblePeer,
    LobbySynced,
    ReceivedCommand,
    Welcomed,
)
from ._role import Role
from ._sync import LobbySync
from ._wire import MAX_MESSAGE_SIZE, PROTOCOL_VERSION, Channel, LobbySnapshot, Outgoing

#: Wire names ``konnekt_arcade.sync`` exported in 0.1; importable from here until 0.3, with a
#: ``DeprecationWarning`` (they are the wire format, private in ``konnekt_arcade.sync._wire``).
_DEPRECATED_WIRE = frozenset({
    "END_OF_LOG", "AuthFailed", "AuthRequired", "Authenticate", "Command", "CommandAccepted",
    "CommandOrigin", "CommandRejected", "Envelope", "EventBroadcast", "FullSyncResponse",
    "Heartbeat", "LobbyEvent", "MissingEventsResponse", "Rejoin", "RequestFullSync",
    "RequestMissingEvents", "Roster", "RosterEntry", "RosterUpdate", "SyncMessage", "Welcome",
    "WireError", "decode", "encode", "password_proof",
})


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED_WIRE:
        warnings.warn(
            f"konnekt_arcade.sync.{name} is the wire format, not API; it is no longer exported "
            "and goes in 0.3. Check: a game needs no wire message (use SessionLoop and the "
            "notices); a transport needs only LobbySync, Outgoing and PROTOCOL_VERSION.",
            DeprecationWarning, stacklevel=2)
        from . import _wire

        return getattr(_wire, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MAX_MESSAGE_SIZE",
    "PROTOCOL_VERSION",
    "AccessDenied",
    "Channel",
    "HostChanged",
    "HostLost",
    "IncompatibleLobby",
    "IncompatiblePeer",
    "LobbySnapshot",
    "LobbySync",
    "LobbySynced",
    "Outgoing",
    "ReceivedCommand",
    "Role",
    "SyncConfig",
    "Welcomed",
]
