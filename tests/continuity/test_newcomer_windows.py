"""The lobby outlives its host for the friends who come after (issue 23), as people see it:
three real Konnekt Party windows on an Xvfb display, each in its own network namespace (one
machine each), driven with xdotool. Ann presses *Host a lobby* (her game runs the signalling
server); Bo joins from the LAN list; Ann's game is killed. Bo's window shows him as the host
and his chat works; Cy starts the game later, finds the lobby under *Lobbies on your network*
(hosted by Bo now), joins with one click and chats; every line arrives once.
Screenshots (tmp dir): 1-joined, 2-bo-hosts, 3-cy-joined.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.lan.test_demo_windows as windows
from tests.lan import _netns, _xvfb

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(360)]

TITLE = windows.TITLE
#: Generous on a busy machine: a hand-over takes seconds (the closing note has the numbers).
HAND_OVER_WITHIN = 60
LAN_LIST_WITHIN = 30


@pytest.fixture
def setup() -> Iterator[tuple[_netns.Lan, _xvfb.Display]]:
    yield from windows.lan_and_display("xn", machines=3)


def settle() -> None:
    time.sleep(0.5)  # only so the screenshot shows the frame drawn after the state we saw


def chat(display: _xvfb.Display, window: str, game: windows.Game, text: str) -> None:
    state = game.wait(lambda s: "chat" in s["widgets"], 30, f"{game.state_file.stem}'s chat")
    display.click(window, *state["widgets"]["chat"])
    display.type_line(text)


def test_a_newcomer_joins_from_the_lan_list_after_the_host_was_killed(
        setup: tuple[_netns.Lan, _xvfb.Display], tmp_path: Path) -> None:
    lan, display = setup
    games: list[windows.Game] = []
    try:
        ann, ann_window, bo, bo_window, _ = windows.ann_hosts_bo_on_start(lan, display,
                                                                          tmp_path, games)
        listed = bo.wait(lambda s: s["lan"], LAN_LIST_WITHIN, "Ann's lobby in Bo's list")
        display.click(bo_window, *listed["widgets"]["lan_join:0"])
        both = ["Ann", "Bo"]
        bo.wait(lambda s: s["screen"] == "lobby" and s["players"] == both, 60, "Bo joined")
        ann.wait(lambda s: s["players"] == both, 30, "Ann sees Bo")
        settle()
        display.screenshot(tmp_path / "1-joined.png")

        ann.proc.kill()  # her game, and the signalling server it ran, are gone
        killed = time.monotonic()
        # Bo hosts, on a signalling server of his own (it starts a moment after he is host).
        hosting = bo.wait(lambda s: s["host"] == "Bo" and s["screen"] == "lobby"
                          and s["front"] == "PartyLobbyView" and "queue:echo" in s["widgets"]
                          and not s["invite"].startswith(f"ws://{lan.address(0)}:"),
                          HAND_OVER_WITHIN, "Bo hosts the lobby")
        assert hosting["invite"].startswith(f"ws://{lan.address(1)}:"), hosting["invite"]
        chat(display, bo_window, bo, "still here")
        bo.wait(lambda s: s["chat"][-1:] == ["Bo: still here"], 30, "Bo's line in his chat")
        settle()
        display.screenshot(tmp_path / "2-bo-hosts.png")

        cy = windows.Game(lan, 2, display, "Cy", tmp_path)
        games.append(cy)
        # Not {ann_window}: her window is gone, and the X server may give its id to Cy's.
        cy_window = display.new_window(TITLE, {bo_window})
        display.move(cy_window, 0, 0)  # where Ann's window was
        found = cy.wait(lambda s: s["screen"] == "start" and any(
            x["host"] == "Bo" for x in s["lan"]), LAN_LIST_WITHIN, "Bo's lobby in Cy's list")
        index = next(i for i, x in enumerate(found["lan"]) if x["host"] == "Bo")
        assert found["lan"][index]["invite"].startswith(f"ws://{lan.address(1)}:"), found["lan"]
        display.click(cy_window, *found["widgets"][f"lan_join:{index}"])
        cy.wait(lambda s: s["screen"] == "lobby" and "Cy" in s["players"], 60, "Cy joined")
        chat(display, cy_window, cy, "hi all")
        for game in (bo, cy):
            seen = game.wait(lambda s: "Cy: hi all" in s["chat"], 30, "Cy's line")
            assert seen["chat"].count("Cy: hi all") == 1, seen["chat"]
            assert seen["chat"].count("Bo: still here") == 1, seen["chat"]
        settle()
        shot = display.screenshot(tmp_path / "3-cy-joined.png")
        assert shot.stat().st_size > 10_000
        print(f"hand-over to a joinable lobby after the kill: {time.monotonic() - killed:.1f} s")
    finally:
        for game in games:
            game.stop()
