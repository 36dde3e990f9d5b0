"""The role machine: the pure claim judge tie-break by tie-break, and every transition of a
``LobbySync`` (driven through the simulator)."""

from __future__ import annotations

import pytest

from konnekt_arcade.domain import DomainCommand
from konnekt_arcade.sync import HostChanged, HostLost
from konnekt_arcade.sync._role import (
    HEADCOUNT_AFTER,
    PEER_ID_AFTER,
    SLOT_BITS,
    Claim,
    ClaimView,
    Role,
    Verdict,
    host_epoch,
    judge_claim,
)

from .simnet import SimNet

E = 5 << SLOT_BITS  # some epoch


def view(role: Role = Role.REPLICA, host: str | None = "h", epoch: int = E, *,
         members: dict[str, tuple[float, str]] | None = None, live: set[str] = frozenset(),
         votes: dict[str, str] | None = None, successor: str | None = None,
         rounds: int = 0, me: str = "me", passed_over: frozenset[str] = frozenset(),
         ) -> ClaimView:
    return ClaimView(local_peer=me, role=role, host_peer=host, epoch=epoch,
                     members=members if members is not None else {},
                     live=frozenset(live), votes=votes or {}, successor=successor,
                     rounds=rounds, passed_over=passed_over)


def judge(v: ClaimView, host: str, epoch: int, via: str | None = None) -> Verdict:
    return judge_claim(v, Claim(host, epoch, via or host))


# --- the judge ------------------------------------------------------------------------------

def test_what_we_believe_already_is_the_same():
    assert judge(view(), "h", E) is Verdict.SAME


def test_an_epoch_too_many_terms_ahead_is_implausible():
    assert judge(view(), "x", E + (1001 << SLOT_BITS)) is Verdict.IMPLAUSIBLE
    assert judge(view(), "h", E + (1001 << SLOT_BITS)) is Verdict.IMPLAUSIBLE


def test_our_host_moves_us_on_to_its_new_term_or_a_successor_it_names():
    assert judge(view(), "h", E + 1) is Verdict.ACCEPT
    assert judge(view(), "x", E, via="h") is Verdict.ACCEPT
    assert judge(view(), "me", E, via="h") is Verdict.ACCEPT  # it hands us the role


def test_nobody_but_our_host_hands_us_the_role():
    assert judge(view(live={"x"}), "me", E + 7, via="x") is Verdict.REFUSE
    assert judge(view(Role.HOST, host="me"), "me", E + 7, via="x") is Verdict.REFUSE


def test_only_our_host_tells_us_its_term():
    v = view(members=members(h=0.0, a=1.0), live={"h", "a"}, votes={"a": "h"})
    assert judge(v, "h", E + 9, via="a") is Verdict.REFUSE
    assert judge(v, "h", E + 9, via="h") is Verdict.ACCEPT


def members(**joined: float) -> dict[str, tuple[float, str]]:
    return {peer: (t, f"pid-{peer}") for peer, t in joined.items()}


def test_rival_with_more_participant_followers_wins():
    v = view(members=members(h=0.0, x=1.0, a=2.0, b=3.0), live={"h", "x", "a", "b"},
             votes={"a": "x", "b": "x"})
    assert judge(v, "x", E) is Verdict.ACCEPT
    # ...but not from a lower epoch than ours
    assert judge(v, "x", E - 1) is Verdict.REFUSE


def test_equal_followers_the_earlier_joined_host_wins():
    # h: us, a and itself; x: b, c and itself.
    votes = {"a": "h", "b": "x", "c": "x"}
    m = members(h=0.0, x=1.0, a=2.0, b=3.0, c=4.0)
    v = view(members=m, live={"h", "x", "a", "b", "c"}, votes=votes)
    assert judge(v, "x", E + 1) is Verdict.REFUSE  # h joined first
    m = members(h=5.0, x=1.0, a=2.0, b=3.0, c=4.0)
    v = view(members=m, live={"h", "x", "a", "b", "c"}, votes=votes)
    assert judge(v, "x", E) is Verdict.ACCEPT


