"""Two real Konnekt Party windows on an Xvfb display, each in its own network namespace: the
host presses Host, the friend's start screen lists the lobby and one click on its Join gets
the friend in; both windows then show two players. Screenshots go to the test's tmp dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import _netns, _xvfb
from .conftest import require

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(240)]

REPO = Path(__file__).resolve().parents[2]
TITLE = "Konnekt Party"
State = dict[str, Any]


class Game:
    """One demo process (``python -m demo_game``) in a namespace, on the test's display."""

    def __init__(self, lan: _netns.Lan, i: int, display: _xvfb.Display, name: str,
                 folder: Path, extra: tuple[str, ...] = ()) -> None:
        self.state_file = folder / f"{name}.json"
        self.log = (folder / f"{name}.log").open("w")
        env = {k: v for k, v in os.environ.items() if k != "ARCADE_HEADLESS"}
        env.update(display.env(), PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1",
                   KONNEKT_ARCADE_LAN="on")
        self.proc = subprocess.Popen(
            [*lan.exec_prefix(i), sys.executable, "-m", "demo_game", "--name", name, "--mute",
             "--state-file", str(self.state_file), *extra],
            env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)

    def state(self) -> State:
        try:
            return json.loads(self.state_file.read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return {}

    def wait(self, condition: Callable[[State], bool], timeout: float, what: str) -> State:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state and condition(state):
                return state
            assert self.proc.poll() is None, f"the game exited: {self.log.name}"
            assert time.monotonic() < deadline, f"{what}: last state {state}"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.log.close()


def ann_hosts_bo_on_start(lan: _netns.Lan, display: _xvfb.Display, folder: Path,
                          games: list[Game], extra: tuple[str, ...] = (),
                          ) -> tuple[Game, str, Game, str, State]:
    """Ann's and Bo's games side by side (each appended to ``games`` at once, for the caller's
    cleanup), both on their start screens; Ann has pressed *Host a lobby* and is in her lobby.
    ``extra``: more command-line options for both games. Returns both games, their windows
    and Ann's lobby state."""
    ann = Game(lan, 0, display, "Ann", folder, extra)
    games.append(ann)
    ann_window = display.new_window(TITLE, set())
    display.move(ann_window, 0, 0)
    bo = Game(lan, 1, display, "Bo", folder, extra)
    games.append(bo)
    bo_window = display.new_window(TITLE, {ann_window})
    display.move(bo_window, 1310, 0)
    start = ann.wait(lambda s: s["screen"] == "start", 60, "Ann's start screen")
    bo.wait(lambda s: s["screen"] == "start", 60, "Bo's start screen")
    display.click(ann_window, *start["widgets"]["host"])
    hosting = ann.wait(lambda s: s["screen"] == "lobby" and s["players"] == ["Ann"], 30,
                       "Ann hosting")
    return ann, ann_window, bo, bo_window, hosting


def lan_and_display(tag: str, machines: int = 2) -> Iterator[tuple[_netns.Lan, _xvfb.Display]]:
    """``machines`` machines (two unless told) on one switch and a virtual screen (a window
    test's fixture body; the test is skipped, with the reason, where either cannot be made)."""
    require(_netns.unavailable())
    require(_xvfb.unavailable())
    with _netns.Lan(machines, tag=tag) as lan:
        display = _xvfb.Display()
        try:
            yield lan, display
        finally:
            display.close()


@pytest.fixture
def setup() -> Iterator[tuple[_netns.Lan, _xvfb.Display]]:
    yield from lan_and_display("xw")


def test_host_and_join_with_one_click_in_real_windows(
        setup: tuple[_netns.Lan, _xvfb.Display], tmp_path: Path) -> None:
    lan, display = setup
    games: list[Game] = []
    try:
        ann, ann_window, bo, bo_window, _ = ann_hosts_bo_on_start(lan, display, tmp_path,
                                                                  games)

        listed = bo.wait(lambda s: s["lan"], 10, "Ann's lobby in Bo's list")
        assert listed["lan"][0]["name"] == "Ann's lobby"
        assert listed["lan"][0]["invite"].startswith(f"ws://{lan.address(0)}:")
        time.sleep(0.5)  # only so the screenshot shows the frame drawn after that state
        display.screenshot(tmp_path / "1-listed.png")
        display.click(bo_window, *listed["widgets"]["lan_join:0"])

        both = ["Ann", "Bo"]
        bo.wait(lambda s: s["screen"] == "lobby" and s["players"] == both, 60, "Bo joined")
        hosting = ann.wait(lambda s: s["players"] == both, 30, "Ann sees Bo")
        assert hosting["invite"].startswith(f"ws://{lan.address(0)}:")  # what Copy copies
        time.sleep(0.5)  # let both windows draw the new lobby before the screenshot
        shot = display.screenshot(tmp_path / "2-joined.png")
        assert shot.stat().st_size > 10_000
    finally:
        for game in games:
            game.stop()
