"""Authority rules against a hostile participant, sans-I/O (fast).

A guest ("mal") joined the lobby normally, then writes raw wire messages
straight into the honest peers' ``receive``: whatever it sends, the honest
peers' state changes only through the host's rules, and the counters say
what was refused.
"""

from __future__ import annotations

import pytest

from konnekt_arcade.domain import DomainCommand, DomainEvent, state_hash
from konnekt_arcade.sync import LobbySync, SyncConfig
from konnekt_arcade.sync._wire import (
    Command,
    EventBroadcast,
    FullSyncResponse,
    Heartbeat,
    LobbyEvent,
    RosterUpdate,
    Welcome,
    encode,
)
from tests.sync.simnet import SimNet, heartbeat_of


def lobby(n_guests: int = 2, seed: int = 1, config: SyncConfig | None = None):
    net = SimNet(seed, config)
    host = net.add_host()
    guests = [net.join(f"g{i}", f"Guest {i}") for i in range(1, n_guests + 1)]
    mal = net.join("mal", "Mallory")
    net.advance(0.5)
    return net, host, guests, mal


def inject(net: SimNet, targets: list[LobbySync], msg, sender: str = "mal") -> None:
    data = msg if isinstance(msg, bytes) else encode(msg)
    for node in targets:
        node.receive(sender, data, net.now)
    net.flush()


def hashes(*nodes: LobbySync) -> list[str]:
    return [state_hash(n.lobby) for n in nodes]


def forged_event(host: LobbySync, event, *, sequence: int | None = None, epoch: int | None = None):
    return LobbyEvent(sequence=sequence or host.sequence + 1,
                      epoch=host.epoch if epoch is None else epoch,
                      lobby_id=host.lobby.id, timestamp=0.0, event=event)


@pytest.mark.parametrize("epoch_offset", [0, 1, 50])
def test_forged_event_broadcasts_change_nothing(epoch_offset):
    net, host, (g1, g2), mal = lobby()
    before = hashes(host, g1, g2)
    kick = DomainEvent.GuestLeft(participant_id=g1.local_participant_id, reason="kicked")
    for _ in range(5):
        inject(net, [host, g1, g2], EventBroadcast(event=forged_event(
            host, kick, epoch=host.epoch + epoch_offset)))
    net.advance(2.0)
    assert hashes(host, g1, g2) == before
    assert host.is_host and g1.host_peer == "host" and g2.host_peer == "host"
    for node in (g1, g2):
        assert node.stats["dropped:not_from_host"] >= 5


def test_forged_snapshot_from_a_guest_is_ignored():
    net, host, (g1, g2), mal = lobby()
    before = hashes(host, g1, g2)
    snap = mal.snapshot().model_copy(update={"host_peer": "mal", "epoch": host.epoch + 3,
                                             "name": "Owned"})
    for _ in range(3):
        inject(net, [host, g1, g2], FullSyncResponse(snapshot=snap))
    net.advance(2.0)
    assert hashes(host, g1, g2) == before
    assert host.is_host and host.lobby.name == "Lobby"
    assert all(n.host_peer == "host" for n in (g1, g2))


@pytest.mark.parametrize("n_guests", [0, 1, 3], ids=["two-player", "three-player", "five-player"])
def test_lone_guest_claiming_any_epoch_cannot_dethrone_the_host(n_guests):
    net, host, guests, mal = lobby(n_guests)
    before = hashes(host, *guests)
    for i in range(20):
        claim = Heartbeat(lobby_id=host.lobby.id, epoch=host.epoch + 1 + i * 7,
                          sequence=host.sequence + 100, last_epoch=0, host_peer="mal",
                          beat=10_000 + i)
        inject(net, [host, *guests], claim)
        net.advance(0.3)
    net.advance(2.0)
    assert host.is_host
    assert all(g.host_peer == "host" and not g.is_host for g in guests)
    assert hashes(host, *guests) == before
    assert host.stats["rejected:host_claim"] >= 1
    assert host.stats["stepped_down"] == 0


def test_guest_cannot_take_roster_welcome_or_sequence_numbers():
    net, host, (g1, g2), mal = lobby()
    before_roster = g1.roster
    inject(net, [g1, g2], RosterUpdate(epoch=g1.epoch, roster=before_roster.model_copy(
        update={"entries": {}})))
    inject(net, [g1], Welcome(lobby_id=g1.lobby.id, participant_id=mal.local_participant_id,
                              reconnect_token="stolen"))
    assert g1.roster == before_roster
    assert g1.local_participant_id != mal.local_participant_id
    assert g1.stats["dropped:not_from_host"] >= 2


FORBIDDEN = {
    "kick": lambda h, v, m, run: DomainCommand.KickGuest(
        lobby_id=h.lobby.id, host_id=h.local_participant_id, guest_id=v.local_participant_id),
    "delegate": lambda h, v, m, run: DomainCommand.DelegateHost(
        lobby_id=h.lobby.id, current_host_id=h.local_participant_id,
        new_host_id=m.local_participant_id),
    "queue": lambda h, v, m, run: DomainCommand.QueueActivity(
        lobby_id=h.lobby.id, host_id=h.local_participant_id, activity_type="x", name="X"),
    "start": lambda h, v, m, run: DomainCommand.StartNextRun(
        lobby_id=h.lobby.id, host_id=h.local_participant_id),
    "cancel": lambda h, v, m, run: DomainCommand.CancelRun(
        lobby_id=h.lobby.id, host_id=h.local_participant_id, run_id=run),
    "submit_for_other": lambda h, v, m, run: DomainCommand.SubmitResult(
        lobby_id=h.lobby.id, run_id=run, participant_id=v.local_participant_id, score=999),
    "ready_for_other": lambda h, v, m, run: DomainCommand.SetReady(
        lobby_id=h.lobby.id, participant_id=v.local_participant_id, ready=True),
    "chat_as_other": lambda h, v, m, run: DomainCommand.SendChat(
        lobby_id=h.lobby.id, participant_id=v.local_participant_id, text="I resign"),
    "leave_for_other": lambda h, v, m, run: DomainCommand.LeaveLobby(
        lobby_id=h.lobby.id, participant_id=v.local_participant_id),
    "create_lobby": lambda h, v, m, run: DomainCommand.CreateLobby(
        lobby_name="Mine", host_name="Mallory"),
    "join_twice": lambda h, v, m, run: DomainCommand.JoinLobby(
        lobby_id=h.lobby.id, guest_name="Mallory 2"),
}


