"""``Outbox`` and ``plan``: the hand-off of sends to the network thread, how one wake-up's sends
are framed, and the one count of messages that did not go out (no sockets, no loop)."""

from __future__ import annotations

import pytest

from konnekt_arcade.net import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE, WebRtcTransport
from konnekt_arcade.net._batch import BATCH_MARK, unpack
from konnekt_arcade.net._outbox import Outbox, plan


def outbox(limit: int = 8, fanout: int = 0) -> tuple[Outbox, dict[str, int]]:
    stats: dict[str, int] = {}
    box = Outbox(limit, stats, lambda: fanout)
    box.open()
    return box, stats


def test_only_the_first_send_since_a_drain_asks_for_a_wake_up() -> None:
    box, stats = outbox()
    assert box.put(("a",), CHANNEL_RELIABLE, b"1") is True
    assert box.put(("a", "b"), CHANNEL_RELIABLE, b"2") is False
    assert box.put(None, CHANNEL_UNRELIABLE, b"3") is False
    assert box.take() == [(("a",), 0, b"1"), (("a", "b"), 0, b"2"), (None, 1, b"3")]
    assert box.take() == [] and len(box) == 0
    assert box.put(("a",), CHANNEL_RELIABLE, b"4") is True  # drained: wake again
    assert stats["dropped_outgoing"] == 0


def test_a_full_outbox_counts_one_drop_per_message_per_peer() -> None:
    box, stats = outbox(limit=1, fanout=4)
    box.put(("a",), CHANNEL_RELIABLE, b"kept")
    assert box.put(("a", "b", "c"), CHANNEL_RELIABLE, b"x") is False
    assert stats["dropped_outgoing"] == 3
    assert box.put(None, CHANNEL_RELIABLE, b"y") is False  # a broadcast: every peer linked
    assert stats["dropped_outgoing"] == 7
    assert box.take() == [(("a",), 0, b"kept")]


def test_abandoned_and_closed_sends_count_the_same_way() -> None:
    box, stats = outbox(fanout=2)
    box.put(("a", "b"), CHANNEL_RELIABLE, b"1")
    box.put(None, CHANNEL_RELIABLE, b"2")
    box.abandon()  # the loop is gone: whatever waited counts, per peer
    assert stats["dropped_outgoing"] == 4 and len(box) == 0
    assert box.put(("a",), CHANNEL_RELIABLE, b"3") is True  # the next send asks again
    box.close()  # the transport closes: what is queued stays, new sends drop
    assert box.put(("a", "b", "c"), CHANNEL_RELIABLE, b"4") is False
    assert box.put(None, CHANNEL_RELIABLE, b"5") is False
    assert stats["dropped_outgoing"] == 9
    assert box.take() == [(("a",), 0, b"3")]


def test_a_transport_counts_one_drop_per_message_per_peer_it_was_for() -> None:
    """Before it starts (and after it closes) every send drops: a ``send_many`` counts each
    of its peers, a broadcast each connected peer (none yet), as a full outbox and the
    network thread count them. It counted a broadcast as one, whoever it was for."""
    transport = WebRtcTransport("ws://127.0.0.1:1", "room")
    transport.send("a", CHANNEL_RELIABLE, b"{}")
    transport.send_many(["a", "b", "c"], CHANNEL_RELIABLE, b"{}")
    transport.broadcast(CHANNEL_UNRELIABLE, b"\x00")
    assert transport.stats["dropped_outgoing"] == 4


def everyone_once(peers: list[str]) -> tuple[list[int], object]:
    asked: list[int] = []

    def everyone() -> list[str]:
        asked.append(1)
        return peers

    return asked, everyone


def test_a_lone_message_goes_out_as_it_is() -> None:
    sends = list(plan([(("a",), CHANNEL_RELIABLE, b"{}")], list, 1200))
    assert sends == [("a", CHANNEL_RELIABLE, b"{}", 1, 1)]


@pytest.mark.parametrize("batch_bytes", [1200, 0])
def test_a_lone_reliable_message_that_looks_like_a_frame_is_escaped(batch_bytes: int) -> None:
    odd = BATCH_MARK + b"payload"
    entries = [(("a",), CHANNEL_RELIABLE, odd), (("a",), CHANNEL_UNRELIABLE, odd)]
    sends = list(plan(entries[:1], list, batch_bytes)) + list(plan(entries[1:], list,
                                                                   batch_bytes))
    (peer, channel, data, count, named), unreliable = sends
    assert (peer, channel, count, named) == ("a", CHANNEL_RELIABLE, 1, 1)
    assert unpack(data) == [odd]
    assert unreliable == ("a", CHANNEL_UNRELIABLE, odd, 1, 1)  # never framed


def test_a_burst_to_one_peer_travels_in_frames_in_order() -> None:
    messages = [b'{"n":%d}' % i for i in range(100)]
    entries = [(("a",), CHANNEL_RELIABLE, m) for m in messages]
    sends = list(plan(entries, list, 1200))
    assert len(sends) < len(messages)
    got = [m for _, _, data, count, _ in sends for m in (unpack(data) if count > 1 else [data])]
    assert got == messages
    assert sum(count for *_, count, _ in sends) == len(messages)
    assert all(named == count for *_, count, named in sends)


def test_broadcasts_go_to_everyone_asked_once_and_are_not_named() -> None:
    asked, everyone = everyone_once(["a", "b"])
    entries = [(None, CHANNEL_RELIABLE, b"{1}"), (("a",), CHANNEL_RELIABLE, b"{2}"),
               (None, CHANNEL_UNRELIABLE, b"\x00u")]
    sends = list(plan(entries, everyone, 1200))  # type: ignore[arg-type]
    assert asked == [1]
    unreliable = [s for s in sends if s[1] == CHANNEL_UNRELIABLE]
    assert unreliable == [("a", 1, b"\x00u", 1, 0), ("b", 1, b"\x00u", 1, 0)]
    by_peer = {s[0]: s for s in sends if s[1] == CHANNEL_RELIABLE}
    assert unpack(by_peer["a"][2]) == [b"{1}", b"{2}"] and by_peer["a"][3:] == (2, 1)
    assert by_peer["b"] == ("b", CHANNEL_RELIABLE, b"{1}", 1, 0)


def test_without_broadcasts_nobody_is_asked_for_everyone() -> None:
    asked, everyone = everyone_once(["a"])
    list(plan([(("a",), 0, b"{}"), (("b",), 0, b"{}")], everyone, 1200))  # type: ignore[arg-type]
    assert asked == []
