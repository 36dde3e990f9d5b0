"""Three WebRtcTransports in three separate processes, meshed through the embedded server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import permutations

import pytest

from childproc import ChildProcess, Event
from konnekt_arcade.net import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE, SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]


class PeerProcess(ChildProcess):
    """One bare transport in a child process (the ``transport`` role), known by its peer id."""

    def __init__(self, url: str, room: str) -> None:
        super().__init__("transport", url, room)
        self.peer_id = str(self.wait_for(lambda e: e["event"] == "IdAssigned", 60)["peer_id"])

    def received(self, sender: str, channel: int, data: str) -> Callable[[Event], bool]:
        def match(e: Event) -> bool:
            return (
                e["event"] == "Message"
                and e["peer_id"] == sender
                and e["channel"] == channel
                and e["data"] == data
            )

        return match


@pytest.fixture
def mesh(server: SignallingServer) -> Iterator[list[PeerProcess]]:
    peers: list[PeerProcess] = []
    try:
        for _ in range(3):
            peers.append(PeerProcess(server.url, "mesh"))
        for me in peers:
            for other in peers:
                if other is not me:
                    me.wait_for(
                        lambda e, o=other: (
                            e["event"] == "PeerConnected" and e["peer_id"] == o.peer_id
                        ),
                        60,
                    )
        yield peers
    finally:
        for peer in peers:
            peer.stop()


def exchange(peers: list[PeerProcess], tag: str) -> None:
    """Every ordered pair sends on both channels; reliable must arrive, unreliable at least once."""
    for sender, receiver in permutations(peers, 2):
        sender.command(cmd="send", peer=receiver.peer_id, channel=CHANNEL_RELIABLE, data=f"{tag}-r")
        for _ in range(5):  # unordered, no retransmits: allow loss, require one copy
            sender.command(
                cmd="send", peer=receiver.peer_id, channel=CHANNEL_UNRELIABLE, data=f"{tag}-u"
            )
    for sender, receiver in permutations(peers, 2):
        receiver.wait_for(receiver.received(sender.peer_id, CHANNEL_RELIABLE, f"{tag}-r"), 60)
        receiver.wait_for(receiver.received(sender.peer_id, CHANNEL_UNRELIABLE, f"{tag}-u"), 60)


def test_mesh_messages_and_killed_process_noticed(mesh: list[PeerProcess]) -> None:
    exchange(mesh, "hello")
    a, b, victim = mesh
    a.command(cmd="broadcast", channel=CHANNEL_RELIABLE, data="to-all")
    for peer in (b, victim):
        peer.wait_for(peer.received(a.peer_id, CHANNEL_RELIABLE, "to-all"), 60)

    victim.kill()
    for survivor in (a, b):
        event = survivor.wait_for(
            lambda e: e["event"] == "PeerDisconnected" and e["peer_id"] == victim.peer_id, 60
        )
        assert event["reason"]
    exchange([a, b], "after-kill")


def test_traffic_survives_signalling_server_stop(
    server: SignallingServer, mesh: list[PeerProcess]
) -> None:
    server.stop()
    for peer in mesh:
        peer.wait_for(lambda e: e["event"] == "SignallingLost", 60)
    exchange(mesh, "no-server")
    assert not any(e["event"] == "PeerDisconnected" for p in mesh for e in p.events)

    for peer in mesh:
        peer.command(cmd="close")
    for peer in mesh:
        # close() is bounded by its own deadline (test_webrtc_transport proves that with a
        # hung shutdown); here: it returns and leaves no thread that would keep us alive.
        closed = peer.wait_for(lambda e: e["event"] == "closed", 60)
        assert closed["non_daemon_threads"] == []
        peer.command(cmd="exit")
        assert peer.proc.wait(timeout=10) == 0
