"""Fault sequences the stateful test found, replayed step by step so they stay fixed even when
hypothesis explores elsewhere. Each drives ``LobbyUnderFaults`` exactly as the shrunk example
did; ``teardown()`` checks the safety invariants (one host per epoch, one event per epoch and
sequence, commands sequenced at most once, no internal error), that every live peer converges
on one host and one state, and that commands were answered; ``settled()`` then checks that
the outcome is a coherent lobby, not just an agreed one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from konnekt_arcade.domain import DomainCommand, DomainError
from konnekt_arcade.sync import LobbySync

from .test_sync_stateful import LobbyUnderFaults


class Draws:
    """Stands in for hypothesis' ``data``: hands out the recorded draws in order; a callable
    picks the first element of a ``sampled_from`` strategy it accepts."""

    def __init__(self, *values: Any) -> None:
        self.values = list(values)

    def draw(self, strategy: Any) -> Any:
        value = self.values.pop(0)
        if callable(value):
            return next(e for e in strategy.elements if value(e))
        return value


def command(name: str, **fields: Any) -> Callable[[Any], bool]:
    return lambda c: type(c).__name__ == name and all(
        getattr(c, k) == v for k, v in fields.items())


def machine(seed: int) -> LobbyUnderFaults:
    state = LobbyUnderFaults()
    state.start(seed=seed)
    return state


def pid(state: LobbyUnderFaults, name: str) -> UUID:
    return state.net.nodes[name].local_participant_id  # type: ignore[return-value]


def settled(state: LobbyUnderFaults) -> None:
    """One host, followed by every synced peer in the host's own epoch, whose lobby names that
    host as its host; the peers' logs agree event by event where they overlap."""
    net = state.net
    (name,) = net.hosts()
    host = net.nodes[name]
    assert host.lobby is not None and host.lobby.host_id == host.local_participant_id
    for n in net.live():
        node = net.nodes[n]
        if node.lobby is None:
            continue
        assert (node.host_peer, node.epoch, node.sequence) == (name, host.epoch, host.sequence)
        for seq in range(max(1, host.sequence - 20), host.sequence + 1):
            mine, theirs = node.event_at(seq), host.event_at(seq)
            if mine is not None and theirs is not None:
                assert mine == theirs, (n, seq)


def test_delegation_across_a_partition_keeps_the_hand_over() -> None:
    """The host delegated to a guest it could not reach; the guest must fetch the
    HostDelegated event rather than promote itself from a heartbeat (which rolled everyone
    back past the delegation and left no host once it died)."""
    state = machine(0)
    state.add_guest()
    state.add_guest()
    state.partition(Draws({"g1"}))
    state.random_command(Draws("g1", pid(state, "g1"), False, command("SetReady", ready=False)))
    state.random_command(Draws("host", pid(state, "g1"), False, command("DelegateHost")))
    state.heal()
    state.add_guest()
    state.kill(Draws("g1"), notify=False)
    state.teardown()
    settled(state)


def test_two_drifted_lobbies_settle_on_one_host() -> None:
    """Each side of a partition elected a host and their grace periods removed each other:
    ranking by join time (each from its own lobby) made both win forever; the peer-id
    tie-break ends the epoch war."""
    state = machine(9295)
    state.advance(dt=1.0)
    state.set_faults(delay=0.25, drop=0.0, dup=0.0)
    state.add_guest()
    state.add_guest()
    for _ in range(3):
        state.advance(dt=1.0)
    state.partition(Draws({"g1"}))
    state.advance(dt=1.0)
    state.kill(Draws("host"), notify=False)
    state.add_guest()
    state.advance(dt=1.0)
    state.kill(Draws("g1"), notify=False)
    state.teardown()
    settled(state)


def test_hand_over_to_a_peer_that_already_left_starts_an_election() -> None:
    """The HostDelegated event arrived after the new host's departure: the follower must
    elect at once (nothing would ever time that host out)."""
    state = machine(0)
    state.random_command(Draws("host", pid(state, "host"), False, command("SetReady")))
    state.add_guest()
    state.add_guest()
    state.add_guest()
    state.random_command(Draws("host", pid(state, "g1"), False, command("DelegateHost")))
    state.kill(Draws("g3"), notify=False)
    state.kill(Draws("g1"), notify=True)
    state.random_command(Draws("g2", pid(state, "host"), False,
                               command("SetReady", ready=False)))
    state.add_guest()
    state.kill(Draws("host"), notify=False)
    state.teardown()
    settled(state)


