"""Running the game: in a window (``run_window``) or as a headless match (``run_headless``).

The headless match is the whole game with nobody at the keyboard: the local player hosts
through the lobby view, the bots join over real WebRTC, an ``Autopilot`` queues the rounds,
the local player's moves come from a bot brain through the views' own input handlers, and a
screenshot of every screen is written on the way.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import arcade

from . import style
from .games.base import GameView
from .lobby import Options, PartyLobbyView
from .play import GAME_TYPES
from .results import ResultsView

logger = logging.getLogger("demo_game")

#: Frame period of the headless loop (the network runs in real time, so we do too).
FRAME = 1 / 60
#: When to take each game's screenshot (ms into the round), so it shows play in progress.
SHOT_AT_MS = {"echo": 2600, "targets": 2400, "coins": 7000, "ball": 6000}
#: Seconds to wait for the bots to join and ready up.
GATHER_TIMEOUT = 45.0


def options_from(args: argparse.Namespace, *, headless: bool) -> Options:
    bots = args.bots if args.bots is not None else (3 if headless else 0)
    return Options(name=args.name or ("Alex" if headless else ""), signal=args.signal,
                   bind=args.bind, port=args.port, bots=bots, stun=args.stun, seed=args.seed,
                   coins_ms=int(args.coins_seconds * 1000),
                   ball_ms=int(args.ball_seconds * 1000),
                   results_seconds=1.5 if headless else 6.0, autoplay=headless,
                   sound=not (headless or args.mute), join=args.join, verbose=args.verbose,
                   public=args.public, lan=not (headless or args.no_lan),
                   state_file=args.state_file, grace=args.grace)


class PartyWindow(arcade.Window):
    def __init__(self) -> None:
        super().__init__(*style.WINDOW_SIZE, style.TITLE, resizable=True)
        self.lobby: PartyLobbyView | None = None
        icon = Path(__file__).resolve().parents[1] / "assets" / "icon.png"
        if icon.exists():  # a source checkout; an installed package has no assets/
            import pyglet

            self.set_icon(pyglet.image.load(str(icon)))

    def on_close(self) -> None:
        if self.lobby is not None:
            self.lobby.close()
        super().on_close()


def run_window(args: argparse.Namespace) -> int:
    window = PartyWindow()
    lobby = PartyLobbyView(options_from(args, headless=False))
    window.lobby = lobby
    window.show_view(lobby)
    try:
        arcade.run()
    finally:
        lobby.close()
    return 0


# --- headless -------------------------------------------------------------------------------

class Screenshots:
    def __init__(self, window: arcade.Window, directory: Path) -> None:
        self.window = window
        self.directory = directory
        self.saved: list[Path] = []
        directory.mkdir(parents=True, exist_ok=True)

    def take(self, name: str) -> Path:
        view = self.window.current_view
        ui = getattr(view, "ui", None)
        if ui is not None:
            ui.execute_layout()
        view.on_draw()
        path = self.directory / f"demo-{name}.png"
        arcade.get_image().save(path)
        self.saved.append(path)
        logger.info("screenshot: %s", path)
        return path


class MatchFailed(Exception):
    pass


class Autopilot:
    """Plays the host's side of a match, one step per frame (see the module docstring)."""

    def __init__(self, window: arcade.Window, lobby: PartyLobbyView, rounds: int,
                 shots: Screenshots) -> None:
        self.window = window
        self.lobby = lobby
        self.rounds = rounds
        self.shots = shots
        self.stage = "start"
        self.since = time.monotonic()
        self.started = 0
        self.shot_game: set[int] = set()
        self.shot_results: set[int] = set()
        self.done = False
        self.final: ResultsView | None = None

    def _to(self, stage: str) -> None:
        logger.info("stage: %s", stage)
        self.stage, self.since = stage, time.monotonic()

    def _waited(self) -> float:
        return time.monotonic() - self.since

    def step(self) -> None:
        getattr(self, f"_{self.stage}")()

    def _start(self) -> None:
        lobby = self.lobby
        lobby.form["name"] = lobby.options.name
        lobby.rebuild()
        self.shots.take("start")
        lobby.host_lobby()
        if lobby.hook.session is None:
            raise MatchFailed(f"could not host: {lobby.message}")
        self.shots.take("connecting")
        self._to("connecting")

    def _connecting(self) -> None:
        lobby = self.lobby
        session = lobby.hook.session
        if session is None or session.stage == "failed":
            raise MatchFailed(f"hosting failed: {lobby.message}")
        if lobby.screen.name == "lobby":
            lobby.toggle_ready()
            self._to("gathering")
        elif self._waited() > 15:
            raise MatchFailed("the lobby never came up")

    def _gathering(self) -> None:
        lobby = self.lobby.hook.lobby
        want = self.lobby.options.bots + 1
        if lobby is not None and len(lobby.participants) >= want and all(
                p.ready for p in lobby.participants):
            logger.info("everyone is here and ready: %s",
                        ", ".join(p.name for p in lobby.participants))
            for index in range(self.rounds):
                kind = GAME_TYPES[index % len(GAME_TYPES)]
                self.lobby.queue_activity(self.lobby.registry.get(kind))  # type: ignore[arg-type]
            self._to("queueing")
        elif self._waited() > GATHER_TIMEOUT:
            names = [p.name for p in lobby.participants] if lobby is not None else []
            raise MatchFailed(f"only {names} joined within {GATHER_TIMEOUT:.0f} s")

    def _queueing(self) -> None:
        lobby = self.lobby.hook.lobby
        if lobby is not None and len(lobby.activity_queue) >= self.rounds:
            self.lobby.on_update(0)  # let the lobby screen show the queue
            self.lobby.rebuild()
            self.shots.take("lobby")
            self._to("between")
        elif self._waited() > 10:
            raise MatchFailed("queueing the rounds failed")

    def _between(self) -> None:
        view = self.window.current_view
        lobby = self.lobby.hook.lobby
        if lobby is None:
            raise MatchFailed("the lobby is gone")
        if isinstance(view, GameView):
            self._to("playing")
            return
        if view is not self.lobby or lobby.current_run is not None:
            return
        if self.started >= self.rounds:
            self.final = self.lobby.show_final()
            self._to("final")
            return
        if self._waited() > 0.3:
            self.lobby.start_next()
            self.started += 1
            self._to("between")
        if self._waited() > 20:
            raise MatchFailed("the next round did not start")

    def _playing(self) -> None:
        view = self.window.current_view
        if isinstance(view, GameView):
            n = self.lobby.round_number
            due = SHOT_AT_MS.get(view.round.kind, 2000)
            if n not in self.shot_game and (view.round.now_ms() >= due or view.submitted):
                self.shot_game.add(n)
                self.shots.take(f"round{n}-{view.round.kind}")
            if self._waited() > 180:
                raise MatchFailed("a round never ended")
        elif isinstance(view, ResultsView):
            n = self.lobby.round_number
            if n not in self.shot_results and self._waited() > 0.0:
                self.shot_results.add(n)
                self.shots.take(f"round{n}-results")
            self._to("results")
        else:
            self._to("between")

    def _results(self) -> None:
        if not isinstance(self.window.current_view, ResultsView):
            self._to("between")

    def _final(self) -> None:
        if self._waited() > 0.4:  # let the podium animate a little
            self.shots.take("leaderboard")
            self.done = True


