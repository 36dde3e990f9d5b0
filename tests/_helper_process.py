"""A test-side driver for a helper script that runs one SessionLoop in its own process.

The helper reads JSON commands on stdin and writes JSON events on stdout; this class
collects the events on a reader thread and lets a test wait on them with a deadline.
Shared by tests/session (the seed's flow) and tests/resilience (killed processes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Default deadline of every wait: a guard against a hang, not a speed claim. Helper processes
#: on a busy 2-core machine (other processes, a CPU hog) can be many times slower than idle.
HANG = 60.0
Event = dict[str, object]


class HelperProcess:
    def __init__(self, helper: Path, prefix: Sequence[str] = ()) -> None:
        """``prefix`` wraps the command, e.g. ``["ip", "netns", "exec", NS]`` (which execs, so
        ``proc.pid`` is still the helper's)."""
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([*prefix, sys.executable, str(helper)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
        self.events: list[Event] = []
        #: Every error the helper reported (a command that raised, a poll() that raised), kept
        #: apart from ``events`` so that no ``wait_for(after=mark)`` can look past one.
        self.errors: list[Event] = []
        self.exited = False
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            with self._cond:
                self.events.append(event)
                if event.get("event") == "error":
                    self.errors.append(event)
                self._cond.notify_all()
        with self._cond:
            self.exited = True
            self._cond.notify_all()

    def raise_errors(self) -> None:
        """Fail the test if the helper ever reported an error, whenever that was."""
        if self.errors:
            raise AssertionError(f"helper error: {self.errors[0]}")

    def command(self, **cmd: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd, default=str) + "\n")
        self.proc.stdin.flush()

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = HANG,
                 after: int = 0) -> Event:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self.raise_errors()
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                if self.exited:
                    raise AssertionError(f"helper exited (code {self.proc.poll()}); last "
                                         f"events: {self.events[-10:]}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; last events: {self.events[-10:]}")
                self._cond.wait(remaining)

    def notice(self, kind: str, timeout: float = HANG, after: int = 0,
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
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def stop_all(procs: Sequence[HelperProcess]) -> None:
    """Stop every helper, then fail if any of them reported an error during the test."""
    for p in procs:
        p.stop()
    for p in procs:
        p.raise_errors()


def converge(procs: list[HelperProcess], timeout: float = HANG) -> list[Event]:
    """Poll every process's state until all hashes and sequences agree."""
    deadline = time.monotonic() + timeout
    while True:
        states = [p.state() for p in procs]
        if len({(s["hash"], s["sequence"]) for s in states}) == 1:
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"no convergence: {[(s['hash'], s['sequence']) for s in states]}")
        time.sleep(0.2)
