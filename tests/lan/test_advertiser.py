"""The host side without sockets: what it sends per interface and whom it answers.

The advertiser is built with LAN discovery off (no sockets), then given a recording transport
and a mocked interface list; its network-thread methods are called directly.
"""

from __future__ import annotations

from typing import Any

import pytest

from konnekt_arcade.lan import _advertiser
from konnekt_arcade.lan._interfaces import MULTICAST_GROUP, Interface
from konnekt_arcade.lan._protocol import Announce, Bye, Query, decode, encode
from konnekt_arcade.lan._registry import REPLY_BURST
from konnekt_arcade.session._announce import LobbyInfo

SID = "123e4567-e89b-12d3-a456-426614174000"
CARDS = [Interface("lo", "127.0.0.1", 8), Interface("eth0", "192.168.1.23", 24),
         Interface("eth1", "10.0.5.2", 24)]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, tuple[str, int]]] = []

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        self.sent.append((data, addr))

    def get_extra_info(self, name: str) -> Any:
        return None

    def close(self) -> None:
        pass


def info(**changes: Any) -> LobbyInfo:
    base = dict(session_id=SID, signalling_url="ws://127.0.0.1:3536", lobby_name="Ann's lobby",
                host_name="Ann", players=1, max_players=8, has_password=False, is_host=True,
                ready=True)
    return LobbyInfo(**{**base, **changes})  # type: ignore[arg-type]


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> tuple[_advertiser.LanAdvertiser, Recorder]:
    monkeypatch.setenv("KONNEKT_ARCADE_LAN", "off")
    monkeypatch.setattr(_advertiser, "list_interfaces", lambda: list(CARDS))
    adv = _advertiser.LanAdvertiser("party")
    recorder = Recorder()
    adv._transport = recorder  # type: ignore[assignment]
    adv._interfaces = list(CARDS)
    return adv, recorder


def test_each_card_announces_its_own_address(host: Any) -> None:
    adv, rec = host
    adv._set_info(info())
    sent = [(decode(data), addr) for data, addr in rec.sent]
    invites = {addr: p.invite for p, addr in sent if isinstance(p, Announce)}
    assert invites == {
        ("127.255.255.255", 47667): f"ws://127.0.0.1:3536/{SID}",
        ("192.168.1.255", 47667): f"ws://192.168.1.23:3536/{SID}",
        ("10.0.5.255", 47667): f"ws://10.0.5.2:3536/{SID}",
        (MULTICAST_GROUP, 47667): f"ws://10.0.5.2:3536/{SID}",  # the last card's copy
    }
    assert len(sent) == 5  # 3 broadcasts + multicast out of eth0 and eth1


def test_silent_until_live_and_goodbye_after_a_hand_over(host: Any) -> None:
    adv, rec = host
    adv._set_info(info(ready=False))
    adv._set_info(info(is_host=False))
    assert rec.sent == []
    adv._set_info(info())
    rec.sent.clear()
    adv._set_info(info(is_host=False))  # another peer hosts now: lists drop us
    assert {type(decode(d)) for d, _ in rec.sent} == {Bye}


def test_answers_askers_on_its_subnets_with_the_address_they_reach(host: Any) -> None:
    adv, rec = host
    adv._set_info(info(players=3))
    rec.sent.clear()
    query = encode(Query("party"))
    adv._receive(query, "10.0.5.77", 50000)
    [(data, addr)] = rec.sent
    answer = decode(data)
    assert addr == ("10.0.5.77", 50000) and isinstance(answer, Announce)
    assert answer.invite == f"ws://10.0.5.2:3536/{SID}" and answer.players == 3
    assert len(data) < 400  # an answer is one small announce: nothing to amplify


def test_no_answer_off_link_from_system_ports_or_over_budget(host: Any) -> None:
    adv, rec = host
    adv._set_info(info())
    rec.sent.clear()
    query = encode(Query("party"))
    adv._receive(query, "8.8.8.8", 50000)  # not a network we are on (a forged source)
    adv._receive(query, "192.168.1.9", 53)  # reflection at a DNS server
    adv._receive(encode(Query("chess")), "192.168.1.9", 50000)
    adv._receive(b"\x00garbage", "192.168.1.9", 50000)
    assert rec.sent == []
    for _ in range(REPLY_BURST + 5):
        adv._receive(query, "192.168.1.9", 50000)
    assert len(rec.sent) == REPLY_BURST
    assert adv.stats["dropped:off_link"] == 1 and adv.stats["dropped:source_port"] == 1
    assert adv.stats["dropped:wrong_game"] == 1 and adv.stats["dropped:malformed"] == 1
    assert adv.stats["dropped:rate_limited"] == 5


def test_an_external_signalling_server_is_announced_as_is(host: Any) -> None:
    adv, rec = host
    adv._set_info(info(signalling_url="wss://signal.example/room"))
    invites = {decode(d).invite for d, _ in rec.sent}  # type: ignore[union-attr]
    assert invites == {f"wss://signal.example/room/{SID}"}


def test_bad_game_id_fails_when_configured() -> None:
    from konnekt_arcade import P2PLoopBuilder

    with pytest.raises(ValueError, match="game id"):
        P2PLoopBuilder().advertise_lan("my game!")
