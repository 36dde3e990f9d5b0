"""A hostile peer over real WebRTC: a raw aiortc peer (``WebRtcTransport``) in the
lobby's signalling room, driven by this test, writes raw wire messages over the real
data channel to an honest host and guest (real sessions, real signalling server).

It joins like a player, then tries every forbidden action, malformed JSON, a wrong
protocol version, a message over the size limit (whole and in parts), replays, and a
flood of 10,000 messages. The honest peers' state hash is unchanged, ``poll()`` never
raises, their queues stay bounded, and ``stats`` says what happened.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from konnekt_arcade.domain import DomainCommand, DomainEvent, state_hash
from konnekt_arcade.net import CHANNEL_RELIABLE, Message, PeerConnected, WebRtcTransport
from konnekt_arcade.session._fragments import split
from konnekt_arcade.sync import MAX_MESSAGE_SIZE, PROTOCOL_VERSION
from konnekt_arcade.sync._wire import (
    Command,
    EventBroadcast,
    FullSyncResponse,
    Heartbeat,
    LobbyEvent,
    decode,
    encode,
)
from konnekt_arcade.testing import SessionGroup

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]


class HostilePeer:
    """A raw peer: sends bytes, keeps what it receives."""

    def __init__(self, url: str, room: str, group: SessionGroup) -> None:
        self.group = group
        self.transport = WebRtcTransport(url, room, [], queue_size=20_000)
        self.transport.start()
        self.inbox: list[tuple[str, bytes]] = []
        self.connected: set[str] = set()

    def pump(self) -> None:
        for event in self.transport.poll():
            if isinstance(event, PeerConnected):
                self.connected.add(event.peer_id)
            elif isinstance(event, Message) and event.channel == CHANNEL_RELIABLE:
                self.inbox.append((event.peer_id, event.data))
        for session in self.group.all:
            session.poll()  # would raise if poll() ever raised

    def wait(self, condition: Callable[[], object], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            self.pump()
            time.sleep(0.003)

    def send(self, peer: str, msg: object) -> None:
        self.transport.send(peer, CHANNEL_RELIABLE, msg if isinstance(msg, bytes) else encode(msg))

    def received(self, kind: type) -> list[object]:
        out = []
        for _, data in self.inbox:
            try:
                msg = decode(data)
            except Exception:
                continue
            if isinstance(msg, kind):
                out.append(msg)
        return out

    def allow_huge_messages(self) -> None:
        """Lift aiortc's own sender-side size check so a 1 MiB message really goes out."""
        for link in self.transport.peer_links():
            sctp = link.pc.sctp
            if sctp is not None:
                sctp._remote_max_message_size = 0


@pytest.fixture
def hostile(webrtc_sessions: SessionGroup, signalling_server) -> HostilePeer:
    group = webrtc_sessions
    peer = HostilePeer(signalling_server.url, group.session_id.room, group)
    try:
        peers = {s.local_peer_id() for s in group.all}
        peer.wait(lambda: peers <= peer.connected, 30, "the hostile peer's links")
        yield peer
    finally:
        peer.transport.close()


