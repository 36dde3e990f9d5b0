"""Runs examples/arcade_lobby.py (the README's "Add a lobby to your arcade game") headlessly:
host over the built-in signalling server, play its mini-game, come back to the lobby."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import arcade
import pytest

from konnekt_arcade import LobbyView
from konnekt_arcade.testing import click, type_text

from ._lobby_helpers import pump

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "arcade_lobby.py"

pytestmark = [pytest.mark.network, pytest.mark.timeout(60)]


def test_readme_example_runs(window: arcade.Window, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(EXAMPLE.read_text().splitlines()) <= 30
    spec = importlib.util.spec_from_file_location("arcade_lobby", EXAMPLE)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    seen: list[str] = []

    def run() -> None:  # stands in for arcade.run(): a player hosts and plays the dice game
        view = window.current_view
        assert isinstance(view, LobbyView)
        view.ice_servers = []  # offline CI: no public STUN
        type_text(window, view.screen.widgets["name"], "Alice")
        click(window, view.screen.widgets["host"])
        pump(lambda: view.screen.name == "lobby", view, timeout=20, what="hosted")
        seen.append(view.hook.session.signalling_url)
        click(window, view.screen.widgets["queue:dice"])
        pump(lambda: view.hook.lobby.activity_queue, view)
        click(window, view.screen.widgets["start"])
        pump(lambda: view.hook.lobby.finished_runs, view, what="dice run finished")
        pump(lambda: window.current_view is view, view, what="back in the lobby")
        seen.append(view.hook.lobby.leaderboard[0].name)
        view.close()

    monkeypatch.setattr(arcade, "Window", lambda *args, **kwargs: window)
    monkeypatch.setattr(arcade, "run", run)
    example.main()
    assert seen[0].startswith("ws://127.0.0.1:") and seen[1] == "Alice"
