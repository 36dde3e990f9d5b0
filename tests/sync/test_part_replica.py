"""``Replica`` alone: ordering, buffering, gap repair and what a heartbeat asks for, with
recorders for its callbacks and a fake clock (no LobbySync)."""

from __future__ import annotations

from konnekt_arcade.domain import DomainEvent
from konnekt_arcade.sync import Role
from konnekt_arcade.sync._log import EventLog
from konnekt_arcade.sync._outbox import Outbox
from konnekt_arcade.sync._replica import Replica
from konnekt_arcade.sync._role import Cause, Move
from konnekt_arcade.sync._wire import Heartbeat, LobbyEvent

from .parts_kit import View, lobby_of, sent


class Rig:
    def __init__(self, consider: bool = False) -> None:
        lobby, roster, who = lobby_of("h", "me")
        self.who, self.lobby_id = who, lobby.id
        self.view = View(lobby=lobby, roster=roster, local_participant_id=who["me"], epoch=5)
        self.out = Outbox()
        self.log = EventLog(64)
        self.applied: list[int] = []
        self.full_syncs: list[float] = []
        self.claims: list[tuple] = []
        self.consider_answer = consider
        self.replica = Replica(self.view, self.out, self.log, apply=self.apply,
                               consider=self.consider, request_full_sync=self.full_syncs.append,
                               last_epoch=lambda: 5, digest=lambda: None)

    def apply(self, le: LobbyEvent, now: float) -> bool:
        self.view.sequence = le.sequence
        self.log.append(le)
        self.applied.append(le.sequence)
        return True

    def consider(self, claimed: str, epoch: int, via: str, now: float) -> bool:
        self.claims.append((claimed, epoch, via))
        return self.consider_answer

    def event(self, sequence: int, epoch: int = 5) -> LobbyEvent:
        return LobbyEvent(sequence=sequence, epoch=epoch, lobby_id=self.lobby_id,
                          timestamp=0.0, event=DomainEvent.ChatPosted(
                              participant_id=self.who["h"], text=str(sequence), at=0.0))


def test_events_apply_in_order_and_a_gap_is_asked_for_once_then_filled():
    rig = Rig()
    r = rig.replica
    r.on_event("h", rig.event(1), 0.0, live=True)
    r.on_event("h", rig.event(3), 0.0, live=True)
    r.on_event("h", rig.event(4), 0.0, live=True)
    assert rig.applied == [1] and r.buffered == 2 and r.repairing == 3
    assert sent(rig.out) == [("h", "RequestMissingEvents")] * 2  # the range grew once
    r.on_event("h", rig.event(5), 0.0, live=True)
    r.on_event("h", rig.event(5), 0.0, live=True)
    assert r.repairing == 4 and rig.out.stats["dropped:duplicate"] == 1
    sent(rig.out)
    r.on_event("h", rig.event(2), 0.1, live=True)
    assert rig.applied == [1, 2, 3, 4, 5] and r.buffered == 0 and r.repairing is None
    r.on_event("h", rig.event(2), 0.2, live=True)
    assert rig.out.stats["dropped:duplicate"] == 2 and sent(rig.out) == []


def test_a_gap_is_retried_then_repaired_by_a_full_sync():
    rig = Rig()
    r, cfg = rig.replica, rig.view.config
    r.on_event("h", rig.event(3), 0.0, live=True)
    sent(rig.out)
    now = 0.0
    for _ in range(cfg.max_gap_retries):
        now += cfg.retry_interval
        r.retry_gap(now)
        assert sent(rig.out) == [("h", "RequestMissingEvents")]
    r.retry_gap(now + cfg.retry_interval)
    assert rig.full_syncs == [now + cfg.retry_interval] and r.repairing is None


def test_events_from_anyone_but_our_host_are_weighed_as_claims_or_dropped():
    rig = Rig()
    rig.replica.on_event("x", rig.event(1), 0.0, live=True)  # same epoch: not even a claim
    rig.replica.on_event("x", rig.event(1, epoch=9), 0.0, live=True)
    assert rig.claims == [("x", 9, "x")] and rig.applied == []
    assert rig.out.stats["dropped:not_from_host"] == 2


def test_heartbeats_bring_back_a_lost_host_or_start_an_election():
    rig = Rig()
    v, r = rig.view, rig.replica
    hb = Heartbeat(lobby_id=v.lobby.id, epoch=5, sequence=0, last_epoch=5, host_peer="h")
    v.role = Role.ELECTING
    assert r.on_heartbeat("h", hb, 1.0, {"h"}) == Move(Cause.LOST_HOST_BACK, "h", 5)
    v.role = Role.REPLICA
    follows_x = hb.model_copy(update={"host_peer": "x"})
    assert r.on_heartbeat("h", follows_x, 1.0, {"h", "x"}) == Move(Cause.HOST_FOLLOWS_OTHER,
                                                                   "h", 5)
    assert rig.claims == [("x", 5, "h")]
    ahead = hb.model_copy(update={"sequence": 4})
    assert r.on_heartbeat("h", ahead, 1.0, {"h"}) is None
    assert sent(rig.out) == [("h", "RequestMissingEvents")] and r.repairing == 4


def test_events_before_the_first_snapshot_count_only_if_its_host_sent_them():
    rig = Rig()
    v, r = rig.view, rig.replica
    lobby, v.lobby = v.lobby, None
    r.on_event("h", rig.event(2), 0.0, live=True)
    r.on_event("x", rig.event(3), 0.0, live=True)
    v.lobby, v.sequence = lobby, 1
    r.after_snapshot("h")
    assert r.buffered == 1
    r.drain_buffer(0.1)
    assert rig.applied == [2]
