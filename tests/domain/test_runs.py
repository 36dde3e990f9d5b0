"""Activities and runs: queue, start, submit, complete, cancel, expire, leaderboard."""

from __future__ import annotations

from uuid import UUID

import pytest

from konnekt_arcade.domain import (
    DomainCommand,
    DomainError,
    LeaveReason,
    RunStatus,
    check_wire_safe,
)
from konnekt_arcade.domain._models import (
    FINISHED_RUNS_KEPT,
    FINISHED_RUNS_WITH_DATA,
    MAX_QUEUED_ACTIVITIES,
)

from .conftest import Harness, kinds

C = DomainCommand


# --- queue --------------------------------------------------------------------------


def test_queue_activity(trio) -> None:
    h, host, _ = trio
    events = h.do(C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="  pong ",
                                  name=" Pong Cup ", config={"speed": 3, "nested": {"a": [1]}}),
                  host)
    assert kinds(events) == ["ActivityQueued"]
    assert h.lobby is not None
    (act,) = h.lobby.activity_queue
    assert act.activity_type == "pong" and act.name == "Pong Cup"
    assert act.config == {"speed": 3, "nested": {"a": [1]}}


def test_queue_keeps_order_and_explicit_id(trio) -> None:
    h, host, _ = trio
    a = h.queue("A")
    explicit = UUID(int=0xBEEF)
    h.do(C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="t", name="B",
                         activity_id=explicit), host)
    assert h.lobby is not None
    assert [x.id for x in h.lobby.activity_queue] == [a, explicit]
    dup = C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="t", name="C",
                          activity_id=explicit)
    assert h.fail(dup, host) == "that activity is already queued"


@pytest.mark.parametrize(("kind", "name", "reason"), [
    ("", "n", "an activity needs a type and a name"),
    ("t", "   ", "an activity needs a type and a name"),
    ("x" * 65, "n", "activity type and name must be at most 64 characters"),
    ("t", "y" * 65, "activity type and name must be at most 64 characters"),
])
def test_queue_validation(trio, kind: str, name: str, reason: str) -> None:
    h, host, _ = trio
    cmd = C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type=kind, name=name)
    assert h.fail(cmd, host) == reason


def test_queue_accepts_64_char_fields(trio) -> None:
    h, host, _ = trio
    events = h.do(C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="x" * 64,
                                  name="y" * 64), host)
    assert kinds(events) == ["ActivityQueued"]
    assert h.lobby is not None
    (act,) = h.lobby.activity_queue
    assert (act.activity_type, act.name) == ("x" * 64, "y" * 64)


NON_FINITE = [float("nan"), float("inf"), float("-inf")]
NON_FINITE_REASON = "must not contain NaN or infinity (JSON has no such numbers)"


@pytest.mark.parametrize("bad", NON_FINITE, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("shape", ["top", "nested"])
def test_queue_refuses_non_finite_config(trio, bad: float, shape: str) -> None:
    """NaN/inf are not JSON: replicas would see null where the host kept the number."""
    h, host, _ = trio
    config = {"speed": bad} if shape == "top" else {"a": [1, {"b": bad}]}
    cmd = C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="t", name="T",
                          config=config)
    assert h.fail(cmd, host) == f"activity config {NON_FINITE_REASON}"
    h.queue(config={"speed": 1.5, "big": 1e308})  # finite floats stay welcome


@pytest.mark.parametrize("bad", NON_FINITE, ids=["nan", "inf", "-inf"])
def test_a_guest_can_check_before_sending(trio, bad: float) -> None:
    """``check_wire_safe``: what a guest checks before the wire would turn NaN into null."""
    h, host, (guest, _) = trio
    ok = C.SubmitResult(lobby_id=h.lid, run_id=h.lid, participant_id=guest, data={"x": 1.5})
    check_wire_safe(ok)
    check_wire_safe(C.SetReady(lobby_id=h.lid, participant_id=guest, ready=True))
    for cmd, what in ((ok.model_copy(update={"data": {"x": [bad]}}), "result data"),
                      (C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="t",
                                       name="T", config={"x": bad}), "activity config")):
        with pytest.raises(DomainError) as exc:
            check_wire_safe(cmd)
        assert exc.value.reason == f"{what} {NON_FINITE_REASON}"


