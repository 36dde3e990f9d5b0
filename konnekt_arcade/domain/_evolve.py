"""``evolve``: the single place where lobby state changes.

Host and replicas run exactly this code on exactly the same events, which is
what makes their states (and state hashes) equal. It never reads a clock and
never generates an id: everything it needs is in the event.
"""

from __future__ import annotations

from functools import singledispatch
from uuid import UUID

from ._errors import DomainError
from ._events import (
    ActivityQueued,
    ActivityRemoved,
    ChatPosted,
    GuestJoined,
    GuestLeft,
    HostDelegated,
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
    CHAT_HISTORY,
    FINISHED_RUNS_KEPT,
    FINISHED_RUNS_WITH_DATA,
    ActivityRun,
    ChatMessage,
    LeaderboardEntry,
    Lobby,
    Participant,
    Role,
    trusted,
)


def evolve(lobby: Lobby | None, event: object) -> Lobby:
    """Apply one replicated event and return the new lobby.

    Raises:
        DomainError: the event does not fit this state (a replica that sees
            this is out of sync and must fetch a snapshot).
    """
    if isinstance(event, LobbyCreated):
        if lobby is not None:
            raise DomainError("the lobby already exists")
        return _created(event)
    if lobby is None:
        raise DomainError(f"{type(event).__name__} before the lobby exists")
    handler = _BY_TYPE.get(type(event))
    return handler(event, lobby) if handler is not None else _apply(event, lobby)


def _created(e: LobbyCreated) -> Lobby:
    host = e.host.model_copy(update={"role": Role.HOST})
    return Lobby(
        id=e.lobby_id,
        name=e.name,
        host_id=host.id,
        participants=(host,),
        leaderboard=(LeaderboardEntry(participant_id=host.id, name=host.name),),
        max_participants=e.max_participants,
        created_at=e.created_at,
    )


def _need(lobby: Lobby, pid: UUID) -> Participant:
    p = lobby.participant(pid)
    if p is None:
        raise DomainError(f"unknown participant {pid}")
    return p


def _with_participant(lobby: Lobby, pid: UUID, **changes: object) -> tuple[Participant, ...]:
    """The participants with ``changes`` applied to ``pid`` (one pass; ids compared by
    ``UUID.int``, as in ``Lobby.participant``).

    Raises:
        DomainError: nobody has that id.
    """
    key = pid.int
    people = lobby.participants
    for i, p in enumerate(people):
        if p.id.int == key:
            return (*people[:i], p.model_copy(update=changes), *people[i + 1:])
    raise DomainError(f"unknown participant {pid}")


def _replace(lobby: Lobby, pid: UUID, **changes: object) -> Lobby:
    return lobby.model_copy(update={"participants": _with_participant(lobby, pid, **changes)})


@singledispatch
def _apply(event: object, lobby: Lobby) -> Lobby:
    raise DomainError(f"not a lobby event: {type(event).__name__}")


@_apply.register
def _(e: GuestJoined, lobby: Lobby) -> Lobby:
    if lobby.participant(e.participant.id) is not None:
        raise DomainError("participant already in the lobby")
    guest = e.participant.model_copy(update={"role": Role.GUEST})
    board = [b for b in lobby.leaderboard if b.participant_id != guest.id]
    old = next((b for b in lobby.leaderboard if b.participant_id == guest.id), None)
    entry = (old or LeaderboardEntry(participant_id=guest.id, name=guest.name)).model_copy(
        update={"name": guest.name}
    )
    return lobby.model_copy(
        update={
            "participants": (*lobby.participants, guest),
            "leaderboard": (*board, entry),
        }
    )


@_apply.register
def _(e: GuestLeft, lobby: Lobby) -> Lobby:
    _need(lobby, e.participant_id)
    if e.participant_id == lobby.host_id:
        raise DomainError("the host cannot leave without delegating first")
    run = lobby.current_run
    if run is not None and e.participant_id in run.required_submitters:
        run = run.model_copy(
            update={
                "required_submitters": tuple(
                    p for p in run.required_submitters if p != e.participant_id
                )
            }
        )
    return lobby.model_copy(
        update={
            "participants": tuple(p for p in lobby.participants if p.id != e.participant_id),
            "current_run": run,
        }
    )


@_apply.register
def _(e: ParticipantDisconnected, lobby: Lobby) -> Lobby:
    return _replace(lobby, e.participant_id, connected=False)


@_apply.register
def _(e: ParticipantReconnected, lobby: Lobby) -> Lobby:
    return _replace(lobby, e.participant_id, connected=True)


@_apply.register
def _(e: ParticipationModeChanged, lobby: Lobby) -> Lobby:
    return _replace(lobby, e.participant_id, mode=e.mode)


