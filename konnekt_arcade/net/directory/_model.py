"""Directory entries and the validation of what hosts send (pure; no I/O).

Everything a host sends is untrusted: each field is type-checked and length-capped here, and
the HTML page escapes it again on output.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from ._limits import (
    MAX_GAME_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PLAYERS,
    MAX_URL_LENGTH,
    MAX_VERSION_LENGTH,
)

_GAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+/-]*$")


class DirectoryRequestError(Exception):
    """A refused request: HTTP ``status``, a short machine-readable ``error`` and a detail."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail


def _bad(detail: str) -> DirectoryRequestError:
    return DirectoryRequestError(400, "invalid", detail)


@dataclass(frozen=True)
class LobbyRecord:
    """One directory entry as stored (memory or Redis)."""

    code: str
    session_id: str
    signalling_url: str
    name: str
    host_name: str
    players: int
    max_players: int
    has_password: bool
    game: str
    version: str
    public: bool
    created_at: float
    updated_at: float
    #: sha256 of the owner token: a leaked store dump cannot be used to edit entries.
    owner_hash: str
    #: The address that registered it (per-client entry limit).
    client: str

    def listing(self) -> dict[str, Any]:
        """The fields ``GET /lobbies`` shows (no session id: listing is not joining)."""
        return {k: getattr(self, k) for k in (
            "code", "name", "host_name", "players", "max_players", "has_password", "game",
            "version", "created_at", "updated_at")}

    def resolved(self) -> dict[str, Any]:
        """The fields ``GET /lobbies/<code>`` shows: the listing plus how to join."""
        return {**self.listing(), "public": self.public, "session_id": self.session_id,
                "signalling_url": self.signalling_url}

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> LobbyRecord:
        return cls(**json.loads(text))

    def with_fields(self, fields: LobbyFields, now: float) -> LobbyRecord:
        return replace(self, **asdict(fields), updated_at=now)


@dataclass(frozen=True)
class LobbyFields:
    """The host-controlled part of an entry, validated."""

    session_id: str
    signalling_url: str
    name: str
    host_name: str
    players: int
    max_players: int
    has_password: bool
    game: str
    version: str
    public: bool


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


#: Unicode categories refused in every name: control (Cc), format (Cf: bidi overrides,
#: zero-width), surrogates (Cs: not encodable, a lone one broke the HTML page), private use
#: (Co) and unassigned (Cn: no font renders them, and they may get a meaning later), line
#: and paragraph separators (Zl, Zp).
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: str) -> bool:
    """True when every character of ``text`` is one a lobby list can show."""
    return not any(unicodedata.category(c) in REFUSED_CATEGORIES for c in text)


def _int(data: dict[str, Any], key: str, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{key} must be an integer from {low} to {high}")
    return value


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


def validate_fields(data: object) -> LobbyFields:
    """Check a host's lobby description; raises ``DirectoryRequestError`` (400) when bad."""
    if not isinstance(data, dict):
        raise _bad("lobby must be a JSON object")
    sid = data.get("session_id")
    try:
        session_id = str(UUID(sid)) if isinstance(sid, str) and len(sid) <= 64 else None
    except ValueError:
        session_id = None
    if session_id is None:
        raise _bad("session_id must be a UUID")
    game = _text(data, "game", MAX_GAME_LENGTH)
    if not _GAME_RE.match(game):
        raise _bad("game may contain only letters, digits and . _ : + / -")
    max_players = _int(data, "max_players", 1, MAX_PLAYERS)
    public = data.get("public", True)
    has_password = data.get("has_password", False)
    if not isinstance(public, bool) or not isinstance(has_password, bool):
        raise _bad("public and has_password must be true or false")
    return LobbyFields(
        session_id=session_id,
        signalling_url=validate_url(data.get("signalling_url")),
        name=_text(data, "name", MAX_NAME_LENGTH),
        host_name=_text(data, "host_name", MAX_NAME_LENGTH),
        players=_int(data, "players", 0, max_players),
        max_players=max_players,
        has_password=has_password,
        game=game,
        version=_text(data, "version", MAX_VERSION_LENGTH, required=False),
        public=public,
    )
