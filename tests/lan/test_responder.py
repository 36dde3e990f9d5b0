"""The host side of LAN discovery without sockets or a clock: ``LanResponder`` is given the
lobby info, datagrams, an interface list and ``now``; what it returns is what would be sent."""

from __future__ import annotations

from typing import Any

import pytest

from konnekt_arcade.lan._interfaces import MULTICAST_GROUP, Interface
from konnekt_arcade.lan._protocol import Announce, Bye, Query, decode, encode
from konnekt_arcade.lan._responder import (
    MAX_REPLIES_PER_SECOND,
    MAX_SOURCES,
    REPLY_BURST,
    REPLY_WINDOW,
    Datagram,
    LanResponder,
    ReplyLimiter,
)
from konnekt_arcade.session._announce import LobbyInfo

SID = "123e4567-e89b-12d3-a456-426614174000"
CARDS = [Interface("lo", "127.0.0.1", 8), Interface("eth0", "192.168.1.23", 24),
         Interface("eth1", "10.0.5.2", 24)]


def info(**changes: Any) -> LobbyInfo:
    base = dict(session_id=SID, signalling_url="ws://127.0.0.1:3536", lobby_name="Ann's lobby",
                host_name="Ann", players=1, max_players=8, has_password=False, is_host=True,
                ready=True)
    return LobbyInfo(**{**base, **changes})  # type: ignore[arg-type]


def sent(datagrams: list[Datagram]) -> list[tuple[Any, tuple[str, int]]]:
    return [(decode(d.data), (d.send.destination, d.port)) for d in datagrams]


@pytest.fixture
def host() -> LanResponder:
    responder = LanResponder("party", "0123456789abcdef")
    assert responder.start(CARDS, 0.0) == []  # nothing to say yet
    return responder


def test_each_card_announces_its_own_address(host: LanResponder) -> None:
    out = sent(host.update(info(), CARDS, 0.0))
    invites = {addr: p.invite for p, addr in out if isinstance(p, Announce)}
    assert invites == {
        ("127.255.255.255", 47667): f"ws://127.0.0.1:3536/{SID}",
        ("192.168.1.255", 47667): f"ws://192.168.1.23:3536/{SID}",
        ("10.0.5.255", 47667): f"ws://10.0.5.2:3536/{SID}",
        (MULTICAST_GROUP, 47667): f"ws://10.0.5.2:3536/{SID}",  # the last card's copy
    }
    assert len(out) == 5  # 3 broadcasts + multicast out of eth0 and eth1
    assert host.stats["announces"] == 1


def test_announces_on_change_and_on_tick_only(host: LanResponder) -> None:
    host.update(info(), CARDS, 0.0)
    assert host.update(info(), CARDS, 0.5) == []  # nothing new to say
    assert len(host.update(info(players=2), CARDS, 0.6)) == 5
    assert len(host.tick(CARDS, 1.5)) == 5


def test_silent_until_started_and_live(host: LanResponder) -> None:
    quiet = LanResponder("party", "0123456789abcdef")
    assert quiet.update(info(), CARDS, 0.0) == []  # the socket is not open yet
    assert len(quiet.start(CARDS, 0.1)) == 5  # ... it is: say it at once
    assert host.update(info(ready=False), CARDS, 0.0) == []
    assert host.update(info(is_host=False), CARDS, 0.0) == []
    assert host.tick(CARDS, 1.5) == []


def test_goodbye_after_a_hand_over_and_on_close(host: LanResponder) -> None:
    host.update(info(), CARDS, 0.0)
    byes = sent(host.update(info(is_host=False), CARDS, 1.0))  # another peer hosts now
    assert {type(p) for p, _ in byes} == {Bye} and len(byes) == 5
    assert host.close(CARDS) == []  # said already
    other = LanResponder("party", "fedcba9876543210")
    other.start(CARDS, 0.0)
    other.update(info(), CARDS, 0.0)
    assert {type(p) for p, _ in sent(other.close(CARDS))} == {Bye}
    assert other.tick(CARDS, 3.0) == [] and other.update(info(players=3), CARDS, 3.0) == []


def test_answers_askers_on_its_subnets_with_the_address_they_reach(host: LanResponder) -> None:
    host.update(info(players=3), CARDS, 0.0)
    [datagram] = host.receive(encode(Query("party")), "10.0.5.77", 50000, CARDS, 0.1)
    answer = decode(datagram.data)
    assert (datagram.send.destination, datagram.port) == ("10.0.5.77", 50000)
    assert not datagram.send.multicast and isinstance(answer, Announce)
    assert answer.invite == f"ws://10.0.5.2:3536/{SID}" and answer.players == 3
    assert len(datagram.data) < 400  # an answer is one small announce: nothing to amplify
    assert host.stats["replies"] == 1


def test_no_answer_off_link_from_system_ports_or_over_budget(host: LanResponder) -> None:
    query = encode(Query("party"))
    assert host.receive(query, "192.168.1.9", 50000, CARDS, 0.0) == []  # not live yet
    host.update(info(), CARDS, 0.0)
    for source, port, data in (("8.8.8.8", 50000, query),  # a forged, off-link source
                               ("192.168.1.9", 53, query),  # reflection at a DNS server
                               ("192.168.1.9", 50000, encode(Query("chess"))),
                               ("192.168.1.9", 50000, b"\x00garbage")):
        assert host.receive(data, source, port, CARDS, 0.1) == []
    answers = [host.receive(query, "192.168.1.9", 50000, CARDS, 0.2)
               for _ in range(REPLY_BURST + 5)]
    assert sum(len(a) for a in answers) == REPLY_BURST
    assert len(host.receive(query, "192.168.1.9", 50000, CARDS, 0.2 + REPLY_WINDOW)) == 1
    assert host.stats["dropped:off_link"] == 1 and host.stats["dropped:source_port"] == 1
    assert host.stats["dropped:wrong_game"] == 1 and host.stats["dropped:malformed"] == 1
    assert host.stats["dropped:rate_limited"] == 5


def test_an_external_signalling_server_is_announced_as_is(host: LanResponder) -> None:
    out = host.update(info(signalling_url="wss://signal.example/room"), CARDS, 0.0)
    assert {decode(d.data).invite for d in out} == {  # type: ignore[union-attr]
        f"wss://signal.example/room/{SID}"}


def test_reply_limiter_per_source_and_window() -> None:
    limiter = ReplyLimiter()
    assert all(limiter.allow("10.0.0.9", 0.0) for _ in range(REPLY_BURST))
    assert not limiter.allow("10.0.0.9", 0.1)
    assert limiter.allow("10.0.0.8", 0.1)  # another source has its own budget
    assert limiter.allow("10.0.0.9", REPLY_WINDOW + 0.01)
    assert limiter.stats["dropped:rate_limited"] == 1


def test_reply_limiter_global_cap_and_bounded_memory() -> None:
    limiter = ReplyLimiter()
    allowed = sum(limiter.allow(f"10.0.{i // 250}.{i % 250}", 0.5) for i in range(1000))
    assert allowed == MAX_REPLIES_PER_SECOND
    assert len(limiter) == MAX_SOURCES


def test_bad_game_id_fails_when_configured() -> None:
    from konnekt_arcade import P2PLoopBuilder

    with pytest.raises(ValueError, match="game id"):
        P2PLoopBuilder().advertise_lan("my game!")
