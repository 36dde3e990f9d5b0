"""A round in the stock LobbyView, in a real headless window: *Start next* gives the run the
registry entry's time limit on the shared clock, the host scores a host-scored activity, and
the lobby then shows the round's results and the leaderboard (screenshot written for a look:
``KONNEKT_RESULTS_SCREENSHOT=path.png``, else into the test's temporary directory)."""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID

import arcade
import pytest

from konnekt_arcade import ActivityRegistry, LobbyView
from konnekt_arcade.domain import LeaderboardEntry, Lobby, RunStatus, Scoring
from konnekt_arcade.engine._screens._results import (
    RESULT_LINES,
    last_round_lines,
    leaderboard_lines,
)
from konnekt_arcade.testing import click

from ._lobby_helpers import DiceView, host, join, memory_builder, pump

#: The registry entry's time limit, seconds.
ROUND = 30.0


@pytest.fixture
def registry() -> ActivityRegistry:
    registry = ActivityRegistry()
    registry.register("dice", "Dice Duel", DiceView, config={"sides": 6}, duration=ROUND,
                      scoring="host")
    registry.register("race", "Space Race", DiceView)
    return registry


def panel_text(view: LobbyView) -> list[str]:
    results = view.screen.results  # type: ignore[attr-defined]
    assert results is not None, "no results panel on the lobby screen"
    return [label.text for label in results.labels]


def test_host_scored_round_with_time_limit_then_results_in_the_lobby(
        window: arcade.Window, registry: ActivityRegistry, tmp_path: Path) -> None:
    builder = memory_builder()
    alice = host(window, builder, registry=registry)
    bob = join(window, builder, str(alice.hook.session.session_id), "Bob", alice,
               registry=registry)
    assert alice.screen.results is None  # type: ignore[attr-defined]  # no round yet

    window.show_view(alice)  # the host's screen takes the clicks
    click(window, alice.screen.widgets["queue:dice"])
    pump(lambda: bob.hook.lobby.activity_queue, alice, bob, what="dice queued")
    assert bob.hook.lobby.activity_queue[0].scoring is Scoring.HOST
    pump(lambda: bob.screen.queue_label.text == "Up next: Dice Duel (30 s)", alice, bob,
         what="the round's time limit in the queue line")
    click(window, alice.screen.widgets["start"])
    pump(lambda: alice.activity_view and bob.activity_view, alice, bob, what="run started")

    # The entry's time limit, on the lobby's clock: both peers count down the same.
    host_ctx, bob_ctx = alice.activity_view.context, bob.activity_view.context
    run = bob_ctx.run
    assert run.deadline == pytest.approx(run.started_at + ROUND)
    left_a, left_b = host_ctx.time_left(), bob_ctx.time_left()
    assert left_a is not None and left_b is not None
    assert 0 < left_a <= ROUND and abs(left_a - left_b) < 1.0
    assert bob_ctx.host_scored and not bob_ctx.is_host and host_ctx.is_host

    # A player cannot score themselves; the host's game scores both.
    bob_ctx.submit_result(score=99)
    pump(lambda: "host scores" in bob.message, alice, bob, what="Bob's own score refused")
    me_bob = bob.hook.session.local_participant_id()
    assert set(host_ctx.pending()) == {alice.hook.session.local_participant_id(), me_bob}
    host_ctx.submit_result_for(me_bob, score=9, time_taken_ms=4200)
    host_ctx.submit_result(score=3)  # the host's own: goes as SubmitResultFor
    pump(lambda: alice.activity_view is None and bob.activity_view is None, alice, bob,
         what="run ended")

    # Back in the lobby: the same results and leaderboard on both screens.
    for view, me in ((alice, "Alice (you)"), (bob, "Bob (you)")):
        window.show_view(view)
        pump(lambda v=view: v.screen.results is not None, alice, bob, what="results panel")
        title, last, board = panel_text(view)
        assert title == "Last round: Dice Duel — all results in"
        assert me in last + board
    _, last, board = panel_text(bob)
    assert last.splitlines() == ["1. Bob (you) — 9 · 4.2 s", "2. Alice — 3"]
    assert board.splitlines() == ["1. Bob (you) — 9 (1 round)", "2. Alice — 3 (1 round)"]
    assert bob.hook.lobby.finished_runs[-1].status is RunStatus.COMPLETED

    window.show_view(bob)
    bob.ui.execute_layout()
    bob.on_draw()
    image = arcade.get_image()
    path = Path(os.environ.get("KONNEKT_RESULTS_SCREENSHOT") or tmp_path / "results.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 10
    alice.close()
    bob.close()


def test_one_rounds_settings_change_without_touching_the_registry(
        window: arcade.Window, registry: ActivityRegistry) -> None:
    builder = memory_builder()
    alice = host(window, builder, registry=registry)
    bob = join(window, builder, str(alice.hook.session.session_id), "Bob", alice,
               registry=registry)
    registry.queue(alice.hook, "dice", config_overrides={"sides": 12})
    pump(lambda: bob.hook.lobby.activity_queue, alice, bob, what="queued")
    registry.start_next(alice.hook, duration=5, config_overrides={"bonus": True})
    pump(lambda: alice.activity_view and bob.activity_view, alice, bob, what="run started")
    run = bob.activity_view.context.run
    assert run.activity.config == {"sides": 12, "bonus": True}
    assert run.deadline == pytest.approx(run.started_at + 5)
    assert registry.get("dice").config == {"sides": 6}  # the entry is as registered
    assert registry.get("dice").duration == ROUND
    alice.hook.cancel_run()
    pump(lambda: alice.activity_view is None and bob.activity_view is None, alice, bob,
         what="run cancelled")
    window.show_view(bob)
    pump(lambda: bob.screen.results is not None, alice, bob, what="results panel")
    assert panel_text(bob)[0] == "Last round: Dice Duel — cancelled (cancelled by host)"

    # Queued by hand without a time limit: Start next still gives the entry's.
    alice.hook.queue_activity("dice", "Dice Duel")
    pump(lambda: bob.hook.lobby.activity_queue, alice, bob, what="queued by hand")
    assert bob.hook.lobby.activity_queue[0].duration_ms is None
    registry.start_next(alice.hook)
    pump(lambda: bob.activity_view, alice, bob, what="second run started")
    run = bob.activity_view.context.run
    assert run.deadline == pytest.approx(run.started_at + ROUND)
    alice.close()
    bob.close()


def test_a_registry_entry_refuses_a_time_limit_that_is_no_time() -> None:
    registry = ActivityRegistry()
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="time limit"):
            registry.register("x", "X", DiceView, duration=bad)
    with pytest.raises(ValueError, match="not a valid Scoring"):
        registry.register("x", "X", DiceView, scoring="referee")


