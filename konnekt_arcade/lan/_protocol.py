"""The LAN discovery datagrams (sans-I/O): bytes in -> a typed packet, or a counted drop reason.

Three packets, each one small JSON object with ``magic``, ``v`` (protocol version), ``t``
(type) and ``game``:

- ``Query`` (browser -> broadcast/multicast): "who hosts ``game`` here?"
- ``Announce`` (host -> broadcast/multicast every 1.5 s, and unicast in reply to a query):
  host id, lobby name, host name, players, max players, has-password, invite, and ``proto``:
  the lobby protocol the host speaks (``sync._wire.PROTOCOL_VERSION``), so a list can show a
  lobby of another version as such instead of failing on Join. It is optional (announces of
  releases before it have none: version 1), so adding it left ``v`` (this datagram format's
  own version) as it was.
- ``Bye`` (host -> broadcast/multicast when it stops): browsers drop the entry at once
  instead of waiting for it to expire.

Nothing here touches a socket or a clock; ``_sockets.py`` moves the bytes. Everything from
the network is untrusted: size first, then JSON, then every field's type and length.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: Tells our datagrams from anything else on the port (Mirror uses a per-game handshake value
#: for the same reason; the game id below separates games, the magic separates protocols).
MAGIC = "konnekt-lan"
#: Bumped on any incompatible change of these datagrams; other versions are dropped and
#: counted. (Not the lobby protocol: that is the announce's ``proto``.)
VERSION = 1
#: The lobby protocol an announce without ``proto`` speaks (releases before the field).
DEFAULT_PROTOCOL = 1
#: Highest lobby protocol an announce may claim (bounds what a peer can make us hold).
MAX_PROTOCOL = 1_000_000
#: The game id of a query from a browser that lists every game (``find_lan_lobbies()``).
ANY_GAME = "*"
#: Largest datagram sent or accepted: one unfragmented packet on any common link (IPv6's
#: minimum MTU of 1280 minus headers; QUIC uses the same bound), so a lost fragment never
#: loses an announce, and a peer cannot make us parse more than this.
MAX_DATAGRAM = 1200
#: Names are shown in one row of a lobby list; the domain allows the same length.
MAX_NAME = 64
#: Same bound as ``session._invite.MAX_INVITE_LENGTH``.
MAX_INVITE = 512
#: A game id: short, printable, no spaces (it is compared, never shown).
GAME_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: Host ids are random per advertiser (de-duplicates a host heard on several interfaces).
HOST_ID = re.compile(r"^[0-9a-f]{8,32}$")
#: What an announced invite must look like: a websocket URL whose last path segment is a UUID
#: (the session id). Checked here without the session layer so this module stays pure.
INVITE = re.compile(r"^wss?://[^/\s?#]+(/[^\s?#]*)?/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
                    r"-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: A lobby bigger than this is not a LAN party; also bounds what a peer can claim.
MAX_PLAYERS = 1024


class DropReason(Exception):
    """Why a datagram was dropped; ``kind`` is the counter it increments."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Query:
    game: str


@dataclass(frozen=True, slots=True)
class Announce:
    game: str
    host_id: str
    name: str
    host_name: str
    players: int
    max_players: int
    has_password: bool
    invite: str
    #: The lobby protocol the host speaks (``sync._wire.PROTOCOL_VERSION`` of its release).
    protocol: int = DEFAULT_PROTOCOL


@dataclass(frozen=True, slots=True)
class Bye:
    game: str
    host_id: str


Packet = Query | Announce | Bye


def check_game_id(game: str) -> str:
    """Validate a game id given by a developer (raises ValueError, not a drop)."""
    if not isinstance(game, str) or not GAME_ID.match(game):
        raise ValueError(f"game id {game!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return game


def encode(packet: Packet) -> bytes:
    """The datagram for ``packet``; names are shortened (never the invite) to fit."""
    head: dict[str, Any] = {"magic": MAGIC, "v": VERSION, "game": packet.game}
    match packet:
        case Query():
            body: dict[str, Any] = {"t": "query"}
        case Bye(host_id=host_id):
            body = {"t": "bye", "host": host_id}
        case Announce():
            body = {"t": "announce", "host": packet.host_id, "name": packet.name[:MAX_NAME],
                    "host_name": packet.host_name[:MAX_NAME], "players": packet.players,
                    "max": packet.max_players, "pw": packet.has_password,
                    "invite": packet.invite, "proto": packet.protocol}
    data = json.dumps({**head, **body}, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) > MAX_DATAGRAM:
        raise ValueError(f"LAN packet of {len(data)} bytes exceeds {MAX_DATAGRAM}")
    return data


def decode(data: bytes, game: str | None = None) -> Packet:
    """Parse one datagram. ``game`` (None = any) is the game id we care about.

    Raises:
        DropReason: ``oversized``, ``malformed``, ``wrong_magic``, ``wrong_version`` or
            ``wrong_game`` — callers count ``kind`` and move on.
    """
    if len(data) > MAX_DATAGRAM:
        raise DropReason("oversized", f"{len(data)} bytes")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DropReason("malformed", "not JSON") from exc
    if not isinstance(raw, dict):
        raise DropReason("malformed", "not an object")
    if raw.get("magic") != MAGIC:
        raise DropReason("wrong_magic")
    if raw.get("v") != VERSION:
        raise DropReason("wrong_version", repr(raw.get("v"))[:20])
    packet_game = _text(raw, "game", 64)
    kind = raw.get("t")
    any_game = kind == "query" and packet_game == ANY_GAME
    if not (any_game or GAME_ID.match(packet_game)):
        raise DropReason("malformed", "bad game id")
    if game is not None and packet_game != game and not any_game:
        raise DropReason("wrong_game")
    if kind == "query":
        return Query(packet_game)
    host_id = _text(raw, "host", 32)
    if not HOST_ID.match(host_id):
        raise DropReason("malformed", "bad host id")
    if kind == "bye":
        return Bye(packet_game, host_id)
    if kind != "announce":
        raise DropReason("malformed", "unknown type")
    players, max_players = _count(raw, "players"), _count(raw, "max")
    if max_players < 1 or players > max_players:
        raise DropReason("malformed", "player counts")
    has_password = raw.get("pw")
    if not isinstance(has_password, bool):
        raise DropReason("malformed", "pw")
    invite = _text(raw, "invite", MAX_INVITE)
    if not INVITE.match(invite):
        raise DropReason("malformed", "bad invite")
    protocol = raw.get("proto", DEFAULT_PROTOCOL)
    if type(protocol) is not int or not DEFAULT_PROTOCOL <= protocol <= MAX_PROTOCOL:
        raise DropReason("malformed", "proto")
    return Announce(packet_game, host_id, _text(raw, "name", MAX_NAME),
                    _text(raw, "host_name", MAX_NAME), players, max_players, has_password,
                    invite, protocol)


def _text(raw: dict[str, Any], key: str, limit: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or len(value) > limit or not value.isprintable():
        raise DropReason("malformed", key)
    return value


def _count(raw: dict[str, Any], key: str) -> int:
    value = raw.get(key)
    if type(value) is not int or not 0 <= value <= MAX_PLAYERS:
        raise DropReason("malformed", key)
    return value
