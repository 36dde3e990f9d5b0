"""``Authority`` alone: heartbeat counters, votes, and what a claim's verdict asks of the
core (a ``Ruling`` with the ``Move`` to make), with plain values and a fake clock."""

from __future__ import annotations

from konnekt_arcade.sync import Role
from konnekt_arcade.sync._authority import MAX_TRACKED_PEERS, Authority
from konnekt_arcade.sync._role import Cause, Claim, Move

from .parts_kit import View, lobby_of


def test_reordered_heartbeats_are_stale_and_counters_are_bounded():
    auth = Authority(raise_interval=0.5)
    assert auth.fresh_beat("a", 2) and not auth.fresh_beat("a", 2) and not auth.fresh_beat("a", 1)
    assert auth.fresh_beat("a", 0)  # no counter: judged by content
    for i in range(MAX_TRACKED_PEERS + 10):
        auth.fresh_beat(f"p{i}", 1)
        auth.vote(f"p{i}", "h")
    assert auth.fresh_beat("a", 1)  # "a" was the oldest: forgotten
    assert auth.next_beat() == 1 and auth.next_beat() == 2


def view_of(role: Role, host: str, epoch: int = 10) -> View:
    lobby, roster, who = lobby_of("h", "me", "b")
    return View(lobby=lobby, roster=roster, local_participant_id=who["me"], role=role,
                host_peer=host, epoch=epoch)


def test_our_hosts_new_term_is_accepted_with_a_move_that_names_the_cause():
    auth = Authority(raise_interval=0.5)
    v = view_of(Role.REPLICA, "h")
    cv = auth.claim_view(v, frozenset({"h", "b"}), None, frozenset())
    assert auth.consider(cv, Claim("h", 10, "h"), 0.0).accepted  # the same: no move
    ruling = auth.consider(cv, Claim("h", 11, "h"), 0.0)
    assert ruling.accepted and ruling.move == Move(Cause.CLAIM_ACCEPTED, "h", 11)
    ruling = auth.consider(cv, Claim("me", 11, "h"), 0.0)  # it yields to us
    assert ruling.move == Move(Cause.OWN_HOST_CLAIM_NAMES_US, "me", 11)


def test_a_host_raises_once_per_interval_against_a_rival_it_outvotes():
    auth = Authority(raise_interval=0.5)
    v = view_of(Role.HOST, "me")
    auth.vote("b", "me")
    cv = auth.claim_view(v, frozenset({"h", "b"}), None, frozenset(), claimed="h")
    assert cv.votes == {"b": "me"} and cv.rounds == 0
    ruling = auth.consider(cv, Claim("h", 10, "h"), 1.0)
    assert not ruling.accepted and ruling.raised
    assert ruling.move == Move(Cause.RIVAL_OUTVOTED, "me", 11) and ruling.refusal
    assert auth.consider(cv, Claim("h", 10, "h"), 1.2).move is None  # too soon
    assert auth.claim_view(v, frozenset({"h"}), None, frozenset(), claimed="h").rounds == 1
    auth.forget_rivals()
    assert auth.claim_view(v, frozenset({"h"}), None, frozenset(), claimed="h").rounds == 0


def test_an_implausible_epoch_is_refused_with_a_reason():
    auth = Authority(raise_interval=0.5)
    cv = auth.claim_view(view_of(Role.REPLICA, "h"), frozenset({"h"}), None, frozenset())
    ruling = auth.consider(cv, Claim("b", 10 + (5000 << 32), "b"), 0.0)
    assert not ruling.accepted and ruling.move is None and "implausible" in ruling.refusal
