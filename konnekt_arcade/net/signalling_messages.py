"""The Matchbox signalling wire format (serde externally tagged JSON), nothing else.

Kept separate from any socket code so that both our server and our client (and tests) share one
exact definition, and so that a real ``matchbox_server`` is a drop-in replacement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

SignalKind = Literal["Offer", "Answer", "IceCandidate"]
_SIGNAL_KINDS: tuple[str, ...] = ("Offer", "Answer", "IceCandidate")


class SignallingProtocolError(ValueError):
    """A signalling message could not be decoded. Callers drop the message and count it."""


@dataclass(frozen=True, slots=True)
class PeerSignal:
    """``{"Offer": sdp}``, ``{"Answer": sdp}`` or ``{"IceCandidate": json_string}``."""

    kind: SignalKind
    value: str


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
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignallingProtocolError(f"malformed JSON: {exc}") from None


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
