"""Splitting large lobby messages into parts and putting them back together, per peer,
with every kind of bad input dropped and counted (session/_fragments.py)."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from konnekt_arcade.session._fragments import FRAGMENT_PREFIX, PART_SIZE, Reassembly, split


def test_small_messages_go_as_they_are() -> None:
    assert split(b"{}", 1) == [b"{}"]
    exact = b"{" + b"x" * (PART_SIZE - 1)
    assert split(exact, 1) == [exact]


def test_a_large_message_is_split_and_put_back_together() -> None:
    data = b"{" + os.urandom(5 * PART_SIZE)
    parts = split(data, 7)
    assert len(parts) == 6 and all(len(p) <= PART_SIZE for p in parts)
    assert all(p[:1] == FRAGMENT_PREFIX for p in parts)
    r = Reassembly(len(data))
    assert [r.feed("a", p) for p in parts[:-1]] == [None] * 5
    assert r.pending_bytes("a") > 0
    assert r.feed("a", parts[-1]) == data
    assert r.pending_bytes("a") == 0
    assert r.stats == {"fragment_messages": 1}


def test_peers_are_reassembled_independently() -> None:
    a, b = b"{" + b"a" * 200_000, b"{" + b"b" * 150_000
    pa, pb = split(a, 1), split(b, 1)  # same message number: the peer tells them apart
    r = Reassembly(1 << 20)
    out = []
    for i in range(max(len(pa), len(pb))):
        for peer, parts in (("a", pa), ("b", pb)):
            if i < len(parts):
                out.append((peer, r.feed(peer, parts[i])))
    assert [(p, d) for p, d in out if d is not None] == [("b", b), ("a", a)]


def test_bad_input_is_dropped_and_counted() -> None:
    data = b"{" + b"z" * (3 * PART_SIZE)
    parts = split(data, 3)
    r = Reassembly(len(data))
    # out of order
    assert r.feed("p", parts[1]) is None
    # a new message before the last one ended
    r.feed("p", parts[0])
    assert r.feed("p", split(data, 4)[0]) is None
    # parts of another message number in the middle
    assert r.feed("p", split(data, 5)[1]) is None
    # on the unreliable channel, and too short to be a part
    assert r.feed("p", parts[0], reliable=False) is None
    assert r.feed("p", FRAGMENT_PREFIX + b"\x00") is None
    assert r.stats["dropped:fragment_out_of_order"] == 2
    assert r.stats["dropped:fragment_incomplete"] == 1
    assert r.stats["dropped:fragment_unreliable"] == 1
    assert r.stats["dropped:fragment_malformed"] == 1
    # after all that, a clean message still goes through
    assert [r.feed("p", x) for x in parts][-1] == data


def test_a_peer_can_make_us_hold_at_most_max_message_bytes() -> None:
    limit = 2 * PART_SIZE
    r = Reassembly(limit)
    parts = split(b"{" + b"q" * (10 * PART_SIZE), 9)
    results = [r.feed("p", x) for x in parts]
    assert results == [None] * len(parts)
    assert r.pending_bytes("p") == 0  # dropped when it went over, the rest is out of order
    assert r.stats["dropped:fragment_too_large"] == 1


def test_forget_drops_a_half_sent_message_silently() -> None:
    parts = split(b"{" + b"f" * (2 * PART_SIZE), 1)
    r = Reassembly(1 << 20)
    r.feed("p", parts[0])
    r.forget("p")
    assert r.pending_bytes("p") == 0 and not any(k.startswith("dropped") for k in r.stats)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.binary(max_size=64),
                          st.booleans()), max_size=40))
def test_any_input_never_raises_and_stays_bounded(feeds) -> None:
    r = Reassembly(256)
    for peer, data, reliable in feeds:
        out = r.feed(peer, FRAGMENT_PREFIX + data, reliable=reliable)
        assert out is None or len(out) <= 256
        assert r.pending_bytes(peer) <= 256
