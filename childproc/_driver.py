"""The parent side: one :class:`ChildProcess` per child, events collected on a reader thread,
every wait bounded by a deadline."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: Default deadline of every wait: a guard against a hang, not a speed claim. Children on a
#: busy 2-core machine (other processes, a CPU hog) can be many times slower than idle.
HANG = 60.0
#: How long ``stop`` lets a child finish its ``close()`` after ``exit`` before killing it.
STOP_GRACE = 10.0
Event = dict[str, Any]


class ChildProcess:
    """One role in a child process (``python -m childproc ROLE ARGS...``).

    ``events`` holds every event the child wrote, in order; ``errors`` every ``error`` event
    (a command that raised, a ``turn()`` that raised), kept apart so that no
    ``wait_for(after=mark)`` can look past one: every wait fails once the child reported an
    error, whenever that was.

    Args:
        role: ``session``, ``transport``, ``lan`` or ``package.module:Class``.
        args: passed to the role's constructor (strings).
        name: for failure messages (default: the role).
        prefix: wraps the command, e.g. ``["ip", "netns", "exec", NS]`` (which execs, so
            :attr:`pid` is still the child's).
        patience: every timeout is multiplied by it (the bench's ``BENCH_PATIENCE``).
    """

    def __init__(self, role: str, *args: str, name: str = "", prefix: Sequence[str] = (),
                 patience: float = 1.0) -> None:
        self.name = name or role
        self.patience = patience
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        # stderr to a file, not a pipe: a chatty child must never block on a full pipe, and
        # its tail goes into every failure message.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen([*prefix, sys.executable, "-m", "childproc", role, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, env=env, cwd=REPO)
        self.events: list[Event] = []
        self.errors: list[Event] = []
        self.exited = False
        self._frozen = False
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True, name=f"read-{self.name}")
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:  # a stray print from a library: not ours to parse
                continue
            with self._cond:
                self.events.append(event)
                if event.get("event") == "error":
                    self.errors.append(event)
                self._cond.notify_all()
        with self._cond:
            self.exited = True
            self._cond.notify_all()

    # --- commands and events -------------------------------------------------------------

    def command(self, **cmd: object) -> int:
        """Send ``cmd``; returns the mark to wait after for its answer."""
        mark = self.mark()
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd, default=str) + "\n")
        self.proc.stdin.flush()
        return mark

    def mark(self) -> int:
        """The number of events so far: ``wait_for(after=mark)`` sees only newer ones."""
        with self._cond:
            return len(self.events)

    def seen(self, after: int = 0) -> list[Event]:
        """A copy of the events from index ``after`` on (the reader thread appends to
        ``events`` while a test looks; this copy holds still)."""
        with self._cond:
            return self.events[after:]

    def raise_errors(self) -> None:
        """Fail if the child ever reported an error, whenever that was."""
        if self.errors:
            raise AssertionError(f"helper error in {self.name}: {self.errors[0]}")

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = HANG,
                 after: int = 0) -> Event:
        """The first event from index ``after`` on (already seen or future) that matches."""
        timeout *= self.patience
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self.raise_errors()
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                if self.exited:
                    raise AssertionError(f"{self.name} exited (code {self.proc.poll()}); last "
                                         f"events: {self.events[-10:]} {self.stderr_tail()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.name}: timed out after {timeout:g} s; last "
                                         f"events: {self.events[-10:]} {self.stderr_tail()}")
                self._cond.wait(remaining)

    def wait(self, kind: str, timeout: float = HANG, after: int = 0) -> Event:
        """The first event named ``kind`` from index ``after`` on."""
        return self.wait_for(lambda e: e.get("event") == kind, timeout, after)

    def request(self, kind: str, timeout: float = HANG, **cmd: object) -> Event:
        """Send ``cmd`` and wait for the answer event ``kind``."""
        return self.wait(kind, timeout, self.command(**cmd))

    def notice(self, kind: str, timeout: float = HANG, after: int = 0,
               **match: object) -> Event:
        """A session's notice of type ``kind`` whose fields equal ``match``."""
        return self.wait_for(lambda e: e.get("event") == "notice" and e["type"] == kind
                             and all(e.get(k) == v for k, v in match.items()), timeout, after)

    def domain(self, kind: str) -> list[Event]:
        """Every domain event of type ``kind`` a session child reported so far."""
        with self._cond:
            return [e for e in self.events if e.get("event") == "domain" and e["type"] == kind]

    def state(self) -> Event:
        """A session child's state (see ``childproc.session``)."""
        return self.request("state", cmd="state")

    def stderr_tail(self, chars: int = 600) -> str:
        try:
            self._stderr.seek(0)
            text = self._stderr.read()
        except (OSError, ValueError):
            return ""
        return f"stderr: ...{text[-chars:]}" if text.strip() else ""

    # --- signals and the end -------------------------------------------------------------

    def freeze(self) -> None:
        """SIGSTOP: the child stops dead, its sockets open (a hung game)."""
        self.proc.send_signal(signal.SIGSTOP)
        self._frozen = True

    def thaw(self) -> None:
        """SIGCONT after :meth:`freeze`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
        self._frozen = False

    def kill(self) -> None:
        """SIGKILL: the child dies without a word (a crash, a pulled plug)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)

    def ask_exit(self) -> None:
        """Ask the child to end (``exit``) without waiting; :meth:`stop` waits."""
        if self._frozen:
            self.thaw()  # a stopped process cannot exit
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.command(cmd="exit")

    def stop(self, timeout: float = STOP_GRACE) -> None:
        """Ask the child to exit (its role closes what it opened), kill it after ``timeout``,
        close the pipes. Safe to call twice and after :meth:`kill`."""
        self.ask_exit()
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # stdin may hold unflushed commands
                    pipe.close()
        self._reader.join(5)
        self._stderr.close()


def stop_all(procs: Sequence[ChildProcess], check: bool = True) -> None:
    """Ask every child to exit at once (their closes overlap), wait for each (bounded), then,
    with ``check``, fail if any of them reported an error during the test."""
    for p in procs:
        p.ask_exit()
    for p in procs:
        p.stop()
    if check:
        for p in procs:
            p.raise_errors()


def converge(procs: Sequence[ChildProcess], timeout: float = HANG) -> list[Event]:
    """Ask every session child for its state until all hashes and sequences agree."""
    deadline = time.monotonic() + timeout
    while True:
        states = [p.state() for p in procs]
        if len({(s["hash"], s["sequence"]) for s in states}) == 1:
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"no convergence: {[(s['hash'], s['sequence']) for s in states]}")
        time.sleep(0.2)
