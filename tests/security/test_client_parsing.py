"""Every parse of signalling input is bounded (length and nesting) and raises one error type
(issue 26, item 1): no ``RecursionError``, no other exception escapes to the caller."""

from __future__ import annotations

import json

import pytest

from konnekt_arcade.net.signalling_client import SignallingClient, same_as_peer, same_as_signal
from konnekt_arcade.net.signalling_messages import (
    MAX_CANDIDATE_CHARS,
    MAX_JSON_DEPTH,
    PeerSignal,
    SignalFromPeer,
    SignallingProtocolError,
    check_json_depth,
    check_peer_signal,
    decode_client_message,
    decode_server_message,
    encode,
    load_json,
)

DEEP = "[" * 3000 + json.dumps("konnektSameAs") + "]" * 3000
CANDIDATE = json.dumps({"candidate": "candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host",
                        "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd"})


def test_depth_is_checked_before_parsing() -> None:
    check_json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    with pytest.raises(SignallingProtocolError, match="nested deeper"):
        check_json_depth("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    # Brackets inside strings are text, not nesting (escaped quotes included).
    check_json_depth(json.dumps({"sdp": "[" * 5000 + '\\"{' * 100}))
    for bad in (DEEP, "[" * 50, "]" * 50 + "[" * 50, "[{" * 20 + "}]" * 20):
        with pytest.raises(SignallingProtocolError):
            load_json(bad)


def test_load_json_turns_every_failure_into_one_error() -> None:
    for bad in (b"\xff\xfe", "", "{", "NaN-ish", "[1,]", "{'a': 1}"):
        with pytest.raises(SignallingProtocolError):
            load_json(bad)
    assert load_json(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}


def test_a_deep_frame_is_a_protocol_error_on_both_sides() -> None:
    """The server parses room frames with ``decode_client_message`` (issue 26, item 8: a deep
    room frame closed the socket with 1011 and a traceback)."""
    with pytest.raises(SignallingProtocolError):
        decode_client_message("[" * 1000 + "]" * 1000)
    with pytest.raises(SignallingProtocolError):
        decode_server_message('{"Signal": ' * 2000 + "1" + "}" * 2000)


def test_peer_signals_a_client_accepts() -> None:
    check_peer_signal(PeerSignal("IceCandidate", CANDIDATE))
    check_peer_signal(same_as_signal("a-stable-id"))
    check_peer_signal(PeerSignal("Offer", "v=0\r\n"))
    for bad in (PeerSignal("IceCandidate", DEEP),
                PeerSignal("IceCandidate", '{"a": {"b": {"c": 1}}}'),
                PeerSignal("IceCandidate", "[1, 2]"),
                PeerSignal("IceCandidate", "not json"),
                PeerSignal("IceCandidate", json.dumps({"candidate": "x" * MAX_CANDIDATE_CHARS})),
                PeerSignal("Offer", ""),  # "make an offer" inside a link: never from a peer
                PeerSignal("Answer", "v=0\r\n" * 20_000)):
        with pytest.raises(SignallingProtocolError):
            check_peer_signal(bad)


def test_same_as_peer_never_raises() -> None:
    assert same_as_peer(same_as_signal("stable")) == "stable"
    for value in (DEEP, '{"konnektSameAs": ' * 400 + '"x"' + "}" * 400,
                  '{"konnektSameAs": "' + "x" * 300 + '"}', "konnektSameAs \udc80"):
        assert same_as_peer(PeerSignal("IceCandidate", value)) is None


def test_the_client_drops_and_counts_what_it_cannot_use() -> None:
    stats: dict[str, int] = {}
    client = SignallingClient("ws://127.0.0.1:9/room", stats=stats)
    assert stats == {"signalling_malformed": 0, "signals_dropped": 0}
    frames = [encode(SignalFromPeer("evil", PeerSignal("IceCandidate", DEEP))),
              "[" * 5000 + "]" * 5000, b"\xff", '{"NewPeer": ""}']
    assert [client.decode_frame(f) for f in frames] == [None] * 4
    assert stats == {"signalling_malformed": 3, "signals_dropped": 1}
    good = SignalFromPeer("friend", PeerSignal("IceCandidate", CANDIDATE))
    assert client.decode_frame(encode(good)) == good
