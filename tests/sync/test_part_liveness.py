"""``Liveness`` alone: who is linked, heard from lately, or given up on (fake clock)."""

from __future__ import annotations

from konnekt_arcade.sync._liveness import Liveness


def test_hearing_a_peer_links_it_and_revives_it():
    live = Liveness("me")
    live.heard("a", 1.0)
    live.heard("me", 1.0)  # ourselves: never a peer
    assert live.linked == {"a"} and live.seen == {"a": 1.0}
    assert live.give_up("a") and not live.is_live("a") and live.lost == {"a"}
    assert not live.give_up("a")  # already lost: nothing new to act on
    live.heard("a", 5.0)  # a healed partition
    assert live.is_live("a") and live.lost == set()


def test_silent_peers_time_out_by_the_clock_passed_in():
    live = Liveness("me")
    live.heard("a", 0.0)
    live.heard("b", 2.0)
    assert live.silent(2.5, timeout=2.5) == []
    assert live.silent(2.6, timeout=2.5) == ["a"]
    live.unlinked("b")
    assert live.linked == {"a"} and live.is_live("b")  # unlinked is not silent


def test_a_named_host_we_never_heard_gets_one_timeout_but_a_lost_one_stays_lost():
    live = Liveness("me")
    live.expect("new-host", 3.0)
    assert live.seen == {"new-host": 3.0}
    live.heard("gone", 0.0)
    live.give_up("gone")
    live.expect("gone", 4.0)
    live.expect("me", 4.0)
    assert set(live.seen) == {"new-host"}
    live.clear()
    assert not (live.seen or live.lost or live.linked)