def leaderboard_lines(lobby: Any) -> list[str]:
    lines = ["", "FINAL LEADERBOARD", "================="]
    for rank, entry in enumerate(lobby.sorted_leaderboard(), 1):
        lines.append(f"{rank:>2}. {entry.name:<16} {entry.score:>5} pts"
                     f"  ({entry.runs_played} round{'' if entry.runs_played == 1 else 's'})")
    return lines


def run_headless(args: argparse.Namespace) -> int:
    options = options_from(args, headless=True)
    started = time.monotonic()
    timeout = args.timeout or 60.0 + 45.0 * args.rounds
    logger.info("headless match: %d bot(s), %d round(s); screenshots in %s", options.bots,
                args.rounds, args.screenshots)
    window = arcade.Window(*style.WINDOW_SIZE, style.TITLE)
    lobby = PartyLobbyView(options)
    window.show_view(lobby)
    pilot = Autopilot(window, lobby, args.rounds, Screenshots(window, Path(args.screenshots)))
    code = 0
    last = time.monotonic()
    try:
        while not pilot.done:
            now = time.monotonic()
            if now - started > timeout:
                raise MatchFailed(f"the match took longer than {timeout:.0f} s")
            view = window.current_view
            if view is not None:
                view.on_update(min(0.1, now - last))
            last = now
            pilot.step()
            time.sleep(max(0.0, FRAME - (time.monotonic() - now)))
        board = lobby.hook.lobby
        if board is not None:
            print("\n".join(leaderboard_lines(board)), flush=True)
        logger.info("match over in %.1f s", time.monotonic() - started)
    except MatchFailed as exc:
        logger.error("match failed: %s", exc)
        board = lobby.hook.lobby
        if board is not None:
            print("\n".join(leaderboard_lines(board)), flush=True)
        code = 1
    finally:
        lobby.close()
        window.close()
    return code
