"""``evolve`` refuses events that do not fit the state it is given."""

from __future__ import annotations

from uuid import UUID

import pytest

from konnekt_arcade.domain import (
    ActivityConfig,
    ActivityResult,
    ActivityRun,
    DomainError,
    DomainEvent,
    Participant,
    ParticipationMode,
    Role,
    RunStatus,
    evolve,
    fold,
    state_hash,
)

E = DomainEvent
X = UUID(int=0xFFFF)
ACTIVITY = UUID(int=0xAAAA)


def _run(run_id: UUID = X, activity_id: UUID = ACTIVITY) -> ActivityRun:
    return ActivityRun(id=run_id, activity=ActivityConfig(id=activity_id, activity_type="t",
                                                          name="n"),
                       required_submitters=())


ALL_NON_CREATE = [
    E.GuestJoined(participant=Participant(id=X, name="x")),
    E.GuestLeft(participant_id=X),
    E.ParticipantDisconnected(participant_id=X),
    E.ParticipantReconnected(participant_id=X),
    E.ParticipationModeChanged(participant_id=X, mode=ParticipationMode.SPECTATING),
    E.ReadyChanged(participant_id=X, ready=True),
    E.HostDelegated(from_id=X, to_id=X),
    E.ActivityQueued(activity=ActivityConfig(id=X, activity_type="t", name="n")),
    E.ActivityRemoved(activity_id=X),
    E.RunStarted(run=_run()),
    E.ResultSubmitted(result=ActivityResult(run_id=X, participant_id=X)),
    E.SubmitterRemoved(run_id=X, participant_id=X),
    E.RunEnded(run_id=X, status=RunStatus.COMPLETED),
    E.ChatPosted(participant_id=X, text="hi", at=0.0),
]


@pytest.mark.parametrize("event", ALL_NON_CREATE, ids=lambda e: type(e).__name__)
def test_events_before_lobby_created(event) -> None:
    with pytest.raises(DomainError) as exc:
        evolve(None, event)
    assert exc.value.reason == f"{type(event).__name__} before the lobby exists"


def test_unknown_event_objects(trio) -> None:
    h, _, _ = trio
    with pytest.raises(DomainError, match=r"^not a lobby event: CommandFailed$"):
        evolve(h.lobby, E.CommandFailed(command_type="JoinLobby", reason="nope"))
    with pytest.raises(DomainError, match=r"^not a lobby event: dict$"):
        evolve(h.lobby, {"type": "GuestJoined"})


def test_guest_joined_twice(trio) -> None:
    h, _, (g1, _) = trio
    with pytest.raises(DomainError, match=r"^participant already in the lobby$"):
        evolve(h.lobby, E.GuestJoined(participant=Participant(id=g1, name="Again")))


def test_guest_joined_forces_guest_role(trio) -> None:
    h, host, _ = trio
    newcomer = Participant(id=UUID(int=7777), name="Sneaky", role=Role.HOST)
    lobby = evolve(h.lobby, E.GuestJoined(participant=newcomer))
    assert lobby.participant(newcomer.id).role is Role.GUEST
    assert lobby.host_id == host


@pytest.mark.parametrize("event", [
    E.GuestLeft(participant_id=X),
    E.ParticipantDisconnected(participant_id=X),
    E.ParticipantReconnected(participant_id=X),
    E.ParticipationModeChanged(participant_id=X, mode=ParticipationMode.SPECTATING),
    E.ReadyChanged(participant_id=X, ready=True),
    E.HostDelegated(from_id=UUID(int=1), to_id=X),
    E.ChatPosted(participant_id=X, text="hi", at=0.0),
], ids=lambda e: type(e).__name__)
def test_events_for_unknown_participants(trio, event) -> None:
    h, _, _ = trio
    with pytest.raises(DomainError) as exc:
        evolve(h.lobby, event)
    assert exc.value.reason == f"unknown participant {X}"


