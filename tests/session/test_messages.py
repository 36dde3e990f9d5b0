"""Messages to the host and to a player, and host requests, over real WebRTC (aiortc on
loopback, the embedded signalling server) and in memory: each test runs on both, so a game's
test in memory means the same as over the wire (issue 24)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from konnekt_arcade import Message, Reply, ReplyStatus, Request, SessionLoop
from konnekt_arcade.net import CHANNEL_RELIABLE
from konnekt_arcade.session import MAX_MESSAGE_DATA
from konnekt_arcade.testing import SessionGroup, memory_builder

pytestmark = [pytest.mark.timeout(240)]

#: Deadline of every wait: a guard against a hang, not a speed claim.
HANG = 60.0
#: The first byte of a message frame on the wire (``session._framing.MESSAGE_PREFIX``): a
#: hostile peer writes frames by hand, skipping every check of the session's send methods.
MESSAGE = b"\x02"


@pytest.fixture(params=["memory", "webrtc"])
def transport(request: pytest.FixtureRequest) -> str:
    if request.param == "webrtc":
        request.applymarker(pytest.mark.network)
    return str(request.param)


def make_group(transport: str, request: pytest.FixtureRequest, guests: int) -> SessionGroup:
    if transport == "memory":
        group = SessionGroup(memory_builder(), "memory://")
    else:
        from konnekt_arcade import P2PLoopBuilder

        server = request.getfixturevalue("signalling_server")
        group = SessionGroup(P2PLoopBuilder(), server.url, timeout=HANG)
    for _ in range(guests):
        group.add_guest()
    return group


@pytest.fixture
def two(transport: str, request: pytest.FixtureRequest) -> Iterator[SessionGroup]:
    group = make_group(transport, request, 1)
    yield group
    group.close()


@pytest.fixture
def three(transport: str, request: pytest.FixtureRequest) -> Iterator[SessionGroup]:
    group = make_group(transport, request, 2)
    yield group
    group.close()


class Inbox:
    """What a session's ``drain_messages()`` handed out so far."""

    def __init__(self, session: SessionLoop) -> None:
        self.session = session
        self.items: list[object] = []

    def take(self) -> list[object]:
        self.items.extend(self.session.drain_messages())
        return self.items

    def of(self, kind: type) -> list:
        return [item for item in self.take() if isinstance(item, kind)]


def test_messages_and_a_request_answered_by_the_host(two: SessionGroup) -> None:
    host, guest = two.host, two.guest
    at_host, at_guest = Inbox(host), Inbox(guest)
    guest.send_to_host(b"hello host")
    request_id = guest.request_host(b"claim coin 7")
    two.wait_until(lambda: len(at_host.take()) >= 2, HANG, what="message and request")
    assert at_host.of(Message) == [
        Message(guest.local_participant_id(), b"hello host", True, to_host=True)]  # type: ignore[arg-type]
    (request,) = at_host.of(Request)
    assert (request.request_id, request.sender, request.data) == (
        request_id, guest.local_participant_id(), b"claim coin 7")

    host.reply(request, b"yours")
    host.send_to(guest.local_participant_id(), b"just for you", reliable=False)  # type: ignore[arg-type]
    two.wait_until(lambda: at_guest.of(Reply) and at_guest.of(Message), HANG, what="reply")
    assert at_guest.of(Reply) == [Reply(request_id, ReplyStatus.ANSWERED, b"yours",
                                        host.local_participant_id())]
    assert at_guest.of(Message) == [
        Message(host.local_participant_id(), b"just for you", False, to_host=False,  # type: ignore[arg-type]
                from_host=True)]
    assert host.stats["dropped"] == guest.stats["dropped"] == 0


def test_the_host_asks_its_own_game_like_anyone(two: SessionGroup) -> None:
    """One code path for the host's own claims: they reach its game as a request."""
    host = two.host
    inbox = Inbox(host)
    request_id = host.request_host(b"claim coin 1")
    (request,) = inbox.of(Request)
    assert request.sender == host.local_participant_id()
    host.reply(request, b"ok")
    assert inbox.of(Reply) == [Reply(request_id, ReplyStatus.ANSWERED, b"ok",
                                     host.local_participant_id())]