def test_equal_join_time_the_lower_participant_id_wins():
    m = {"h": (1.0, "pid-b"), "x": (1.0, "pid-a"), "a": (2.0, "pid-c")}
    v = view(members=m, live={"h", "x", "a"}, votes={"a": "h", "h": "h", "x": "x"})
    assert judge(v, "x", E) is Verdict.REFUSE  # 1 follower (a) + us for h
    v = view(members=m, live={"h", "x"}, votes={"h": "h", "x": "x"})
    assert judge(v, "x", E) is Verdict.REFUSE  # h has us too
    hv = view(Role.HOST, host="me", members={**m, "me": (1.0, "pid-b")}, live={"x"},
              votes={"x": "x"})
    assert judge(hv, "x", E) is Verdict.ACCEPT  # 1 vs 1, pid-a ranks first


def test_a_host_that_wins_raises_its_epoch_over_the_rival():
    m = members(me=0.0, x=1.0, a=2.0)
    v = view(Role.HOST, host="me", members=m, live={"x", "a"}, votes={"a": "me"})
    assert judge(v, "x", E) is Verdict.RAISE
    assert judge(v, "x", E + 9) is Verdict.RAISE
    assert judge(v, "x", E - 1) is Verdict.REFUSE  # an old term: nothing to answer


def test_an_unknown_claimant_never_wins_by_participant_count():
    v = view(members=members(h=0.0), live={"h", "stranger"}, votes={"stranger": "stranger"})
    assert judge(v, "stranger", E + 1) is Verdict.REFUSE


def test_a_malicious_lone_claimant_cannot_take_the_lobby_at_any_level():
    m = members(me=0.0, a=1.0, b=2.0, mal=3.0)
    for rounds in (0, HEADCOUNT_AFTER, PEER_ID_AFTER, 100):
        v = view(Role.HOST, host="me", members=m, live={"a", "b", "mal"},
                 votes={"a": "me", "b": "me", "mal": "mal"}, rounds=rounds)
        for epoch in (E, E + 1, E + (999 << SLOT_BITS)):
            assert judge(v, "mal", epoch) in (Verdict.RAISE, Verdict.REFUSE)
        # even with the lowest peer id of all, alone it stays alone
        v = view(Role.HOST, host="me", members={**m, "0": (9.0, "p0")},
                 live={"a", "0"}, votes={"a": "me", "0": "0"}, rounds=rounds)
        assert judge(v, "0", E + 1) in (Verdict.RAISE, Verdict.REFUSE)
    # a replica does not follow it either
    v = view(members=m, live={"h", "a", "mal"}, votes={"a": "h", "mal": "mal"})
    assert judge(v, "mal", E + 50) is Verdict.REFUSE


def test_a_host_out_voted_by_a_rival_its_roster_lacks_escalates_instead_of_waiting():
    # Our grace period removed the rival (it was cut off), but our guests follow it now.
    m = members(me=0.0, a=1.0, b=2.0)
    base = dict(role=Role.HOST, host="me", members=m, live={"x", "a", "b"},
                votes={"x": "x", "a": "x", "b": "x"})
    assert judge(view(**base), "x", E + 1) is Verdict.STANDOFF
    assert judge(view(**base, rounds=HEADCOUNT_AFTER), "x", E + 1) is Verdict.ACCEPT
    # from a lower epoch it is nothing to answer
    assert judge(view(**base), "x", E - 1) is Verdict.REFUSE


def test_headcount_counts_every_live_peer_and_breaks_ties_by_peer_id():
    # Rosters of the two sides differ: "x" and its follower are not members here.
    m = members(me=0.0, a=1.0)
    base = dict(role=Role.HOST, host="me", members=m, live={"a", "x", "y"},
                votes={"a": "me", "x": "x", "y": "x"})
    assert judge(view(**base, rounds=0), "x", E + 1) is Verdict.RAISE  # unknown at level 0
    # headcount: 2 (me, a) vs 2 (x, y): the lower peer id, "me" < "x"
    assert judge(view(**base, rounds=HEADCOUNT_AFTER), "x", E + 1) is Verdict.RAISE
    base["live"] = {"a", "b", "y"}
    base["votes"] = {"a": "me", "b": "b", "y": "b"}
    assert judge(view(**base, rounds=HEADCOUNT_AFTER), "b", E + 1) is Verdict.ACCEPT


def test_after_many_rounds_only_the_peer_id_of_backed_hosts_counts():
    # Each side counts more followers for itself (an incomplete mesh): only ids settle it.
    m = members(me=0.0, a=1.0, c=1.5)
    v = view(Role.HOST, host="me", members=m, live={"a", "c", "b", "y"},
             votes={"a": "me", "c": "me", "b": "b", "y": "b"}, rounds=PEER_ID_AFTER)
    assert judge(v, "b", E + 1) is Verdict.ACCEPT  # "b" < "me", and b has a follower
    v = view(Role.HOST, host="me", members=m, live={"a", "c", "b"},
             votes={"a": "me", "c": "me", "b": "b"}, rounds=PEER_ID_AFTER)
    assert judge(v, "b", E + 1) is Verdict.RAISE  # alone: never by its id


