"""Errors in words a player understands (the technical text stays in the log)."""

from __future__ import annotations

import re

from ..session import (
    ConnectionFailed,
    ConnectionTimeout,
    DirectoryUnavailable,
    IncompatibleVersion,
    InvalidSessionId,
    LobbyNotFound,
    PeerIdTimeout,
    SendFailed,
    SyncTimeout,
    WrongPassword,
)

#: The last reason in ``ConnectionFailed.rejoin``'s text (a lost lobby we could not get back
#: into; not a signalling server we never reached).
_REJOIN = re.compile(r"^Could not rejoin .*?; last: (.*)\)")


def friendly_error(error: BaseException | None, signalling_url: str = "") -> str:
    """One or two short sentences for the connecting screen."""
    server = f" at {signalling_url}" if signalling_url else ""
    if error is None:
        return "The connection was closed."
    if isinstance(error, InvalidSessionId):
        return ("That invite doesn't look right — paste the whole invite the host shared "
                "(like ws://192.168.1.5:3536/123e4567-e89b-12d3-a456-426614174000), or its "
                "session id.")
    if isinstance(error, WrongPassword):
        if "needs a password" in str(error):
            return "This lobby needs a password — ask the host for it and type it in."
        return "That password isn't right — check it with the host and try again."
    if isinstance(error, IncompatibleVersion):
        todo = ("update this game to play there" if error.lobby_version > error.local_version
                else "the host has to update their game, or host one yourself")
        return (f"This lobby runs another version (protocol {error.lobby_version}, yours "
                f"{error.local_version}) — {todo}.")
    if isinstance(error, LobbyNotFound):
        return (f"No lobby has the code {error.code.strip().upper()!r} — check the code "
                "(letters and digits 2-9) and that the host's lobby is still open.")
    if isinstance(error, DirectoryUnavailable):
        return ("Couldn't reach the lobby list — check the server address and your "
                "connection, then try again.")
    if isinstance(error, ConnectionTimeout):
        return ("Couldn't reach the host — check the session id, and that the host "
                "is still in the lobby.")
    if isinstance(error, SyncTimeout):
        return "Reached the host, but the lobby never arrived — the host may have left. Try again."
    if isinstance(error, ConnectionFailed) and (last := _REJOIN.search(str(error))):
        return friendly_lost(last.group(1))
    if isinstance(error, PeerIdTimeout | ConnectionFailed):
        return (f"Couldn't reach the signalling server{server} — check the address and that "
                "the server is running.")
    if isinstance(error, SendFailed):
        return "Not connected to a lobby."
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"Something went wrong: {first_line}"


def friendly_failure(command_type: str, reason: str) -> str:
    """A rejected command, e.g. ``KickGuest`` -> "Couldn't kick: only the host can..."."""
    verbs = {
        "KickGuest": "kick", "DelegateHost": "hand over host", "QueueActivity": "queue that",
        "StartNextRun": "start", "CancelRun": "cancel", "SetReady": "change ready",
        "ToggleParticipationMode": "switch mode", "SendChat": "send that", "JoinLobby": "join",
        "SubmitResult": "submit the result", "SubmitResultFor": "submit the result",
        "LeaveLobby": "leave",
    }
    return f"Couldn't {verbs.get(command_type, command_type)}: {reason}"


def lost_reason(reason: str) -> str:
    """Why a live lobby was lost (a ``Reconnecting`` reason, or a transport's error text), as
    a player would say it."""
    text = reason.lower()
    if "did not answer in time" in text:
        return ("the lobby didn't answer in time — the host may have closed the game or "
                "lost its network")
    if "no peer" in text or "last peer" in text:
        return "the connection to the other players dropped"
    if "room full" in text:
        return "the lobby is full now"
    if "signalling" in text or "connect" in text:
        return ("the lobby's signalling server didn't answer (it may have closed with the "
                "host's game)")
    return reason or "the connection dropped"


def friendly_lost(reason: str) -> str:
    """A live lobby is gone for good: what happened, and what to do."""
    return (f"Lost the lobby and couldn't get back in: {lost_reason(reason)}. "
            "Host a new lobby, or join another.")


def friendly_reconnecting(attempt: int) -> str:
    """The lobby screen's line while the session rejoins by itself."""
    return ("Connection lost — reconnecting… chat, ready and host buttons are back when the "
            "lobby is." if attempt == 1 else f"Still reconnecting (attempt {attempt})…")