@_apply.register
def _(e: ReadyChanged, lobby: Lobby) -> Lobby:
    return _replace(lobby, e.participant_id, ready=e.ready)


@_apply.register
def _(e: HostDelegated, lobby: Lobby) -> Lobby:
    _need(lobby, e.to_id)
    participants = []
    for p in lobby.participants:
        if p.id == e.to_id:
            p = p.model_copy(update={"role": Role.HOST})
        elif p.role is Role.HOST:
            p = p.model_copy(update={"role": Role.GUEST})
        participants.append(p)
    return lobby.model_copy(update={"participants": tuple(participants), "host_id": e.to_id})


@_apply.register
def _(e: ActivityQueued, lobby: Lobby) -> Lobby:
    return lobby.model_copy(update={"activity_queue": (*lobby.activity_queue, e.activity)})


@_apply.register
def _(e: ActivityRemoved, lobby: Lobby) -> Lobby:
    queue = tuple(a for a in lobby.activity_queue if a.id != e.activity_id)
    if len(queue) == len(lobby.activity_queue):
        raise DomainError("no such queued activity")
    return lobby.model_copy(update={"activity_queue": queue})


@_apply.register
def _(e: RunStarted, lobby: Lobby) -> Lobby:
    if lobby.current_run is not None:
        raise DomainError("a run is already in progress")
    queue = tuple(a for a in lobby.activity_queue if a.id != e.run.activity.id)
    return lobby.model_copy(update={"current_run": e.run, "activity_queue": queue})


@_apply.register
def _(e: ResultSubmitted, lobby: Lobby) -> Lobby:
    run = lobby.current_run
    r = e.result
    if run is None or run.id != r.run_id:
        raise DomainError("result for a run that is not in progress")
    key = r.participant_id.int
    if run.has_submitted(r.participant_id) or key not in [
        p.int for p in run.required_submitters
    ]:
        raise DomainError("result from a participant who may not submit")
    update: dict[str, object] = {
        "current_run": run.model_copy(update={"results": (*run.results, r)})}
    board = lobby.leaderboard
    for i, b in enumerate(board):
        if b.participant_id.int == key:
            b = b.model_copy(update={"score": b.score + r.score})
            update["leaderboard"] = (*board[:i], b, *board[i + 1:])
            break
    p = lobby.participant(r.participant_id)
    if p is not None:
        update["participants"] = _with_participant(lobby, p.id, score=p.score + r.score)
    return lobby.model_copy(update=update)


@_apply.register
def _(e: SubmitterRemoved, lobby: Lobby) -> Lobby:
    run = lobby.current_run
    if run is None or run.id != e.run_id:
        raise DomainError("submitter removed from a run that is not in progress")
    run = run.model_copy(
        update={
            "required_submitters": tuple(
                p for p in run.required_submitters if p != e.participant_id
            )
        }
    )
    return lobby.model_copy(update={"current_run": run})


@_apply.register
def _(e: RunEnded, lobby: Lobby) -> Lobby:
    run = lobby.current_run
    if run is None or run.id != e.run_id:
        raise DomainError("end of a run that is not in progress")
    run = run.model_copy(update={"status": e.status, "end_reason": e.reason or None})
    played = {r.participant_id.int for r in run.results}
    board = tuple(
        b.model_copy(update={"runs_played": b.runs_played + 1})
        if b.participant_id.int in played else b
        for b in lobby.leaderboard
    )
    kept = (*lobby.finished_runs, run)[-FINISHED_RUNS_KEPT:]
    cut = len(kept) - FINISHED_RUNS_WITH_DATA
    finished = tuple(_without_data(r) if i < cut else r for i, r in enumerate(kept))
    return lobby.model_copy(
        update={"current_run": None, "finished_runs": finished, "leaderboard": board}
    )


@_apply.register
def _(e: ChatPosted, lobby: Lobby) -> Lobby:
    p = _need(lobby, e.participant_id)
    msg = trusted(ChatMessage, participant_id=p.id, name=p.name, text=e.text, at=e.at)
    return lobby.model_copy(update={"chat": (*lobby.chat, msg)[-CHAT_HISTORY:]})


def _without_data(run: ActivityRun) -> ActivityRun:
    """A kept finished run past ``FINISHED_RUNS_WITH_DATA``: scores and times, no data."""
    for r in run.results:  # a loop, not any(): every kept run is checked on every RunEnded
        if r.data:
            return run.model_copy(update={"results": tuple(
                r.model_copy(update={"data": {}}) for r in run.results)})
    return run


#: ``_apply``'s handlers by exact type: one dict lookup per event instead of
#: ``singledispatch``'s per-call dispatch (anything else still goes through ``_apply``).
_BY_TYPE = {t: f for t, f in _apply.registry.items() if t is not object}