def test_a_host_handed_the_role_again_does_not_reuse_its_term() -> None:
    """Partitions healing three ways: a host yielded (taking the winner's history), then was
    handed the role back. Its old followers saw the same epoch and sequence numbers with
    another history; the heartbeat's state digest catches that, a new term and a logged
    hand-over keep host role and lobby consistent."""
    state = machine(0)
    state.advance(dt=0.125)
    state.add_guest()
    state.advance(dt=0.5)
    for _ in range(4):
        state.add_guest()
    state.advance(dt=1.25)
    state.advance(dt=1.0)
    state.partition(Draws({"g1"}))
    for dt in (2.0, 0.5, 0.05, 1.0, 2.0):
        state.advance(dt=dt)
    state.partition(Draws({"g1"}))
    state.partition(Draws({"g2", "g1", "g3"}))
    for dt in (1.0, 1.0, 0.125, 1.0):
        state.advance(dt=dt)
    state.partition(Draws({"g4", "g1"}))
    state.advance(dt=0.25)
    state.advance(dt=1.5)
    state.partition(Draws({"g1"}))
    state.advance(dt=2.0)
    state.partition(Draws({"g1"}))
    state.teardown()
    for node in state.net.nodes.values():
        if node.is_host and node.lobby is not None:
            assert node.lobby.host_id == node.local_participant_id
    settled(state)


def test_two_hosts_of_one_lobby_end_their_epoch_war() -> None:
    """Seed 608 (shrunk): churn of joins and kills, then a partition whose two sides each
    had a host. After the heal both hosts kept out-voting each other, each raising its epoch
    above the other's forever (g21 at 127, g22 at 126, ...): the judge of a claim must order
    two claims the same way on every peer, whatever each side's own roster says."""
    state = machine(1329392)
    for _ in range(2):
        state.add_guest()
    state.kill(Draws('g1'), notify=False)
    state.add_guest()
    state.kill(Draws('g3'), notify=True)
    for _ in range(4):
        state.add_guest()
    state.kill(Draws('g6'), notify=False)
    state.kill(Draws('g2'), notify=False)
    state.kill(Draws('host'), notify=True)
    state.kill(Draws('g4'), notify=True)
    for _ in range(5):
        state.add_guest()
    state.kill(Draws('g12'), notify=True)
    state.add_guest()
    state.kill(Draws('g11'), notify=False)
    state.add_guest()
    state.kill(Draws('g14'), notify=False)
    state.add_guest()
    state.kill(Draws('g13'), notify=False)
    state.kill(Draws('g9'), notify=False)
    state.kill(Draws('g10'), notify=False)
    state.kill(Draws('g8'), notify=True)
    state.add_guest()
    state.kill(Draws('g15'), notify=False)
    for _ in range(2):
        state.add_guest()
    state.kill(Draws('g16'), notify=False)
    state.kill(Draws('g18'), notify=False)
    for _ in range(2):
        state.add_guest()
    state.kill(Draws('g17'), notify=False)
    state.kill(Draws('g20'), notify=False)
    state.add_guest()
    state.kill(Draws('g19'), notify=False)
    for _ in range(2):
        state.add_guest()
    state.kill(Draws('g5'), notify=True)
    state.add_guest()
    state.partition(Draws({'g25', 'g23', 'g22'}))
    state.add_guest()
    state.teardown()
    settled(state)


