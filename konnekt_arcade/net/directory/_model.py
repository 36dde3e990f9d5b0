"""Directory entries and the validation of their fields (pure; no I/O).

Each field of an entry is declared once, with its check, in the class that first needs it:

- ``LobbyCard``: what every view of a lobby shows (names, players, game, version, protocol);
- ``LobbyFields(LobbyCard)``: what a host registers (the card, how to join, public or not);
- ``LobbyRecord(LobbyFields)``: what the server stores (plus code, times, owner, address);
- ``ListedLobby(LobbyCard)``: what a client reads back (plus code and times; how to join
  only after ``resolve``). The server's ``listing()`` is built from its fields, so the wire
  shape and the client's class cannot drift apart.

Everything a host sends is untrusted, and so is everything a directory answers: both sides
run the same checks (``LobbyFields.parse`` on the server, ``ListedLobby.parse`` in the client),
and the HTML page escapes again on output.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from ._codes import normalize_code
from ._limits import (
    MAX_GAME_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PLAYERS,
    MAX_URL_LENGTH,
    MAX_VERSION_LENGTH,
)

_GAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+/-]*$")
#: The lobby protocol of an entry without ``protocol`` (hosts of releases before the field),
#: and the highest one an entry may claim (a bound on what a host makes us store and show).
DEFAULT_PROTOCOL = 1
MAX_PROTOCOL = 1_000_000


class DirectoryRequestError(Exception):
    """A refused request: HTTP ``status``, a short machine-readable ``error`` and a detail."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail


def _bad(detail: str) -> DirectoryRequestError:
    return DirectoryRequestError(400, "invalid", detail)


#: Unicode categories refused in every name: control (Cc), format (Cf: bidi overrides,
#: zero-width), surrogates (Cs: not encodable, a lone one broke the HTML page), private use
#: (Co) and unassigned (Cn: no font renders them, and they may get a meaning later), line
#: and paragraph separators (Zl, Zp).
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: str) -> bool:
    """True when every character of ``text`` is one a lobby list can show."""
    return not any(unicodedata.category(c) in REFUSED_CATEGORIES for c in text)


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = data.get(key, "" if not required else None)
    if not isinstance(value, str):
        raise _bad(f"{key} must be a string")
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise _bad(f"{key} must not be empty")
    if len(value) > limit:
        raise _bad(f"{key} must be at most {limit} characters")
    if not printable(value):
        raise _bad(f"{key} must contain only printable characters (no control, format, "
                   "private-use, unassigned or surrogate code points)")
    return value