def test_electing_follows_the_expected_successor_or_an_earlier_one():
    m = members(a=1.0, b=2.0, c=3.0, me=4.0)
    v = view(Role.ELECTING, members=m, live={"a", "b", "c"}, successor="b")
    assert judge(v, "b", E + 1) is Verdict.ACCEPT
    assert judge(v, "a", E + 1) is Verdict.ACCEPT  # joined earlier than b
    assert judge(v, "c", E + 1) is Verdict.REFUSE  # later, and nobody follows it
    v = view(Role.ELECTING, members=m, live={"a", "b", "c"}, successor="b",
             votes={"a": "c"})
    assert judge(v, "c", E + 1) is Verdict.ACCEPT  # someone else already follows it


def test_electing_our_own_turn_refuses_a_later_claimant():
    m = members(me=1.0, c=3.0)
    v = view(Role.COLLECTING, members=m, live={"c", "d"}, successor="me")
    assert judge(v, "c", E + 1) is Verdict.REFUSE


def test_electing_follows_its_own_pick_even_from_an_older_term():
    # Non-participants whose host died: their only candidate is host already, on the other
    # side of an old partition, in a term below ours. Nobody else can take over.
    m = members(a=1.0)
    v = view(Role.ELECTING, members=m, live={"a", "b"}, successor="a")
    assert judge(v, "a", E - 7) is Verdict.ACCEPT
    v = view(Role.ELECTING, members=m, live={"a", "b"}, passed_over=frozenset({"a"}))
    assert judge(v, "a", E - 7) is Verdict.ACCEPT
    v = view(Role.ELECTING, members=m, live={"a", "b", "x"}, successor="a")
    assert judge(v, "x", E - 7) is Verdict.REFUSE  # unknown and older: needs a voucher


def test_electing_from_a_lower_epoch_needs_a_voucher():
    m = members(b=0.5, a=1.0, me=4.0)
    v = view(Role.ELECTING, members=m, live={"a", "b", "d"}, successor="b")
    assert judge(v, "a", E - 1) is Verdict.REFUSE  # not our pick, and an older term
    v = view(Role.ELECTING, members=m, live={"a", "b", "d"}, successor="b", votes={"d": "a"})
    assert judge(v, "a", E - 1) is Verdict.ACCEPT
    v = view(Role.ELECTING, members=m, live={"a"}, successor="b")
    assert judge(v, "a", E - 1) is Verdict.ACCEPT  # nobody else to ask


def test_electing_without_any_candidate_follows_whoever_leads():
    v = view(Role.ELECTING, members={}, live={"x", "y"})
    assert judge(v, "x", E - 3) is Verdict.ACCEPT


def test_host_epochs_name_their_host():
    a, b = host_epoch("a", E + 1), host_epoch("b", E + 1)
    assert a != b and a >= E + 1 and b >= E + 1
    assert host_epoch("a", a) == a and host_epoch("a", a + 1) > a


# --- transitions, through the simulator ------------------------------------------------------

def lobby3(seed: int = 1) -> tuple[SimNet, object, object, object]:
    net = SimNet(seed)
    host = net.add_host()
    a = net.join("a", "Ann")
    b = net.join("b", "Ben")
    assert net.run_until(net.converged, 3)
    return net, host, a, b


def test_unsynced_replica_host_and_rejoin():
    net = SimNet(2)
    host = net.add_host()
    assert host.role is Role.HOST
    g = net.add_guest("g")
    assert g.role is Role.UNSYNCED or g.role is Role.REPLICA
    assert net.run_until(lambda: g.role is Role.REPLICA, 3)
    g.rejoin("g-again")
    assert g.role is Role.UNSYNCED and g.host_peer is None


def test_host_loss_electing_collecting_host():
    net, host, a, b = lobby3()
    for n in (a, b):
        n.drain_events()
    net.kill("host", notify=True)
    assert a.role is Role.ELECTING or a.role is Role.COLLECTING
    assert any(isinstance(e, HostLost) for e in a.drain_events())
    seen = set()
    assert net.run_until(lambda: (seen.add(a.role), a.is_host)[1], 6)
    assert Role.COLLECTING in seen or a.is_host
    changed = [e for e in a.drain_events() if isinstance(e, HostChanged)]
    assert [(e.host_peer, e.is_local) for e in changed] == [("a", True)]
    assert net.run_until(lambda: b.host_peer == "a" and b.role is Role.REPLICA, 3)
    assert [e.host_peer for e in b.drain_events() if isinstance(e, HostChanged)] == ["a"]


