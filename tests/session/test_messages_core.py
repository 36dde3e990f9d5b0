"""The ``Messenger`` alone (sans-I/O): a fake ``Routing`` says who is host and records what
goes out, a fake clock drives the timers. The races of a host change, one at a time."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

import pytest

from konnekt_arcade.session import (
    MAX_MESSAGE_DATA,
    Message,
    Reply,
    ReplyStatus,
    Request,
    SendFailed,
)
from konnekt_arcade.session._message_wire import (
    BOUNCE,
    FROM_HOST,
    REPLY,
    REQUEST,
    TO_HOST,
    TO_PLAYER,
    frame,
)
from konnekt_arcade.session._messages import HOLD, HOST_WAIT, LOCAL, MAX_WAITING, Messenger

ME, HOST, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@dataclass
class FakeRouting:
    """A guest ``ME`` on peer LOCAL, the host ``HOST`` on peer "h", ``OTHER`` on "o"."""

    host: str | None = "h"
    host_role: bool = False
    lobby_sequence: int = 10
    closed: bool = False
    peers: dict[str, UUID] = field(default_factory=lambda: {LOCAL: ME, "h": HOST, "o": OTHER})
    connected: set[str] = field(default_factory=lambda: {"h", "o"})
    sent: list[tuple[str, bool, bytes]] = field(default_factory=list)

    def host_peer(self) -> str | None:
        return LOCAL if self.host_role else self.host

    def is_host(self) -> bool:
        return self.host_role

    def is_host_peer(self, peer: str) -> bool:
        return not self.host_role and peer == self.host

    def settling(self, sequence: int) -> bool:
        return self.lobby_sequence < sequence

    def sequence(self) -> int:
        return self.lobby_sequence

    def participant_of(self, peer: str) -> UUID | None:
        return self.peers.get(peer)

    def peer_of(self, participant_id: UUID) -> str | None:
        return next((p for p, pid in self.peers.items() if pid == participant_id), None)

    def send(self, peer: str, reliable: bool, data: bytes) -> bool:
        if peer not in self.connected:
            return False
        self.sent.append((peer, reliable, data))
        return True


def messenger() -> tuple[Messenger, FakeRouting, Counter[str]]:
    routing, stats = FakeRouting(), Counter[str]()
    return Messenger(routing, stats, queue_size=64), routing, stats


def body(data: bytes) -> bytes:
    return data[1:]  # what framing hands over: the bytes after MESSAGE_PREFIX


def test_a_request_goes_to_the_host_and_its_reply_ends_it() -> None:
    m, routing, _ = messenger()
    rid = m.request_host(b"claim 7", 5.0, now=0.0)
    assert routing.sent == [("h", True, frame(REQUEST, b"claim 7", rid, 10))]
    m.receive("h", body(frame(REPLY, b"yes", rid)), True, now=0.1)
    assert m.drain() == [Reply(rid, ReplyStatus.ANSWERED, b"yes", HOST)]
    m.tick(10.0)
    assert m.drain() == []  # one Reply per request, never a late TIMEOUT too


def test_a_request_times_out_clearly() -> None:
    m, _, _ = messenger()
    rid = m.request_host(b"?", 2.0, now=0.0)
    m.tick(1.9)
    assert m.drain() == []
    m.tick(2.0)
    assert m.drain() == [Reply(rid, ReplyStatus.TIMEOUT)]
    m.receive("h", body(frame(REPLY, b"late", rid)), True, now=2.1)
    assert m.drain() == []


def test_a_pending_request_is_sent_again_to_the_next_host() -> None:
    m, routing, _ = messenger()
    rid = m.request_host(b"claim", 10.0, now=0.0)
    routing.host, routing.connected = None, {"o"}  # the host left: an election
    m.tick(1.0)
    assert [peer for peer, _, _ in routing.sent] == ["h"]
    routing.host = "o"  # the new host
    m.tick(4.0)
    assert [peer for peer, _, _ in routing.sent] == ["h", "o"]
    m.tick(4.1)  # not again to the same host
    assert len(routing.sent) == 2
    m.receive("o", body(frame(REPLY, b"ok", rid)), True, now=4.2)
    assert m.drain() == [Reply(rid, ReplyStatus.ANSWERED, b"ok", OTHER)]


def test_we_become_the_host_our_own_game_gets_the_request() -> None:
    m, routing, _ = messenger()
    rid = m.request_host(b"claim", 10.0, now=0.0)
    routing.host_role = True  # the old host left; we are its successor
    m.tick(3.0)
    (request,) = m.drain()
    assert request == Request(rid, ME, b"claim")
    m.reply(request, b"mine", now=3.1)
    assert m.drain() == [Reply(rid, ReplyStatus.ANSWERED, b"mine", ME)]


def test_a_reply_from_a_peer_we_did_not_ask_is_refused() -> None:
    m, _, stats = messenger()
    rid = m.request_host(b"claim", 10.0, now=0.0)
    m.receive("o", body(frame(REPLY, b"forged yes", rid)), True, now=0.1)
    assert m.drain() == [] and stats["dropped:message_reply_not_from_host"] == 1
    m.receive("h", body(frame(REPLY, b"no", rid)), True, now=0.2)
    assert m.drain() == [Reply(rid, ReplyStatus.ANSWERED, b"no", HOST)]


def test_closing_ends_every_pending_request() -> None:
    m, routing, _ = messenger()
    first, second = m.request_host(b"a", 10.0, 0.0), m.request_host(b"b", 10.0, 0.0)
    routing.closed = True
    m.tick(0.5)
    assert m.drain() == [Reply(first, ReplyStatus.CLOSED), Reply(second, ReplyStatus.CLOSED)]


def test_a_message_to_the_host_waits_for_the_next_host() -> None:
    m, routing, stats = messenger()
    routing.host = None
    m.send_to_host(b"reliable", True, now=0.0)
    m.send_to_host(b"unreliable", False, now=0.0)
    assert routing.sent == [] and stats["dropped:message_no_host"] == 1
    routing.host = "o"
    m.tick(1.0)
    assert routing.sent == [("o", True, frame(TO_HOST, b"reliable", 1, 10))]


def test_waiting_messages_are_bounded_and_expire() -> None:
    m, routing, stats = messenger()
    routing.host = None
    for i in range(MAX_WAITING + 3):
        m.send_to_host(b"%d" % i, True, now=0.0)
    assert stats["dropped:message_waiting_full"] == 3
    m.tick(HOST_WAIT)
    assert stats["dropped:message_no_host"] == MAX_WAITING
    routing.host = "h"
    m.tick(HOST_WAIT + 1)
    assert routing.sent == []


def test_a_message_for_the_host_reaching_a_peer_not_yet_host_is_held() -> None:
    """The race of issue 24: the sender's lobby shows the new host before the new host's
    lobby does. The message waits for the event that makes us host."""
    m, routing, _ = messenger()
    m.receive("o", body(frame(TO_HOST, b"for the host", 1, sequence=11)), True, now=0.0)
    m.receive("o", body(frame(REQUEST, b"claim", 9, sequence=11)), True, now=0.0)
    assert m.drain() == []
    routing.host_role = True
    m.tick(0.5)
    assert m.drain() == [Message(OTHER, b"for the host", True, to_host=True),
                         Request(9, OTHER, b"claim")]
    m.receive("o", body(frame(REQUEST, b"claim", 9, 11)), True, now=0.6)  # sent again to us
    assert m.drain() == []


def test_held_messages_expire_counted() -> None:
    m, routing, stats = messenger()
    m.receive("o", body(frame(TO_HOST, b"x", 5, 11)), True, now=0.0)  # we never become host
    m.receive("stranger", body(frame(TO_PLAYER, b"y")), True, now=0.0)  # never in the roster
    m.tick(HOLD)
    assert m.drain() == []
    assert stats["dropped:message_not_host"] == 1
    assert stats["dropped:message_unknown_sender"] == 1
    assert routing.sent == [("o", True, frame(BOUNCE, b"", 5))]  # for its next host


def test_the_sender_is_the_roster_s_never_the_bytes() -> None:
    m, _, _ = messenger()
    forged = str(HOST).encode()  # whatever the payload claims
    m.receive("o", body(frame(TO_PLAYER, forged)), False, now=0.0)
    assert m.drain() == [Message(OTHER, forged, False, to_host=False)]


@pytest.mark.parametrize("data", [b"", b"\x07abc", b"\x02\x00\x00", b"\x03", b"\x00" * 12])
def test_malformed_frames_are_dropped_and_counted(data: bytes) -> None:
    m, _, stats = messenger()
    m.receive("o", data, True, now=0.0)
    assert m.drain() == [] and stats["dropped:message_malformed"] == 1


def test_local_misuse_raises_and_network_trouble_does_not() -> None:
    m, routing, stats = messenger()
    with pytest.raises(TypeError):
        m.send_to_host("text", True, 0.0)  # type: ignore[arg-type]
    with pytest.raises(SendFailed, match=f"exceeds {MAX_MESSAGE_DATA}"):
        m.request_host(b"x" * (MAX_MESSAGE_DATA + 1), 1.0, 0.0)
    m.send_to(uuid.uuid4(), b"to nobody", True, 0.0)
    routing.connected.discard("o")
    m.send_to(OTHER, b"gone", True, 0.0)
    assert stats["dropped:message_unknown_participant"] == 1
    assert stats["dropped:message_not_connected"] == 1


def test_a_new_host_s_word_waits_until_our_lobby_shows_it_as_host() -> None:
    """The race of issue 24 seen from a guest: the new host's first message overtakes the
    event that makes it host. It is handed out, as the host's, once the lobby caught up."""
    m, routing, _ = messenger()
    m.receive("o", body(frame(FROM_HOST, b"coin 7 is taken")), True, now=0.0)
    m.tick(0.1)
    assert m.drain() == []
    routing.host = "o"  # the hand-over event arrived
    m.tick(0.2)
    assert m.drain() == [Message(OTHER, b"coin 7 is taken", True, to_host=False, from_host=True)]


