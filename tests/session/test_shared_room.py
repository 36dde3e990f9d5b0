"""Two different lobbies whose peers share one signalling room (a server that ignores the
room path, a mistyped deployment, a LAN relay with one fixed room): every peer links to every
other, yet each lobby stays its own — its guests sync it (never the other one, even when the
other host answers first), its host stays host, nothing of the other lobby leaks in. Real
WebRTC on loopback."""

from __future__ import annotations

import time

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import SignallingServer, WebRtcTransport
from konnekt_arcade.testing import wait_until

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

HANG = 60.0


def shared_room_builder(url: str, room: str) -> P2PLoopBuilder:
    """Sessions whose transports all join ``room``, whatever their session id says."""
    return P2PLoopBuilder().transport_factory(
        lambda _room, ice, queue_size: WebRtcTransport(url, room, ice, queue_size=queue_size))


def test_two_lobbies_in_one_signalling_room_stay_apart(signalling: SignallingServer) -> None:
    builder = shared_room_builder(signalling.url, "one-room-for-all")
    sessions: list[SessionLoop] = []
    try:
        # Lobby B is up, with a guest, before lobby A's host answers anyone.
        host_b, sid_b = builder.start_session_host(signalling.url, [], "Lobby B", "Bob")
        sessions.append(host_b)
        wait_until(lambda: host_b.is_ready, HANG, host_b, what="host B")
        guest_b = builder.start_session_guest(signalling.url, sid_b, [])
        sessions.append(guest_b)
        wait_until(lambda: guest_b.stage is ConnectionStage.SYNCED, HANG, host_b, guest_b,
                   what="guest B synced")
        host_a, sid_a = builder.start_session_host(signalling.url, [], "Lobby A", "Ann")
        guest_a = builder.start_session_guest(signalling.url, sid_a, [])
        sessions += [host_a, guest_a]
        # Host A is not polled yet: the only snapshot guest A can get is lobby B's, and it
        # must not take it.
        others = [host_b, guest_b, guest_a]
        settle = time.monotonic() + 2 * host_b.p2p().sync.config.heartbeat_timeout
        wait_until(lambda: len(guest_a.connected_peers()) >= 2 and time.monotonic() > settle,
                   HANG, *others, what="guest A linked to lobby B's peers")
        lobby = guest_a.get_lobby()
        assert lobby is None or lobby.id == sid_a.uuid, f"guest A synced {lobby.name!r}"

        # Now everyone runs: a full mesh of four, each guest in its own lobby.
        wait_until(lambda: all(len(s.connected_peers()) == 3 for s in sessions), HANG,
                   *sessions, what="the full mesh of four")
        wait_until(lambda: guest_a.stage is ConnectionStage.SYNCED, HANG, *sessions,
                   what="guest A synced")
        guest_a.submit_command(DomainCommand.JoinLobby(lobby_id=sid_a.uuid, guest_name="Amy"))
        guest_b.submit_command(DomainCommand.JoinLobby(lobby_id=sid_b.uuid, guest_name="Ben"))
        wait_until(lambda: guest_a.local_participant_id() and guest_b.local_participant_id()
                   and host_a.state_hash() == guest_a.state_hash()
                   and host_b.state_hash() == guest_b.state_hash(), HANG, *sessions,
                   what="both guests joined their own lobby")
        # Chat and heartbeats flow for a while in both lobbies.
        for guest, sid, text in ((guest_a, sid_a, "in A"), (guest_b, sid_b, "in B")):
            guest.submit_command(DomainCommand.SendChat(
                lobby_id=sid.uuid, participant_id=guest.local_participant_id(), text=text))
        settle = time.monotonic() + 3 * host_a.p2p().sync.config.heartbeat_timeout
        wait_until(lambda: time.monotonic() > settle and host_a.state_hash() ==
                   guest_a.state_hash() and host_b.state_hash() == guest_b.state_hash(),
                   2 * HANG, *sessions, what="both lobbies settled")

        for host, guest, sid, names, chat in (
                (host_a, guest_a, sid_a, ["Ann", "Amy"], ["in A"]),
                (host_b, guest_b, sid_b, ["Bob", "Ben"], ["in B"])):
            assert host.is_host() and not guest.is_host()
            assert guest.p2p().sync.host_peer == host.local_peer_id()
            for s in (host, guest):
                lobby = s.get_lobby()
                assert lobby.id == sid.uuid
                assert [p.name for p in lobby.participants] == names
                assert [m.text for m in lobby.chat] == chat
                assert s.stage is ConnectionStage.SYNCED and s.error is None
        assert host_a.state_hash() != host_b.state_hash()
    finally:
        for s in reversed(sessions):
            s.close()