@pytest.mark.parametrize("bad", NON_FINITE, ids=["nan", "inf", "-inf"])
def test_submit_refuses_non_finite_result_data(trio, bad: float) -> None:
    h, _, (guest, _) = trio
    run = h.queue_and_start()
    cmd = C.SubmitResult(lobby_id=h.lid, run_id=run, participant_id=guest,
                         data={"times": [1.0, bad]})
    assert h.fail(cmd, guest) == f"result data {NON_FINITE_REASON}"
    assert kinds(h.submit(guest, data={"times": [1.0, 2.5]}))[0] == "ResultSubmitted"


def test_remove_queued_activity(trio) -> None:
    h, host, _ = trio
    a = h.queue("A")
    b = h.queue("B")
    events = h.do(C.RemoveQueuedActivity(lobby_id=h.lid, host_id=host, activity_id=a), host)
    assert kinds(events) == ["ActivityRemoved"]
    assert h.lobby is not None and [x.id for x in h.lobby.activity_queue] == [b]
    again = C.RemoveQueuedActivity(lobby_id=h.lid, host_id=host, activity_id=a)
    assert h.fail(again, host) == "that activity is not in the queue"


# --- start ------------------------------------------------------------------------------


def test_start_takes_head_of_queue_with_active_participants(trio) -> None:
    h, host, (g1, g2) = trio
    first = h.queue("First")
    second = h.queue("Second")
    h.toggle(g2)  # spectating: not a required submitter
    events = h.do(C.StartNextRun(lobby_id=h.lid, host_id=host), host, now=500.0)
    assert kinds(events) == ["RunStarted"]
    run = events[0].run
    assert run.activity.id == first
    assert run.required_submitters == (host, g1)
    assert run.status is RunStatus.IN_PROGRESS
    assert run.started_at == 500.0 and run.deadline is None
    assert run.results == ()
    assert h.lobby is not None
    assert h.lobby.current_run == run
    assert [a.id for a in h.lobby.activity_queue] == [second]


def test_start_needs_a_queued_activity(trio) -> None:
    h, host, _ = trio
    assert h.fail(C.StartNextRun(lobby_id=h.lid, host_id=host), host) == "no activity is queued"


def test_start_needs_an_active_participant(trio) -> None:
    h, host, (g1, g2) = trio
    h.queue()
    for pid in (host, g1, g2):
        h.toggle(pid)
    assert h.fail(C.StartNextRun(lobby_id=h.lid, host_id=host), host) == (
        "at least one active participant is needed to start"
    )
    h.toggle(g2)
    run_id = h.start()
    assert h.lobby is not None and h.lobby.current_run is not None
    assert h.lobby.current_run.id == run_id
    assert h.lobby.current_run.required_submitters == (g2,)


def test_start_refused_while_a_run_is_in_progress(trio) -> None:
    h, host, _ = trio
    h.queue_and_start()
    h.queue()
    assert h.fail(C.StartNextRun(lobby_id=h.lid, host_id=host), host) == (
        "an activity is already running"
    )


def test_start_with_duration_sets_deadline(trio) -> None:
    h, host, _ = trio
    h.queue()
    (ev,) = h.do(C.StartNextRun(lobby_id=h.lid, host_id=host, duration_ms=2500), host, now=100.0)
    assert ev.run.deadline == pytest.approx(102.5)


# --- submit -----------------------------------------------------------------------------


