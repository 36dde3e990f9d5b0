"""The party lobby and the game views in a headless window (in-memory transport): a host
plays Coins and Bumper ball while a guest who joined with an invite spectates and sees the
host move, the coins and the ball live (the shared world)."""

from __future__ import annotations

from typing import Any

import pytest

from konnekt_arcade.testing import memory_builder, run_views_until

DT = 1 / 60


def pump(condition: Any, *views: Any, timeout: float = 60.0, what: str = "condition") -> None:
    run_views_until(condition, *views, timeout=timeout, what=what, delta_time=DT)


def party(window: Any, builder: Any, name: str, **options: Any) -> Any:
    from demo_game.lobby import Options, PartyLobbyView

    view = PartyLobbyView(Options(name=name, sound=False, **options))
    view.builder = builder
    view.default_url = "memory://"  # no LAN server: the in-memory network
    window.show_view(view)
    return view


@pytest.fixture
def host_and_spectator(window: Any) -> Any:
    builder = memory_builder()
    host = party(window, builder, "Hana")
    host.host_lobby()
    pump(lambda: host.screen.name == "lobby", host, what="host lobby")
    sid = str(host.hook.session.session_id)
    guest = party(window, builder, "Gil", join=f"ws://192.168.1.5:3536/{sid}")
    assert guest.form["session_id"] == sid
    guest.form["signalling_url"] = ""  # the invite's address is not reachable here
    guest.join_lobby()
    pump(lambda: guest.screen.name == "lobby", guest, host, what="guest lobby")
    guest.toggle_spectating()
    pump(lambda: not host.hook.lobby.participants[1].is_active, host, guest)
    yield host, guest
    guest.close()
    host.close()


def test_spectator_watches_the_host_collect_coins(window: Any, host_and_spectator: Any) -> None:
    from demo_game.arena import Coin, Runner
    from demo_game.games import CoinsView
    from demo_game.results import ResultsView

    host, guest = host_and_spectator
    host.options.coins_ms = 3000
    host.queue_activity(host.registry.get("coins"))
    pump(lambda: host.hook.lobby.activity_queue, host, guest)
    queued = host.hook.lobby.activity_queue[0]
    assert queued.config["duration_ms"] == 3000 and isinstance(queued.config["seed"], int)
    assert str(queued.scoring).lower().endswith("host")  # the host referees the live games
    host.start_next()
    pump(lambda: host.activity_view is not None and guest.activity_view is not None,
         host, guest, what="both in the game")
    playing, watching = host.activity_view, guest.activity_view
    assert isinstance(playing, CoinsView) and isinstance(watching, CoinsView)
    assert playing.round.playing and not watching.round.playing
    me = playing.me
    pump(lambda: me in watching.round.runners() and watching.round.coins(), playing, watching,
         what="the spectator sees the host's runner and the host's coins")
    start_x = watching.round.runners()[me].x
    playing.on_key_press(65363, 0)  # arrow right: the host walks
    pump(lambda: watching.round.runners()[me].x > start_x + 0.1, playing, watching,
         what="the spectator sees the host move")
    window.show_view(watching)
    watching.on_draw()  # the spectator's screen draws without error
    window.show_view(playing)
    playing.on_key_release(65363, 0)
    # the host submits its own result (host-scored) when its 3 s are up
    pump(lambda: host.hook.lobby.finished_runs, playing, watching, timeout=60,
         what="run finished")
    result = host.hook.lobby.finished_runs[-1].results
    assert len(result) == 1 and result[0].participant_id == host.hook.session.\
        local_participant_id()
    assert "coins" in result[0].data
    pump(lambda: isinstance(window.current_view, ResultsView), host, guest,
         what="results shown")
    # the round's entities are gone from the world (the host's coins, its runner)
    pump(lambda: not host.hook.session.world().entities(Coin) and
         not guest.hook.session.world().entities(Runner), host, guest,
         what="round entities despawned")
    results = window.current_view  # (one window for both players: the last one shown)
    results.on_draw()
    results.on_mouse_press(0, 0, 1, 0)  # click: back to the lobby
    assert window.current_view is results.lobby_view


def test_bumper_ball_is_the_hosts_and_moves_on_every_screen(window: Any,
                                                            host_and_spectator: Any) -> None:
    from demo_game.games import BallView

    host, guest = host_and_spectator
    host.options.ball_ms = 4000
    host.queue_activity(host.registry.get("ball"))
    pump(lambda: host.hook.lobby.activity_queue, host, guest)
    host.start_next()
    pump(lambda: isinstance(host.activity_view, BallView) and
         isinstance(guest.activity_view, BallView), host, guest, what="both in the game")
    playing, watching = host.activity_view, guest.activity_view
    pump(lambda: watching.round.ball() is not None, playing, watching, what="the ball")
    ball = watching.round.ball()
    assert ball.owner == "host" and not ball.is_mine and playing.round.ball().is_mine
    playing.on_key_press(65363, 0)  # the host (red) runs right, into the ball on the spot
    pump(lambda: watching.round.ball().x > 0.9, playing, watching,
         what="the spectator sees the bumped ball roll")
    window.show_view(watching)
    watching.on_draw()
    window.show_view(playing)
    playing.on_draw()
    playing.on_key_release(65363, 0)
    pump(lambda: host.hook.lobby.finished_runs, playing, watching, timeout=60,
         what="run finished")
    assert "goals" in host.hook.lobby.finished_runs[-1].results[0].data


def test_echo_typed_by_hand(window: Any, host_and_spectator: Any) -> None:
    """A person's keys go through on_text / on_key_press and the score follows the rules."""
    from demo_game.games import EchoView
    from demo_game.rules import echo_score

    host, guest = host_and_spectator
    host.queue_activity(host.registry.get("echo"))
    pump(lambda: host.hook.lobby.activity_queue, host, guest)
    host.start_next()
    pump(lambda: isinstance(host.activity_view, EchoView), host, guest)
    view = host.activity_view
    phrase = view.round.model.phrase
    view.on_text(phrase[:3] + "#")
    view.on_key_press(65288, 0)  # backspace
    view.on_text(phrase[3:])
    view.on_key_press(65293, 0)  # enter
    view.on_update(DT)
    assert view.submitted
    pump(lambda: host.hook.lobby.finished_runs, view, guest.activity_view or guest)
    result = host.hook.lobby.finished_runs[-1].results[0]
    assert result.data["typed"] == phrase
    assert result.score == echo_score(phrase, phrase, result.time_taken_ms)