def test_survivors_elect_when_the_host_they_follow_dies_unannounced() -> None:
    """Seed 701 (shrunk): lossy links, partitions and kills; the last host (g5) died
    without notice and nobody took over (no host for 40 s)."""
    state = machine(323216)
    state.advance(dt=0.8373075066178743)
    state.set_faults(delay=0.1304262309705756, drop=0.0, dup=0.2880157325959187)
    state.add_guest()
    state.partition(Draws({'g1'}))
    for _ in range(2):
        state.add_guest()
    state.kill(Draws('g3'), notify=True)
    state.advance(dt=0.9698188948598145)
    state.kill(Draws('host'), notify=False)
    state.partition(Draws({'g1'}))
    state.advance(dt=1.7015118134307308)
    state.heal()
    state.advance(dt=0.8740675651150682)
    state.set_faults(delay=0.2573997621855244, drop=0.0944559965025362, dup=0.29999999999999993)
    state.add_guest()
    state.set_faults(delay=0.29111323094029357, drop=0.08903961787424776, dup=0.0718758539095412)
    for _ in range(2):
        state.add_guest()
    state.random_command(Draws('g2', UUID('71d2113b-3329-3202-65df-0e0e57033c07'), False,
                               command('SendChat')))
    state.set_faults(delay=0.06076442340435372, drop=0.07439539253196652, dup=0.22969716854498315)
    state.add_guest()
    state.kill(Draws('g1'), notify=True)
    state.set_faults(delay=0.005, drop=0.044456929948013875, dup=0.2562816141446177)
    state.advance(dt=0.6667282890109812)
    # g7's join was lost with its host: it submits as the participant it was told it is.
    state.net.nodes["g7"].submit(DomainCommand.SetReady(
        lobby_id=UUID('c98eb7f2-ff32-467c-5a4a-02b6c4a44bec'),
        participant_id=UUID('cb8836fa-e71e-4ade-efe4-b3d041e2a6c6'), ready=True), state.net.now)
    state.net.flush()
    state.heal()
    state.partition(Draws({'g6'}))
    state.advance(dt=0.5042243862208889)
    state.add_guest()
    state.advance(dt=0.3971422997068327)
    state.kill(Draws('g2'), notify=True)
    state.kill(Draws('g7'), notify=True)
    state.kill(Draws('g8'), notify=True)
    state.partition(Draws({'g5'}))
    state.advance(dt=1.449399310298504)
    state.advance(dt=0.5997421959671839)
    state.advance(dt=0.2730093759546872)
    state.heal()
    state.add_guest()
    state.kill(Draws('g5'), notify=False)
    for _ in range(2):
        state.add_guest()
    state.teardown()
    settled(state)


def test_replaying_old_hand_overs_never_leaves_followers_in_a_term_their_host_lacks() -> None:
    """Hunt seed 5 (shrunk): the host, cut off, delegated to g4 and was handed the role back
    (logged as a migration). g4, catching up, folded both hand-overs: it was host for an
    instant (opening an epoch of its own), then kept that epoch as a follower and told
    everyone that the old host ruled in it. The followers sat in a term their host never
    had and dropped its events as stale. A hand-over's term now comes from the event, and
    only a host speaks for its own term."""
    state = machine(536870913)
    state.set_faults(delay=0.2536936363418327, drop=0.0, dup=1.401298464324817e-45)
    state.add_guest()
    state.set_faults(delay=0.14174598530963067, drop=0.1449071725848168,
                     dup=0.21282689403230892)
    state.add_guest()
    state.partition(Draws({"g1", "host"}))
    lid, host, g1 = state.net.nodes["host"].lobby.id, pid(state, "host"), pid(state, "g1")
    state.random_command(Draws("host", g1, True, DomainCommand.SetReady(
        lobby_id=lid, participant_id=host, ready=True)))
    state.random_command(Draws("g1", g1, False, DomainCommand.ToggleParticipationMode(
        lobby_id=lid, participant_id=g1)))
    state.set_faults(delay=0.16082987953565134, drop=0.02169221101526036,
                     dup=0.2073770879839979)
    state.add_guest()
    state.set_faults(delay=0.1642067272246234, drop=0.0, dup=0.0)
    state.add_guest()
    state.add_guest()
    state.random_command(Draws("g1", host, False, DomainCommand.SetReady(
        lobby_id=lid, participant_id=g1, ready=False)))
    state.partition(Draws({"host"}))
    state.random_command(Draws("host", g1, False, DomainCommand.QueueActivity(
        lobby_id=lid, host_id=host, activity_type="t", name="T")))
    g4 = pid(state, "g4")
    state.random_command(Draws("host", g4, True, DomainCommand.DelegateHost(
        lobby_id=lid, current_host_id=host, new_host_id=g4)))
    state.random_command(Draws("g1", host, True, DomainCommand.SetReady(
        lobby_id=lid, participant_id=g1, ready=True)))
    state.teardown()
    net = state.net
    (host_name,) = net.hosts()
    assert all(net.nodes[n].epoch == net.nodes[host_name].epoch for n in net.live())
    settled(state)


