"""Renders the LobbyView screens to PNG and checks they show something.

The README's screenshots under docs/screenshots/ come from this test: run it with
``KONNEKT_UPDATE_SCREENSHOTS=1`` to rewrite them. Otherwise it renders into a temporary
directory, so a test run never dirties the working tree.
"""

from __future__ import annotations

import os
from pathlib import Path

import arcade
import pytest

from konnekt_arcade import ActivityRegistry, LobbyView
from konnekt_arcade.testing import click, type_text

from ._lobby_helpers import host, join, make_view, memory_builder, pump

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NAMES = ("start", "connecting", "host-lobby", "guest-lobby")


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("KONNEKT_UPDATE_SCREENSHOTS") == "1" else tmp_path


def test_readme_screenshots_exist() -> None:
    readme = (DOCS.parents[1] / "README.md").read_text()
    for name in NAMES:
        assert (DOCS / f"{name}.png").stat().st_size > 1000
        assert f"docs/screenshots/{name}.png" in readme


def shoot(window: arcade.Window, view: LobbyView, name: str, folder: Path) -> Path:
    window.show_view(view)
    view.ui.execute_layout()
    view.on_draw()
    image = arcade.get_image()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    image.save(path)
    assert path.stat().st_size > 1000
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 10, f"{name} is (nearly) one colour"
    return path


def test_screenshots(window: arcade.Window, screenshots: Path) -> None:
    registry = ActivityRegistry()
    registry.register("dice", "Dice Duel", lambda context: arcade.View())
    registry.register("race", "Space Race", lambda context: arcade.View())
    builder = memory_builder()

    start = make_view(window, builder, title="Space Party")
    type_text(window, start.screen.widgets["name"], "Alice")
    shoot(window, start, "start", screenshots)

    connecting = make_view(window, memory_builder())
    type_text(window, connecting.screen.widgets["session_id"],
              "123e4567-e89b-12d3-a456-426614174000")
    click(window, connecting.screen.widgets["join"])
    pump(lambda: connecting.hook.session.stage == "peer_id", connecting)
    shoot(window, connecting, "connecting", screenshots)
    connecting.close()

    alice = host(window, builder, registry=registry)
    sid = str(alice.hook.session.session_id)
    bob = join(window, builder, sid, "Bob", alice, registry=registry)
    carol = join(window, builder, sid, "Carol", alice, bob, registry=registry)
    bob.hook.set_ready(True)
    bob.hook.chat("ready when you are!")
    alice.hook.chat("one more minute")
    alice.hook.queue_activity("dice", "Dice Duel")
    carol.hook.toggle_spectating()
    pump(lambda: len(bob.hook.lobby.chat) == 2 and bob.hook.lobby.activity_queue
         and not bob.hook.lobby.participants[2].is_active, alice, bob, carol)
    for view in (alice, bob, carol):
        view.on_update(0)
    shoot(window, alice, "host-lobby", screenshots)
    shoot(window, bob, "guest-lobby", screenshots)
    for view in (carol, bob, alice):
        view.close()
    missing = set(NAMES) - {p.stem for p in screenshots.glob("*.png")}
    assert not missing, f"screenshots not taken: {sorted(missing)}"