def test_submit_result_and_completion(trio) -> None:
    h, host, (g1, g2) = trio
    run_id = h.queue_and_start()
    events = h.submit(g1, 10, data={"moves": 3}, time_taken_ms=1234)
    assert kinds(events) == ["ResultSubmitted"]
    r = events[0].result
    assert (r.run_id, r.participant_id, r.score, r.time_taken_ms, r.data) == (
        run_id, g1, 10, 1234, {"moves": 3})
    assert h.lobby is not None and h.lobby.current_run is not None
    assert h.lobby.current_run.pending_submitters() == (host, g2)
    assert h.lobby.current_run.has_submitted(g1)
    h.submit(host, 5)
    events = h.submit(g2, 7)
    assert kinds(events) == ["ResultSubmitted", "RunEnded"]
    assert events[1].status is RunStatus.COMPLETED
    assert events[1].run_id == run_id
    assert h.lobby.current_run is None
    (done,) = h.lobby.finished_runs
    assert done.id == run_id and done.status is RunStatus.COMPLETED
    assert done.end_reason == "all results in"
    assert [x.participant_id for x in done.results] == [g1, host, g2]


def test_one_result_per_submitter_per_run(trio) -> None:
    h, _, (g1, _) = trio
    h.queue_and_start()
    h.submit(g1, 1)
    assert h.lobby is not None and h.lobby.current_run is not None
    cmd = C.SubmitResult(lobby_id=h.lid, run_id=h.lobby.current_run.id, participant_id=g1,
                         score=99)
    assert h.fail(cmd, g1) == "you already submitted a result for this run"


def test_submit_when_not_a_required_submitter(trio) -> None:
    h, _, (g1, g2) = trio
    h.toggle(g2)
    run = h.queue_and_start()
    h.toggle(g2)  # becoming active mid-run does not make you a submitter
    cmd = C.SubmitResult(lobby_id=h.lid, run_id=run, participant_id=g2)
    assert h.fail(cmd, g2) == "you are not taking part in this run"
    late = h.join("Latecomer")
    cmd = C.SubmitResult(lobby_id=h.lid, run_id=run, participant_id=late)
    assert h.fail(cmd, late) == "you are not taking part in this run"
    del g1


def test_submit_without_a_run_or_with_wrong_run(trio) -> None:
    h, _, (g1, _) = trio
    cmd = C.SubmitResult(lobby_id=h.lid, run_id=UUID(int=999), participant_id=g1)
    assert h.fail(cmd, g1) == "no activity is running"
    h.queue_and_start()
    assert h.fail(cmd, g1) == "that activity run is not the current one"


def test_submit_to_a_finished_run(trio) -> None:
    h, host, (g1, g2) = trio
    run = h.queue_and_start()
    for pid in (host, g1, g2):
        h.submit(pid, 1)
    cmd = C.SubmitResult(lobby_id=h.lid, run_id=run, participant_id=g1)
    assert h.fail(cmd, g1) == "no activity is running"


def test_spectating_mid_run_still_required(trio) -> None:
    h, host, (g1, g2) = trio
    h.queue_and_start()
    h.toggle(g1)
    h.submit(g1, 3)  # still a required submitter
    h.submit(host)
    assert kinds(h.submit(g2)) == ["ResultSubmitted", "RunEnded"]


# --- remove submitter ----------------------------------------------------------------


def test_remove_submitter_then_completion(trio) -> None:
    h, host, (g1, g2) = trio
    run = h.queue_and_start()
    h.submit(host)
    events = h.do(C.RemoveSubmitter(lobby_id=h.lid, host_id=host, run_id=run,
                                    participant_id=g1), host)
    assert kinds(events) == ["SubmitterRemoved"]
    assert h.lobby is not None and h.lobby.current_run is not None
    assert h.lobby.current_run.required_submitters == (host, g2)
    # the removed submitter may no longer submit
    cmd = C.SubmitResult(lobby_id=h.lid, run_id=run, participant_id=g1)
    assert h.fail(cmd, g1) == "you are not taking part in this run"
    events = h.do(C.RemoveSubmitter(lobby_id=h.lid, host_id=host, run_id=run,
                                    participant_id=g2), host)
    assert kinds(events) == ["SubmitterRemoved", "RunEnded"]
    assert events[1].status is RunStatus.COMPLETED
    assert h.lobby.current_run is None
    assert h.lobby.finished_runs[-1].required_submitters == (host,)


