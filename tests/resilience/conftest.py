"""Processes running one SessionLoop each (see _proc.py), killed and cleaned up by the test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from konnekt_arcade.net import SignallingServer

HELPER = Path(__file__).with_name("_proc.py")
REPO = Path(__file__).resolve().parents[2]
Event = dict[str, object]


class Proc:
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

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

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
                    raise AssertionError(f"timed out; last events: {self.events[-8:]}")
                self._cond.wait(remaining)

    def notice(self, kind: str, timeout: float = 20, after: int = 0,
               **match: object) -> Event:
        return self.wait_for(lambda e: e.get("event") == "notice" and e["type"] == kind
                             and all(e.get(k) == v for k, v in match.items()), timeout, after)

    def domain(self, kind: str) -> list[Event]:
        with self._cond:
            return [e for e in self.events if e.get("event") == "domain" and e["type"] == kind]

    def state(self) -> Event:
        mark = self.mark()
        self.command(cmd="state")
        return self.wait_for(lambda e: e["event"] == "state", after=mark)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.command(cmd="exit")
                self.proc.wait(8)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


class Procs:
    def __init__(self) -> None:
        self.all: list[Proc] = []

    def new(self, n: int = 1) -> list[Proc]:
        started = [Proc() for _ in range(n)]
        self.all.extend(started)
        for p in started:
            p.wait_for(lambda e: e["event"] == "started", timeout=30)
        return started


@pytest.fixture
def procs() -> Iterator[Procs]:
    pool = Procs()
    try:
        yield pool
    finally:
        for p in pool.all:
            p.stop()


@pytest.fixture
def signalling() -> Iterator[SignallingServer]:
    server = SignallingServer(port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def lobby(url: str, host: Proc, guests: list[Proc], names: list[str],
          grace: float | None = None) -> tuple[str, dict[str, str]]:
    """Host + guests joined; returns the session id and name -> participant id."""
    extra = {"grace": grace} if grace is not None else {}
    host.command(cmd="host", url=url, lobby="Faults", name="Hana", **extra)
    session = str(host.wait_for(lambda e: e["event"] == "ready")["session"])
    ids = {}
    for guest, name in zip(guests, names, strict=True):
        guest.command(cmd="guest", url=url, session=session, **extra)
        guest.wait_for(lambda e: e["event"] == "ready")
        guest.command(cmd="join", name=name)
        ids[name] = str(guest.notice("Welcomed")["participant_id"])
    return session, ids


def converge(procs: list[Proc], timeout: float = 15) -> list[Event]:
    deadline = time.monotonic() + timeout
    while True:
        states = [p.state() for p in procs]
        if len({(s["hash"], s["sequence"]) for s in states}) == 1:
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"no convergence: {[(s['hash'], s['sequence']) for s in states]}")
        time.sleep(0.2)
