"""The join timeline and what a passed join deadline means (``session._join``), alone: plain
events in, stats and decisions out, no clock, no network."""

from __future__ import annotations

from uuid import uuid4

from konnekt_arcade.net import IdAssigned, LinkProgress, PeerConnected, TransportError
from konnekt_arcade.session import ConnectionStage, Timeouts
from konnekt_arcade.session._join import CONNECT_ATTEMPTS, STAGES, JoinTimeline
from konnekt_arcade.sync import LobbySynced, Welcomed

T = Timeouts()  # peer_id 5, connection 10, sync 10 (konnekt-session-p2p's defaults)


class Relinks:
    """Records the retries ``on_deadline`` asks for."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


SYNCED = LobbySynced(lobby_name="L", sequence=1, first=True)
WELCOMED = Welcomed(participant_id=uuid4(), reconnect_token="t", rejoined=False)


def test_stages_in_ms_from_the_start_first_time_only() -> None:
    join = JoinTimeline(started=100.0)
    join.observe(IdAssigned("me"), 100.05)
    for stage, at in [("offer", 100.3), ("answer", 100.4), ("ice", 101.0), ("dtls", 103.0),
                      ("sctp", 103.5), ("dtls", 109.0)]:  # a second link's DTLS: not ours
        join.observe(LinkProgress("host", stage, at), at + 0.01)
    join.observe(PeerConnected("host"), 103.6)
    stats = join.stats()
    assert stats == {"join:signalling_ms": 50, "join:offer_ms": 300, "join:answer_ms": 400,
                     "join:ice_ms": 1000, "join:dtls_ms": 3000, "join:sctp_ms": 3500,
                     "join:channel_ms": 3600, "join:attempts": 1}
    assert "dtls 3.00 s (+2.00)" in join.line()
    assert list(STAGES).index("synced") < list(STAGES).index("welcome")


def test_link_steps_after_synced_are_other_players_links() -> None:
    join = JoinTimeline(started=0.0)
    join.observe(LinkProgress("host", "offer", 1.0), 1.0)
    join.observe(SYNCED, 2.0)
    join.observe(LinkProgress("other", "ice", 5.0), 5.0)
    join.observe(WELCOMED, 2.5)
    assert join.stats() == {"join:offer_ms": 1000, "join:synced_ms": 2000,
                            "join:welcome_ms": 2500, "join:attempts": 1}


def test_a_join_still_moving_is_not_failed_at_the_deadline() -> None:
    join, relink = JoinTimeline(started=0.0), Relinks()
    join.observe(LinkProgress("host", "offer", 1.0), 1.0)
    join.observe(LinkProgress("host", "dtls", 8.0), 8.0)
    # The PEER_ID deadline (10 s after it began at 0.1 s) passes 2 s after the last step.
    assert join.on_deadline(10.1, ConnectionStage.PEER_ID, T, relink) == 18.0
    # Waiting for the snapshot: the sync budget counts from the last step too.
    join.observe(LinkProgress("other", "sctp", 15.0), 15.0)
    assert join.on_deadline(20.0, ConnectionStage.CONNECTED, T, relink) == 25.0
    assert relink.count == 0


def test_a_stalled_attempt_connects_again_until_the_attempts_are_used() -> None:
    join, relink = JoinTimeline(started=0.0), Relinks()
    now = 0.0
    for attempt in range(2, CONNECT_ATTEMPTS + 1):
        join.observe(LinkProgress("host", "answer", now + 1.0), now + 1.0)
        now += 12.0
        assert join.on_deadline(now, ConnectionStage.PEER_ID, T, relink) == now + 10.0
        assert join.attempts == attempt == relink.count + 1
    join.observe(TransportError("could not connect to peer host: ...", False), now + 1.0)
    assert join.on_deadline(now + 10.0, ConnectionStage.PEER_ID, T, relink) is None
    assert join.stats()["join:attempts"] == CONNECT_ATTEMPTS == relink.count + 1


def test_an_empty_room_fails_at_the_first_deadline() -> None:
    """No link was ever tried: nobody is there to connect to; retrying would only make the
    player wait longer for the same ConnectionTimeout."""
    join, relink = JoinTimeline(started=0.0), Relinks()
    join.observe(IdAssigned("me"), 0.1)
    assert join.on_deadline(10.1, ConnectionStage.PEER_ID, T, relink) is None
    assert relink.count == 0


def test_connected_but_no_snapshot_retries_the_stalled_links() -> None:
    """The first link to open may be another guest's; the host's (the snapshot's) stalled."""
    join, relink = JoinTimeline(started=0.0), Relinks()
    join.observe(LinkProgress("host", "ice", 1.0), 1.0)
    join.observe(PeerConnected("anchor"), 1.5)
    assert join.on_deadline(12.0, ConnectionStage.CONNECTED, T, relink) == 22.0
    assert relink.count == 1


def test_other_stages_fail_as_before() -> None:
    join, relink = JoinTimeline(started=0.0), Relinks()
    join.observe(LinkProgress("host", "offer", 4.0), 4.0)
    assert join.on_deadline(5.0, ConnectionStage.SIGNALLING, T, relink) is None
