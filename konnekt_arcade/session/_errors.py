"""``P2PError`` and its kinds, mirroring konnekt-session-p2p's Rust enum plus the timeouts.

Every timeout is both a ``P2PError`` and a built-in ``TimeoutError``. ``ConnectionTimeout``
is a kind of ``SyncTimeout``: "no peer ever connected" is the most common reason a lobby
does not sync, so ``except SyncTimeout`` catches both (an empty session fails that way).
"""

from __future__ import annotations

_CHECK = (
    "Check:\n"
    "  - Host is running (and polling) in session {session}\n"
    "  - Firewall allows WebRTC (UDP)\n"
    "  - ICE servers reachable"
)


class P2PError(Exception):
    """Base of every error the session layer raises."""


class ConnectionFailed(P2PError):
    """The signalling server or the WebRTC connection could not be established."""

    @classmethod
    def signalling(cls, url: str, message: str, refused: bool) -> ConnectionFailed:
        """The signalling server at ``url`` failed us (``refused``: on purpose, at a limit)."""
        if refused and "room full" in message:
            check = ("this lobby is full on that signalling server; try again when a player "
                     "has left, or have the server run with a higher --max-peers-per-room")
        elif refused:
            check = ("the signalling server is at its limit; try again later, or have it run "
                     "with a higher --max-rooms")
        else:
            check = "the server is running and the URL is right"
        return cls(f"Could not connect to signalling server {url}: {message}. Check: {check}")

    @classmethod
    def rejoin(cls, session: str, budget: float, attempts: int, last: str,
               host: bool = False) -> ConnectionFailed:
        """A guest's reconnection ran out of time (``ReconnectPolicy.give_up_after``).
        ``host``: the sync engine made us host meanwhile — nobody can have given our place
        away then; nobody else answered."""
        after = ("Nobody else in the lobby answered; host a new one" if host
                 else "The lobby has given our place away; join again")
        return cls(f"Could not rejoin session {session} within {budget:g} s ({attempts} "
                   f"attempt(s); last: {last}). {after}")


class InvalidSessionId(P2PError):
    """A session id that is not a UUID; the message names the bad text."""

    def __init__(self, text: object) -> None:
        super().__init__(f"Invalid session id {text!r}: expected a UUID like "
                         "'123e4567-e89b-12d3-a456-426614174000'")
        self.text = text


class SendFailed(P2PError):
    """A message could not be handed to the transport (closed session, unknown peer)."""


class Serialization(P2PError):
    """A message could not be encoded."""


class JoinRefused(P2PError):
    """The host refused to let us into its lobby; the message says why."""


class WrongPassword(JoinRefused):
    """The lobby has a password and ours was missing or wrong
    (``P2PLoopBuilder().password(...)``)."""

    @classmethod
    def refused_by_host(cls, session: str, reason: str) -> WrongPassword:
        return cls(f"The host of session {session} refused us: {reason}. "
                   "Check: the lobby password (P2PLoopBuilder().password(...))")


class IncompatibleVersion(JoinRefused):
    """The lobby speaks another protocol version than this game: the two cannot play
    together, whichever joins. ``lobby_version`` is the lobby's, ``local_version`` ours; the
    message says which side has to update."""

    def __init__(self, lobby_version: int, local_version: int, session: str = "") -> None:
        where = f" (session {session})" if session else ""
        if lobby_version > local_version:
            check = ("the host runs a newer konnekt-arcade. Check: update this game "
                     "(and konnekt-arcade) to the host's version")
        else:
            check = ("the host runs an older konnekt-arcade. Check: the host updates their "
                     "game, or you host a lobby yourself")
        super().__init__(f"This lobby{where} speaks protocol {lobby_version}, this game "
                         f"speaks {local_version}: {check}")
        self.lobby_version = lobby_version
        self.local_version = local_version


class P2PTimeout(P2PError, TimeoutError):
    """Base of the connection-stage timeouts."""


class PeerIdTimeout(P2PTimeout):
    """The signalling server did not assign a peer id in time."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(
            f"Timeout waiting for peer ID from {url} after {seconds:g} s. Check:\n"
            "  - The signalling server is running at that address\n"
            "  - The URL (ws:// or wss://, host and port) is right\n"
            "  - A firewall or proxy is not blocking WebSockets"
        )


class SyncTimeout(P2PTimeout):
    """The host's lobby snapshot did not arrive in time."""

    def __init__(self, session: str, seconds: float, detail: str = "") -> None:
        what = detail or f"Timeout waiting for lobby sync after {seconds:g} s"
        super().__init__(f"{what}. " + _CHECK.format(session=session))


class ConnectionTimeout(SyncTimeout):
    """No peer connected in time (so the lobby could not sync either)."""

    def __init__(self, session: str, seconds: float, detail: str = "") -> None:
        what = f"Timeout waiting for connection after {seconds:g} s"
        if detail:
            what += f" ({detail})"
        super().__init__(session, seconds, what)


__all__ = [
    "ConnectionFailed",
    "ConnectionTimeout",
    "IncompatibleVersion",
    "InvalidSessionId",
    "JoinRefused",
    "P2PError",
    "P2PTimeout",
    "PeerIdTimeout",
    "SendFailed",
    "Serialization",
    "SyncTimeout",
    "WrongPassword",
]

