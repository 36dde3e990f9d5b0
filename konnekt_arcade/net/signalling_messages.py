"""The Matchbox signalling wire format (serde externally tagged JSON), nothing else.

Kept separate from any socket code so that both our server and our client (and tests) share one
exact definition, and so that a real ``matchbox_server`` is a drop-in replacement. Every frame
comes from the network, so parsing is bounded (``load_json``: nesting depth checked before
``json.loads``) and fails with one error type, ``SignallingProtocolError``; what a client
accepts inside a peer's signal is ``check_peer_signal`` (the server relays payloads unread).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from ._bounded_json import too_deep

SignalKind = Literal["Offer", "Answer", "IceCandidate"]
_SIGNAL_KINDS: tuple[str, ...] = ("Offer", "Answer", "IceCandidate")


class SignallingProtocolError(ValueError):
    """A signalling message could not be decoded. Callers drop the message and count it."""


@dataclass(frozen=True, slots=True)
class PeerSignal:
    """``{"Offer": sdp}``, ``{"Answer": sdp}`` or ``{"IceCandidate": json_string}``."""

    kind: SignalKind
    value: str


#: Deepest JSON nesting accepted anywhere in signalling. A Matchbox frame nests three levels
#: (``{"Signal": {"data": {"Offer": ...}}}``) and a trickled candidate one; Python's parser
#: recurses per level and raises ``RecursionError`` near 1,000, so depth is checked first.
MAX_JSON_DEPTH = 16
#: Longest ``IceCandidate`` payload a client accepts: a browser's ``RTCIceCandidateInit`` JSON
#: is about 250 characters (candidate line, ``sdpMid``, ``sdpMLineIndex``, ufrag).
MAX_CANDIDATE_CHARS = 4096
#: Longest ``Offer``/``Answer`` SDP a client accepts: aiortc's data-channel SDP with every
#: candidate of a machine with several cards is a few KB; 64 KiB is the server's frame limit.
MAX_SDP_CHARS = 64 * 1024

def check_json_depth(text: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise ``SignallingProtocolError`` if ``text`` nests deeper than ``max_depth``.

    Runs before ``json.loads`` so a peer cannot make the parser recurse. The scan is the one
    the server and the directory use (``_bounded_json.too_deep``): free for honest messages,
    linear in the text otherwise. A client allows less nesting (16) than the server relays.
    """
    if too_deep(text, max_depth):
        raise SignallingProtocolError(f"JSON nested deeper than {max_depth} levels")


def load_json(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for untrusted text: depth checked first, every failure one error type."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        check_json_depth(text, max_depth)
        return json.loads(text)
    except SignallingProtocolError:
        raise
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise SignallingProtocolError(f"malformed JSON: {exc}") from None


def check_peer_signal(signal: PeerSignal) -> None:
    """What a *client* accepts from another peer (the server relays payloads unread).

    Raises ``SignallingProtocolError`` for an empty or oversized SDP, or a candidate that is
    not one bounded JSON object (peers parse it, and an empty ``Offer`` means "make an
    offer" inside a link), so nothing malformed reaches the WebRTC code.
    """
    if signal.kind == "IceCandidate":
        if len(signal.value) > MAX_CANDIDATE_CHARS:
            raise SignallingProtocolError(f"IceCandidate of {len(signal.value)} characters")
        if not isinstance(load_json(signal.value, max_depth=2), dict):
            raise SignallingProtocolError("IceCandidate is not a JSON object")
    elif not signal.value or len(signal.value) > MAX_SDP_CHARS:
        raise SignallingProtocolError(f"{signal.kind} SDP of {len(signal.value)} characters")


# --- server -> client -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdAssignedMessage:
    peer_id: str


@dataclass(frozen=True, slots=True)
class NewPeerMessage:
    peer_id: str


@dataclass(frozen=True, slots=True)
class PeerLeftMessage:
    peer_id: str


@dataclass(frozen=True, slots=True)
class SignalFromPeer:
    sender: str
    data: PeerSignal


# --- client -> server -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalToPeer:
    receiver: str
    data: PeerSignal


@dataclass(frozen=True, slots=True)
class KeepAliveMessage:
    pass


ServerMessage = IdAssignedMessage | NewPeerMessage | PeerLeftMessage | SignalFromPeer
ClientMessage = SignalToPeer | KeepAliveMessage
SignallingMessage = ServerMessage | ClientMessage


def _signal_to_json(signal: PeerSignal) -> dict[str, str]:
    return {signal.kind: signal.value}


def _signal_from_json(obj: Any) -> PeerSignal:
    if not isinstance(obj, dict) or len(obj) != 1:
        raise SignallingProtocolError(f"PeerSignal must be a one-key object, got {obj!r:.80}")
    ((kind, value),) = obj.items()
    if kind not in _SIGNAL_KINDS or not isinstance(value, str):
        raise SignallingProtocolError(f"unknown PeerSignal {kind!r} or non-string payload")
    return PeerSignal(kind, value)


def encode(message: SignallingMessage) -> str:
    """Serialise a message to the JSON text frame Matchbox expects."""
    obj: Any
    match message:
        case IdAssignedMessage(peer_id):
            obj = {"IdAssigned": peer_id}
        case NewPeerMessage(peer_id):
            obj = {"NewPeer": peer_id}
        case PeerLeftMessage(peer_id):
            obj = {"PeerLeft": peer_id}
        case SignalFromPeer(sender, data):
            obj = {"Signal": {"sender": sender, "data": _signal_to_json(data)}}
        case SignalToPeer(receiver, data):
            obj = {"Signal": {"receiver": receiver, "data": _signal_to_json(data)}}
        case KeepAliveMessage():
            obj = "KeepAlive"
        case _:
            raise TypeError(f"not a signalling message: {message!r}")
    return json.dumps(obj, separators=(",", ":"))


def _load(text: str | bytes) -> Any:
    return load_json(text)


def _peer_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise SignallingProtocolError(f"{field} must be a non-empty string")
    return value


def decode_server_message(text: str | bytes) -> ServerMessage:
    """Parse a frame sent by a signalling server; raises ``SignallingProtocolError``."""
    obj = _load(text)
    if not isinstance(obj, dict) or len(obj) != 1:
        raise SignallingProtocolError(f"unexpected server message {obj!r:.80}")
    ((tag, body),) = obj.items()
    if tag == "IdAssigned":
        return IdAssignedMessage(_peer_id(body, tag))
    if tag == "NewPeer":
        return NewPeerMessage(_peer_id(body, tag))
    if tag == "PeerLeft":
        return PeerLeftMessage(_peer_id(body, tag))
    if tag == "Signal" and isinstance(body, dict):
        return SignalFromPeer(
            _peer_id(body.get("sender"), "sender"), _signal_from_json(body.get("data"))
        )
    raise SignallingProtocolError(f"unknown server message tag {tag!r}")


def decode_client_message(text: str | bytes) -> ClientMessage:
    """Parse a frame sent by a client; raises ``SignallingProtocolError``."""
    obj = _load(text)
    if obj == "KeepAlive":
        return KeepAliveMessage()
    if isinstance(obj, dict) and len(obj) == 1 and isinstance(obj.get("Signal"), dict):
        body = obj["Signal"]
        return SignalToPeer(
            _peer_id(body.get("receiver"), "receiver"), _signal_from_json(body.get("data"))
        )
    raise SignallingProtocolError(f"unexpected client message {obj!r:.80}")
