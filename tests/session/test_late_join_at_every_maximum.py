"""A lobby at every maximum the library allows is joinable, over real WebRTC.

The host's lobby is filled through its own sync engine (63 participants with the longest
names, 50 chat lines of 280 emoji, 32 queued activities and 20 finished runs with the largest
config, results with the largest data, a current run nearly complete): its snapshot is far
over one data channel message (it travels in parts, session/_fragments.py) and within
``MAX_MESSAGE_SIZE``. A late guest syncs it, joins as the 64th participant, and every peer
has the same state.
"""

from __future__ import annotations

import json

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, P2PLoopBuilder, SessionLoop
from konnekt_arcade.domain import (
    CHAT_HISTORY,
    FINISHED_RUNS_KEPT,
    MAX_CHAT_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PARTICIPANTS_LIMIT,
    MAX_QUEUED_ACTIVITIES,
)
from konnekt_arcade.domain._decide import MAX_ACTIVITY_FIELD, MAX_PAYLOAD_BYTES
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.session._fragments import PART_SIZE
from konnekt_arcade.sync import MAX_MESSAGE_SIZE, SyncConfig
from konnekt_arcade.sync._wire import Command, FullSyncResponse, encode
from konnekt_arcade.testing import wait_until

pytestmark = [pytest.mark.network, pytest.mark.timeout(600)]

HANG = 120.0
C = DomainCommand
EMOJI = "\U0001f600"  # four bytes in UTF-8: the largest text per character
#: The stand-in players are no peers of ours; they talk to the host through its engine, so
#: the limits on peer traffic (rates, liveness) are turned off for them.
HOST_CONFIG = SyncConfig(message_rate=0, command_rate=0, chat_rate=0, heartbeat_timeout=3600,
                         grace_period=3600)


def name(i: int) -> str:
    return f"{i:02d}" + EMOJI * (MAX_NAME_LENGTH - 2)


def biggest_payload(tag: int) -> dict[str, str]:
    """The largest JSON object within MAX_PAYLOAD_BYTES."""
    filler = "x" * MAX_PAYLOAD_BYTES
    doc = {"t": str(tag), "d": filler}
    while len(json.dumps(doc, separators=(",", ":"))) > MAX_PAYLOAD_BYTES:
        doc["d"] = doc["d"][:-64]
    return doc


class Filler:
    """Feeds commands from stand-in players straight into the host's sync engine."""

    def __init__(self, host: SessionLoop) -> None:
        self.host = host
        self.sync = host.p2p().sync
        self.lid = host.get_lobby().id
        self.peers: dict[str, object] = {}
        self.request_ids: dict[str, int] = {}

    def send(self, peer: str, command: object) -> None:
        now = self.host.p2p().clock()
        # each command its own request id, as a real client numbers them: the host answers a
        # repeated (participant, request id) once and never applies it again
        rid = self.request_ids[peer] = self.request_ids.get(peer, 0) + 1
        self.sync.receive(peer, encode(Command(request_id=rid, command=command)), now)
        self.host.p2p().flush(now)

    def join(self, i: int) -> None:
        peer = f"stand-in-{i}"
        self.send(peer, C.JoinLobby(lobby_id=self.lid, guest_name=name(i)))
        self.peers[peer] = next(p.id for p in self.host.get_lobby().participants
                                if p.name == name(i))

    def run(self, n: int, complete: bool) -> None:
        host, lid, me = self.host, self.lid, self.host.local_participant_id()
        host.submit_command(C.QueueActivity(
            lobby_id=lid, host_id=me, activity_type="t" * MAX_ACTIVITY_FIELD,
            name=EMOJI * MAX_ACTIVITY_FIELD, config=biggest_payload(n)))
        host.submit_command(C.StartNextRun(lobby_id=lid, host_id=me))
        run = host.get_lobby().current_run.id
        for peer, pid in self.peers.items():
            self.send(peer, C.SubmitResult(lobby_id=lid, run_id=run, participant_id=pid,
                                           score=2**31 - 1, time_taken_ms=2**31 - 1,
                                           data=biggest_payload(n)))
        if complete:
            host.submit_command(C.SubmitResult(lobby_id=lid, run_id=run, participant_id=me,
                                               score=1, data=biggest_payload(n)))


def test_a_late_guest_joins_a_lobby_at_every_maximum(signalling: SignallingServer) -> None:
    host, sid = P2PLoopBuilder().sync_config(HOST_CONFIG).build_session_host(
        signalling.url, [], name(0), name(0), max_participants=MAX_PARTICIPANTS_LIMIT)
    guest: SessionLoop | None = None
    try:
        fill = Filler(host)
        for i in range(1, MAX_PARTICIPANTS_LIMIT - 1):  # the guest will be the last one
            fill.join(i)
        peers = list(fill.peers)
        for k in range(CHAT_HISTORY):
            peer = peers[k % len(peers)]
            fill.send(peer, C.SendChat(lobby_id=fill.lid, participant_id=fill.peers[peer],
                                       text=EMOJI * MAX_CHAT_LENGTH))
        for n in range(FINISHED_RUNS_KEPT):
            fill.run(n, complete=True)
        fill.run(FINISHED_RUNS_KEPT, complete=False)  # the current run, waiting for the host
        for n in range(MAX_QUEUED_ACTIVITIES):
            host.submit_command(C.QueueActivity(
                lobby_id=fill.lid, host_id=host.local_participant_id(),
                activity_type="t" * MAX_ACTIVITY_FIELD, name=EMOJI * MAX_ACTIVITY_FIELD,
                config=biggest_payload(100 + n)))
        lobby = host.get_lobby()
        assert len(lobby.participants) == MAX_PARTICIPANTS_LIMIT - 1
        assert len(lobby.chat) == CHAT_HISTORY
        assert len(lobby.finished_runs) == FINISHED_RUNS_KEPT
        assert len(lobby.activity_queue) == MAX_QUEUED_ACTIVITIES
        assert len(lobby.current_run.results) == MAX_PARTICIPANTS_LIMIT - 2
        snapshot = encode(FullSyncResponse(snapshot=host.p2p().sync.snapshot()))
        # Far over one message (measured ~1.85 MB), within the limit: what the parts are for.
        assert 4 * PART_SIZE < len(snapshot) <= MAX_MESSAGE_SIZE // 2, len(snapshot)

        guest = P2PLoopBuilder().sync_timeout(HANG).connection_timeout(HANG).start_session_guest(
            signalling.url, sid, [])
        wait_until(lambda: guest.stage is ConnectionStage.SYNCED or guest.error, HANG,
                   host, guest, what="the late guest to sync")
        assert guest.error is None, guest.error
        assert guest.state_hash() == host.state_hash()
        guest.submit_command(C.JoinLobby(lobby_id=fill.lid,
                                         guest_name=name(MAX_PARTICIPANTS_LIMIT - 1)))
        wait_until(lambda: guest.local_participant_id() is not None
                   and guest.state_hash() == host.state_hash(), HANG, host, guest,
                   what="the late guest to join as the last participant")
        assert len(guest.get_lobby().participants) == MAX_PARTICIPANTS_LIMIT
        assert host.stats["fragmented_out"] >= 1
        assert guest.stats["fragment_messages"] >= 1
        assert not [k for k, v in guest.stats.items() if k.startswith("dropped") and v]
    finally:
        if guest is not None:
            guest.close()
        host.close()
