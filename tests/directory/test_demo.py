"""The demo's ``--public`` and ``--join CODE``: a published party lobby shows its code and a
second player joins with nothing but that code (real WebRTC, headless window)."""

from __future__ import annotations

from typing import Any

import pytest

from konnekt_arcade.net import SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]


def test_cli_flags() -> None:
    from demo_game.cli import parse_args

    args = parse_args(["--public", "--join", "k7rxb", "--signal", "wss://play.test"])
    assert args.public and args.join == "k7rxb"
    assert not parse_args([]).public


def test_public_host_and_join_by_code(window: Any, server: SignallingServer) -> None:
    from demo_game.lobby import DIRECTORY_GAME, Options, PartyLobbyView
    from konnekt_arcade import LobbyDirectory
    from konnekt_arcade.testing import click, run_views_until

    def pump(condition: Any, *views: Any, what: str) -> None:
        run_views_until(condition, *views, timeout=60, what=what, delta_time=1 / 60)

    host = PartyLobbyView(Options(name="Alice", signal=server.url, public=True, sound=False))
    window.show_view(host)
    guest = None
    try:
        click(window, host.screen.widgets["host"])
        pump(lambda: host.hook.session is not None and host.hook.session.join_code(), host,
             what="the published lobby's code")
        code = host.hook.session.join_code()
        assert [x.code for x in LobbyDirectory(server.url).list(game=DIRECTORY_GAME)] == [code]
        guest = PartyLobbyView(Options(name="Bob", signal=server.url, join=code, sound=False))
        pump(lambda: guest.screen.name == "lobby", host, guest, what="Bob joined by --join CODE")
        assert [p.name for p in host.hook.lobby.participants] == ["Alice", "Bob"]
    finally:
        if guest is not None:
            guest.close()
        host.close()