def test_hostile_peer_changes_nothing_and_is_counted(webrtc_sessions: SessionGroup,
                                                     hostile: HostilePeer) -> None:
    group = webrtc_sessions
    host, guest = group.host, group.guest
    host_peer, guest_peer = host.local_peer_id(), guest.local_peer_id()
    lobby = host.get_lobby()
    lid, hid, gid = lobby.id, host.local_participant_id(), guest.local_participant_id()

    # It joins like anyone with the session id can.
    hostile.wait(lambda: hostile.received(FullSyncResponse), 15, "the host's snapshot")
    hostile.send(host_peer, Command(request_id=1, command=DomainCommand.JoinLobby(
        lobby_id=lid, guest_name="Mallory")))
    group.wait_until(lambda: len(host.get_lobby().participants) == 3
                     and group.converged(), 15)
    hostile.pump()
    me = next(p.id for p in host.get_lobby().participants if p.name == "Mallory")
    host.submit_command(DomainCommand.QueueActivity(lobby_id=lid, host_id=hid,
                                                    activity_type="echo", name="Echo"))
    host.submit_command(DomainCommand.StartNextRun(lobby_id=lid, host_id=hid))
    group.wait_until(lambda: guest.get_lobby().current_run is not None and group.converged(), 15)
    run = host.get_lobby().current_run.id
    before = host.get_lobby()
    for s in group.all:
        s.domain().drain_events()

    # 1. every forbidden command, as the host or as the guest
    forbidden = [
        DomainCommand.KickGuest(lobby_id=lid, host_id=hid, guest_id=gid),
        DomainCommand.DelegateHost(lobby_id=lid, current_host_id=hid, new_host_id=me),
        DomainCommand.StartNextRun(lobby_id=lid, host_id=hid),
        DomainCommand.CancelRun(lobby_id=lid, host_id=hid, run_id=run),
        DomainCommand.QueueActivity(lobby_id=lid, host_id=hid, activity_type="x", name="X"),
        DomainCommand.SubmitResult(lobby_id=lid, run_id=run, participant_id=gid, score=999),
        DomainCommand.SetReady(lobby_id=lid, participant_id=gid, ready=True),
        DomainCommand.SendChat(lobby_id=lid, participant_id=gid, text="I quit"),
        DomainCommand.LeaveLobby(lobby_id=lid, participant_id=gid),
        DomainCommand.CreateLobby(lobby_name="Mine", host_name="Mallory"),
    ]
    for i, cmd in enumerate(forbidden, start=10):
        hostile.send(host_peer, Command(request_id=i, command=cmd))
    # 2. events, snapshots and host claims of its own, to both honest peers
    genuine = hostile.received(EventBroadcast)
    last = genuine[-1].event
    kick = DomainEvent.GuestLeft(participant_id=gid, reason="kicked")
    for epoch in (last.epoch, last.epoch + 1, last.epoch + 500):
        forged = LobbyEvent(sequence=last.sequence + 1, epoch=epoch, lobby_id=lid,
                            timestamp=0.0, event=kick)
        for target in (host_peer, guest_peer):
            hostile.send(target, EventBroadcast(event=forged))
    snap = hostile.received(FullSyncResponse)[0].snapshot
    fake = snap.model_copy(update={"host_peer": hostile.transport.local_peer_id,
                                   "epoch": snap.epoch + 9, "name": "Owned"})
    for target in (host_peer, guest_peer):
        hostile.send(target, FullSyncResponse(snapshot=fake))
        for beat in range(5):
            hostile.send(target, Heartbeat(lobby_id=lid, epoch=snap.epoch + 9 + beat,
                                           sequence=999, last_epoch=0, beat=10**6 + beat,
                                           host_peer=hostile.transport.local_peer_id))
    # 3. replays and duplicates of the host's genuine events
    for le in genuine * 2:
        hostile.send(guest_peer, le)
    # 4. garbage: malformed JSON, another protocol version, 1 MiB
    hostile.send(host_peer, b'{"v":1,"msg":{"type":')
    hostile.send(host_peer, b"\xff\x00garbage")
    envelope = json.loads(encode(Command(request_id=5, command=DomainCommand.SetReady(
        lobby_id=lid, participant_id=me, ready=True))))
    hostile.send(host_peer, json.dumps({**envelope, "v": PROTOCOL_VERSION + 1}).encode())
    hostile.allow_huge_messages()
    hostile.send(host_peer, b'{"v":1,"msg":"' + b"A" * MAX_MESSAGE_SIZE + b'"}')
    # ... and the same in parts (as a large snapshot travels): dropped as the parts go over
    for part in split(b'{"v":1,"msg":"' + b"B" * MAX_MESSAGE_SIZE + b'"}', 99):
        hostile.send(host_peer, part)

    def seen(key: str, at_least: int = 1) -> Callable[[], bool]:
        return lambda: host.stats[key] >= at_least

    hostile.wait(seen("sync:dropped:too_large"), 60, "the oversized message to arrive")
    hostile.wait(seen("dropped:fragment_too_large"), 60, "the oversized parts to arrive")
    # forged events (3) and replays (2 per genuine event) reach the guest from a non-host
    forgeries = 3 + 2 * len(genuine)
    hostile.wait(lambda: guest.stats["sync:dropped:not_from_host"] >= forgeries, 15,
                 "forgeries and replays")
    stats = host.stats
    assert stats["sync:dropped:malformed"] >= 2, stats
    assert stats["sync:dropped:bad_version"] >= 1, stats
    for cmd in forbidden:
        assert stats[f"sync:rejected:{type(cmd).__name__}"] >= 1, (type(cmd).__name__, stats)
    assert stats["sync:rejected:host_claim"] >= 1, stats

    # 5. a flood of 10,000 messages. How long it takes depends on the machine; the chat lines
    # the host may accept depend on that time (its chat budget), so measure it.
    flood_start = host.p2p().clock()
    flood = encode(Command(request_id=7, command=DomainCommand.SendChat(
        lobby_id=lid, participant_id=me, text="spam")))
    for start in range(0, 10_000, 1000):
        for _ in range(1000):
            hostile.send(host_peer, flood)
        hostile.wait(lambda s=start: hostile.transport.stats["messages_out"] >= s + 1000
                     or hostile.transport.stats["dropped_outgoing"] > 0, 30, "flood batch")
    hostile.wait(lambda: host.stats["received"] + host.stats["transport:dropped_incoming"]
                 >= stats["received"] + 10_000, 120, "the flood to arrive")
    flood_seconds = host.p2p().clock() - flood_start
    group.wait_until(group.converged, 20)

    stats = host.stats
    # every chat line the host accepted since the start (the lobby keeps only the last ones)
    host_events = host.domain().drain_events()
    chats = [e for e in host_events if isinstance(e, DomainEvent.ChatPosted)
             and e.text == "spam"]
    config = host.p2p().sync.config
    # the budget for the time the flood took (+1 for a refill between measurements), not the
    # flood; on this machine's speed the flood took flood_seconds
    allowed = config.chat_burst + config.chat_rate * flood_seconds + 1
    assert len(chats) <= allowed, (len(chats), allowed, flood_seconds)
    refused = (stats["sync:dropped:rate_limited"] + stats["sync:rejected:rate_limited"]
               + stats["transport:dropped_incoming"]
               + stats["sync:commands_recognised"])  # the same request id: applied once
    assert refused >= 10_000 - len(chats), stats
    # nothing the hostile peer sent changed the honest peers' lobby, apart from its own
    # (allowed, rate-limited) chat lines
    assert all(m.participant_id == me for m in host.get_lobby().chat[len(before.chat):])
    # The flooder may be shown as disconnected: its own heartbeats were among the messages
    # its budget dropped (only its own), so the host may have taken it for lost meanwhile.
    people = tuple(p.model_copy(update={"connected": True}) if p.id == me else p
                   for p in host.get_lobby().participants)
    without_spam = host.get_lobby().model_copy(update={"chat": before.chat,
                                                       "participants": people})
    changed = {k: [f"{p.name} {p.role} connected={p.connected}" for p in v]
               if k == "participants" else v for k, v in without_spam.__dict__.items()
               if getattr(before, k) != v}
    assert state_hash(without_spam) == state_hash(before), changed
    assert host.is_host() and not guest.is_host()
    assert guest.state_hash() == host.state_hash()
    assert [p.id for p in host.get_lobby().participants] == [hid, gid, me]
    assert host.get_lobby().current_run.id == run and host.get_lobby().current_run.results == ()
    # memory stayed bounded: every queue is within its limit
    sync = host.p2p().sync
    assert sync.buffered_events <= sync.config.max_buffered_events
    assert sync.log_length <= sync.config.max_log_events
    assert len(host_events) <= 1024