def test_host_leaves_mid_request_the_new_host_answers(three: SessionGroup) -> None:
    """The host quits with a request and a message to it unanswered: both reach whoever
    hosts next (the request sent again), and the requester gets that host's answer."""
    old, asker = three.host, three.guests[1]
    inbox = {s: Inbox(s) for s in three.guests}
    request_id = asker.request_host(b"claim coin 3", timeout=HANG)
    three.wait_until(lambda: old.stats["messages_in"] >= 1, HANG, what="the request")
    old.close()  # unanswered: its game never drained it
    asker.send_to_host(b"sent while the host changes")
    survivors = three.guests
    three.wait_until(lambda: any(s.is_host() for s in survivors), HANG, what="a new host")
    new = next(s for s in survivors if s.is_host())

    def answered() -> bool:
        for request in inbox[new].of(Request):
            if request.request_id == request_id and request.sender == asker.local_participant_id():
                new.reply(request, b"taken")
                inbox[new].items.remove(request)
        return bool(inbox[asker].of(Reply))

    three.wait_until(answered, HANG, what="the new host's answer")
    assert inbox[asker].of(Reply) == [Reply(request_id, ReplyStatus.ANSWERED, b"taken",
                                            new.local_participant_id())]
    three.wait_until(lambda: inbox[new].of(Message), HANG, what="the message to the host")
    assert inbox[new].of(Message) == [Message(asker.local_participant_id(),  # type: ignore[arg-type]
                                              b"sent while the host changes", True, True)]


def test_a_request_nobody_answers_times_out(two: SessionGroup) -> None:
    guest = two.guest
    inbox = Inbox(guest)
    request_id = guest.request_host(b"anyone?", timeout=0.5)
    two.wait_until(lambda: inbox.of(Reply), HANG, what="the timeout")
    assert inbox.of(Reply) == [Reply(request_id, ReplyStatus.TIMEOUT)]
    late = guest.request_host(b"closing", timeout=HANG)
    guest.close()
    guest.poll()
    assert inbox.of(Reply)[-1] == Reply(late, ReplyStatus.CLOSED)


def test_a_guest_cannot_speak_for_another(three: SessionGroup) -> None:
    """A hostile guest writes frames by hand: a message naming another participant still
    arrives as its own, and a reply to someone else's request is refused."""
    host, honest, hostile = three.host, three.guests[0], three.guests[1]
    transport = hostile.p2p().transport
    assert transport is not None
    at_host, at_honest = Inbox(host), Inbox(honest)
    claim = str(honest.local_participant_id()).encode()
    transport.send(host.local_peer_id(), CHANNEL_RELIABLE,  # type: ignore[arg-type]
                   MESSAGE + b"\x00" + claim)
    three.wait_until(lambda: at_host.of(Message), HANG, what="the hostile message")
    assert at_host.of(Message)[0].sender == hostile.local_participant_id()

    request_id = honest.request_host(b"claim coin 9", timeout=HANG)
    transport.send(honest.local_peer_id(), CHANNEL_RELIABLE,  # type: ignore[arg-type]
                   MESSAGE + b"\x03" + request_id.to_bytes(4, "big") + b"yes, yours")
    three.wait_until(lambda: honest.stats["dropped:message_reply_not_from_host"] == 1, HANG,
                     what="the forged reply refused")
    assert not at_honest.of(Reply)
    three.wait_until(lambda: at_host.of(Request), HANG, what="the real request")
    host.reply(at_host.of(Request)[0], b"no, taken")
    three.wait_until(lambda: at_honest.of(Reply), HANG, what="the real reply")
    assert at_honest.of(Reply)[0].data == b"no, taken"


def test_malformed_and_oversize_frames_are_dropped_and_counted(two: SessionGroup,
                                                               transport: str) -> None:
    host, guest = two.host, two.guest
    raw = guest.p2p().transport
    assert raw is not None
    bad = [MESSAGE, MESSAGE + b"\x09rest", MESSAGE + b"\x02\x00"]
    if transport == "memory":  # aiortc refuses to send over its limit: only memory gets there
        bad.append(MESSAGE + b"\x01" + b"x" * (MAX_MESSAGE_DATA + 13))
    for frame in bad:
        raw.send(host.local_peer_id(), CHANNEL_RELIABLE, frame)  # type: ignore[arg-type]
    guest.send_to_host(b"fine")
    inbox = Inbox(host)
    two.wait_until(lambda: inbox.of(Message), HANG, what="the good message")
    assert [m.data for m in inbox.of(Message)] == [b"fine"]
    stats = host.stats
    assert stats["dropped:message_malformed"] == 3
    assert stats["dropped:message_too_large"] == (1 if transport == "memory" else 0)
    with pytest.raises(TypeError):
        guest.send_to_host("text")  # type: ignore[arg-type]


