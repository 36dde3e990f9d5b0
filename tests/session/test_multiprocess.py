"""Host and three guests in four processes over real WebRTC: join, run an activity, converge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from konnekt_arcade.net import SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(90)]

HELPER = Path(__file__).with_name("_session_proc.py")
REPO = Path(__file__).resolve().parents[2]
Event = dict[str, object]


class SessionProcess:
    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, str(HELPER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
        self.events: list[Event] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.events.append(json.loads(line))
                self._cond.notify_all()

    def command(self, **cmd: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd, default=str) + "\n")
        self.proc.stdin.flush()

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 20,
                 after: int = 0) -> Event:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if event.get("event") == "error":
                        raise AssertionError(f"helper error: {event}")
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; last events: {self.events[-10:]}")
                self._cond.wait(remaining)

    def domain(self, kind: str) -> list[Event]:
        with self._cond:
            return [e for e in self.events if e.get("event") == "domain" and e["type"] == kind]

    def state(self) -> Event:
        with self._cond:
            mark = len(self.events)
        self.command(cmd="state")
        return self.wait_for(lambda e: e["event"] == "state", after=mark)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.command(cmd="exit")
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def procs() -> Iterator[list[SessionProcess]]:
    started = [SessionProcess() for _ in range(4)]
    try:
        yield started
    finally:
        for p in started:
            p.stop()


def converge(procs: list[SessionProcess], timeout: float = 15) -> list[Event]:
    deadline = time.monotonic() + timeout
    while True:
        states = [p.state() for p in procs]
        if len({(s["hash"], s["sequence"]) for s in states}) == 1:
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"no convergence: {states}")
        time.sleep(0.2)


def test_host_and_three_guests(signalling: SignallingServer,
                               procs: list[SessionProcess]) -> None:
    host, *guests = procs
    host.command(cmd="host", url=signalling.url, lobby="My Lobby", name="Alice")
    session = str(host.wait_for(lambda e: e["event"] == "ready")["session"])
    names = ["Bob", "Carol", "Dave"]
    for guest, name in zip(guests, names, strict=True):
        guest.command(cmd="guest", url=signalling.url, session=session)
        assert guest.wait_for(lambda e: e["event"] == "ready")["lobby"] == session
        guest.command(cmd="join", name=name)
        guest.wait_for(lambda e: e["event"] == "notice" and e["type"] == "Welcomed")

    # Everyone sees every GuestJoined (late joiners get earlier ones through the snapshot).
    for guest in procs:
        guest.wait_for(lambda e: e.get("type") == "GuestJoined"
                       and e["participant"]["name"] == "Dave")
    assert [e["participant"]["name"] for e in host.domain("GuestJoined")] == names
    states = converge(procs)
    assert all(s["participants"] == 4 for s in states)

    host.command(cmd="queue", activity_type="quiz", name="Round 1")
    host.command(cmd="start")
    for p in procs:
        p.wait_for(lambda e: e.get("type") == "RunStarted")
    for score, p in enumerate(procs, start=1):
        p.command(cmd="submit_result", score=score)
    for p in procs:
        ended = p.wait_for(lambda e: e.get("type") == "RunEnded")
        assert ended["status"] == "Completed"
    states = converge(procs)
    assert len({s["hash"] for s in states}) == 1 and states[0]["run"] is None
    assert not any(p.domain("CommandFailed") for p in procs)
