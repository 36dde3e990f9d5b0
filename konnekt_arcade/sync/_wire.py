"""Wire messages of the lobby sync protocol (reliable channel, JSON).

Every message is an :class:`Envelope` ``{"v": PROTOCOL_VERSION, "msg": {...}}``
whose ``msg`` is a pydantic discriminated union on ``type``. konnekt-session-p2p's five
messages (EventBroadcast, RequestMissingEvents, MissingEventsResponse,
RequestFullSync, FullSyncResponse) keep their names and fields; the rest are
what correctness needs (commands with request ids, welcome/rejoin with a
reconnect token, heartbeats carrying epoch and latest sequence, the roster of
peer bindings that a successor host needs).

Versions. ``PROTOCOL_VERSION`` is the one number that says which wire this process speaks:
the sync envelope carries it, LAN announcements and directory listings advertise it, and a
mixed-version test makes a process speak another one by setting this module's constant (every
reader looks it up when it runs, none copies it at import). What stays the same in every
version, so that peers of different versions can still tell each other so:

- the reliable channel's first-byte table (``net._batch``): framing carries no version and
  must not change; anything version-dependent lives inside the messages;
- a sync envelope is a JSON object with an integer ``"v"`` at its top;
- the refusal ``{"v": N, "msg": {"type": "VersionRefused", "heard": M}}`` (``refusal``).

The first sync message on every new link carries the version (the host sends the snapshot or
``AuthRequired`` as soon as the channel opens), so a mismatch is seen in the first round trip;
what each side does then is ``_versions``'.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from typing import Annotated, Literal, NamedTuple
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..domain import Lobby, LobbyDomainEvent, Participant, UserCommand

#: Bumped on any incompatible change of the wire (2: the heartbeat's state digest, the
#: transport's batch frames, the lobby time of events); a peer of another version is refused
#: at join (``_versions``). Read it at run time (``_wire.PROTOCOL_VERSION``), never copy it.
PROTOCOL_VERSION = 2
#: The oldest version a peer may claim in a refusal or an announcement; lower is malformed.
MIN_PROTOCOL_VERSION = 1
#: The highest version we believe a peer claims (a bound, so a hostile number stays small).
MAX_PROTOCOL_VERSION = 1_000_000
#: Refused before parsing. A snapshot of a lobby at every domain maximum is ~1.85 MB
#: (measured in tests/session/test_late_join_at_every_maximum.py: 64 participants, 50 chat
#: lines of 280 emoji, 32 queued activities, the kept finished runs, every field at its
#: limit); 4 MiB is twice that, and still keeps a hostile peer from making us parse more.
#: Over 64 KiB travels in parts (session/_fragments).
MAX_MESSAGE_SIZE = 4 * 1024 * 1024
#: "To the end of the log" for RequestMissingEvents.
END_OF_LOG = 2**63 - 1
#: Longest password proof / reconnect token we parse (hex sha256 is 64).
MAX_SECRET_LENGTH = 128
#: Longest ``Roster.listing`` parsed (a join code and a 32-character key are ~40).
MAX_LISTING_LENGTH = 256


class Channel(enum.IntEnum):
    """Which data channel a message travels on (the values are the transport's channel
    numbers). Heartbeats go unreliable: on the ordered reliable channel one lost packet
    stalls everything behind it until SCTP retransmits (1 s, doubling), and under heavy loss
    that silence outlasted the heartbeat timeout, so peers declared a live host lost.
    Heartbeats only need to arrive often; a reordered older one is ignored by its counter."""

    RELIABLE = 0
    UNRELIABLE = 1


class Outgoing(NamedTuple):
    """One message ``data_to_send()`` hands to the transport."""

    peer: str
    channel: Channel
    data: bytes


class _Msg(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CommandOrigin(_Msg):
    """Which user command a sequenced event came from: a new host recognises a command the
    old host already sequenced by it (exactly once across a host change)."""

    participant_id: UUID
    request_id: int = Field(ge=0)


class LobbyEvent(_Msg):
    """A sequenced domain event. ``epoch`` names the host term that issued it; ``origin`` the
    user command it came from (None for the host's own bookkeeping)."""

    sequence: int = Field(ge=1)
    epoch: int = Field(ge=0)
    lobby_id: UUID
    timestamp: float
    event: LobbyDomainEvent
    origin: CommandOrigin | None = None
    #: Epoch of the sequencer's event at ``sequence - 1`` (None for the first): with one
    #: host per epoch, (epoch, sequence) names one event, so a replica whose event there has
    #: another epoch holds another history and resyncs instead of building on it.
    prev_epoch: int | None = Field(default=None, ge=0)


class RosterEntry(_Msg):
    peer_id: str | None
    #: sha256 of the participant's reconnect token: any successor host can
    #: check a rejoin without anyone but the participant knowing the token.
    token_hash: str


class Roster(_Msg):
    """Which peer speaks for which participant; replicated so a successor
    host can keep authority checks after a migration."""

    entries: dict[str, RosterEntry] = Field(default_factory=dict)
    banned: tuple[str, ...] = ()
    #: An opaque credential the host shares with the lobby's members only and a successor
    #: host inherits (the directory listing's code and member key, session/_publish.py):
    #: the roster is the replicated state only members receive. None: nothing to share.
    listing: str | None = Field(default=None, max_length=MAX_LISTING_LENGTH)

    def participant_of(self, peer: str) -> UUID | None:
        """The participant ``peer`` speaks for, if any (a linear scan: at most the lobby's
        size, and only on the paths that bind or judge a peer)."""
        for pid, entry in self.entries.items():
            if entry.peer_id == peer:
                return UUID(pid)
        return None

    def peer_of(self, participant_id: UUID | None) -> str | None:
        """The peer that speaks for ``participant_id``, if any."""
        if participant_id is None:
            return None
        entry = self.entries.get(str(participant_id))
        return entry.peer_id if entry else None


class LobbySnapshot(_Msg):
    lobby_id: UUID
    name: str
    host_id: UUID
    lobby: Lobby
    as_of_sequence: int = Field(ge=0)
    epoch: int = Field(ge=0)
    host_peer: str
    roster: Roster
    #: Epoch of the event at ``as_of_sequence`` (see ``LobbyEvent.prev_epoch``).
    last_epoch: int | None = Field(default=None, ge=0)
    #: The latest sequenced commands (bounded): a peer synced by snapshot still recognises
    #: a command re-sent after a host change.
    commands: tuple[CommandOrigin, ...] = Field(default=(), max_length=4096)

    @property
    def participants(self) -> tuple[Participant, ...]:
        return self.lobby.participants


class EventBroadcast(_Msg):
    type: Literal["EventBroadcast"] = "EventBroadcast"
    event: LobbyEvent


class RequestMissingEvents(_Msg):
    type: Literal["RequestMissingEvents"] = "RequestMissingEvents"
    lobby_id: UUID
    from_sequence: int = Field(ge=1)
    to_sequence: int = Field(ge=1)


class MissingEventsResponse(_Msg):
    type: Literal["MissingEventsResponse"] = "MissingEventsResponse"
    events: list[LobbyEvent]
    latest_sequence: int = Field(ge=0)
    epoch: int = Field(ge=0)


class RequestFullSync(_Msg):
    type: Literal["RequestFullSync"] = "RequestFullSync"
    lobby_id: UUID | None
    last_known_sequence: int = Field(ge=0)


class FullSyncResponse(_Msg):
    type: Literal["FullSyncResponse"] = "FullSyncResponse"
    snapshot: LobbySnapshot
    events: list[LobbyEvent] = Field(default_factory=list)


class Command(_Msg):
    type: Literal["Command"] = "Command"
    request_id: int = Field(ge=0)
    command: UserCommand


class CommandAccepted(_Msg):
    type: Literal["CommandAccepted"] = "CommandAccepted"
    request_id: int


class CommandRejected(_Msg):
    type: Literal["CommandRejected"] = "CommandRejected"
    request_id: int
    command_type: str
    reason: str
    #: Not refused by the lobby's rules: the receiver is not (or no longer) the host, and the
    #: command goes to whoever is.
    not_host: bool = False


class Welcome(_Msg):
    type: Literal["Welcome"] = "Welcome"
    lobby_id: UUID
    participant_id: UUID
    reconnect_token: str


class Rejoin(_Msg):
    type: Literal["Rejoin"] = "Rejoin"
    request_id: int = Field(ge=0)
    lobby_id: UUID
    participant_id: UUID
    reconnect_token: str = Field(max_length=MAX_SECRET_LENGTH)


class Heartbeat(_Msg):
    type: Literal["Heartbeat"] = "Heartbeat"
    lobby_id: UUID | None
    epoch: int = Field(ge=0)
    sequence: int = Field(ge=0)
    #: Epoch of the event at ``sequence``: equal sequences with different
    #: epochs mean the receiver kept events of a deposed host.
    last_epoch: int = Field(ge=0)
    host_peer: str | None
    #: The sender's own heartbeat counter: a reordered older heartbeat
    #: (lower ``beat``) must not overwrite who the sender says it follows.
    beat: int = Field(default=0, ge=0)
    #: Short digest of the sender's lobby at ``sequence``: two histories that share
    #: sequence numbers and epochs (a host handed the role again after taking another
    #: history) still differ here, and the replica resyncs.
    state: str | None = Field(default=None, max_length=64)
    #: The sender's lobby time when it sent this (see ``_clock.py``): the host's is the
    #: reference, a replica's is a ping its host echoes.
    clock: float | None = Field(default=None, allow_inf_nan=False)
    #: From a host: the ``clock`` of the receiver's latest heartbeat, and how long the host
    #: held it before this one (seconds), so the receiver measures the round trip.
    echo: float | None = Field(default=None, allow_inf_nan=False)
    held: float | None = Field(default=None, ge=0.0, le=3600.0, allow_inf_nan=False)


class AuthRequired(_Msg):
    """Host to a peer that has not proved the lobby password yet: no
    snapshot, events or roster reach it until it does."""

    type: Literal["AuthRequired"] = "AuthRequired"
    lobby_id: UUID


class Authenticate(_Msg):
    """Guest to host: ``proof = password_proof(password, lobby, host, guest)``.
    The password itself never travels; the proof is bound to both peer ids,
    so a peer posing as host cannot replay it to the real one."""

    type: Literal["Authenticate"] = "Authenticate"
    lobby_id: UUID
    proof: str = Field(max_length=MAX_SECRET_LENGTH)


class AuthFailed(_Msg):
    type: Literal["AuthFailed"] = "AuthFailed"
    reason: str = Field(max_length=200)


class RosterUpdate(_Msg):
    type: Literal["RosterUpdate"] = "RosterUpdate"
    epoch: int = Field(ge=0)
    roster: Roster


SyncMessage = Annotated[
    EventBroadcast
    | RequestMissingEvents
    | MissingEventsResponse
    | RequestFullSync
    | FullSyncResponse
    | Command
    | CommandAccepted
    | CommandRejected
    | Welcome
    | Rejoin
    | Heartbeat
    | RosterUpdate
    | AuthRequired
    | Authenticate
    | AuthFailed,
    Field(discriminator="type"),
]


class Envelope(_Msg):
    v: int
    msg: SyncMessage


class WireError(Exception):
    """Bytes that are not a valid message. ``reason`` is a short counter key.

    For ``bad_version``: ``version`` is the version the sender speaks, and ``refused`` is
    True when the message was the sender's ``VersionRefused`` (it will not let us in)."""

    def __init__(self, reason: str, detail: str = "", *, version: int | None = None,
                 refused: bool = False) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.version = version
        self.refused = refused


def password_proof(password: str, lobby_id: UUID, host_peer: str, guest_peer: str) -> str:
    """HMAC-SHA256 of the lobby and both peer ids, keyed with the password."""
    msg = f"{lobby_id}|{host_peer}|{guest_peer}".encode()
    return hmac.new(password.encode(), msg, hashlib.sha256).hexdigest()


def channel_of(msg: BaseModel) -> Channel:
    return Channel.UNRELIABLE if isinstance(msg, Heartbeat) else Channel.RELIABLE


def encode(msg: BaseModel) -> bytes:
    """Serialise one message into an envelope. (The model's serializer itself, straight to
    bytes: ``model_dump_json`` adds a Python call and a str round trip per message.)"""
    return b'{"v":%d,"msg":%s}' % (PROTOCOL_VERSION, msg.__pydantic_serializer__.to_json(msg))


def refusal(heard: int) -> bytes:
    """Our refusal of a peer that speaks version ``heard``: the one message every version
    reads whatever its own version (its shape never changes; see the module docstring)."""
    return b'{"v":%d,"msg":{"type":"VersionRefused","heard":%d}}' % (PROTOCOL_VERSION, heard)


def decode(data: bytes, max_size: int = MAX_MESSAGE_SIZE) -> BaseModel:
    """Parse bytes into a message.

    Raises:
        WireError: with reason ``too_large`` (checked before parsing),
            ``bad_version`` or ``malformed``.
    """
    if len(data) > max_size:
        raise WireError("too_large", f"{len(data)} bytes > {max_size}")
    try:
        env: Envelope = _validate_envelope(data)
    except ValidationError as exc:
        _check_version(data)
        raise WireError("malformed", str(exc.errors()[:1])) from exc
    except (ValueError, TypeError) as exc:
        raise WireError("malformed", str(exc)) from exc
    if env.v != PROTOCOL_VERSION:
        _check_version(data)
        raise WireError("bad_version", f"version {env.v}")  # e.g. "v": 1.0
    return env.msg


#: The envelope's validator itself (``model_validate_json`` adds a Python-level call per
#: message, and every message a peer sends comes through here).
_validate_envelope = Envelope.__pydantic_validator__.validate_json


def _check_version(data: bytes) -> None:
    """Raise ``bad_version`` (with the sender's version, and whether it refused us) if
    ``data`` is an envelope of another version; return if it is ours or no envelope at all.
    Only the version-independent parts are read (``"v"``, and the refusal's shape)."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return
    v = obj.get("v") if isinstance(obj, dict) else None
    if type(v) is not int or v == PROTOCOL_VERSION:
        return
    if not MIN_PROTOCOL_VERSION <= v <= MAX_PROTOCOL_VERSION:
        raise WireError("bad_version", f"version {str(v)[:20]}")
    msg = obj.get("msg")
    refused = (isinstance(msg, dict) and msg.get("type") == "VersionRefused"
               and msg.get("heard") == PROTOCOL_VERSION)
    raise WireError("bad_version", f"version {v}", version=v, refused=refused)
