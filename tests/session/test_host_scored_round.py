"""A host-scored round over real sessions (in memory, and over real WebRTC): a player's own
score is refused, the host scores, the host goes mid-round, and the new host scores the rest;
every peer counts down to the same deadline on the lobby's clock."""

from __future__ import annotations

import pytest

from konnekt_arcade import ActivityContext, DomainCommand, DomainEvent, SessionHook, SessionLoop
from konnekt_arcade.domain import RunStatus, Scoring
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.sync import SyncConfig
from konnekt_arcade.testing import SessionGroup, memory_builder

C = DomainCommand
#: The run's time limit: long enough never to end the round during the test.
ROUND_MS = 120_000
#: Reconnection grace for a crashed host: short, so its pending result is dropped soon.
GRACE = 0.5


def context_of(session: SessionLoop) -> ActivityContext:
    """What the activity's View would get on this peer (the public way to the countdown)."""
    run = session.get_lobby().current_run
    assert run is not None
    return ActivityContext(run, SessionHook(session))


def drained(session: SessionLoop, seen: list[object]) -> list[object]:
    seen.extend(session.domain().drain_events())
    return seen


def play_round(group: SessionGroup, lose_host: object) -> None:
    host, (g1, g2) = group.host, group.guests
    lobby = host.get_lobby()
    hid, id1, id2 = (s.local_participant_id() for s in (host, g1, g2))
    host.submit_command(C.QueueActivity(lobby_id=lobby.id, host_id=hid, activity_type="coins",
                                        name="Coins", scoring=Scoring.HOST,
                                        duration_ms=ROUND_MS))
    host.submit_command(C.StartNextRun(lobby_id=lobby.id, host_id=hid))
    group.wait_until(lambda: all(s.get_lobby().current_run for s in group.all) and
                     group.converged(), what="the round on every peer")
    run = g2.get_lobby().current_run
    assert run.host_scored and run.deadline == pytest.approx(run.started_at + ROUND_MS / 1000)
    lefts = [context_of(s).time_left() for s in group.all]
    assert max(lefts) - min(lefts) < 1.0, lefts  # one shared clock, one countdown

    # A player's own score is refused; the host's word counts.
    for s in group.all:
        s.domain().drain_events()
    g2.submit_command(C.SubmitResult(lobby_id=lobby.id, run_id=run.id, participant_id=id2,
                                     score=99))
    host.submit_command(C.SubmitResultFor(lobby_id=lobby.id, host_id=hid, run_id=run.id,
                                          participant_id=id1, score=5))
    seen2: list[object] = []
    group.wait_until(lambda: any(isinstance(e, DomainEvent.CommandFailed)
                                 for e in drained(g2, seen2))
                     and g2.get_lobby().current_run.has_submitted(id1), what="g2's refusal")
    (failed,) = [e for e in seen2 if isinstance(e, DomainEvent.CommandFailed)]
    assert failed.command_type == "SubmitResult" and "host scores" in failed.reason

    # The host goes mid-round; Guest 1 (the successor) takes over and scores the rest.
    lose_host(group)
    survivors = [g1, g2]
    group.wait_until(lambda: g1.is_host() and g2.get_lobby().host_id == id1,
                     what="Guest 1 hosting")
    g1.submit_command(C.SubmitResultFor(lobby_id=lobby.id, host_id=id1, run_id=run.id,
                                        participant_id=id2, score=7))
    g1.submit_command(C.SubmitResultFor(lobby_id=lobby.id, host_id=id1, run_id=run.id,
                                        participant_id=id1, score=5))  # already in: refused
    group.wait_until(lambda: all(s.get_lobby().current_run is None for s in survivors)
                     and g1.state_hash() == g2.state_hash(),
                     what="the round ends on the survivors", timeout=30)
    finished = g2.get_lobby().finished_runs[-1]
    assert finished.id == run.id and finished.status is RunStatus.COMPLETED
    assert {r.participant_id: r.score for r in finished.results} == {id1: 5, id2: 7}
    assert [e.name for e in g2.get_lobby().sorted_leaderboard()][:2] == ["Guest 2", "Guest 1"]


def crash(group: SessionGroup) -> None:
    """The host's process dies without a word (the group keeps polling it: it answers
    nothing)."""
    group.builder.network.crash(group.host.local_peer_id())  # type: ignore[attr-defined]


def close(group: SessionGroup) -> None:
    group.host.close()  # a clean exit: the lobby is handed to the successor first


@pytest.mark.parametrize("lose_host", [crash, close], ids=["crash", "close"])
def test_host_scored_round_in_memory(lose_host: object) -> None:
    builder = memory_builder()
    configured = builder.sync_config(SyncConfig(grace_period=GRACE))
    configured.network = builder.network  # type: ignore[attr-defined]
    group = SessionGroup(configured, "memory://")
    try:
        group.add_guest("Guest 1")
        group.add_guest("Guest 2")
        play_round(group, lose_host)
    finally:
        group.close()


@pytest.mark.network
@pytest.mark.timeout(240)
def test_host_scored_round_over_webrtc(signalling_server: SignallingServer) -> None:
    from konnekt_arcade import P2PLoopBuilder

    group = SessionGroup(P2PLoopBuilder().sync_config(SyncConfig(grace_period=GRACE)),
                         signalling_server.url, timeout=30.0)
    try:
        group.add_guest("Guest 1")
        group.add_guest("Guest 2")
        play_round(group, close)
    finally:
        group.close()
