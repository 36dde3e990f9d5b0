"""Invites: one string that says where a lobby is — ``ws://host:port/<session id>``.

A session id alone is not enough to join: the guest also needs the host's signalling server,
and a friend's game that only got the id looks for the lobby on its own machine. An invite
carries both, so it is what *Copy* copies, what LAN discovery announces and what Join accepts.
The path's last segment is the session id (it is also the signalling room, see
``SessionId.room``); everything before it is the signalling URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ._errors import InvalidSessionId
from ._session_id import SessionId

if TYPE_CHECKING:
    from ._ice import IceServer

#: A session id, a join code or an invite (``build_session_guest``'s ``session_id``).
SessionIdArg = SessionId | str | uuid.UUID | None
#: ``session_id`` as a guest start takes it: with an invite as the URL, the ICE servers may
#: stand in its place (``build_session_guest(invite, ice_servers)``).
SessionIdOrIce = SessionIdArg | Sequence["IceServer"]

#: Schemes a guest can reach a signalling server with (``memory://`` is the in-memory network
#: of tests and examples, which has no address but is joined the same way).
INVITE_SCHEMES = ("ws", "wss", "memory")
#: Longest invite accepted: a URL this long is not something a friend typed or a host sent.
MAX_INVITE_LENGTH = 512


def make_invite(signalling_url: str, session_id: SessionId | str | uuid.UUID) -> str:
    """``ws://host:port`` + id -> ``ws://host:port/<id>`` (the inverse of ``parse_invite``)."""
    base = signalling_url if signalling_url.endswith("://") else signalling_url.rstrip("/")
    return f"{base}/{SessionId.parse(session_id)}"


def parse_invite(text: str) -> tuple[str, SessionId] | None:
    """``ws://192.168.1.5:3536/<id>`` -> (``ws://192.168.1.5:3536``, ``SessionId``).

    Returns None when ``text`` is not an invite at all (no ``scheme://``), so callers can try
    other forms (a bare session id, a join code).

    Raises:
        InvalidSessionId: it looks like an invite but has an unknown scheme, no session id, or
            a session id that is not a UUID.
    """
    text = text.strip()
    if "://" not in text:
        return None
    if len(text) > MAX_INVITE_LENGTH:
        raise InvalidSessionId(text[:40] + "…")
    scheme = text.split("://", 1)[0].lower()
    if scheme not in INVITE_SCHEMES:
        raise InvalidSessionId(text)
    parts = urlsplit(text)
    base, _, last = parts.path.rstrip("/").rpartition("/")
    if not last:
        raise InvalidSessionId(text)
    sid = SessionId.parse(last)  # raises InvalidSessionId naming the bad segment
    url = f"{scheme}://{parts.netloc}{base}"
    if parts.query:
        url += f"?{parts.query}"
    return url, sid


def resolve_target(signalling_url: str, session_id: SessionIdArg) -> tuple[str, SessionId]:
    """What ``start_session_guest`` joins: (signalling URL, session id).

    ``signalling_url`` may be a whole invite, with ``session_id`` None (or the same id). An
    invite pasted where the id goes is accepted too (its URL wins: it names the host).

    Raises:
        InvalidSessionId: no usable id, or an invite and a different explicit id.
    """
    if session_id is None:
        invite = parse_invite(signalling_url) if isinstance(signalling_url, str) else None
        if invite is None:
            raise InvalidSessionId(signalling_url)
        return invite
    if isinstance(session_id, str):
        nested = parse_invite(session_id)
        if nested is not None:
            return nested
    sid = SessionId.parse(session_id)
    try:  # a plain server URL ("ws://host:3536", "wss://x/signal") is not an invite
        invite = parse_invite(signalling_url)
    except InvalidSessionId:
        invite = None
    if invite is not None:
        if invite[1] != sid:
            raise InvalidSessionId(f"{signalling_url} (the invite names another session "
                                   f"than {sid})")
        return invite
    return signalling_url, sid


def invite_args(url: str, session_id: SessionIdOrIce, ice: Sequence[IceServer],
                ) -> tuple[str, SessionIdArg, Sequence[IceServer]]:
    """``build_session_guest(invite, ice_servers)``: a list in the session id's place is the
    ICE servers (no session id is a list), so the invite form reads naturally."""
    if session_id is None or isinstance(session_id, SessionId | str | uuid.UUID):
        return url, session_id, ice
    if ice:  # ICE servers twice: the second one is not a session id
        raise InvalidSessionId(session_id)
    return url, None, session_id


def resolve_code(url: str, session_id: SessionIdArg) -> tuple[str, SessionIdArg]:
    """A join code -> (the lobby's signalling URL, its session id); anything else as is."""
    from ..net.directory._codes import looks_like_code

    if not isinstance(session_id, str) or not looks_like_code(session_id):
        return url, session_id
    from ._directory import LobbyDirectory

    lobby = LobbyDirectory(url).resolve(session_id)
    assert lobby.session_id is not None and lobby.signalling_url is not None
    return lobby.signalling_url, lobby.session_id