# --- the panel's texts (no window) ---------------------------------------------------


def _lobby_with_round(players: int, submitted: int) -> tuple[Lobby, list[UUID]]:
    from konnekt_arcade.domain import DomainCommand as C
    from konnekt_arcade.domain import decide, fold

    ids = iter(UUID(int=i) for i in range(1, 1000))
    lobby = fold(decide(None, C.CreateLobby(lobby_name="L", host_name="P0"), None, 0.0,
                        new_id=lambda: next(ids)))
    for i in range(1, players):
        lobby = fold(decide(lobby, C.JoinLobby(lobby_id=lobby.id, guest_name=f"P{i}"), None,
                            float(i), new_id=lambda: next(ids)), lobby)
    host = lobby.host_id
    steps = [C.QueueActivity(lobby_id=lobby.id, host_id=host, activity_type="t", name="T",
                             scoring=Scoring.HOST),
             C.StartNextRun(lobby_id=lobby.id, host_id=host)]
    for cmd in steps:
        lobby = fold(decide(lobby, cmd, host, 100.0, new_id=lambda: next(ids)), lobby)
    people = [p.id for p in lobby.participants]
    run = lobby.current_run.id
    for n, pid in enumerate(people[:submitted]):
        cmd = C.SubmitResultFor(lobby_id=lobby.id, host_id=host, run_id=run,
                                participant_id=pid, score=n)
        lobby = fold(decide(lobby, cmd, host, 101.0, new_id=lambda: next(ids)), lobby)
    if lobby.current_run is not None:
        cmd = C.CancelRun(lobby_id=lobby.id, host_id=host, run_id=run, reason="time")
        lobby = fold(decide(lobby, cmd, host, 102.0, new_id=lambda: next(ids)), lobby)
    return lobby, people


def test_last_round_lists_the_best_first_then_who_has_no_result() -> None:
    lobby, people = _lobby_with_round(3, 2)
    assert last_round_lines(lobby, people[0]) == ["1. P1 — 1", "2. P0 (you) — 0",
                                                  "P2 — no result"]


def test_long_lists_are_cut_with_how_many_more() -> None:
    lobby, people = _lobby_with_round(RESULT_LINES + 3, RESULT_LINES + 3)
    lines = last_round_lines(lobby, None)
    assert len(lines) == RESULT_LINES + 1 and lines[-1] == "… and 3 more"
    assert lines[0] == f"1. P{RESULT_LINES + 2} — {RESULT_LINES + 2}"
    board = leaderboard_lines(lobby, people[-1])
    assert board[0] == f"1. P{RESULT_LINES + 2} (you) — {RESULT_LINES + 2} (1 round)"
    assert board[-1] == "… and 3 more"


def test_a_player_who_left_keeps_their_name_in_the_results() -> None:
    lobby, people = _lobby_with_round(2, 2)
    gone = lobby.model_copy(update={"participants": lobby.participants[:1]})
    assert "P1 — 1" in last_round_lines(gone, None)[0]
    assert isinstance(gone.leaderboard[0], LeaderboardEntry)
