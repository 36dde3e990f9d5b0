"""Deterministic scenarios for the sync engine over the simulated network."""

from __future__ import annotations

import pytest

from konnekt_arcade.domain import DomainCommand, DomainEvent, state_hash
from konnekt_arcade.sync import PROTOCOL_VERSION, HostChanged, LobbySync, LobbySynced, SyncConfig
from konnekt_arcade.sync._wire import Heartbeat, encode

from .simnet import SimNet, heartbeat_of


def lobby3(seed: int = 1) -> tuple[SimNet, LobbySync, LobbySync, LobbySync]:
    net = SimNet(seed)
    host = net.add_host()
    a = net.join("a", "Ann")
    b = net.join("b", "Ben")
    net.advance(0.5)
    return net, host, a, b


def host_cmd(net: SimNet, node: LobbySync, cls, **kw):
    lobby = node.lobby
    rid = node.submit(cls(lobby_id=lobby.id, **kw), net.now)
    net.flush()
    return rid


def test_late_joiner_gets_full_state_without_replay():
    net, host, a, b = lobby3()
    hid = host.local_participant_id
    host_cmd(net, host, DomainCommand.QueueActivity, host_id=hid, activity_type="echo",
             name="Echo")
    host_cmd(net, host, DomainCommand.StartNextRun, host_id=hid)
    net.advance(0.5)
    late = net.join("late", "Lou")
    net.advance(0.5)
    assert late.lobby.current_run is not None
    assert late.lobby.current_run.activity.name == "Echo"
    events = late.drain_events()
    assert any(isinstance(e, LobbySynced) and e.first for e in events)
    # only its own join was replayed, not the lobby's history
    assert not any(isinstance(e, DomainEvent.LobbyCreated) for e in events)
    assert net.converged()


def test_guest_commands_go_through_host_and_rejections_come_back():
    net, host, a, b = lobby3()
    # Ann tries to act as Ben
    rid = host_cmd(net, a, DomainCommand.SetReady, participant_id=b.local_participant_id,
                   ready=True)
    net.advance(0.5)
    failed = [e for e in a.drain_events() if isinstance(e, DomainEvent.CommandFailed)]
    assert [(f.request_id, f.reason) for f in failed] == [
        (rid, "you can only set ready for yourself")]
    # a guest cannot kick even when naming the host as actor
    host_cmd(net, a, DomainCommand.KickGuest, host_id=host.local_participant_id,
             guest_id=b.local_participant_id)
    net.advance(0.5)
    assert len(host.lobby.participants) == 3
    host_cmd(net, a, DomainCommand.SetReady, participant_id=a.local_participant_id, ready=True)
    net.advance(0.5)
    assert all(n.lobby.participant(a.local_participant_id).ready for n in (host, a, b))
    assert net.converged()


def test_lost_tail_is_found_by_heartbeat_and_repaired():
    net, host, a, b = lobby3()
    net.faults.drop = 1.0  # everything lost for a moment
    host_cmd(net, host, DomainCommand.QueueActivity, host_id=host.local_participant_id,
             activity_type="echo", name="Lost")
    net.faults.drop = 0.0
    assert a.lobby.activity_queue == ()
    assert net.run_until(net.converged, 5.0)
    assert a.lobby.activity_queue[0].name == "Lost"
    assert a.stats["gap_requests"] >= 1


def test_reordered_and_duplicated_events_apply_once_in_order():
    net, host, a, b = lobby3(seed=7)
    net.faults.duplicate = 0.5
    net.faults.max_delay = 0.3
    hid = host.local_participant_id
    for i in range(20):
        host_cmd(net, host, DomainCommand.QueueActivity, host_id=hid, activity_type="t",
                 name=f"A{i}")
    net.advance(2.0)
    assert [x.name for x in a.lobby.activity_queue] == [f"A{i}" for i in range(20)]
    assert a.stats["dropped:duplicate"] > 0
    assert net.converged()


def test_gap_older_than_log_falls_back_to_full_sync():
    cfg = SyncConfig(max_log_events=5, max_buffered_events=4)
    net = SimNet(3, cfg)
    host = net.add_host()
    a = net.join("a", "Ann")
    net.partition({"a"})
    hid = host.local_participant_id
    for i in range(12):
        host_cmd(net, host, DomainCommand.SendChat, participant_id=hid, text=f"m{i}")
    net.heal()
    assert net.run_until(lambda: state_hash(a.lobby) == state_hash(host.lobby), 10)
    assert a.stats["snapshots_applied"] >= 2


def test_events_from_non_host_and_stale_epochs_are_ignored():
    net, host, a, b = lobby3()
    before, epoch = state_hash(b.lobby), b.epoch
    # Ann replays the host's last event at her own initiative, then forges one
    le = host.event_at(host.sequence)
    from konnekt_arcade.sync._wire import EventBroadcast

    forged = le.model_copy(update={"sequence": host.sequence + 1})
    b.receive("a", encode(EventBroadcast(event=forged)), net.now)
    hb = Heartbeat(lobby_id=b.lobby.id, epoch=99, sequence=999, last_epoch=99, host_peer="a")
    b.receive("a", encode(hb), net.now)
    assert state_hash(b.lobby) == before
    assert b.host_peer == "host" and b.epoch == epoch
    assert b.stats["dropped:not_from_host"] == 1


