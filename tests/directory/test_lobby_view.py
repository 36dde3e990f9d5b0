"""LobbyView and the directory in a real headless window over real WebRTC: the host's lobby
shows its join code large, "Browse lobbies" lists it, Join (list or code field) gets a guest in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from konnekt_arcade.net import SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]


def shoot(window: Any, view: Any, path: Path) -> None:
    """Render ``view`` to ``path`` (the test's tmp) and check it is not blank."""
    import arcade

    window.show_view(view)
    view.ui.execute_layout()
    view.on_draw()
    image = arcade.get_image()
    image.save(path)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 10, f"{path.name} is (nearly) one colour"


def test_code_browse_and_join(window: Any, server: SignallingServer, tmp_path: Path) -> None:
    from konnekt_arcade import LobbyView, P2PLoopBuilder
    from konnekt_arcade.engine._screens._lobby import JOIN_CODE_SIZE
    from konnekt_arcade.testing import click, run_views_until, type_text

    def view(builder: P2PLoopBuilder, name: str) -> LobbyView:
        v = LobbyView(builder=builder, signalling_url=server.url, ice_servers=[],
                      game="ui-game", player_name=name)
        window.show_view(v)
        return v

    def pump(condition: Any, *views: LobbyView, what: str) -> None:
        run_views_until(condition, *views, timeout=60, what=what, delta_time=1 / 60)

    alice = view(P2PLoopBuilder().publish(game="ui-game", version="1"), "Alice")
    click(window, alice.screen.widgets["host"])
    pump(lambda: alice.screen.name == "lobby" and hasattr(alice.screen, "code_label"),
         alice, what="host lobby showing its code")
    code = alice.hook.session.join_code()
    assert alice.screen.code_label.text == code
    assert alice.screen.code_label._label.font_size == JOIN_CODE_SIZE
    shoot(window, alice, tmp_path / "host-lobby-code.png")

    bob = view(P2PLoopBuilder(), "Bob")
    bob.browse_lobbies()
    pump(lambda: f"join:{code}" in bob.screen.widgets, alice, bob, what="Bob's list shows it")
    assert bob.screen.name == "browse"
    shoot(window, bob, tmp_path / "browse.png")
    click(window, bob.screen.widgets[f"join:{code}"])
    pump(lambda: bob.screen.name == "lobby", alice, bob, what="Bob joined from the list")

    carol = view(P2PLoopBuilder(), "Carol")
    carol.browse_lobbies()
    type_text(window, carol.screen.widgets["join_code"], code.lower())
    click(window, carol.screen.widgets["join_with_code"])
    pump(lambda: carol.screen.name == "lobby", alice, bob, carol, what="Carol joined by code")
    assert [p.name for p in alice.hook.lobby.participants] == ["Alice", "Bob", "Carol"]

    dave = view(P2PLoopBuilder(), "Dave")
    dave.join_code("ZZZZZ")
    pump(lambda: dave.screen.name == "start", dave, alice, what="unknown code back at start")
    assert "ZZZZZ" in dave.message and "check the code" in dave.message
    for v in (carol, bob, alice, dave):
        v.close()