def test_delegation_moves_both_roles_once():
    net, host, a, b = lobby3()
    for n in (host, a, b):
        n.drain_events()
    host.submit(DomainCommand.DelegateHost(lobby_id=host.lobby.id,
                                           current_host_id=host.local_participant_id,
                                           new_host_id=a.local_participant_id), net.now)
    net.flush()
    assert net.run_until(lambda: a.is_host and b.host_peer == "a", 3)
    assert host.role is Role.REPLICA and host.epoch < a.epoch
    for node, local in ((host, False), (a, True), (b, False)):
        changed = [e for e in node.drain_events() if isinstance(e, HostChanged)]
        assert [(e.host_peer, e.is_local) for e in changed] == [("a", local)]


@pytest.mark.parametrize("notify", [True, False])
def test_in_flight_command_across_host_loss_takes_effect_once(notify):
    net, host, a, b = lobby3()
    # b's chat reaches the host, which sequences it, but the host dies before anyone else
    # hears of it: b learns nothing, re-sends to the new host, which applies it.
    net.partition({"host"})
    rid = b.submit(DomainCommand.SendChat(lobby_id=b.lobby.id,
                                          participant_id=b.local_participant_id,
                                          text="in flight"), net.now)
    net.flush()
    net.kill("host", notify=notify)
    net.heal()
    assert net.run_until(lambda: b.command_outcome(rid) is not None, 15)
    assert b.command_outcome(rid) == "accepted"
    assert net.run_until(net.converged, 5)
    assert [m.text for m in a.lobby.chat] == ["in flight"]


def test_command_sequenced_by_the_old_host_is_recognised_not_repeated():
    net, host, a, b = lobby3()
    # The host sequences b's chat and a hears of it, but b never gets the answer.
    rid = b.submit(DomainCommand.SendChat(lobby_id=b.lobby.id,
                                          participant_id=b.local_participant_id,
                                          text="once"), net.now)
    net.flush()
    assert net.run_until(lambda: host.lobby.chat, 1, step=0.0005)
    net.blocked.add(frozenset(("host", "b")))  # the host's answer and event never reach b
    net.advance(0.3)
    assert [m.text for m in a.lobby.chat] == ["once"] and b.command_outcome(rid) is None
    net.kill("host", notify=True)
    assert net.run_until(lambda: b.command_outcome(rid) is not None, 15)
    assert b.command_outcome(rid) == "accepted"
    assert net.run_until(net.converged, 5)
    assert [m.text for m in b.lobby.chat] == ["once"]
    assert a.stats["commands_recognised"] + b.stats["commands_recognised"] >= 1


def test_in_flight_command_across_a_delegation_is_answered():
    net, host, a, b = lobby3()
    host.submit(DomainCommand.DelegateHost(lobby_id=host.lobby.id,
                                           current_host_id=host.local_participant_id,
                                           new_host_id=a.local_participant_id), net.now)
    rid = b.submit(DomainCommand.SendChat(lobby_id=b.lobby.id,
                                          participant_id=b.local_participant_id,
                                          text="during hand-over"), net.now)
    net.flush()
    assert net.run_until(lambda: b.command_outcome(rid) is not None, 15)
    assert b.command_outcome(rid) == "accepted"
    assert net.run_until(net.converged, 5)
    assert [m.text for m in host.lobby.chat] == ["during hand-over"]


def test_in_flight_command_that_no_longer_applies_fails_with_a_reason():
    net, host, a, b = lobby3()
    net.partition({"host"})
    rid = b.submit(DomainCommand.KickGuest(lobby_id=b.lobby.id, host_id=b.local_participant_id,
                                           guest_id=a.local_participant_id), net.now)
    net.flush()
    net.kill("host", notify=True)
    net.heal()
    assert net.run_until(lambda: b.command_outcome(rid) is not None, 15)
    failed = [e for e in b.drain_events() if type(e).__name__ == "CommandFailed"]
    assert b.command_outcome(rid) == "failed" and failed and failed[-1].reason
    assert "try again" not in failed[-1].reason
