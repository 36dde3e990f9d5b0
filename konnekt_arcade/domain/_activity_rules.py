"""The activity rules of ``decide``: the activity queue and the runs started from it (start,
submit, cancel, remove a submitter, expire at the deadline).

Results come one of two ways, by the activity's ``scoring``: each player submits their own
(``SubmitResult``, ``Scoring.SELF``), or the host submits everyone's (``SubmitResultFor``,
``Scoring.HOST``); each command is refused in the other mode, so a host-scored round can never
take a player's own word for their score. Either way the run completes when nobody is pending
or at its deadline. Runs start and end in lobby time (``now`` here is the lobby's shared clock,
see ``sync``), so the deadline every peer reads means the same instant everywhere.

Each handler takes ``(lobby, command, actor, now, new_id)`` and returns the events the command
causes or raises :class:`DomainError`; ``_decide.py`` picks the handler by command type.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from . import _commands as c
from ._checks import (
    MAX_ACTIVITY_FIELD,
    MAX_CHAT_LENGTH,
    IdFactory,
    as_host,
    as_self,
    check_payload,
    completion,
    current_run,
)
from ._errors import DomainError
from ._events import (
    ActivityQueued,
    ActivityRemoved,
    ResultSubmitted,
    RunEnded,
    RunStarted,
    SubmitterRemoved,
)
from ._models import (
    MAX_QUEUED_ACTIVITIES,
    MAX_RUN_DURATION_MS,
    ActivityConfig,
    ActivityResult,
    ActivityRun,
    Lobby,
    RunStatus,
    Scoring,
)


def _check_duration(duration_ms: int | None) -> None:
    if duration_ms is not None and duration_ms > MAX_RUN_DURATION_MS:
        raise DomainError(f"a run's time limit must be at most {MAX_RUN_DURATION_MS // 3_600_000}"
                          " hours (was it given in seconds as milliseconds?)")


def _queue(lobby: Lobby, cmd: c.QueueActivity, actor: UUID | None, now: float,
           new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.host_id, "queue activities")
    kind = cmd.activity_type.strip()
    name = cmd.name.strip()
    if not kind or not name:
        raise DomainError("an activity needs a type and a name")
    if len(kind) > MAX_ACTIVITY_FIELD or len(name) > MAX_ACTIVITY_FIELD:
        raise DomainError(f"activity type and name must be at most {MAX_ACTIVITY_FIELD} characters")
    check_payload(cmd.config, "activity config")
    _check_duration(cmd.duration_ms)
    if len(lobby.activity_queue) >= MAX_QUEUED_ACTIVITIES:
        raise DomainError(f"the activity queue is full ({MAX_QUEUED_ACTIVITIES} activities)")
    aid = cmd.activity_id or new_id()
    if any(a.id == aid for a in lobby.activity_queue):
        raise DomainError("that activity is already queued")
    activity = ActivityConfig(id=aid, activity_type=kind, name=name, config=dict(cmd.config),
                              scoring=cmd.scoring, duration_ms=cmd.duration_ms)
    return [ActivityQueued(activity=activity)]


def _unqueue(lobby: Lobby, cmd: c.RemoveQueuedActivity, actor: UUID | None, now: float,
             new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.host_id, "remove queued activities")
    if not any(a.id == cmd.activity_id for a in lobby.activity_queue):
        raise DomainError("that activity is not in the queue")
    return [ActivityRemoved(activity_id=cmd.activity_id)]


def _start(lobby: Lobby, cmd: c.StartNextRun, actor: UUID | None, now: float,
           new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.host_id, "start an activity")
    if lobby.current_run is not None:
        raise DomainError("an activity is already running")
    if not lobby.activity_queue:
        raise DomainError("no activity is queued")
    active = lobby.active_participants()
    if not active:
        raise DomainError("at least one active participant is needed to start")
    activity = lobby.activity_queue[0]
    _check_duration(cmd.duration_ms)
    if cmd.config_overrides:
        config = {**activity.config, **cmd.config_overrides}
        check_payload(config, "activity config")
        activity = activity.model_copy(update={"config": config})
    duration_ms = cmd.duration_ms or activity.duration_ms
    deadline = now + duration_ms / 1000 if duration_ms else None
    run = ActivityRun(
        id=new_id(),
        activity=activity,
        required_submitters=tuple(p.id for p in active),
        started_at=now,
        deadline=deadline,
    )
    return [RunStarted(run=run)]


def _submit(lobby: Lobby, cmd: c.SubmitResult, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    as_self(actor, cmd.participant_id, "submit results")
    run = current_run(lobby, cmd.run_id)
    if run.activity.scoring is Scoring.HOST:
        # (A player's game that sends its own score here is a game bug; the host's game
        # submits every result with SubmitResultFor.)
        raise DomainError("the host scores this activity: players do not submit their own "
                          "results")
    if run.has_submitted(cmd.participant_id):
        raise DomainError("you already submitted a result for this run")
    if cmd.participant_id not in run.required_submitters:
        raise DomainError("you are not taking part in this run")
    return _result(run, cmd)


def _submit_for(lobby: Lobby, cmd: c.SubmitResultFor, actor: UUID | None, now: float,
                new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.host_id, "submit results for other players")
    run = current_run(lobby, cmd.run_id)
    if run.activity.scoring is not Scoring.HOST:
        raise DomainError("players submit their own results in this activity "
                          "(it is not host-scored)")
    if run.has_submitted(cmd.participant_id):
        raise DomainError("that player already has a result for this run")
    if cmd.participant_id not in run.required_submitters:
        raise DomainError("that player is not taking part in this run")
    return _result(run, cmd)


def _result(run: ActivityRun, cmd: c.SubmitResult | c.SubmitResultFor) -> list[object]:
    """The events of an accepted result: it, and the run's end if nobody is pending now."""
    check_payload(cmd.data, "result data")
    result = ActivityResult(run_id=run.id, participant_id=cmd.participant_id, data=dict(cmd.data),
                            score=cmd.score, time_taken_ms=cmd.time_taken_ms)
    return [ResultSubmitted(result=result), *completion(run, submitted=cmd.participant_id)]