def test_a_host_its_rival_no_longer_knows_still_wins_the_standoff() -> None:
    """Hunt seed 15 (shrunk): g1, cut off with two guests, took over and (grace period) removed
    the old host; after the heal everyone followed the old host at a higher epoch, but g1 did
    not know it any more (level 0 needs a known claimant) and did not out-vote it either, so
    neither side raised and the escalation never started: two hosts for good. Losing to an
    unknown rival now counts a round too."""
    state = machine(1192)
    state.add_guest()
    state.set_faults(delay=0.29212359582321584, drop=0.2739606250664281,
                     dup=0.14039266412569473)
    lid, host = state.net.nodes["host"].lobby.id, pid(state, "host")
    state.random_command(Draws("host", host, False, DomainCommand.QueueActivity(
        lobby_id=lid, host_id=host, activity_type="t", name="T")))
    state.add_guest()
    state.partition(Draws({"g1", "g3", "g2"}))
    state.add_guest()
    state.add_guest()
    g1 = pid(state, "g1")
    state.random_command(Draws("g1", host, False, DomainCommand.KickGuest(
        lobby_id=lid, host_id=g1, guest_id=host)))
    state.add_guest()
    state.teardown()
    settled(state)


# --- long hunts' findings, stored as data ---------------------------------------------------
# Each file in replays/ is one failing example as hypothesis printed it (rules, their
# arguments, and every draw as a Python literal), delta-debugged to fewer steps. They replay
# exactly because the stateful test is deterministic for given draws.

REPLAYS = sorted((Path(__file__).parent / "replays").glob("*.json"))
_LITERALS = {"UUID": UUID, **{n: getattr(DomainCommand, n) for n in dir(DomainCommand)
                              if not n.startswith("_")}}


class Literals:
    """``data`` for a rule: hands out the recorded draws (Python literals) in order."""

    def __init__(self, values: list[str]) -> None:
        self.values = list(values)

    def draw(self, strategy: Any) -> Any:
        return eval(self.values.pop(0), dict(_LITERALS))  # recorded test data only


def replay(steps: list[dict[str, Any]]) -> LobbyUnderFaults:
    state = LobbyUnderFaults()
    for step in steps:
        kwargs = eval(f"dict({step['args']})", dict(_LITERALS))
        if step["draws"] or step["rule"] in ("partition", "kill", "random_command"):
            kwargs["data"] = Literals(step["draws"])
        getattr(state, step["rule"])(**kwargs)
        state.never_more_than_one_host_per_epoch()
    return state


@pytest.mark.parametrize("path", REPLAYS, ids=[p.stem for p in REPLAYS])
def test_hunt_replay(path: Path) -> None:
    recorded = json.loads(path.read_text())
    assert recorded["why"]
    state = replay(recorded["steps"])
    state.teardown()
    settled(state)


def test_a_replay_runs_the_same_twice() -> None:
    """What keeps hunts reproducible (no FlakyStrategyDefinition, no FlakyFailure): the same
    draws give the same run — no clock, no randomness outside the draws, no hash order."""
    steps = json.loads(REPLAYS[0].read_text())["steps"]

    def fingerprint() -> list[object]:
        state = replay(steps)
        net = state.net
        net.heal()
        net.advance(5.0)
        return [net.delivered, *((n, net.nodes[n].role, net.nodes[n].epoch, net.nodes[n].sequence,
                                  sorted(net.nodes[n].stats.items())) for n in net.live()),
                net.hashes()]

    assert fingerprint() == fingerprint()


def test_create_host_refuses_zero_participants_instead_of_taking_the_default() -> None:
    """``max_participants=0`` was falsy and silently meant "the default" (16)."""
    with pytest.raises(DomainError):
        LobbySync.create_host("host", "Lobby", "Host", 0.0, max_participants=0)
    assert LobbySync.create_host("host", "Lobby", "Host", 0.0,
                                 max_participants=2).lobby.max_participants == 2