def test_delegation_flips_roles_and_new_host_sequences():
    net, host, a, b = lobby3()
    host_cmd(net, host, DomainCommand.DelegateHost, current_host_id=host.local_participant_id,
             new_host_id=a.local_participant_id)
    assert net.run_until(lambda: a.is_host and not host.is_host and b.host_peer == "a", 3)
    assert any(isinstance(e, HostChanged) and e.is_local for e in a.drain_events())
    host_cmd(net, a, DomainCommand.QueueActivity, host_id=a.local_participant_id,
             activity_type="x", name="After")
    assert net.run_until(net.converged, 3)
    assert host.lobby.activity_queue[-1].name == "After"


@pytest.mark.parametrize("notify", [True, False], ids=["peer-left", "heartbeat-timeout"])
def test_host_loss_elects_earliest_joined_and_keeps_events(notify):
    net, host, a, b = lobby3()
    hid = host.local_participant_id
    host_cmd(net, host, DomainCommand.QueueActivity, host_id=hid, activity_type="x", name="Q")
    # Only Ben receives the last event before the host dies.
    net.partition({"a"})
    host_cmd(net, host, DomainCommand.SendChat, participant_id=hid, text="last words")
    net.advance(0.2)
    net.heal()
    net.kill("host", notify=notify)
    assert net.run_until(lambda: a.is_host, 6.0)
    assert net.run_until(net.converged, 3.0)
    assert [m.text for m in a.lobby.chat] == ["last words"]
    assert a.epoch > host.epoch and b.host_peer == "a" and b.epoch == a.epoch
    old = a.lobby.participant(hid)
    assert not old.connected and not old.is_host


def test_disconnected_guest_is_removed_after_grace_unless_it_rejoins():
    cfg = SyncConfig(grace_period=5.0)
    net = SimNet(5, cfg)
    host = net.add_host()
    a = net.join("a", "Ann")
    b = net.join("b", "Ben")
    token = a.reconnect_token
    pid = a.local_participant_id
    net.kill("a")
    net.kill("b")
    assert net.run_until(lambda: not host.lobby.participant(pid).connected, 1)
    net.advance(2.0)
    a2 = net.add_guest("a2", resume=(pid, token))
    assert net.run_until(lambda: host.lobby.participant(pid).connected, 3)
    assert a2.local_participant_id == pid
    net.advance(6.0)
    assert host.lobby.participant(pid) is not None
    assert host.lobby.participant(b.local_participant_id) is None
    left = [e for e in host.drain_events() if isinstance(e, DomainEvent.GuestLeft)]
    assert [e.reason.value for e in left] == ["timed_out"]


def test_kicked_participant_cannot_rejoin_with_token():
    net, host, a, b = lobby3()
    pid, token = a.local_participant_id, a.reconnect_token
    host_cmd(net, host, DomainCommand.KickGuest, host_id=host.local_participant_id, guest_id=pid)
    net.advance(0.5)
    net.kill("a")
    a2 = net.add_guest("a2", resume=(pid, token))
    net.advance(1.0)
    failed = [e for e in a2.drain_events() if isinstance(e, DomainEvent.CommandFailed)]
    assert failed and failed[0].reason == "you were removed from this lobby"
    assert host.lobby.participant(pid) is None


def test_garbage_never_raises_and_is_counted():
    net, host, a, b = lobby3()
    ours, other = PROTOCOL_VERSION, PROTOCOL_VERSION + 1
    for junk in [b"", b"{", b"null", b'{"v":%d}' % ours, b'{"v":%d,"msg":{}}' % other,
                 b"\xff" * 10,
                 b'{"v":%d,"msg":{"type":"Command","request_id":1,"command":{"type":"Nope"}}}'
                 % ours,
                 b"x" * (host.config.max_message_size + 1)]:
        host.receive("a", junk, net.now)
    assert host.stats["dropped:too_large"] == 1
    assert host.stats["dropped:bad_version"] == 1
    assert host.stats["dropped:malformed"] == 6


def test_host_leaving_hands_over_then_leaves_through_the_new_host():
    net, host, a, b = lobby3()
    hid = host.local_participant_id
    host_cmd(net, host, DomainCommand.LeaveLobby, participant_id=hid)
    assert net.run_until(lambda: a.is_host and b.lobby.participant(hid) is None, 3)
    assert net.run_until(net.converged, 3)
    assert host.lobby.participant(hid) is None
    left = [e for e in b.drain_events() if isinstance(e, DomainEvent.GuestLeft)]
    assert [e.reason.value for e in left] == ["left"]


def test_stale_heartbeat_of_a_delegating_host_does_not_revert_delegation():
    net, host, a, b = lobby3()
    stale = encode(heartbeat_of(host))
    host_cmd(net, host, DomainCommand.DelegateHost, current_host_id=host.local_participant_id,
             new_host_id=a.local_participant_id)
    assert net.run_until(lambda: a.is_host and b.host_peer == "a", 3)
    a.receive("host", stale, net.now)
    b.receive("host", stale, net.now)
    net.advance(1.0)
    assert a.is_host and not host.is_host and b.host_peer == "a"
