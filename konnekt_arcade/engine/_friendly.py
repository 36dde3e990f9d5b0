"""Errors in words a player understands (the technical text stays in the log)."""

from __future__ import annotations

from ..session import (
    ConnectionFailed,
    ConnectionTimeout,
    DirectoryUnavailable,
    InvalidSessionId,
    LobbyNotFound,
    PeerIdTimeout,
    SendFailed,
    SyncTimeout,
    WrongPassword,
)


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
        "SubmitResult": "submit the result", "LeaveLobby": "leave",
    }
    return f"Couldn't {verbs.get(command_type, command_type)}: {reason}"