def test_remove_submitter_refusals(trio) -> None:
    h, host, (g1, g2) = trio
    nothing = C.RemoveSubmitter(lobby_id=h.lid, host_id=host, run_id=UUID(int=5),
                                participant_id=g1)
    assert h.fail(nothing, host) == "no activity is running"
    h.toggle(g2)
    run = h.queue_and_start()
    assert h.fail(nothing, host) == "that activity run is not the current one"
    h.submit(g1)
    for pid in (g1, g2, UUID(int=4040)):  # submitted, spectator, stranger
        cmd = C.RemoveSubmitter(lobby_id=h.lid, host_id=host, run_id=run, participant_id=pid)
        assert h.fail(cmd, host) == "that participant is not a pending submitter"


# --- departures mid-run -------------------------------------------------------------


@pytest.mark.parametrize("how", ["leave", "kick", "timeout"])
def test_last_pending_submitter_departing_completes_run(trio, how: str) -> None:
    h, host, (g1, g2) = trio
    run = h.queue_and_start()
    h.submit(host, 4)
    h.submit(g1, 6)
    if how == "leave":
        events = h.leave(g2)
        reason = LeaveReason.LEFT
    elif how == "kick":
        events = h.kick(g2)
        reason = LeaveReason.KICKED
    else:
        h.disconnect(g2)
        events = h.do(C.RemoveTimedOut(participant_id=g2), None)
        reason = LeaveReason.TIMED_OUT
    assert kinds(events) == ["SubmitterRemoved", "RunEnded", "GuestLeft"]
    assert events[0].run_id == run and events[0].participant_id == g2
    assert events[1].run_id == run and events[1].status is RunStatus.COMPLETED
    assert events[2].participant_id == g2 and events[2].reason is reason
    assert h.lobby is not None and h.lobby.current_run is None
    assert h.lobby.finished_runs[-1].required_submitters == (host, g1)


@pytest.mark.parametrize("how", ["leave", "kick"])
def test_pending_submitter_departing_with_others_pending(trio, how: str) -> None:
    h, host, (g1, g2) = trio
    h.queue_and_start()
    events = h.leave(g1) if how == "leave" else h.kick(g1)
    assert kinds(events) == ["SubmitterRemoved", "GuestLeft"]
    assert h.lobby is not None and h.lobby.current_run is not None
    assert h.lobby.current_run.required_submitters == (host, g2)


def test_submitted_participant_leaving_does_not_end_run(trio) -> None:
    h, host, (g1, g2) = trio
    h.queue_and_start()
    h.submit(g1, 8)
    events = h.leave(g1)
    assert kinds(events) == ["GuestLeft"]
    assert h.lobby is not None and h.lobby.current_run is not None
    assert g1 not in h.lobby.current_run.required_submitters
    assert h.lobby.current_run.pending_submitters() == (host, g2)
    # the result and its score stay
    assert h.board(g1).score == 8


def test_spectator_leaving_mid_run(trio) -> None:
    h, host, (g1, g2) = trio
    h.toggle(g2)
    h.queue_and_start()
    assert kinds(h.leave(g2)) == ["GuestLeft"]
    assert h.lobby is not None and h.lobby.current_run is not None
    assert h.lobby.current_run.required_submitters == (host, g1)


def test_host_leaving_as_last_pending_submitter(trio) -> None:
    h, host, (g1, g2) = trio
    h.queue_and_start()
    h.submit(g1)
    h.submit(g2)
    events = h.leave(host)
    assert kinds(events) == ["HostDelegated", "SubmitterRemoved", "RunEnded", "GuestLeft"]
    assert h.lobby is not None and h.lobby.current_run is None
    assert h.lobby.host_id == g1


# --- cancel / expire --------------------------------------------------------------------


