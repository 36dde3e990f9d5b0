"""The tutorial (docs/tutorial.md): arcade's sprite_collect_coins made two-player.

- The two-player file adds under 60 lines to arcade's own example (counted with difflib), and
  the single-player file is arcade's example, unchanged but for the licence note on top.
- The two-player game runs for real: two processes over WebRTC through a loopback signalling
  server, each a headless arcade window running ``coins_multi.main()`` with only
  ``arcade.run`` replaced by a loop that moves the mouse (the player) along a path. Each sees
  the other's sprite move, coins picked up vanish on both screens, and the scores both show
  are the host's decisions.
"""

from __future__ import annotations

import difflib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "examples" / "tutorial"
SINGLE, MULTI = TUTORIAL / "coins_single.py", TUTORIAL / "coins_multi.py"
#: The issue's budget: making the example two-player takes under this many added lines.
MAX_ADDED = 60


def added_lines() -> list[str]:
    single = SINGLE.read_text().splitlines()
    multi = MULTI.read_text().splitlines()
    return [line for line in difflib.unified_diff(single, multi, lineterm="", n=0)
            if line.startswith("+") and not line.startswith("+++")]


def test_two_players_take_under_60_added_lines() -> None:
    added = added_lines()
    assert 0 < len(added) < MAX_ADDED, f"{len(added)} added lines:\n" + "\n".join(added)
    doc = (ROOT / "docs" / "tutorial.md").read_text()
    assert f"{len(added)} added lines" in doc, "docs/tutorial.md states another count"


def test_the_single_player_file_is_arcades_example() -> None:
    import arcade.examples

    original = Path(arcade.examples.__file__).parent / "sprite_collect_coins.py"
    ours = SINGLE.read_text()
    assert ours.endswith(original.read_text())
    note = ours[: -len(original.read_text())]
    assert "MIT License" in note and "Paul Vincent Craven" in note
    assert all(line.startswith("#") for line in note.splitlines())


# The child: runs coins_multi.main() with arcade.run replaced by a loop that plays. Commands
# on stdin: "stop" (stand still), "quit". Prints a JSON line of what it shows every 0.2 s.
DRIVER = r"""
import json, math, os, queue, sys, threading, time
os.environ["ARCADE_HEADLESS"] = "1"
import arcade
sys.path.insert(0, sys.argv[1])
import coins_multi

side = sys.argv[3]  # "left" or "right": where this player sweeps
commands = queue.Queue()
threading.Thread(target=lambda: [commands.put(l.strip()) for l in sys.stdin], daemon=True).start()

def play():
    window = arcade.get_window()
    view = window.current_view
    started, last_print, moving, last = None, 0.0, True, time.monotonic()
    while True:
        now = time.monotonic()
        try:
            command = commands.get_nowait()
        except queue.Empty:
            command = ""
        if command == "quit":
            break
        if command == "stop":
            moving = False
        others = [s for s in view.player_list if s is not view.player_sprite]
        if others and started is None:
            started = now  # both players are here: start walking
        if started is not None and moving:
            t = now - started
            x = (80 if side == "left" else 660) + (t * 180) % 540
            y = 60 + (math.floor(t * 180 / 540) * 90) % 620 + 30 * math.sin(t * 3)
            view.on_mouse_motion(x, y, 0, 0)
        view.on_update(now - last)
        last = now
        if now - last_print > 0.2:
            last_print = now
            window.clear()
            view.on_draw()
            me = view.me
            print(json.dumps({
                "host": view.world.is_host,
                "me": me.owner.hex if me is not None else None,
                "pos": [view.player_sprite.center_x, view.player_sprite.center_y],
                "others": [[s.center_x, s.center_y] for s in others],
                "coins": len(view.coin_list),
                "score": view.score,
                "taken": sorted(t.taken_by for t in view.world.entities() if t.taken_by),
            }), flush=True)
        time.sleep(1 / 60)

arcade.run = play
sys.argv = ["coins_multi.py", sys.argv[2]]
coins_multi.main()
"""


class Player:
    def __init__(self, url: str, side: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(TUTORIAL), url, side],
                                     cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.log: list[str] = []
        self.invite = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line.rstrip())
            if line.startswith("Invite: "):
                self.invite = line.split()[-1]
            elif line.startswith("{"):
                self.lines.put(json.loads(line))

    def until(self, check: Any, timeout: float, what: str) -> list[dict[str, Any]]:
        """Every state printed until one passes ``check`` (raises after ``timeout`` s)."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen.append(self.lines.get(timeout=0.1))
            except queue.Empty:
                continue
            if check(seen[-1]):
                return seen
        raise AssertionError(f"no {what} within {timeout:.0f} s:\n" + "\n".join(self.log[-20:]))

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)


@pytest.mark.network
@pytest.mark.timeout(180)
def test_two_players_over_webrtc(signalling_server: Any) -> None:
    host = Player(signalling_server.url, "left")
    players = [host]
    try:
        first = host.until(lambda s: s["me"] is not None, 60, "host in its world")[-1]
        assert first["host"] and first["coins"] == 50
        deadline = time.monotonic() + 30
        while not host.invite:
            assert time.monotonic() < deadline, "no invite printed:\n" + "\n".join(host.log)
            time.sleep(0.05)
        guest = Player(host.invite, "right")
        players.append(guest)
        # each sees the other's sprite, then sees it move about its half of the screen
        walks = {}
        for me, half in ((host, (660, 1300)), (guest, (0, 700))):
            seen = me.until(lambda s, half=half: bool(s["others"]) and
                            half[0] <= s["others"][0][0] <= half[1] and s["score"] > 0,
                            60, "the other player walking over there, and a coin of ours")
            walks[me] = {tuple(map(round, s["others"][0])) for s in seen if s["others"]}
        time.sleep(3)  # both keep walking and picking up coins
        for me in players:
            while not me.lines.empty():  # where each saw the other meanwhile
                state = me.lines.get()
                walks[me] |= {tuple(map(round, other)) for other in state["others"]}
            me.send("stop")
        time.sleep(1.5)  # let the last pickups and positions arrive everywhere
        final = {}
        for me in players:
            while not me.lines.empty():
                me.lines.get()
            final[me] = me.until(lambda s: True, 5, "a state")[-1]
        h, g = final[host], final[guest]
        assert len(walks[host]) > 3 and len(walks[guest]) > 3, walks  # the other one moved
        # what each shows of the other is where the other is (it stands still now)
        for a, b in ((h, g), (g, h)):
            assert abs(a["others"][0][0] - b["pos"][0]) < 2, (a, b)
            assert abs(a["others"][0][1] - b["pos"][1]) < 2, (a, b)
        # coins vanished on both screens alike; every one gone was given to a player by the host
        assert h["coins"] == g["coins"] < 50
        assert h["taken"] == g["taken"] and len(h["taken"]) == 50 - h["coins"]
        assert h["score"] == h["taken"].count(h["me"]) > 0
        assert g["score"] == g["taken"].count(g["me"]) > 0
        assert not g["host"]
    finally:
        for me in players:
            me.close()