@pytest.mark.parametrize("action", sorted(FORBIDDEN))
def test_forbidden_commands_are_rejected_and_counted(action):
    net, host, (g1, g2), mal = lobby()
    hid = host.local_participant_id
    host.submit(DomainCommand.QueueActivity(lobby_id=host.lobby.id, host_id=hid,
                                            activity_type="echo", name="Echo"), net.now)
    host.submit(DomainCommand.StartNextRun(lobby_id=host.lobby.id, host_id=hid), net.now)
    net.flush()
    net.advance(0.5)
    run = host.lobby.current_run.id
    before = hashes(host, g1, g2)
    cmd = FORBIDDEN[action](host, g1, mal, run)
    inject(net, [host], Command(request_id=77, command=cmd))
    net.advance(0.5)
    assert hashes(host, g1, g2) == before
    assert host.stats["rejected"] >= 1
    assert host.stats[f"rejected:{type(cmd).__name__}"] == 1
    # and through the guest's own API the rejection comes back to it
    mal.submit(cmd, net.now)
    net.flush()
    net.advance(0.5)
    assert any(isinstance(e, DomainEvent.CommandFailed) for e in mal.drain_events())
    assert hashes(host, g1, g2) == before


def test_replayed_and_duplicated_host_events_apply_once():
    net, host, (g1, g2), mal = lobby()
    host.submit(DomainCommand.SendChat(lobby_id=host.lobby.id,
                                       participant_id=host.local_participant_id, text="hi"),
                net.now)
    net.flush()
    net.advance(0.5)
    before = hashes(host, g1, g2)
    old = [host.event_at(s) for s in range(1, host.sequence + 1) if host.event_at(s)]
    for le in old * 3:  # replays of genuine host events, by the host's peer id too
        g1.receive("host", encode(EventBroadcast(event=le)), net.now)
        inject(net, [g2], EventBroadcast(event=le))
    net.advance(1.0)
    assert hashes(host, g1, g2) == before
    assert g1.stats["dropped:duplicate"] >= len(old)


def test_events_sent_before_the_first_snapshot_count_only_from_its_host():
    net, host, (g1,), mal = lobby(1)
    newbie = LobbySync.create_guest("newbie")
    forged = forged_event(host, DomainEvent.ChatPosted(
        participant_id=host.local_participant_id, text="forged", at=0.0))
    newbie.receive("mal", encode(EventBroadcast(event=forged)), net.now)
    net.attach("newbie", newbie)
    assert net.run_until(lambda: newbie.lobby is not None, 3)
    net.advance(1.0)
    assert state_hash(newbie.lobby) == state_hash(host.lobby)
    assert all(m.text != "forged" for m in newbie.lobby.chat)


def test_reordered_old_heartbeat_is_ignored():
    net, host, (g1, g2), mal = lobby()
    stale = encode(heartbeat_of(host, beat=1000))
    newer = encode(heartbeat_of(host, beat=1001))
    g1.receive("host", newer, net.now)
    g1.receive("host", stale, net.now)
    assert g1.stats["dropped:stale_heartbeat"] == 1


def test_kicked_participant_cannot_return_with_its_token():
    net, host, (g1,), mal = lobby(1)
    pid, token = mal.local_participant_id, mal.reconnect_token
    host.submit(DomainCommand.KickGuest(lobby_id=host.lobby.id, host_id=host.local_participant_id,
                                        guest_id=pid), net.now)
    net.flush()
    net.advance(0.5)
    net.kill("mal")
    again = net.add_guest("mal2", resume=(pid, token))
    net.advance(1.0)
    failed = [e for e in again.drain_events() if isinstance(e, DomainEvent.CommandFailed)]
    assert failed and "removed" in failed[0].reason
    assert host.lobby.participant(pid) is None
    assert str(pid) in host.roster.banned
    assert host.stats["rejected:Rejoin"] >= 1


def test_a_peer_that_never_proved_the_password_does_not_reach_the_game():
    """Issue 22, bug 2: the host recorded a peer's command (what ``drain_domain_commands``
    hands the game) before checking that the peer proved the lobby password."""
    host = LobbySync.create_host("h", "L", "Hana", 0.0, password="pw")
    host.peer_connected("stranger", 0.0)
    chat = DomainCommand.SendChat(lobby_id=host.lobby.id, participant_id=host.lobby.host_id,
                                  text="let me in")
    join = DomainCommand.JoinLobby(lobby_id=host.lobby.id, guest_name="Eve")
    for rid, cmd in enumerate((chat, join), 1):
        host.receive("stranger", encode(Command(request_id=rid, command=cmd)), 0.1)
    assert host.drain_received_commands() == []
    assert host.stats["rejected"] == 2
    assert len(host.lobby.participants) == 1