def _cancel(lobby: Lobby, cmd: c.CancelRun, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.host_id, "cancel a run")
    run = current_run(lobby, cmd.run_id)
    reason = cmd.reason.strip()[:MAX_CHAT_LENGTH] or "cancelled by host"
    return [RunEnded(run_id=run.id, status=RunStatus.CANCELLED, reason=reason)]


def _remove_submitter(lobby: Lobby, cmd: c.RemoveSubmitter, actor: UUID | None, now: float,
                      new_id: IdFactory) -> list[object]:
    as_host(lobby, actor, cmd.host_id, "remove submitters")
    run = current_run(lobby, cmd.run_id)
    if cmd.participant_id not in run.pending_submitters():
        raise DomainError("that participant is not a pending submitter")
    return [SubmitterRemoved(run_id=run.id, participant_id=cmd.participant_id),
            *completion(run, removed=cmd.participant_id)]


def _expire(lobby: Lobby, cmd: c.ExpireRun, actor: UUID | None, now: float,
            new_id: IdFactory) -> list[object]:
    run = current_run(lobby, cmd.run_id)
    if run.deadline is None or now < run.deadline:
        raise DomainError("the run's deadline has not passed")
    return [RunEnded(run_id=run.id, status=RunStatus.COMPLETED, reason="time is up")]


ACTIVITY_HANDLERS: dict[type, Callable[..., list[object]]] = {
    c.QueueActivity: _queue,
    c.RemoveQueuedActivity: _unqueue,
    c.StartNextRun: _start,
    c.SubmitResult: _submit,
    c.SubmitResultFor: _submit_for,
    c.CancelRun: _cancel,
    c.RemoveSubmitter: _remove_submitter,
    c.ExpireRun: _expire,
}
