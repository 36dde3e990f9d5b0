"""``decide``: the host's rules. A command plus the current state gives the
events to replicate, or a :class:`DomainError` whose reason a player can read.

Only the host runs this. ``actor`` is the participant the host's sync layer has
bound to the sending peer (None for a peer that has not joined yet, which may
only join). Every rule that names a participant checks it against ``actor``,
so a peer can never act as someone else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from uuid import UUID, uuid4

from . import _commands as c
from ._errors import DomainError
from ._events import (
    ActivityQueued,
    ActivityRemoved,
    ChatPosted,
    DelegationReason,
    GuestJoined,
    GuestLeft,
    HostDelegated,
    LeaveReason,
    LobbyCreated,
    ParticipantDisconnected,
    ParticipantReconnected,
    ParticipationModeChanged,
    ReadyChanged,
    ResultSubmitted,
    RunEnded,
    RunStarted,
    SubmitterRemoved,
)
from ._models import (
    MAX_PARTICIPANTS_LIMIT,
    MAX_QUEUED_ACTIVITIES,
    ActivityConfig,
    ActivityResult,
    ActivityRun,
    Lobby,
    Participant,
    ParticipationMode,
    Role,
    RunStatus,
    trusted,
)

#: Player and lobby names: short enough for a lobby list row.
MAX_NAME_LENGTH = 32
#: Chat line limit, the classic short-message length.
MAX_CHAT_LENGTH = 280
#: Activity type / display name limits (they are shown in the lobby UI).
MAX_ACTIVITY_FIELD = 64
#: Activity config and result data as JSON. They live in the replicated
#: state and in every snapshot, so one peer must not be able to bloat them;
#: 8 KiB is far more than a mini-game's settings or score details need.
MAX_PAYLOAD_BYTES = 8 * 1024

IdFactory = Callable[[], UUID]


def clean_name(raw: str, what: str = "name") -> str:
    """Trim and validate a display name, or raise a DomainError saying why."""
    name = raw.strip()
    if not name:
        raise DomainError(f"{what} must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(f"{what} must be at most {MAX_NAME_LENGTH} characters")
    if not name.isprintable():
        raise DomainError(f"{what} must contain only printable characters")
    return name


def _check_payload(data: dict, what: str) -> None:
    """Refuse what JSON cannot carry faithfully. NaN and ±inf are not JSON: the wire encoder
    would turn them into ``null`` on every replica, so the host's state and its peers' would
    differ while their hashes agreed on something else entirely."""
    try:
        size = len(json.dumps(data, separators=(",", ":"), default=str, allow_nan=False))
    except ValueError as exc:
        if "Out of range float" in str(exc):
            raise DomainError(f"{what} must not contain NaN or infinity "
                              "(JSON has no such numbers)") from exc
        raise DomainError(f"{what} must be plain JSON") from exc
    except TypeError as exc:
        raise DomainError(f"{what} must be plain JSON") from exc
    if size > MAX_PAYLOAD_BYTES:
        raise DomainError(f"{what} must be at most {MAX_PAYLOAD_BYTES} bytes of JSON")


def check_wire_safe(command: object) -> None:
    """The checks a guest can make before sending ``command`` to the host: its payloads are
    JSON the wire carries unchanged. Without it a NaN in a guest's result data would leave as
    ``null`` and the host would accept the changed data; with it the guest reports a
    ``CommandFailed`` with the same reason the host gives.

    Raises:
        DomainError: activity config or result data that JSON cannot carry, or too large.
    """
    if isinstance(command, c.QueueActivity):
        _check_payload(command.config, "activity config")
    elif isinstance(command, c.SubmitResult):
        _check_payload(command.data, "result data")


def decide(
    lobby: Lobby | None,
    command: object,
    actor: UUID | None,
    now: float,
    *,
    new_id: IdFactory = uuid4,
) -> list[object]:
    """Check ``command`` against the rules and return the events it causes.

    Args:
        lobby: current state (None only before CreateLobby).
        command: a user or system command.
        actor: the participant issuing it (None: a peer that has not joined).
        now: the host's clock, seconds.
        new_id: source of fresh UUIDs (tests pass a seeded one).

    Raises:
        DomainError: the command breaks a rule; ``reason`` says which.
    """
    if isinstance(command, c.CreateLobby):
        if lobby is not None:
            raise DomainError("the lobby already exists")
        return _create(command, now, new_id)
    if lobby is None:
        raise DomainError("there is no lobby yet")
    # __dict__, not getattr (pydantic's __getattr__ raises and catches for a missing
    # field); ``.int``, not ``!=`` (UUID's comparison is Python code): once per command.
    lobby_id = getattr(command, "__dict__", {}).get("lobby_id")
    if lobby_id is not None and getattr(lobby_id, "int", None) != lobby.id.int:
        raise DomainError("command is for a different lobby")
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise DomainError(f"unknown command {type(command).__name__}")
    return handler(lobby, command, actor, now, new_id)


# --- helpers -----------------------------------------------------------------


def _member(lobby: Lobby, pid: UUID, what: str = "participant") -> Participant:
    p = lobby.participant(pid)
    if p is None:
        raise DomainError(f"{what} is not in the lobby")
    return p


def _as_self(actor: UUID | None, pid: UUID, action: str) -> None:
    if actor is None or actor.int != pid.int:
        raise DomainError(f"you can only {action} for yourself")


def _as_host(lobby: Lobby, actor: UUID | None, host_id: UUID, action: str) -> None:
    if actor is None or actor != host_id or actor != lobby.host_id:
        raise DomainError(f"only the host can {action}")


def _current_run(lobby: Lobby, run_id: UUID) -> ActivityRun:
    run = lobby.current_run
    if run is None:
        raise DomainError("no activity is running")
    if run.id != run_id:
        raise DomainError("that activity run is not the current one")
    return run


def _completion(run: ActivityRun, submitted: UUID | None = None,
                removed: UUID | None = None) -> list[object]:
    """RunEnded(Completed) if this submission/removal leaves nobody pending."""
    pending = [p for p in run.pending_submitters() if p not in (submitted, removed)]
    if pending:
        return []
    return [RunEnded(run_id=run.id, status=RunStatus.COMPLETED, reason="all results in")]


def _departure(lobby: Lobby, pid: UUID, reason: LeaveReason) -> list[object]:
    """Events for a participant leaving for any reason, mid-run included."""
    events: list[object] = []
    run = lobby.current_run
    if run is not None and pid in run.pending_submitters():
        events.append(SubmitterRemoved(run_id=run.id, participant_id=pid))
        events.extend(_completion(run, removed=pid))
    events.append(GuestLeft(participant_id=pid, reason=reason))
    return events


# --- handlers ----------------------------------------------------------------


def _create(cmd: c.CreateLobby, now: float, new_id: IdFactory) -> list[object]:
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
    _as_self(actor, cmd.participant_id, "leave")
    p = _member(lobby, cmd.participant_id)
    events: list[object] = []
    if p.is_host:
        successor = lobby.successor(excluding=p.id)
        if successor is None:
            raise DomainError("the host cannot leave an empty lobby; close the session instead")
        events.append(HostDelegated(from_id=p.id, to_id=successor.id,
                                    reason=DelegationReason.DELEGATED))
    return events + _departure(lobby, p.id, LeaveReason.LEFT)


def _kick(lobby: Lobby, cmd: c.KickGuest, actor: UUID | None, now: float,
          new_id: IdFactory) -> list[object]:
    _as_host(lobby, actor, cmd.host_id, "kick")
    p = _member(lobby, cmd.guest_id, "guest")
    if p.is_host:
        raise DomainError("the host cannot kick themselves")
    return _departure(lobby, p.id, LeaveReason.KICKED)


def _toggle(lobby: Lobby, cmd: c.ToggleParticipationMode, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    _as_self(actor, cmd.participant_id, "change participation mode")
    p = _member(lobby, cmd.participant_id)
    mode = (ParticipationMode.SPECTATING if p.is_active else ParticipationMode.ACTIVE)
    return [ParticipationModeChanged(participant_id=p.id, mode=mode)]


def _ready(lobby: Lobby, cmd: c.SetReady, actor: UUID | None, now: float,
           new_id: IdFactory) -> list[object]:
    _as_self(actor, cmd.participant_id, "set ready")
    p = _member(lobby, cmd.participant_id)
    if p.ready == cmd.ready:
        return []
    return [trusted(ReadyChanged, type="ReadyChanged", participant_id=p.id, ready=cmd.ready)]


def _delegate(lobby: Lobby, cmd: c.DelegateHost, actor: UUID | None, now: float,
              new_id: IdFactory) -> list[object]:
    _as_host(lobby, actor, cmd.current_host_id, "delegate host")
    target = _member(lobby, cmd.new_host_id, "new host")
    if target.id == lobby.host_id:
        raise DomainError("that participant is already the host")
    if not target.connected:
        raise DomainError(f"{target.name} is disconnected and cannot become host")
    return [HostDelegated(from_id=lobby.host_id, to_id=target.id,
                          reason=DelegationReason.DELEGATED)]


def _queue(lobby: Lobby, cmd: c.QueueActivity, actor: UUID | None, now: float,
           new_id: IdFactory) -> list[object]:
    _as_host(lobby, actor, cmd.host_id, "queue activities")
    kind = cmd.activity_type.strip()
    name = cmd.name.strip()
    if not kind or not name:
        raise DomainError("an activity needs a type and a name")
    if len(kind) > MAX_ACTIVITY_FIELD or len(name) > MAX_ACTIVITY_FIELD:
        raise DomainError(f"activity type and name must be at most {MAX_ACTIVITY_FIELD} characters")
    _check_payload(cmd.config, "activity config")
    if len(lobby.activity_queue) >= MAX_QUEUED_ACTIVITIES:
        raise DomainError(f"the activity queue is full ({MAX_QUEUED_ACTIVITIES} activities)")
    aid = cmd.activity_id or new_id()
    if any(a.id == aid for a in lobby.activity_queue):
        raise DomainError("that activity is already queued")
    activity = ActivityConfig(id=aid, activity_type=kind, name=name, config=dict(cmd.config))
    return [ActivityQueued(activity=activity)]


def _unqueue(lobby: Lobby, cmd: c.RemoveQueuedActivity, actor: UUID | None, now: float,
             new_id: IdFactory) -> list[object]:
    _as_host(lobby, actor, cmd.host_id, "remove queued activities")
    if not any(a.id == cmd.activity_id for a in lobby.activity_queue):
        raise DomainError("that activity is not in the queue")
    return [ActivityRemoved(activity_id=cmd.activity_id)]


def _start(lobby: Lobby, cmd: c.StartNextRun, actor: UUID | None, now: float,
           new_id: IdFactory) -> list[object]:
    _as_host(lobby, actor, cmd.host_id, "start an activity")
    if lobby.current_run is not None:
        raise DomainError("an activity is already running")
    if not lobby.activity_queue:
        raise DomainError("no activity is queued")
    active = lobby.active_participants()
    if not active:
        raise DomainError("at least one active participant is needed to start")
    deadline = now + cmd.duration_ms / 1000 if cmd.duration_ms else None
    run = ActivityRun(
        id=new_id(),
        activity=lobby.activity_queue[0],
        required_submitters=tuple(p.id for p in active),
        started_at=now,
        deadline=deadline,
    )
    return [RunStarted(run=run)]


def _submit(lobby: Lobby, cmd: c.SubmitResult, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    _as_self(actor, cmd.participant_id, "submit results")
    run = _current_run(lobby, cmd.run_id)
    if run.has_submitted(cmd.participant_id):
        raise DomainError("you already submitted a result for this run")
    if cmd.participant_id not in run.required_submitters:
        raise DomainError("you are not taking part in this run")
    _check_payload(cmd.data, "result data")
    result = ActivityResult(run_id=run.id, participant_id=cmd.participant_id, data=dict(cmd.data),
                            score=cmd.score, time_taken_ms=cmd.time_taken_ms)
    return [ResultSubmitted(result=result), *_completion(run, submitted=cmd.participant_id)]


def _cancel(lobby: Lobby, cmd: c.CancelRun, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    _as_host(lobby, actor, cmd.host_id, "cancel a run")
    run = _current_run(lobby, cmd.run_id)
    reason = cmd.reason.strip()[:MAX_CHAT_LENGTH] or "cancelled by host"
    return [RunEnded(run_id=run.id, status=RunStatus.CANCELLED, reason=reason)]


def _remove_submitter(lobby: Lobby, cmd: c.RemoveSubmitter, actor: UUID | None, now: float,
                      new_id: IdFactory) -> list[object]:
    _as_host(lobby, actor, cmd.host_id, "remove submitters")
    run = _current_run(lobby, cmd.run_id)
    if cmd.participant_id not in run.pending_submitters():
        raise DomainError("that participant is not a pending submitter")
    return [SubmitterRemoved(run_id=run.id, participant_id=cmd.participant_id),
            *_completion(run, removed=cmd.participant_id)]


def _chat(lobby: Lobby, cmd: c.SendChat, actor: UUID | None, now: float,
          new_id: IdFactory) -> list[object]:
    _as_self(actor, cmd.participant_id, "chat")
    _member(lobby, cmd.participant_id)
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
    p = _member(lobby, cmd.participant_id)
    return [ParticipantDisconnected(participant_id=p.id)] if p.connected else []


def _mark_reconnected(lobby: Lobby, cmd: c.MarkReconnected, actor: UUID | None, now: float,
                      new_id: IdFactory) -> list[object]:
    p = _member(lobby, cmd.participant_id)
    return [] if p.connected else [ParticipantReconnected(participant_id=p.id)]


def _timed_out(lobby: Lobby, cmd: c.RemoveTimedOut, actor: UUID | None, now: float,
               new_id: IdFactory) -> list[object]:
    p = _member(lobby, cmd.participant_id)
    if p.connected:
        raise DomainError(f"{p.name} is connected")
    if p.is_host:
        raise DomainError("the host cannot time out while it is host")
    return _departure(lobby, p.id, LeaveReason.TIMED_OUT)


def _expire(lobby: Lobby, cmd: c.ExpireRun, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    run = _current_run(lobby, cmd.run_id)
    if run.deadline is None or now < run.deadline:
        raise DomainError("the run's deadline has not passed")
    return [RunEnded(run_id=run.id, status=RunStatus.COMPLETED, reason="time is up")]


def _migrate(lobby: Lobby, cmd: c.MigrateHost, actor: UUID | None, now: float,
             new_id: IdFactory) -> list[object]:
    p = _member(lobby, cmd.new_host_id, "new host")
    if p.is_host:
        return []
    return [HostDelegated(from_id=lobby.host_id, to_id=p.id, reason=DelegationReason.MIGRATED)]


_HANDLERS: dict[type, Callable[..., list[object]]] = {
    c.JoinLobby: _join,
    c.LeaveLobby: _leave,
    c.KickGuest: _kick,
    c.ToggleParticipationMode: _toggle,
    c.SetReady: _ready,
    c.DelegateHost: _delegate,
    c.QueueActivity: _queue,
    c.RemoveQueuedActivity: _unqueue,
    c.StartNextRun: _start,
    c.SubmitResult: _submit,
    c.CancelRun: _cancel,
    c.RemoveSubmitter: _remove_submitter,
    c.SendChat: _chat,
    c.MarkDisconnected: _mark_disconnected,
    c.MarkReconnected: _mark_reconnected,
    c.RemoveTimedOut: _timed_out,
    c.ExpireRun: _expire,
    c.MigrateHost: _migrate,
}
