"""``Players``: N players in one test, each with its own window and ``LobbyView``.

A real game has one window per player; a test of a multiplayer game needs several, driven frame
by frame in turn. Each ``Player`` gets a ``MockWindow`` (its own shown view and input routing)
and a ``LobbyView`` on it; ``Players.frame()`` runs one frame of every player with that
player's window made arcade's current one, as a real program would have it. All windows share
one hidden OpenGL context (``MockWindow``), so views can build SpriteLists and draw.

    players = Players()                       # in-memory transport: no sockets, no threads
    alice = players.host("Alice")
    bob = players.join("Bob")                 # joins Alice's lobby through the Join form
    players.run_until(lambda: len(bob.lobby().participants) == 2)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._mock_window import DEFAULT_DT, MockWindow
from ._sessions import memory_builder
from ._ui import click, press_key, type_text

if TYPE_CHECKING:
    from ..domain import Lobby
    from ..engine import LobbyView, SessionHook
    from ..session import P2PLoopBuilder, SessionLoop

#: Real time slept after each round of frames, so network threads (WebRTC) get a turn.
FRAME_SLEEP = 0.001


class Player:
    """One player: a name, a window, the ``LobbyView`` shown on it first."""

    def __init__(self, name: str, window: MockWindow, view: LobbyView) -> None:
        self.name, self.window, self.view = name, window, view

    @property
    def hook(self) -> SessionHook:
        """The lobby view's ``SessionHook``: ``push_handlers`` a game's callbacks here."""
        return self.view.hook

    @property
    def session(self) -> SessionLoop:
        """This player's session (hosted or joined).

        Raises:
            LookupError: the player has not hosted or joined yet.
        """
        session = self.view.hook.session
        if session is None:
            raise LookupError(f"{self.name} has no session. Check: players.host() or "
                              "players.join() first")
        return session

    def lobby(self) -> Lobby:
        """The lobby as this player sees it."""
        lobby = self.session.get_lobby()
        if lobby is None:
            raise LookupError(f"{self.name} has no lobby yet")
        return lobby

    def frame(self, dt: float = DEFAULT_DT) -> None:
        """One frame of this player's window (``on_update`` of the view it shows)."""
        with self.window.current():
            self.window.advance(1, dt)

    def draw(self) -> None:
        """Draw this player's shown view (needs OpenGL: the shared hidden context)."""
        self.window.draw()

    def click(self, widget: str) -> None:
        """Click the lobby view's widget named ``widget`` ("host", "join", "ready", ...)."""
        with self.window.current():
            click(self.window, self.view.screen.widgets[widget])

    def press_key(self, symbol: int, modifiers: int = 0) -> None:
        """Press and release a key in this player's window (its shown view gets it)."""
        with self.window.current():
            press_key(self.window, symbol, modifiers)

    def type(self, widget: str, text: str) -> None:
        """Type ``text`` into the lobby view's field named ``widget`` (replacing its text)."""
        with self.window.current():
            type_text(self.window, self.view.screen.widgets[widget], text)

    def __repr__(self) -> str:
        return f"Player({self.name!r}, screen={self.view.screen.name!r})"


class Players:
    """Players of one game, each with a window and a ``LobbyView``; see the module docstring.

    ``builder`` defaults to ``memory_builder()`` (every player on one in-memory network; pass
    ``P2PLoopBuilder()`` and a ``signalling_url`` for real WebRTC); ``lobby_options`` go to every
    ``LobbyView`` (``registry=...``, ``theme=...``).
    """

    def __init__(self, builder: P2PLoopBuilder | None = None, *,
                 signalling_url: str = "memory://", timeout: float = 30.0,
                 window_size: tuple[int, int] = (1280, 720), **lobby_options: Any) -> None:
        self.builder = builder if builder is not None else memory_builder()
        self.signalling_url, self.timeout, self.window_size = signalling_url, timeout, window_size
        self.lobby_options = {"ice_servers": [], "advertise_lan": False, "browse_lan": False,
                              **lobby_options}
        self.players: list[Player] = []

    def add(self, name: str) -> Player:
        """A player at the start screen, name filled in (neither hosting nor joined)."""
        from ..engine import LobbyView

        window = MockWindow(*self.window_size)
        with window.current():
            view = LobbyView(builder=self.builder, signalling_url=self.signalling_url,
                             player_name=name, **self.lobby_options)
            window.show_view(view)
        player = Player(name, window, view)
        self.players.append(player)
        return player

    def host(self, name: str = "Host") -> Player:
        """A player who hosts a lobby (clicks Host), once its lobby screen shows."""
        player = self.add(name)
        player.click("host")
        self.run_until(lambda: player.view.screen.name == "lobby", what=f"{name} hosting")
        return player

    def join(self, name: str, host: Player | None = None) -> Player:
        """A player who joins ``host``'s lobby (default: the first player) through the Join
        form, once its lobby screen shows and every player sees it in the lobby."""
        host = host or self.players[0]
        player = self.add(name)
        player.type("session_id", str(host.session.session_id))
        player.click("join")
        self.run_until(lambda: player.view.screen.name == "lobby" and self.converged(),
                       what=f"{name} joining {host.name}")
        return player

    def converged(self) -> bool:
        """Every player with a session has the same lobby state."""
        hashes = {p.view.hook.session.state_hash() for p in self.players
                  if p.view.hook.session is not None}
        return len(hashes) <= 1

    def frame(self, dt: float = DEFAULT_DT) -> None:
        """One frame of every player, in the order they were added."""
        for player in self.players:
            player.frame(dt)

    def run_until(self, condition: Callable[[], object], timeout: float | None = None,
                  what: str = "condition", dt: float = DEFAULT_DT) -> None:
        """Run frames of every player until ``condition()``.

        Raises:
            AssertionError: still false after ``timeout`` seconds (default: the group's).
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; "
                                     f"players: {self.players}")
            self.frame(dt)
            time.sleep(FRAME_SLEEP)

    def close(self) -> None:
        """Close every player's session and window (the ``players`` fixture does it)."""
        for player in reversed(self.players):
            session = player.view.hook.session
            if session is not None:
                session.close()
            player.window.close()

    def __iter__(self) -> Iterator[Player]:
        return iter(self.players)

    def __len__(self) -> int:
        return len(self.players)

    def __getitem__(self, index: int) -> Player:
        return self.players[index]