def test_a_guest_claiming_to_be_host_is_never_believed() -> None:
    m, _, stats = messenger()
    m.receive("o", body(frame(FROM_HOST, b"I am the host")), True, now=0.0)
    m.tick(HOLD)
    assert m.drain() == [] and stats["dropped:message_not_from_host"] == 1


def test_a_host_that_handed_over_bounces_a_message_to_the_next_host() -> None:
    """The sender's lobby is behind: it still shows the old host, which bounces the message
    (by id) at once; the sender sends it on when its lobby shows the next host."""
    sender, s_routing, s_stats = messenger()
    sender.send_to_host(b"claim", True, now=0.0)
    (_, _, sent), = s_routing.sent
    old, o_routing, o_stats = messenger()
    o_routing.lobby_sequence = 12  # it applied its own hand-over (sequence 11, 12)
    old.receive("o", body(sent), True, now=0.1)
    assert old.drain() == [] and o_stats["dropped:message_not_host"] == 1
    (_, _, bounce), = o_routing.sent
    sender.receive("h", body(bounce), True, now=0.2)  # from the peer we sent it to
    assert len(s_routing.sent) == 1  # not to the same peer again
    s_routing.host = "o"  # our lobby caught up
    sender.tick(0.3)
    assert s_routing.sent[-1][0] == "o" and s_routing.sent[-1][2].endswith(b"claim")
    assert s_stats["messages_bounced"] == 1


def test_a_bounce_from_a_peer_we_did_not_send_to_is_ignored() -> None:
    m, routing, stats = messenger()
    m.send_to_host(b"claim", True, now=0.0)
    m.receive("o", body(frame(BOUNCE, b"", 1)), True, now=0.1)
    assert stats["dropped:message_bounce_unknown"] == 1 and len(routing.sent) == 1
