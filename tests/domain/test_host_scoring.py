"""Host-scored runs (``Scoring.HOST``: the host's game submits every result with
``SubmitResultFor``), per-run settings (time limit from the queued activity, overrides at
start) and the run's shared-clock helpers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from konnekt_arcade.domain import (
    MAX_RUN_DURATION_MS,
    DomainCommand,
    RunStatus,
    Scoring,
    check_wire_safe,
)

from .conftest import Harness, kinds

C = DomainCommand


def queue(h: Harness, scoring: Scoring = Scoring.HOST, **kw: Any) -> UUID:
    (event,) = h.do(C.QueueActivity(lobby_id=h.lid, host_id=h.host_id, activity_type="coins",
                                    name="Coins", scoring=scoring, **kw), h.host_id)
    return event.activity.id  # type: ignore[attr-defined]


def start_host_scored(h: Harness, **kw: Any) -> UUID:
    queue(h, **kw)
    return h.start()


def score_for(h: Harness, pid: UUID, score: int, actor: UUID | None = None,
              **kw: Any) -> C.SubmitResultFor:
    assert h.lobby is not None and h.lobby.current_run is not None
    return C.SubmitResultFor(lobby_id=h.lid, host_id=actor or h.host_id,
                             run_id=h.lobby.current_run.id, participant_id=pid, score=score,
                             **kw)


# --- who may submit -------------------------------------------------------------------


def test_the_host_submits_everyones_result_and_the_run_completes(trio) -> None:
    h, host, (g1, g2) = trio
    run_id = start_host_scored(h)
    assert h.lobby.current_run.host_scored and h.lobby.current_run.scoring is Scoring.HOST
    assert kinds(h.do(score_for(h, g1, 7, data={"coins": 7}), host)) == ["ResultSubmitted"]
    assert kinds(h.do(score_for(h, host, 2), host)) == ["ResultSubmitted"]
    events = h.do(score_for(h, g2, 4, time_taken_ms=900), host)
    assert kinds(events) == ["ResultSubmitted", "RunEnded"]
    assert events[1].status is RunStatus.COMPLETED and events[1].reason == "all results in"
    (run,) = h.lobby.finished_runs
    assert run.id == run_id
    assert [r.participant_id for r in run.ranked_results()] == [g1, g2, host]
    assert run.result_of(g1).data == {"coins": 7}
    assert (h.board(g1).score, h.board(g2).score, h.board(host).score) == (7, 4, 2)
    assert h.p(g1).score == 7


def test_a_player_cannot_submit_their_own_result_in_a_host_scored_run(trio) -> None:
    h, host, (g1, _) = trio
    start_host_scored(h)
    reason = h.fail(C.SubmitResult(lobby_id=h.lid, run_id=h.lobby.current_run.id,
                                   participant_id=g1, score=99), g1)
    assert reason.startswith("the host scores this activity")
    # Not even the host, for itself: in this mode every result goes through SubmitResultFor.
    assert h.fail(C.SubmitResult(lobby_id=h.lid, run_id=h.lobby.current_run.id,
                                 participant_id=host, score=1), host).startswith(
        "the host scores this activity")


def test_only_the_host_submits_for_others(trio) -> None:
    h, host, (g1, g2) = trio
    start_host_scored(h)
    # A guest naming itself as host, and a guest naming the real host: both refused.
    assert h.fail(score_for(h, g2, 50, actor=g1), g1) == (
        "only the host can submit results for other players")
    assert h.fail(score_for(h, g2, 50), g1) == (
        "only the host can submit results for other players")


def test_the_host_cannot_submit_for_players_in_a_self_scored_run(trio) -> None:
    h, host, (g1, _) = trio
    queue(h, Scoring.SELF)
    h.start()
    assert h.fail(score_for(h, g1, 5), host) == (
        "players submit their own results in this activity (it is not host-scored)")
    assert kinds(h.submit(g1, 5)) == ["ResultSubmitted"]  # self mode works as before


def test_one_result_per_player_and_only_for_players_in_the_run(trio) -> None:
    h, host, (g1, _) = trio
    start_host_scored(h)
    h.do(score_for(h, g1, 3), host)
    assert h.fail(score_for(h, g1, 30), host) == "that player already has a result for this run"
    late = h.join("Late")  # joined after the start: not a submitter
    assert h.fail(score_for(h, late, 1), host) == "that player is not taking part in this run"
    stale = score_for(h, g1, 1).model_copy(update={"run_id": UUID(int=999)})
    assert h.fail(stale, host) == "that activity run is not the current one"


def test_result_data_is_checked_as_for_self_submission(trio) -> None:
    h, host, (g1, _) = trio
    start_host_scored(h)
    bad = score_for(h, g1, 1, data={"x": float("nan")})
    assert "NaN" in h.fail(bad, host)
    with pytest.raises(Exception, match="NaN"):
        check_wire_safe(bad)


def test_the_deadline_ends_a_host_scored_run_with_the_results_it_has(trio) -> None:
    h, host, (g1, _) = trio
    queue(h, duration_ms=10_000)
    h.start()
    started = h.lobby.current_run
    h.do(score_for(h, g1, 6), host)
    assert h.fail(C.ExpireRun(run_id=started.id), None, now=started.deadline - 0.01) == (
        "the run's deadline has not passed")
    (ended,) = h.do(C.ExpireRun(run_id=started.id), None, now=started.deadline)
    assert ended.status is RunStatus.COMPLETED and ended.reason == "time is up"
    assert [r.participant_id for r in h.lobby.finished_runs[-1].results] == [g1]


# --- host migration -------------------------------------------------------------------


def test_a_new_host_submits_the_results_still_pending(trio) -> None:
    """The host scores one player, then is lost: the successor (by the lobby's own rule)
    becomes host and submits the rest; the old host's pending result goes with its leaving."""
    h, host, (g1, g2) = trio
    start_host_scored(h)
    h.do(score_for(h, g1, 5), host)
    h.disconnect(host)
    successor = h.lobby.successor(excluding=host)
    assert successor is not None and successor.id == g1
    h.do(C.MigrateHost(new_host_id=g1), None)
    assert h.lobby.host_id == g1
    # The old host's word no longer counts; the new host's does.
    assert h.fail(score_for(h, g2, 1, actor=host), host) == (
        "only the host can submit results for other players")
    assert kinds(h.do(score_for(h, g2, 8), g1)) == ["ResultSubmitted"]
    events = h.do(C.RemoveTimedOut(participant_id=host), None)
    assert kinds(events) == ["SubmitterRemoved", "RunEnded", "GuestLeft"]
    run = h.lobby.finished_runs[-1]
    assert {r.participant_id: r.score for r in run.results} == {g1: 5, g2: 8}


# --- per-run settings -----------------------------------------------------------------


def test_a_queued_activity_carries_its_time_limit_into_the_run(trio) -> None:
    h, host, _ = trio
    queue(h, Scoring.SELF, duration_ms=20_000)
    assert h.lobby.activity_queue[0].duration_ms == 20_000
    (ev,) = h.do(C.StartNextRun(lobby_id=h.lid, host_id=host), host, now=100.0)
    assert (ev.run.started_at, ev.run.deadline) == (100.0, pytest.approx(120.0))
    assert ev.run.time_left(105.0) == pytest.approx(15.0)
    assert ev.run.time_left(130.0) == 0.0


def test_start_overrides_the_time_limit_and_settings_for_one_round(trio) -> None:
    h, host, _ = trio
    queue(h, Scoring.SELF, duration_ms=20_000, config={"level": 1, "coins": 10})
    queued = h.lobby.activity_queue[0]
    (ev,) = h.do(C.StartNextRun(lobby_id=h.lid, host_id=host, duration_ms=5_000,
                                config_overrides={"level": 3}), host, now=50.0)
    assert ev.run.deadline == pytest.approx(55.0)
    assert ev.run.activity.config == {"level": 3, "coins": 10}
    assert ev.run.activity.id == queued.id and queued.config == {"level": 1, "coins": 10}


def test_a_run_without_a_time_limit_has_no_time_left(trio) -> None:
    h, _, _ = trio
    run_id = h.queue_and_start()
    assert h.lobby.current_run.id == run_id and h.lobby.current_run.time_left(1e9) is None


@pytest.mark.parametrize("where", ["queue", "start"])
def test_a_time_limit_past_a_day_is_refused(trio, where: str) -> None:
    h, host, _ = trio
    too_long = MAX_RUN_DURATION_MS + 1
    if where == "queue":
        cmd: object = C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="t",
                                      name="T", duration_ms=too_long)
    else:
        h.queue()
        cmd = C.StartNextRun(lobby_id=h.lid, host_id=host, duration_ms=too_long)
    assert h.fail(cmd, host).startswith("a run's time limit must be at most 24 hours")


def test_overrides_that_json_cannot_carry_are_refused(trio) -> None:
    h, host, _ = trio
    h.queue()
    bad = C.StartNextRun(lobby_id=h.lid, host_id=host, config_overrides={"speed": float("inf")})
    assert "NaN or infinity" in h.fail(bad, host)
    with pytest.raises(Exception, match="infinity"):
        check_wire_safe(bad)


def test_host_scoring_and_settings_replicate_byte_for_byte(trio) -> None:
    """A replica folding the same events (through JSON, as on the wire) gets the same hash."""
    from pydantic import TypeAdapter

    from konnekt_arcade.domain import LobbyDomainEvent, fold, state_hash

    h, host, (g1, g2) = trio
    queue(h, duration_ms=3_000, config={"a": 1})
    h.do(C.StartNextRun(lobby_id=h.lid, host_id=host, config_overrides={"b": 2}), host)
    h.do(score_for(h, g1, 4), host)
    wire = TypeAdapter(LobbyDomainEvent)
    replayed = fold([wire.validate_json(wire.dump_json(e)) for e in h.log])
    assert state_hash(replayed) == state_hash(h.lobby)
    assert replayed.current_run.scoring is Scoring.HOST