def _int(data: dict[str, Any], key: str, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{key} must be an integer from {low} to {high}")
    return value


def _flag(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise _bad(f"{key} must be true or false")
    return value


def _time(data: dict[str, Any], key: str) -> float:
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value >= 0):
        raise _bad(f"{key} must be a time in seconds")
    return float(value)


def _object(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _bad("lobby must be a JSON object")
    return data


def validate_url(value: object, key: str = "signalling_url") -> str:
    """A ws:// or wss:// URL with a host, printable ASCII only (no spaces, no control
    characters), at most ``MAX_URL_LENGTH``: guests connect to it, so it must mean exactly
    one thing to every URL parser."""
    problem = f"{key} must be a ws:// or wss:// URL of at most {MAX_URL_LENGTH} characters"
    if (not isinstance(value, str) or len(value) > MAX_URL_LENGTH
            or not value.startswith(("ws://", "wss://"))):
        raise _bad(problem)
    if not all(0x21 <= ord(c) <= 0x7E for c in value) or any(c in value for c in '"<>\\^`{|}'):
        raise _bad(f"{key} must be printable ASCII with no spaces or quotes")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise _bad(problem) from None
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        raise _bad(f"{key} needs a host and no user, password or #fragment")
    return value.rstrip("/")


def validate_session_id(value: object) -> str:
    """A session id (a UUID), in its canonical form."""
    try:
        if isinstance(value, str) and len(value) <= 64:
            return str(UUID(value))
    except ValueError:
        pass
    raise _bad("session_id must be a UUID")


def validate_code(value: object) -> str:
    """A join code as the server draws them (``_codes``), upper case."""
    code = normalize_code(value) if isinstance(value, str) else None
    if code is None:
        raise _bad("code must be a join code")
    return code


@dataclass(frozen=True, kw_only=True)
class LobbyCard:
    """What every view of a directory entry shows about a lobby."""

    name: str
    host_name: str
    players: int
    max_players: int
    has_password: bool
    game: str
    version: str = ""
    #: The lobby protocol the host speaks (``sync.PROTOCOL_VERSION`` of its release): a
    #: client shows a lobby of another one as "needs a newer/older version", not as joinable.
    protocol: int = DEFAULT_PROTOCOL

    @property
    def has_slots(self) -> bool:
        return self.players < self.max_players

    @staticmethod
    def checked(data: dict[str, Any]) -> dict[str, Any]:
        """The card's fields of ``data``, checked and normalised (NFC, stripped); raises
        ``DirectoryRequestError`` (400) naming the first bad one."""
        game = _text(data, "game", MAX_GAME_LENGTH)
        if not _GAME_RE.match(game):
            raise _bad("game may contain only letters, digits and . _ : + / -")
        max_players = _int(data, "max_players", 1, MAX_PLAYERS)
        return {"name": _text(data, "name", MAX_NAME_LENGTH),
                "host_name": _text(data, "host_name", MAX_NAME_LENGTH),
                "players": _int(data, "players", 0, max_players),
                "max_players": max_players,
                "has_password": _flag(data, "has_password", False),
                "game": game,
                "version": _text(data, "version", MAX_VERSION_LENGTH, required=False),
                "protocol": (_int(data, "protocol", DEFAULT_PROTOCOL, MAX_PROTOCOL)
                             if "protocol" in data else DEFAULT_PROTOCOL)}


@dataclass(frozen=True, kw_only=True)
class LobbyFields(LobbyCard):
    """The host-controlled part of an entry: what ``register``/``update`` carry."""

    session_id: str
    signalling_url: str
    public: bool = True

    @classmethod
    def parse(cls, data: object) -> LobbyFields:
        """Check a host's lobby description; raises ``DirectoryRequestError`` (400)."""
        data = _object(data)
        return cls(session_id=validate_session_id(data.get("session_id")),
                   signalling_url=validate_url(data.get("signalling_url")),
                   public=_flag(data, "public", True), **LobbyCard.checked(data))


def validate_fields(data: object) -> LobbyFields:
    """``LobbyFields.parse``: a host's lobby description, checked."""
    return LobbyFields.parse(data)


@dataclass(frozen=True, kw_only=True)
class ListedLobby(LobbyCard):
    """A lobby as the directory shows it. ``session_id``/``signalling_url`` are set by
    ``resolve`` (a listing shows how to find a lobby; resolving its code shows how to join)."""

    code: str
    session_id: str | None = None
    signalling_url: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @classmethod
    def parse(cls, data: object) -> ListedLobby:
        """One row of a directory's answer, checked like a registration (a directory may be
        hostile or broken too); raises ``DirectoryRequestError`` (400) naming the bad field."""
        data = _object(data)
        sid, url = data.get("session_id"), data.get("signalling_url")
        return cls(code=validate_code(data.get("code")),
                   session_id=None if sid is None else validate_session_id(sid),
                   signalling_url=None if url is None else validate_url(url),
                   created_at=_time(data, "created_at"), updated_at=_time(data, "updated_at"),
                   **LobbyCard.checked(data))

    @classmethod
    def from_json(cls, data: Any) -> ListedLobby:
        """``parse`` raising ``ValueError`` (the client's name for bad data)."""
        try:
            return cls.parse(data)
        except DirectoryRequestError as exc:
            raise ValueError(exc.detail) from None


#: How to join: shown by a lookup of the code, never in a listing.
_JOIN_KEYS = ("session_id", "signalling_url")
#: What ``GET /lobbies`` shows of an entry: the client's ``ListedLobby`` without how to join.
LISTING_KEYS = tuple(f.name for f in fields(ListedLobby) if f.name not in _JOIN_KEYS)


@dataclass(frozen=True, kw_only=True)
class LobbyRecord(LobbyFields):
    """One directory entry as stored (memory or Redis)."""

    code: str
    created_at: float
    updated_at: float
    #: sha256 of the owner token: a leaked store dump cannot be used to edit entries.
    owner_hash: str
    #: The address that registered it (per-client entry limit).
    client: str
    #: sha256 of the member key: the host shares the key with its lobby's members only, so
    #: a member that becomes host after a migration can take the entry over (``takeover``);
    #: "" for entries stored before member keys existed (nobody can take those over).
    member_hash: str = ""

    @property
    def claim(self) -> str:
        """What the store holds for the code, beside and after the entry (its tombstone):
        the owner hash, and the member hash after a space, so a member can take the code
        over even after the entry was removed or expired (``split_claim``)."""
        return f"{self.owner_hash} {self.member_hash}" if self.member_hash else self.owner_hash

    def listing(self) -> dict[str, Any]:
        """The fields ``GET /lobbies`` shows (no session id: listing is not joining)."""
        return {k: getattr(self, k) for k in LISTING_KEYS}

    def resolved(self) -> dict[str, Any]:
        """The fields ``GET /lobbies/<code>`` shows: the listing plus how to join."""
        return {**self.listing(), "public": self.public,
                **{k: getattr(self, k) for k in _JOIN_KEYS}}

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> LobbyRecord:
        """An entry read back from the store (written by ``to_json``: trusted)."""
        return cls(**json.loads(text))

    def with_fields(self, lobby: LobbyFields, now: float) -> LobbyRecord:
        return replace(self, **asdict(lobby), updated_at=now)


def split_claim(claim: str) -> tuple[str, str]:
    """``LobbyRecord.claim`` -> (owner hash, member hash or "")."""
    owner, _, member = claim.partition(" ")
    return owner, member
