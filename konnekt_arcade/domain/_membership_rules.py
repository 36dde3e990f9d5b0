"""The membership rules of ``decide``: creating the lobby, joining, leaving, kicking, ready and
participation mode, host delegation, chat, and the system commands the host's sync layer issues
about connections (disconnected, reconnected, timed out, migrated).

Each handler takes ``(lobby, command, actor, now, new_id)`` and returns the events the command
causes or raises :class:`DomainError`; ``_decide.py`` picks the handler by command type.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from . import _commands as c
from ._checks import (
    MAX_CHAT_LENGTH,
    IdFactory,
    as_host,
    as_self,
    clean_name,
    departure,
    member,
)
from ._errors import DomainError
from ._events import (
    ChatPosted,
    DelegationReason,
    GuestJoined,
    HostDelegated,
    LeaveReason,
    LobbyCreated,
    ParticipantDisconnected,
    ParticipantReconnected,
    ParticipationModeChanged,
    ReadyChanged,
)
from ._models import (
    MAX_PARTICIPANTS_LIMIT,
    Lobby,
    Participant,
    ParticipationMode,
    Role,
    trusted,
)


def create_lobby(cmd: c.CreateLobby, now: float, new_id: IdFactory) -> list[object]:
    name = clean_name(cmd.lobby_name, "lobby name")
    host_name = clean_name(cmd.host_name, "host name")
    if not 1 <= cmd.max_participants <= MAX_PARTICIPANTS_LIMIT:
        raise DomainError(f"max participants must be between 1 and {MAX_PARTICIPANTS_LIMIT}")
    host = Participant(id=new_id(), name=host_name, role=Role.HOST, joined_at=now)
    return [
        LobbyCreated(
            lobby_id=cmd.lobby_id or new_id(),
            name=name,
            host=host,
            max_participants=cmd.max_participants,
            created_at=now,
        )
    ]


def _join(lobby: Lobby, cmd: c.JoinLobby, actor: UUID | None, now: float,
          new_id: IdFactory) -> list[object]:
    if actor is not None:
        raise DomainError("you are already in the lobby")
    name = clean_name(cmd.guest_name)
    if len(lobby.participants) >= lobby.max_participants:
        raise DomainError("lobby is full")
    if any(p.name.casefold() == name.casefold() for p in lobby.participants):
        raise DomainError(f"the name '{name}' is already taken")
    guest = Participant(id=new_id(), name=name, role=Role.GUEST, joined_at=now)
    return [GuestJoined(participant=guest)]


def _leave(lobby: Lobby, cmd: c.LeaveLobby, actor: UUID | None, now: float,
           new_id: IdFactory) -> list[object]:
    as_self(actor, cmd.participant_id, "leave")
    p = member(lobby, cmd.participant_id)
    events: list[object] = []
    if p.is_host:
        successor = lobby.successor(excluding=p.id)
        if successor is None:
            raise DomainError("the host cannot leave an empty lobby; close the session instead")
        events.append(HostDelegated(from_id=p.id, to_id=successor.id,
                                    reason=DelegationReason.DELEGATED))
    return events + departure(lobby, p.id, LeaveReason.LEFT)


def _kick(lobby: Lobby, cmd: c.KickGuest, actor: UUID | None, now: float,
          new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.host_id, "kick")
    p = member(lobby, cmd.guest_id, "guest")
    if p.is_host:
        raise DomainError("the host cannot kick themselves")
    return departure(lobby, p.id, LeaveReason.KICKED)


def _toggle(lobby: Lobby, cmd: c.ToggleParticipationMode, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    as_self(actor, cmd.participant_id, "change participation mode")
    p = member(lobby, cmd.participant_id)
    mode = (ParticipationMode.SPECTATING if p.is_active else ParticipationMode.ACTIVE)
    return [ParticipationModeChanged(participant_id=p.id, mode=mode)]


def _ready(lobby: Lobby, cmd: c.SetReady, actor: UUID | None, now: float,
           new_id: IdFactory) -> list[object]:
    as_self(actor, cmd.participant_id, "set ready")
    p = member(lobby, cmd.participant_id)
    if p.ready == cmd.ready:
        return []
    return [trusted(ReadyChanged, type="ReadyChanged", participant_id=p.id, ready=cmd.ready)]


def _delegate(lobby: Lobby, cmd: c.DelegateHost, actor: UUID | None, now: float,
              new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.current_host_id, "delegate host")
    target = member(lobby, cmd.new_host_id, "new host")
    if target.id == lobby.host_id:
        raise DomainError("that participant is already the host")
    if not target.connected:
        raise DomainError(f"{target.name} is disconnected and cannot become host")
    return [HostDelegated(from_id=lobby.host_id, to_id=target.id,
                          reason=DelegationReason.DELEGATED)]


def _chat(lobby: Lobby, cmd: c.SendChat, actor: UUID | None, now: float,
          new_id: IdFactory) -> list[object]:
    as_self(actor, cmd.participant_id, "chat")
    member(lobby, cmd.participant_id)
    text = cmd.text.strip()
    if not text:
        raise DomainError("chat message must not be empty")
    if len(text) > MAX_CHAT_LENGTH:
        raise DomainError(f"chat message must be at most {MAX_CHAT_LENGTH} characters")
    if not text.isprintable() and not all(ch.isprintable() or ch == "\n" for ch in text):
        raise DomainError("chat message must contain only printable characters")
    # Validated parts (the command, our clock): built without validating again.
    return [trusted(ChatPosted, type="ChatPosted", participant_id=cmd.participant_id,
                    text=text, at=float(now))]


# --- system commands (issued by the host's own sync layer) ------------------


def _mark_disconnected(lobby: Lobby, cmd: c.MarkDisconnected, actor: UUID | None, now: float,
                       new_id: IdFactory) -> list[object]:
    p = member(lobby, cmd.participant_id)
    return [ParticipantDisconnected(participant_id=p.id)] if p.connected else []


def _mark_reconnected(lobby: Lobby, cmd: c.MarkReconnected, actor: UUID | None, now: float,
                      new_id: IdFactory) -> list[object]:
    p = member(lobby, cmd.participant_id)
    return [] if p.connected else [ParticipantReconnected(participant_id=p.id)]


def _timed_out(lobby: Lobby, cmd: c.RemoveTimedOut, actor: UUID | None, now: float,
               new_id: IdFactory) -> list[object]:
    p = member(lobby, cmd.participant_id)
    if p.connected:
        raise DomainError(f"{p.name} is connected")
    if p.is_host:
        raise DomainError("the host cannot time out while it is host")
    return departure(lobby, p.id, LeaveReason.TIMED_OUT)


def _migrate(lobby: Lobby, cmd: c.MigrateHost, actor: UUID | None, now: float,
             new_id: IdFactory) -> list[object]:
    p = member(lobby, cmd.new_host_id, "new host")
    if p.is_host:
        return []
    return [HostDelegated(from_id=lobby.host_id, to_id=p.id, reason=DelegationReason.MIGRATED)]


MEMBERSHIP_HANDLERS: dict[type, Callable[..., list[object]]] = {
    c.JoinLobby: _join,
    c.LeaveLobby: _leave,
    c.KickGuest: _kick,
    c.ToggleParticipationMode: _toggle,
    c.SetReady: _ready,
    c.DelegateHost: _delegate,
    c.SendChat: _chat,
    c.MarkDisconnected: _mark_disconnected,
    c.MarkReconnected: _mark_reconnected,
    c.RemoveTimedOut: _timed_out,
    c.MigrateHost: _migrate,
}
