"""Killing the host mid-round keeps a live round going (issue 24's demo item).

Three bot processes over real WebRTC on a loopback signalling server that lives in the test
(so the host's death does not take signalling with it): one hosts and starts a round, two
join. Mid-round the host gets SIGKILL. The survivors must pick a new host that referees on
from the round's host-owned entities — the ball keeps moving (Bumper ball) or the coins keep
coming and being scored (Coins) — and the round must end, completed, with results.

Each bot prints what it sees as JSON lines (``--status``); the test reads them.
"""

from __future__ import annotations

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
#: The round's length: long enough to kill the host a few seconds in and watch the rest.
SECONDS = 14.0

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(180)]


class Bot:
    """One ``python -m demo_game.bots`` process and the JSON lines it prints."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("ARCADE_HEADLESS", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "demo_game.bots", *args], cwd=ROOT,
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line.rstrip())
            if line.startswith("{"):
                self.lines.put(json.loads(line))

    def wait(self, check: Any, timeout: float, what: str) -> dict[str, Any]:
        """The first line ``check`` accepts, within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if check(line):
                return line
        raise AssertionError(f"no {what} within {timeout:.0f} s; log:\n" +
                             "\n".join(self.log[-30:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.mark.parametrize("game", ["ball", "coins"])
def test_killing_the_host_mid_round_keeps_the_round_going(signalling_server: Any,
                                                         game: str) -> None:
    url = signalling_server.url
    common = ["--status", "0.2", "--max-seconds", "150"]
    host = Bot([url, "party", "Host Hana", "--seed", "1", "--host", "3", "--games", game,
                "--seconds", str(SECONDS), *common])
    bots = [host]
    try:
        session = host.wait(lambda line: "session" in line, 30, "session id")["session"]
        guests = [Bot([url, session, name, "--seed", str(i + 2), *common])
                  for i, name in enumerate(("Robo Rita", "Pixel Pete"))]
        bots += guests
        # the round runs on everyone's screen, the host refereeing
        for bot in bots:
            bot.wait(lambda line: line.get("kind") == game and line["ms"] > 2500, 60,
                     f"{game} round under way")
        host.proc.kill()  # SIGKILL: no goodbye, as a crash or a pulled plug
        host.proc.wait(5)
        killed_at = time.monotonic()

        # a survivor takes over and the round goes on under it
        survivors = guests
        new_host = None
        while new_host is None:
            for bot in survivors:
                try:
                    line = bot.lines.get(timeout=0.05)
                except queue.Empty:
                    continue
                if line.get("host") and line.get("kind") == game:
                    new_host = bot
            assert time.monotonic() - killed_at < 30, "no survivor became host"
        other = next(b for b in survivors if b is not new_host)

        def state(line: dict[str, Any]) -> bool:
            return line.get("kind") == game and line.get("host") is True

        first = new_host.wait(state, 10, "the new host's view of the round")
        if game == "ball":
            # the ball moves under the new host (the bots chase it) and the other survivor
            # sees it move too
            moved = new_host.wait(lambda line: state(line) and line["ball"] is not None and
                                  line["ball"] != first["ball"], SECONDS, "ball moving")
            assert moved["ball"] != first["ball"]
            seen = [other.wait(lambda line: line.get("kind") == game and line["ball"],
                               5, "ball on the other survivor")["ball"] for _ in range(10)]
            assert len({tuple(b) for b in seen}) > 1, seen
        else:
            # coins keep coming and being picked up: the points go up under the new host
            before = sum(first["scores"].values())
            later = new_host.wait(lambda line: state(line) and
                                  sum(line["scores"].values()) > before, SECONDS,
                                  "a coin scored under the new host")
            assert later["coins"] >= 0
        # ...and the round ends, completed, with the survivors' results
        for bot in survivors:
            end = bot.wait(lambda line: "ended" in line, SECONDS + 20, "the end of the round")
            assert "completed" in end["status"].lower(), end
            assert len(end["results"]) >= 2, end
    finally:
        for bot in bots:
            bot.stop()