def test_game_data_never_raises_when_the_host_leaves(three: SessionGroup) -> None:
    """A game's per-frame sends go on while the host quits, the mesh shrinks and a new host
    takes over, and after the session closed: dropped and counted, never raised."""
    old, survivors = three.host, three.guests
    gone = old.local_peer_id()
    old.close()
    sent = 0

    def frame() -> bool:
        nonlocal sent
        for s in survivors:
            s.send_game_data(b"pos", reliable=False)
            s.send_game_data(b"to the old host", to=gone)  # type: ignore[arg-type]
            s.send_to_host(b"claim", reliable=False)
        sent += 1
        return sent > 5 and any(s.is_host() for s in survivors)

    three.wait_until(frame, HANG, what="a new host while sending")
    assert all(s.stats["dropped:game_data_not_connected"] >= 1 for s in survivors)
    survivors[0].close()
    survivors[0].send_game_data(b"after close")
    survivors[0].send_to_host(b"after close")
    assert survivors[0].stats["dropped:game_data_not_connected"] >= sent + 1


def test_the_hand_over_race_in_memory() -> None:
    """The race of issue 24, made to happen: the old host's events to one guest are slow
    (``InMemoryNetwork.delay``; over WebRTC links are independent), so the new host speaks
    before that guest's lobby shows it as host, and the guest still sends to the old host.
    Nothing is lost or believed early: the new host's word waits for the lobby, the message
    to the host bounces on to the new host, the request is asked again."""
    from konnekt_arcade import DomainCommand

    builder = memory_builder()
    group = SessionGroup(builder, "memory://")
    try:
        group.add_guest()
        group.add_guest()
        old, new, late = group.host, group.guests[0], group.guests[1]
        network = builder.network  # type: ignore[attr-defined]
        old_peer, late_peer = old.local_peer_id(), late.local_peer_id()
        network.delay = lambda sender, receiver, channel, data: (
            sender == old_peer and receiver == late_peer)
        old.submit_command(DomainCommand.DelegateHost(
            lobby_id=old.lobby_id(), current_host_id=old.local_participant_id(),
            new_host_id=new.local_participant_id()))
        group.wait_until(new.is_host, HANG, what="the hand-over")
        at_new, at_late = Inbox(new), Inbox(late)
        new.send_to(late.local_participant_id(), b"coin 7 is taken")  # type: ignore[arg-type]
        late.send_to_host(b"claim coin 8")  # to the old host: its lobby has not caught up
        request_id = late.request_host(b"claim coin 9", timeout=HANG)
        group.wait_until(lambda: old.stats["dropped:message_not_host"] == 2, HANG,
                         what="the old host refusing both")
        for _ in range(20):  # a while of frames: nothing handed out early
            for s in group.all:
                s.poll()
        assert not at_late.take() and not late.is_host()
        assert network.release_delayed() > 0  # the old host's events (and bounce) arrive
        network.delay = None

        def answered() -> bool:
            for request in at_new.of(Request):
                new.reply(request, b"yours")
                at_new.items.remove(request)
            return bool(at_late.of(Reply)) and bool(at_late.of(Message))

        group.wait_until(answered, HANG, what="everything delivered")
        assert at_late.of(Message) == [Message(new.local_participant_id(),  # type: ignore[arg-type]
                                               b"coin 7 is taken", True, False, from_host=True)]
        assert at_late.of(Reply) == [Reply(request_id, ReplyStatus.ANSWERED, b"yours",
                                           new.local_participant_id())]
        group.wait_until(lambda: at_new.of(Message), HANG, what="the bounced message")
        assert at_new.of(Message) == [Message(late.local_participant_id(),  # type: ignore[arg-type]
                                              b"claim coin 8", True, to_host=True)]
        assert late.stats["messages_bounced"] == 1
    finally:
        group.close()


def test_sends_while_reconnecting_never_raise_and_reach_the_host_after() -> None:
    """A guest whose network drops reconnects by itself (new transport, new peer id): its
    per-frame sends meanwhile are dropped and counted, its reliable message to the host
    waits and arrives once it is back, under the same participant id."""
    from konnekt_arcade import ConnectionStage

    builder = memory_builder()
    group = SessionGroup(builder, "memory://")
    try:
        group.add_guest()
        group.add_guest()
        host, guest = group.host, group.guests[1]
        network = builder.network  # type: ignore[attr-defined]
        for other in (host, group.guests[0]):
            network.disconnect(guest.local_peer_id(), other.local_peer_id())
        group.wait_until(lambda: guest.stage is ConnectionStage.RECONNECTING, HANG,
                         what="the guest reconnecting")
        guest.send_game_data(b"pos")
        guest.send_to_host(b"claim while away")
        guest.send_to_host(b"stale position", reliable=False)
        assert guest.stats["dropped:game_data_not_connected"] == 1
        assert guest.stats["dropped:message_no_host"] == 1
        inbox = Inbox(host)
        group.wait_until(lambda: inbox.of(Message), HANG, what="the message after the rejoin")
        assert inbox.of(Message) == [Message(guest.local_participant_id(),  # type: ignore[arg-type]
                                             b"claim while away", True, to_host=True)]
    finally:
        group.close()
