"""The lobby password through the public builder API (in-memory transport)."""

from __future__ import annotations

import json

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, JoinRefused, P2PError, WrongPassword
from konnekt_arcade.testing import memory_builder, wait_until


def start_guest(builder, sid, password):
    """Start a guest and poll host and guest until it synced or failed (one thread)."""
    host = builder.host
    guest = builder.password(password).start_session_guest("memory://", sid, [])
    wait_until(lambda: guest.stage in (ConnectionStage.SYNCED, ConnectionStage.FAILED), 30,
               host, guest)
    return guest


@pytest.mark.parametrize("guest_password", [None, "wrong"])
def test_missing_or_wrong_password_fails_the_guest_with_wrong_password(guest_password):
    builder = memory_builder()
    host, sid = builder.password("hunter2").build_session_host("memory://", [], "L", "Ann")
    builder.host = host
    try:
        guest = start_guest(builder, sid, guest_password)
        assert guest.stage is ConnectionStage.FAILED
        assert isinstance(guest.error, WrongPassword)
        assert isinstance(guest.error, JoinRefused) and isinstance(guest.error, P2PError)
        assert "password" in str(guest.error)
        assert guest.get_lobby() is None
        assert len(host.get_lobby().participants) == 1
        assert host.stats["sync:rejected:password"] == (1 if guest_password else 0)
    finally:
        host.close()


def test_right_password_joins_and_never_sends_the_password():
    builder = memory_builder()
    host, sid = builder.password("hunter2").build_session_host("memory://", [], "L", "Ann")
    builder.host = host
    # Spy on the network itself, from before the guest exists, through its documented
    # ``loss`` hook (asked for every message both ways; losing none): it sees the password
    # proof too.
    sent: list[bytes] = []

    def spy(sender, receiver, channel, data):
        sent.append(bytes(data))
        return False

    builder.network.loss = spy
    guest = start_guest(builder, sid, "hunter2")
    try:
        assert guest.stage is ConnectionStage.SYNCED
        lobby_id = guest.lobby_id()
        guest.submit_command(DomainCommand.JoinLobby(lobby_id=lobby_id, guest_name="Bob"))
        wait_until(lambda: guest.local_participant_id() is not None
                   and host.state_hash() == guest.state_hash(), 30, host, guest)
        assert [p.name for p in host.get_lobby().participants] == ["Ann", "Bob"]
        kinds = {json.loads(d)["msg"]["type"] for d in sent if d[:1] == b"{"}
        assert {"AuthRequired", "Authenticate"} <= kinds, kinds  # the spy saw the proof
        assert not any(b"hunter2" in d for d in sent)
    finally:
        guest.close()
        host.close()