def test_cancel_run(trio) -> None:
    h, host, (g1, _) = trio
    run = h.queue_and_start()
    h.submit(g1, 3)
    events = h.do(C.CancelRun(lobby_id=h.lid, host_id=host, run_id=run), host)
    assert kinds(events) == ["RunEnded"]
    assert events[0].status is RunStatus.CANCELLED
    assert events[0].reason == "cancelled by host"
    assert h.lobby is not None and h.lobby.current_run is None
    done = h.lobby.finished_runs[-1]
    assert done.status is RunStatus.CANCELLED and done.end_reason == "cancelled by host"
    # scores of a cancelled run's results are kept
    assert h.board(g1).score == 3 and h.board(g1).runs_played == 1


@pytest.mark.parametrize(("given", "stored"), [
    ("  power cut  ", "power cut"),
    ("   ", "cancelled by host"),
    ("z" * 400, "z" * 280),
])
def test_cancel_reason_cleaned(trio, given: str, stored: str) -> None:
    h, host, _ = trio
    run = h.queue_and_start()
    (ev,) = h.do(C.CancelRun(lobby_id=h.lid, host_id=host, run_id=run, reason=given), host)
    assert ev.reason == stored


def test_cancel_refusals(trio) -> None:
    h, host, _ = trio
    cmd = C.CancelRun(lobby_id=h.lid, host_id=host, run_id=UUID(int=3))
    assert h.fail(cmd, host) == "no activity is running"
    h.queue_and_start()
    assert h.fail(cmd, host) == "that activity run is not the current one"


def test_expire_run_only_after_deadline(trio) -> None:
    h, host, (g1, _) = trio
    h.queue()
    (ev,) = h.do(C.StartNextRun(lobby_id=h.lid, host_id=host, duration_ms=10_000), host,
                 now=100.0)
    run = ev.run.id
    h.submit(g1, 2)
    cmd = C.ExpireRun(run_id=run)
    assert h.fail(cmd, None, now=100.0) == "the run's deadline has not passed"
    assert h.fail(cmd, None, now=109.999) == "the run's deadline has not passed"
    events = h.do(cmd, None, now=110.0)
    assert kinds(events) == ["RunEnded"]
    assert events[0].status is RunStatus.COMPLETED and events[0].reason == "time is up"
    assert h.lobby is not None and h.lobby.current_run is None
    assert h.lobby.finished_runs[-1].end_reason == "time is up"
    assert h.fail(cmd, None, now=200.0) == "no activity is running"


def test_expire_run_without_deadline_never_expires(trio) -> None:
    h, _, _ = trio
    run = h.queue_and_start()
    assert h.fail(C.ExpireRun(run_id=run), None, now=1e12) == "the run's deadline has not passed"


def test_expire_wrong_run(trio) -> None:
    h, _, _ = trio
    h.queue_and_start(duration_ms=1)
    assert h.fail(C.ExpireRun(run_id=UUID(int=1234)), None, now=1e9) == (
        "that activity run is not the current one"
    )


def test_start_duration_must_be_positive() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        C.StartNextRun(lobby_id=UUID(int=1), host_id=UUID(int=2), duration_ms=0)


# --- scores and leaderboard -------------------------------------------------------------


def _play(h: Harness, scores: dict[UUID, int]) -> None:
    h.queue_and_start()
    assert h.lobby is not None and h.lobby.current_run is not None
    for pid in h.lobby.current_run.required_submitters:
        if pid in scores:
            h.submit(pid, scores[pid])
    if h.lobby.current_run is not None:
        h.do(C.CancelRun(lobby_id=h.lid, host_id=h.host_id, run_id=h.lobby.current_run.id),
             h.host_id)


def test_scores_accumulate_across_runs(trio) -> None:
    h, host, (g1, g2) = trio
    _play(h, {host: 1, g1: 10, g2: 5})
    _play(h, {host: 2, g1: -3, g2: 5})
    _play(h, {host: 4, g2: 1})  # g1 does not submit (cancelled)
    assert (h.p(host).score, h.p(g1).score, h.p(g2).score) == (7, 7, 11)
    assert (h.board(host).score, h.board(g1).score, h.board(g2).score) == (7, 7, 11)
    assert (h.board(host).runs_played, h.board(g1).runs_played, h.board(g2).runs_played) == (
        3, 2, 3)
    assert h.lobby is not None
    assert [e.participant_id for e in h.lobby.sorted_leaderboard()] == [g2, g1, host]


