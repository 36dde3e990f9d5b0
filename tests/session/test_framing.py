"""``_framing``: what a session's bytes are, alone (no transport, no sync engine)."""

from __future__ import annotations

from collections import Counter

from konnekt_arcade.session import GAME_DATA_PREFIX, MAX_GAME_DATA
from konnekt_arcade.session._fragments import FRAGMENT_PREFIX, PART_SIZE
from konnekt_arcade.session._framing import Frame, Framer, game_data_frame
from konnekt_arcade.sync import Channel, Outgoing

RELIABLE, UNRELIABLE = int(Channel.RELIABLE), int(Channel.UNRELIABLE)


def framer() -> Framer:
    return Framer(4 * PART_SIZE, Counter())


def test_sync_envelopes_pass_through_on_either_channel() -> None:
    f = framer()
    assert f.unwrap("p", b'{"v":1}', reliable=True) == (Frame.SYNC, b'{"v":1}')
    assert f.unwrap("p", b'{"v":1}', reliable=False) == (Frame.SYNC, b'{"v":1}')
    assert not f.stats


def test_game_data_is_unwrapped_whatever_it_looks_like() -> None:
    f = framer()
    for payload in (b"", b"\x00{looks like json}", b'{"v":1}', b"\x01not a part"):
        wire = game_data_frame(bytearray(payload))
        assert wire[:1] == GAME_DATA_PREFIX and isinstance(wire, bytes)
        for reliable in (True, False):
            assert f.unwrap("p", wire, reliable) == (Frame.GAME_DATA, payload)
    assert not f.stats


def test_oversized_game_data_is_dropped_and_counted() -> None:
    f = framer()
    assert f.unwrap("p", game_data_frame(b"y" * MAX_GAME_DATA), True) is not None
    assert f.unwrap("p", game_data_frame(b"y" * (MAX_GAME_DATA + 1)), True) is None
    assert f.stats == Counter({"dropped:game_data_too_large": 1})


def test_junk_is_dropped_on_the_unreliable_channel_and_left_to_sync_on_the_reliable() -> None:
    f = framer()
    assert f.unwrap("p", b"junk", reliable=False) is None
    assert f.unwrap("p", b"", reliable=False) is None
    assert f.stats["dropped:bad_game_data"] == 2
    # On the reliable channel the sync decoder decides (and counts what it cannot read).
    assert f.unwrap("p", b"junk", reliable=True) == (Frame.SYNC, b"junk")


def test_a_large_lobby_message_goes_in_parts_and_comes_back_whole() -> None:
    sender, receiver = framer(), framer()
    big = b"{" + b"x" * (2 * PART_SIZE)
    handoffs = sender.parts("b", UNRELIABLE, big)
    assert len(handoffs) == 3 and sender.stats["fragmented_out"] == 1
    assert all(peers == ("b",) and channel == RELIABLE and len(part) <= PART_SIZE
               and part[:1] == FRAGMENT_PREFIX for peers, channel, part in handoffs)
    results = [receiver.unwrap("a", part, reliable=True) for _, _, part in handoffs]
    assert results[:-1] == [None, None] and results[-1] == (Frame.SYNC, big)
    assert sender.parts("b", UNRELIABLE, b"{}") == [(("b",), UNRELIABLE, b"{}")]


def test_parts_on_the_unreliable_channel_and_half_messages_of_gone_peers_are_dropped() -> None:
    sender, receiver = framer(), framer()
    parts = [part for _, _, part in sender.parts("b", RELIABLE, b"{" + b"x" * PART_SIZE)]
    assert receiver.unwrap("a", parts[0], reliable=False) is None
    assert receiver.stats["dropped:fragment_unreliable"] == 1
    assert receiver.unwrap("a", parts[0], reliable=True) is None
    assert receiver.pending_bytes("a") > 0
    receiver.forget("a")
    assert receiver.pending_bytes("a") == 0
    assert receiver.unwrap("a", parts[1], reliable=True) is None  # its first part is gone
    assert receiver.stats["dropped:fragment_out_of_order"] == 1


def test_plan_groups_a_broadcast_into_one_handoff() -> None:
    f = framer()
    event, ping = b'{"e":1}', b'{"p":1}'
    outgoing = [Outgoing("b", Channel.RELIABLE, event), Outgoing("c", Channel.RELIABLE, event),
                Outgoing("d", Channel.RELIABLE, event), Outgoing("b", Channel.UNRELIABLE, ping),
                Outgoing("c", Channel.RELIABLE, bytes(event))]  # equal bytes, not the same
    assert list(f.plan(outgoing)) == [(["b", "c", "d"], RELIABLE, event),
                                      (("b",), UNRELIABLE, ping), (("c",), RELIABLE, event)]


def test_plan_sends_a_large_message_in_parts_to_each_peer() -> None:
    f = framer()
    big = b"{" + b"x" * PART_SIZE
    planned = list(f.plan([Outgoing("b", Channel.RELIABLE, big),
                           Outgoing("c", Channel.RELIABLE, big)]))
    assert [peers for peers, _, _ in planned] == [("b",), ("b",), ("c",), ("c",)]
    assert f.stats["fragmented_out"] == 2
    receiver = framer()
    got = [receiver.unwrap("a", part, True) for peers, _, part in planned if peers == ("c",)]
    assert got[-1] == (Frame.SYNC, big)