def test_remove_unknown_queued_activity(trio) -> None:
    h, _, _ = trio
    with pytest.raises(DomainError, match=r"^no such queued activity$"):
        evolve(h.lobby, E.ActivityRemoved(activity_id=X))


def test_run_started_while_run_in_progress(trio) -> None:
    h, _, _ = trio
    h.queue_and_start()
    with pytest.raises(DomainError, match=r"^a run is already in progress$"):
        evolve(h.lobby, E.RunStarted(run=_run()))


def test_run_events_without_a_run(trio) -> None:
    h, host, _ = trio
    with pytest.raises(DomainError, match=r"^result for a run that is not in progress$"):
        evolve(h.lobby, E.ResultSubmitted(result=ActivityResult(run_id=X, participant_id=host)))
    with pytest.raises(DomainError,
                       match=r"^submitter removed from a run that is not in progress$"):
        evolve(h.lobby, E.SubmitterRemoved(run_id=X, participant_id=host))
    with pytest.raises(DomainError, match=r"^end of a run that is not in progress$"):
        evolve(h.lobby, E.RunEnded(run_id=X, status=RunStatus.CANCELLED))


def test_run_events_for_another_run(trio) -> None:
    h, host, _ = trio
    h.queue_and_start()
    with pytest.raises(DomainError, match=r"^result for a run that is not in progress$"):
        evolve(h.lobby, E.ResultSubmitted(result=ActivityResult(run_id=X, participant_id=host)))
    with pytest.raises(DomainError,
                       match=r"^submitter removed from a run that is not in progress$"):
        evolve(h.lobby, E.SubmitterRemoved(run_id=X, participant_id=host))
    with pytest.raises(DomainError, match=r"^end of a run that is not in progress$"):
        evolve(h.lobby, E.RunEnded(run_id=X, status=RunStatus.COMPLETED))


def test_result_for_a_finished_run(trio) -> None:
    h, host, (g1, g2) = trio
    run = h.queue_and_start()
    for pid in (host, g1, g2):
        h.submit(pid)
    with pytest.raises(DomainError, match=r"^result for a run that is not in progress$"):
        evolve(h.lobby, E.ResultSubmitted(result=ActivityResult(run_id=run, participant_id=g1)))


def test_lobby_created_forces_host_role() -> None:
    host = Participant(id=UUID(int=1), name="H", role=Role.GUEST)
    lobby = evolve(None, E.LobbyCreated(lobby_id=UUID(int=2), name="L", host=host,
                                        max_participants=4, created_at=1.0))
    assert lobby.participants[0].role is Role.HOST
    assert lobby.host_id == host.id and lobby.max_participants == 4


def test_lobby_created_on_existing_lobby_is_refused(trio) -> None:
    h, _, _ = trio
    before = state_hash(h.lobby)
    with pytest.raises(DomainError):
        evolve(h.lobby, h.log[0])
    assert state_hash(h.lobby) == before


def test_failed_evolve_does_not_change_the_lobby(trio) -> None:
    h, _, _ = trio
    before = state_hash(h.lobby)
    with pytest.raises(DomainError):
        fold([E.ChatPosted(participant_id=X, text="x", at=0.0)], h.lobby)
    assert state_hash(h.lobby) == before


def test_fold_of_nothing() -> None:
    assert fold([]) is None
    assert state_hash(None) == "0" * 64


# --- evolve refuses events that decide can never produce --------------------------------
# decide() never emits these, so a correct host cannot trigger them; evolve() raises
# DomainError for an event that does not fit so an out-of-sync replica fetches a snapshot.


def test_guest_left_of_the_current_host_is_refused(trio) -> None:
    h, host, _ = trio
    with pytest.raises(DomainError):
        evolve(h.lobby, E.GuestLeft(participant_id=host))


def test_duplicate_result_is_refused_by_evolve(trio) -> None:
    h, _, (g1, _) = trio
    h.queue_and_start()
    (result_event,) = h.submit(g1, 10)
    with pytest.raises(DomainError):
        evolve(h.lobby, result_event)

