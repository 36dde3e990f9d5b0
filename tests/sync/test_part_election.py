"""``Election`` alone: host loss, the successor rule, collecting and taking over, each
returned as a ``Move`` (plain values, fake clock, no LobbySync)."""

from __future__ import annotations

from konnekt_arcade.sync import Role
from konnekt_arcade.sync._election import Election
from konnekt_arcade.sync._outbox import Outbox
from konnekt_arcade.sync._role import Cause, Move
from konnekt_arcade.sync._wire import MissingEventsResponse

from .parts_kit import View, lobby_of, sent


def build(local: str = "b", role: Role = Role.REPLICA):
    lobby, roster, who = lobby_of("h", "a", "b")
    view = View(local_peer=local, lobby=lobby, roster=roster, local_participant_id=who[local],
                role=role, host_peer="h", epoch=7)
    applied = []
    out = Outbox()
    election = Election(view, out, lambda le, now: applied.append(le) or True)
    return view, out, election, applied


def move_to(view: View, election: Election, move: Move, role: Role, now: float) -> None:
    """What the core does with a move (the table says which role)."""
    view.role, view.host_peer, view.epoch = role, move.host_peer, move.epoch
    election.role_changed(role, now)


def test_losing_our_host_starts_an_election_losing_anyone_else_does_not():
    view, _, election, _ = build()
    assert election.peer_lost("a") is None
    assert election.peer_lost("h") == Move(Cause.HOST_LOST, "h", 7)
    view.role = Role.HOST
    assert election.peer_lost("h") is None


def test_survivors_wait_for_the_expected_successor_then_pass_over_it():
    view, _, election, _ = build("b", Role.ELECTING)
    election.role_changed(Role.ELECTING, 0.0)
    live = {"a": 0.0}
    assert election.expected_successor_peer(live) == "a"  # joined before us
    assert election.tick(live, 0.0) is None
    assert election.tick(live, view.config.migration_timeout - 0.1) is None
    assert election.tick(live, view.config.migration_timeout) is None
    assert election.passed_over == {"a"}
    assert election.expected_successor_peer(live) == "b"  # our turn


def test_the_successor_collects_from_survivors_then_takes_over():
    view, out, election, applied = build("a", Role.ELECTING)
    election.role_changed(Role.ELECTING, 0.0)
    live = {"b": 0.0}
    move = election.tick(live, 1.0)
    assert move == Move(Cause.SUCCESSOR_IS_US, "h", 7)
    assert sent(out) == [("b", "RequestMissingEvents")]
    move_to(view, election, move, Role.COLLECTING, 1.0)
    assert election.collecting_from("b") and election.tick(live, 1.1) is None
    election.collect("b", MissingEventsResponse(events=[], latest_sequence=0, epoch=7), 1.2)
    assert election.tick(live, 1.2) == Move(Cause.COLLECTED, "a", 8)


def test_nobody_to_ask_takes_over_at_once_and_a_lost_survivor_is_not_waited_for():
    view, _, election, _ = build("a", Role.ELECTING)
    election.role_changed(Role.ELECTING, 0.0)
    move = election.tick({"b": 0.0}, 1.0)
    move_to(view, election, move, Role.COLLECTING, 1.0)
    election.peer_lost("b")
    assert election.tick({}, 1.0) == Move(Cause.COLLECTED, "a", 8)


def test_collected_events_that_removed_us_pass_the_role_on():
    view, _, election, _ = build("a", Role.COLLECTING)
    election.role_changed(Role.COLLECTING, 0.0)
    lobby, _, _ = lobby_of("h")
    view.lobby = lobby  # the collected events left a lobby without us
    assert election.take_over() == Move(Cause.COLLECTED_REMOVED_US, "h", 7)
    assert "a" in election.passed_over
    election.role_changed(Role.REPLICA, 2.0)
    assert election.passed_over == frozenset()  # left the election: bookkeeping dropped
