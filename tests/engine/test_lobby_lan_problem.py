"""A lobby on a signalling server that listens only on this computer is not announced on the
LAN under an address friends cannot use; the host's lobby screen says why, and the invite
shown is the server's own (loopback) address, not a rewritten one that would fail.

The check connects to this machine's own LAN address (no packet leaves it); with the fix
nothing is announced, so the test sends nothing onto the network either.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import arcade
import pytest

from konnekt_arcade import LobbyView
from konnekt_arcade.lan._interfaces import lan_address
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import click, type_text

from ._lobby_helpers import pump


@pytest.fixture
def loopback_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if lan_address().startswith("127."):
        pytest.skip("this machine has no network card besides loopback")
    monkeypatch.setenv("KONNEKT_ARCADE_LAN", "on")  # the test plugin turns it off
    server = SignallingServer(host="127.0.0.1", port=0)  # konnekt-signal --host 127.0.0.1
    server.start()
    yield server
    server.stop()


def test_a_loopback_only_server_is_not_announced_and_the_host_is_told_why(
        window: arcade.Window, loopback_server: Any, tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{loopback_server.port}"
    view = LobbyView(signalling_url=url, ice_servers=[], browse_lan=False, game="lan-problem")
    window.show_view(view)
    type_text(window, view.screen.widgets["name"], "Ann")
    click(window, view.screen.widgets["host"])
    pump(lambda: view.screen.name == "lobby", view, timeout=30, what="Ann hosting")
    pump(lambda: "Not shown to your network" in view.message, view, timeout=15,
         what="the reason on Ann's lobby screen")
    session = view.hook.session
    assert session.announce_problem() == view.message
    assert "--host 0.0.0.0" in view.message
    assert view.invite_text() == f"{url}/{session.session_id}"  # works here; says so
    assert view.screen.message_label.text == view.message
    view.ui.execute_layout()
    view.on_draw()
    arcade.get_image().save(tmp_path / "lan-problem.png")  # what the host sees
    view.close()
