"""``konnekt_arcade.sync`` exports the sync engine, not the wire format (issue 25).

The wire messages moved to the private ``konnekt_arcade.sync._wire``; for one release the old
imports still work and warn, so a user's code keeps running and is told what to change.
"""

from __future__ import annotations

import pytest

import konnekt_arcade.sync as sync
from konnekt_arcade.sync import _wire

WIRE_NAMES_OF_0_1 = ["END_OF_LOG", "Authenticate", "AuthFailed", "AuthRequired", "Command",
                     "CommandAccepted", "CommandOrigin", "CommandRejected", "Envelope",
                     "EventBroadcast", "FullSyncResponse", "Heartbeat", "LobbyEvent",
                     "MissingEventsResponse", "Rejoin", "RequestFullSync",
                     "RequestMissingEvents", "Roster", "RosterEntry", "RosterUpdate",
                     "SyncMessage", "Welcome", "WireError", "decode", "encode",
                     "password_proof"]


def test_no_wire_message_is_exported() -> None:
    exported = set(sync.__all__)
    assert not exported & set(WIRE_NAMES_OF_0_1)
    # what a user of the engine needs is there
    assert {"LobbySync", "SyncConfig", "PROTOCOL_VERSION", "Outgoing", "LobbySynced",
            "HostChanged", "IncompatiblePeer"} <= exported


@pytest.mark.parametrize("name", WIRE_NAMES_OF_0_1)
def test_an_old_wire_import_still_works_and_warns(name: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"konnekt_arcade\.sync\.{name} is the wire"):
        value = getattr(sync, name)
    assert value is getattr(_wire, name)


def test_from_import_warns_too() -> None:
    namespace: dict[str, object] = {}
    with pytest.warns(DeprecationWarning):
        exec("from konnekt_arcade.sync import encode", namespace)
    assert namespace["encode"] is _wire.encode


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NotAName"):
        sync.NotAName  # noqa: B018