def test_leaderboard_survives_leaving(trio) -> None:
    h, host, (g1, g2) = trio
    _play(h, {host: 1, g1: 10, g2: 5})
    h.leave(g1)
    assert h.lobby is not None and h.lobby.participant(g1) is None
    entry = h.board(g1)
    assert entry.name == "Guest1" and entry.score == 10 and entry.runs_played == 1
    assert h.lobby.sorted_leaderboard()[0].participant_id == g1
    # a newcomer with the same name gets a fresh entry
    new = h.join("Guest1")
    assert h.board(new).score == 0
    assert len(h.lobby.leaderboard) == 4


def test_sorted_leaderboard_ties_by_name_then_id(make_lobby) -> None:
    h, host, _ = make_lobby(0, host_name="mike")
    zed = h.join("Zed")
    amy = h.join("amy")
    bob = h.join("Bob")
    _play(h, {host: 5, zed: 5, amy: 1, bob: 5})
    assert h.lobby is not None
    order = [e.participant_id for e in h.lobby.sorted_leaderboard()]
    assert order == [bob, host, zed, amy]
    # same score and same name (after someone left) -> by id
    h.leave(bob)
    bob2 = h.join("bob")
    _play(h, {bob2: 5})
    order = [e.participant_id for e in h.lobby.sorted_leaderboard()]
    assert order[:2] == sorted([bob, bob2], key=str)
    assert order[2:] == [host, zed, amy]


def test_finished_runs_are_bounded(make_lobby) -> None:
    h, host, _ = make_lobby(0)
    ids = []
    for i in range(FINISHED_RUNS_KEPT + 5):
        ids.append(h.queue_and_start())
        h.submit(host, 1)
        del i
    assert h.lobby is not None
    assert len(h.lobby.finished_runs) == FINISHED_RUNS_KEPT
    assert [r.id for r in h.lobby.finished_runs] == ids[-FINISHED_RUNS_KEPT:]
    # the leaderboard keeps totals of all runs
    assert h.board(host).score == FINISHED_RUNS_KEPT + 5
    assert h.board(host).runs_played == FINISHED_RUNS_KEPT + 5


def test_only_the_newest_finished_runs_keep_result_data(make_lobby) -> None:
    """Older kept runs keep scores and times but drop ``data``: a snapshot carries the whole
    history, and at every maximum the data made it 11 MB (see FINISHED_RUNS_WITH_DATA)."""
    h, host, (guest,) = make_lobby(1)
    for i in range(FINISHED_RUNS_WITH_DATA + 3):
        h.queue_and_start()
        h.submit(host, i, data={"run": i}, time_taken_ms=100 + i)
        h.submit(guest, 10 * i, data={"run": i, "who": "guest"})
    assert h.lobby is not None
    runs = h.lobby.finished_runs
    assert len(runs) == FINISHED_RUNS_WITH_DATA + 3
    newest, older = runs[-FINISHED_RUNS_WITH_DATA:], runs[:-FINISHED_RUNS_WITH_DATA]
    assert all(r.data for run in newest for r in run.results)
    assert all(r.data == {} for run in older for r in run.results)
    # nothing else of an older run is lost
    first = older[0]
    assert [(r.participant_id, r.score, r.time_taken_ms) for r in first.results] == [
        (host, 0, 100), (guest, 0, 0)]
    assert first.activity.name == "Pong"


def test_the_activity_queue_is_bounded(trio) -> None:
    h, host, _ = trio
    for i in range(MAX_QUEUED_ACTIVITIES):
        h.queue(f"A{i}")
    extra = C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="t", name="one more")
    assert h.fail(extra, host) == f"the activity queue is full ({MAX_QUEUED_ACTIVITIES} activities)"
    h.start()  # a started activity leaves the queue and makes room
    h.queue("one more")
