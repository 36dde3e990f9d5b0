"""Helper processes for the network benchmarks, and the driver that talks to them.

``python -m bench._procs signal|host|guest`` runs one role; it reads JSON commands on stdin and
writes JSON events on stdout (one object per line). Separate processes are what real players
are: each has its own interpreter, GIL and network thread, so a guest's work never stalls the
host. Every process polls its session every ``POLL_INTERVAL`` seconds.

Clocks: chat lines carry the host's ``time.monotonic()``; on Linux that is CLOCK_MONOTONIC,
one clock for every process on the machine, so a guest can subtract it from its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: How often every helper polls its session (the library is measured, not a frame rate).
POLL_INTERVAL = 0.001
CHAT_PREFIX = "bench:"
#: Every wait on a helper process is this many times its nominal deadline: a box busy with
#: other work can take many seconds to start an interpreter and import aiortc. Waits end as
#: soon as their condition holds, so patience costs nothing when the machine is idle.
PATIENCE = float(os.environ.get("BENCH_PATIENCE", "3"))

Event = dict[str, Any]


# --- driver side ---------------------------------------------------------------------------


class Proc:
    """One helper process; events are collected on a reader thread."""

    def __init__(self, role: str, name: str = "") -> None:
        self.role = role
        self.name = name or role
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen([sys.executable, "-m", "bench._procs", role],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, env=env, cwd=REPO)
        self.events: list[Event] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True, name=f"read-{self.name}").start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()
        with self._cond:
            self.events.append({"event": "exited"})
            self._cond.notify_all()

    def command(self, **cmd: Any) -> int:
        """Send a command; returns the event index to wait after."""
        mark = self.mark()
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return mark

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def wait(self, kind: str, timeout: float, after: int = 0) -> Event:
        return self.wait_for(lambda e: e.get("event") == kind, timeout, after)

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float,
                 after: int = 0) -> Event:
        timeout *= PATIENCE
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if event.get("event") in ("error", "exited"):
                        raise RuntimeError(f"{self.name}: {event} {self.stderr_tail()}")
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self.name}: timed out after {timeout:g} s; last "
                                       f"events {self.events[-3:]} {self.stderr_tail()}")
                self._cond.wait(remaining)

    def request(self, kind: str, timeout: float = 20.0, **cmd: Any) -> Event:
        """Send ``cmd`` and wait for the answer event ``kind``."""
        mark = self.command(**cmd)
        return self.wait(kind, timeout, mark)

    def stderr_tail(self, chars: int = 600) -> str:
        try:
            self._stderr.seek(0)
            text = self._stderr.read()
        except (OSError, ValueError):
            return ""
        return f"stderr: ...{text[-chars:]}" if text.strip() else ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            try:
                self.command(cmd="exit")
                self.proc.wait(timeout)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self._stderr.close()


def start_signalling() -> tuple[Proc, str]:
    proc = Proc("signal")
    try:
        url = proc.wait("ready", 30.0)["url"]
    except Exception:
        proc.stop()
        raise
    return proc, url


def stop_all(procs: list[Proc]) -> None:
    """Ask every process to exit at once, then wait for each (bounded)."""
    for p in procs:
        if p.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                p.command(cmd="exit")
    for p in procs:
        p.stop()


# --- helper side ---------------------------------------------------------------------------


def _emit(obj: Event) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


def _commands() -> queue.Queue[Event | None]:
    q: queue.Queue[Event | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            try:
                q.put(json.loads(line))
            except ValueError:
                continue
        q.put(None)

    threading.Thread(target=read, daemon=True).start()
    return q


def _command_loop(commands: queue.Queue[Event | None]) -> Iterator[Event]:
    """One item per turn of a helper's poll loop: the next command, or ``{}`` when none is
    waiting (a turn that only polls). Ends on ``exit`` or end of input; paces the turns."""
    while True:
        try:
            cmd = commands.get_nowait()
        except queue.Empty:
            cmd = {}
        if cmd is None or cmd.get("cmd") == "exit":
            return
        yield cmd
        time.sleep(POLL_INTERVAL)


def _run_signal() -> None:
    from konnekt_arcade.net import SignallingServer

    server = SignallingServer(port=0).start()
    _emit({"event": "ready", "url": server.url})
    try:
        commands = _commands()
        while True:
            cmd = commands.get()
            if cmd is None or cmd.get("cmd") == "exit":
                break
    finally:
        server.stop()


def _state(session: Any) -> Event:
    lobby = session.get_lobby()
    return {"event": "state", "hash": session.state_hash(), "sequence": session.sequence(),
            "participants": len(lobby.participants) if lobby else 0,
            "peers": len(session.connected_peers())}


def _run_host() -> None:
    from konnekt_arcade import DomainCommand, P2PLoopBuilder

    commands = _commands()
    session = None
    chat: dict[str, Any] | None = None
    for cmd in _command_loop(commands):
        kind = cmd.get("cmd")
        if kind == "host":
            if session is not None:
                session.close()
            session, sid = P2PLoopBuilder().build_session_host(cmd["url"], [], "Bench",
                                                               "Host")
            _emit({"event": "ready", "session": str(sid)})
        elif kind == "chat" and session is not None:
            chat = {"left": int(cmd["count"]), "interval": float(cmd["interval"]), "i": 0,
                    "next": time.monotonic(), "cpu0": time.process_time(),
                    "wall0": time.monotonic()}
        elif kind == "cpu":
            _emit({"event": "cpu", "process_time": time.process_time(),
                   "monotonic": time.monotonic()})
        elif kind == "state" and session is not None:
            _emit(_state(session))
        if session is not None:
            session.poll()
            session.domain().drain_events()
            session.drain_notices()
            now = time.monotonic()
            if chat is not None and now >= chat["next"]:
                lobby = session.get_lobby()
                assert lobby is not None
                session.submit_command(DomainCommand.SendChat(
                    lobby_id=lobby.id, participant_id=session.local_participant_id(),
                    text=f"{CHAT_PREFIX}{chat['i']}:{time.monotonic():.6f}"))
                chat["i"] += 1
                chat["left"] -= 1
                chat["next"] += chat["interval"]
                if chat["left"] <= 0:
                    _emit({"event": "chat_done", "sent": chat["i"],
                           "cpu_s": time.process_time() - chat["cpu0"],
                           "wall_s": time.monotonic() - chat["wall0"]})
                    chat = None
    if session is not None:
        session.close()


def _run_guest() -> None:
    from konnekt_arcade import DomainCommand, P2PLoopBuilder
    from konnekt_arcade.sync import Welcomed

    commands = _commands()
    _emit({"event": "started"})
    session = None
    latencies: list[float] = []
    for cmd in _command_loop(commands):
        kind = cmd.get("cmd")
        if kind == "join":
            t0 = time.perf_counter()
            session, lobby_id = P2PLoopBuilder().build_session_guest(
                cmd["url"], cmd["session"], [])
            join_s = time.perf_counter() - t0
            _emit({"event": "synced", "join_s": join_s,
                   "lobby_ok": session.get_lobby() is not None})
            session.submit_command(DomainCommand.JoinLobby(lobby_id=lobby_id,
                                                           guest_name=cmd["name"]))
        elif kind == "report":
            _emit({"event": "report", "latencies": latencies,
                   "cpu_s": time.process_time()})
            latencies = []
        elif kind == "state" and session is not None:
            _emit(_state(session))
        if session is not None:
            session.poll()
            now = time.monotonic()
            for event in session.domain().drain_events():
                text = getattr(event, "text", "")
                if text.startswith(CHAT_PREFIX):
                    latencies.append(now - float(text.rsplit(":", 1)[1]))
            for notice in session.drain_notices():
                if isinstance(notice, Welcomed):
                    _emit({"event": "welcomed"})
    if session is not None:
        session.close()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    role = sys.argv[1]
    runner = {"signal": _run_signal, "host": _run_host, "guest": _run_guest}[role]
    try:
        runner()
    except Exception as exc:
        logging.exception("helper %s failed", role)
        _emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
        sys.exit(1)


if __name__ == "__main__":
    main()
