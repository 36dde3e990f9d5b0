"""The LAN datagrams: round trip, every drop reason counted, and a fuzzed decoder."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from konnekt_arcade.lan._protocol import (
    MAX_DATAGRAM,
    Announce,
    Bye,
    DropReason,
    Query,
    decode,
    encode,
)

SID = "123e4567-e89b-12d3-a456-426614174000"
ANNOUNCE = Announce("party", "0123456789abcdef", "Ann's lobby", "Ann", 2, 8, True,
                    f"ws://10.1.2.3:3536/{SID}")


@pytest.mark.parametrize("packet", [Query("party"), Bye("party", "0123456789abcdef"), ANNOUNCE])
def test_round_trip(packet: object) -> None:
    assert decode(encode(packet), "party") == packet  # type: ignore[arg-type]
    assert decode(encode(packet)) == packet  # type: ignore[arg-type]


def test_long_names_are_cut_and_the_datagram_stays_small() -> None:
    big = Announce("party", "0123456789abcdef", "é" * 500, "n" * 500, 1, 8, False,
                   f"ws://10.1.2.3:3536/{SID}")
    data = encode(big)
    assert len(data) <= MAX_DATAGRAM
    back = decode(data)
    assert isinstance(back, Announce) and len(back.name) == 64 and back.host_name == "n" * 64


def test_a_query_for_any_game_reaches_every_host() -> None:
    assert decode(encode(Query("*")), "party") == Query("*")
    with pytest.raises(DropReason) as drop:
        decode(encode(Bye("other", "0123456789abcdef")), "party")
    assert drop.value.kind == "wrong_game"


def raw(**changes: object) -> bytes:
    body = {"magic": "konnekt-lan", "v": 1, "game": "party", "t": "announce",
            "host": "0123456789abcdef", "name": "L", "host_name": "H", "players": 1, "max": 8,
            "pw": False, "invite": f"ws://10.1.2.3:3536/{SID}", **changes}
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


@pytest.mark.parametrize(("data", "kind"), [
    (b"x" * (MAX_DATAGRAM + 1), "oversized"),
    (b"\xff\xfe", "malformed"),
    (b"[1, 2]", "malformed"),
    (b"{not json", "malformed"),
    (raw(magic="minecraft"), "wrong_magic"),
    (raw(magic=...), "wrong_magic"),
    (raw(v=2), "wrong_version"),
    (raw(game="other"), "wrong_game"),
    (raw(game="bad game"), "malformed"),
    (raw(t="shout"), "malformed"),
    (raw(host="NOT-HEX"), "malformed"),
    (raw(players=9), "malformed"),
    (raw(players=True), "malformed"),
    (raw(max=0), "malformed"),
    (raw(pw="yes"), "malformed"),
    (raw(name=5), "malformed"),
    (raw(name="a\nb"), "malformed"),
    (raw(invite="http://10.1.2.3/x"), "malformed"),
    (raw(invite="ws://10.1.2.3:3536/not-a-uuid"), "malformed"),
    (raw(invite=f"ws://10.1.2.3:3536/{SID} rm -rf"), "malformed"),
])
def test_bad_datagrams_name_their_reason(data: bytes, kind: str) -> None:
    with pytest.raises(DropReason) as drop:
        decode(data, "party")
    assert drop.value.kind == kind


KINDS = {"oversized", "malformed", "wrong_magic", "wrong_version", "wrong_game"}


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=MAX_DATAGRAM + 50))
def test_fuzzed_bytes_decode_or_drop(data: bytes) -> None:
    try:
        decode(data, "party")
    except DropReason as drop:
        assert drop.kind in KINDS


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2000) | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=10)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["magic", "v", "game", "t", "host", "name", "host_name",
                                        "players", "max", "pw", "invite", "x"]),
                       json_values, max_size=12),
       st.booleans())
def test_fuzzed_fields_decode_or_drop(fields: dict[str, object], valid_head: bool) -> None:
    if valid_head:
        fields = {**fields, "magic": "konnekt-lan", "v": 1}
    try:
        packet = decode(json.dumps(fields).encode(), "party")
    except DropReason as drop:
        assert drop.kind in KINDS
        return
    assert packet == decode(encode(packet), "party")  # whatever passes re-encodes


def test_valid_announces_survive_any_names() -> None:
    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=64).filter(str.isprintable), st.integers(0, 8))
    def check(name: str, players: int) -> None:
        packet = Announce("party", uuid.uuid4().hex, name, name, players, 8, False,
                          f"wss://lobby.example/signal/{SID}")
        assert decode(encode(packet), "party") == packet

    check()
