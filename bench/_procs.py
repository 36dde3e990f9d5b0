"""The network benchmarks' child processes: the roles ``signal``, ``host`` and ``guest``, run
by the shared driver (``childproc``: ``python -m childproc bench._procs:HostRole``).

Separate processes are what real players are: each has its own interpreter, GIL and network
thread, so a guest's work never stalls the host. Every child polls its session every
``POLL_INTERVAL`` seconds.

Clocks: chat lines carry the host's ``time.monotonic()``; on Linux that is CLOCK_MONOTONIC,
one clock for every process on the machine, so a guest can subtract it from its own.
"""

from __future__ import annotations

import os
import time
from typing import Any

from childproc import ChildProcess, Command, emit
from konnekt_arcade import DomainCommand, P2PLoopBuilder
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.sync import Welcomed

#: How often every child polls its session (the library is measured, not a frame rate).
POLL_INTERVAL = 0.001
CHAT_PREFIX = "bench:"
#: Every wait on a child process is this many times its nominal deadline: a box busy with
#: other work can take many seconds to start an interpreter and import aiortc. Waits end as
#: soon as their condition holds, so patience costs nothing when the machine is idle.
PATIENCE = float(os.environ.get("BENCH_PATIENCE", "3"))

_ROLES = {"signal": "SignalRole", "host": "HostRole", "guest": "GuestRole"}


def start(role: str, name: str = "") -> ChildProcess:
    """A ``signal``, ``host`` or ``guest`` child, waited on with the bench's patience."""
    return ChildProcess(f"bench._procs:{_ROLES[role]}", name=name or role, patience=PATIENCE)


def start_signalling() -> tuple[ChildProcess, str]:
    """A signalling server in its own process, and its URL."""
    proc = start("signal")
    try:
        url = proc.wait("ready", 30.0)["url"]
    except Exception:
        proc.stop()
        raise
    return proc, url


def _state(session: Any) -> dict[str, Any]:
    lobby = session.get_lobby()
    return {"event": "state", "hash": session.state_hash(), "sequence": session.sequence(),
            "participants": len(lobby.participants) if lobby else 0,
            "peers": len(session.connected_peers())}


class SignalRole:
    """A signalling server; emits {"event": "ready", "url"}."""

    def __init__(self) -> None:
        self.server = SignallingServer(port=0).start()
        emit({"event": "ready", "url": self.server.url})

    def handle(self, cmd: Command) -> None:
        raise ValueError(f"unknown command {cmd['cmd']!r}")

    def turn(self) -> None:
        pass

    def close(self) -> None:
        self.server.stop()


class HostRole:
    """{"cmd": "host", "url"} (emits "ready"), {"cmd": "chat", "count", "interval"} (paced chat
    lines stamped with the send time; emits "chat_done" with the CPU they took), {"cmd": "cpu"},
    {"cmd": "state"}."""

    turn_interval = POLL_INTERVAL

    def __init__(self) -> None:
        self.session: Any = None
        self.chat: dict[str, Any] | None = None

    def handle(self, cmd: Command) -> None:
        kind = cmd["cmd"]
        if kind == "host":
            if self.session is not None:
                self.session.close()
            self.session, sid = P2PLoopBuilder().build_session_host(cmd["url"], [], "Bench",
                                                                    "Host")
            emit({"event": "ready", "session": str(sid)})
        elif kind == "chat" and self.session is not None:
            self.chat = {"left": int(cmd["count"]), "interval": float(cmd["interval"]), "i": 0,
                         "next": time.monotonic(), "cpu0": time.process_time(),
                         "wall0": time.monotonic()}
        elif kind == "cpu":
            emit({"event": "cpu", "process_time": time.process_time(),
                  "monotonic": time.monotonic()})
        elif kind == "state" and self.session is not None:
            emit(_state(self.session))
        else:
            raise ValueError(f"unknown command {kind!r} (or no session yet)")

    def turn(self) -> None:
        session, chat = self.session, self.chat
        if session is None:
            return
        session.poll()
        session.domain().drain_events()
        session.drain_notices()
        if chat is not None and time.monotonic() >= chat["next"]:
            lobby = session.get_lobby()
            assert lobby is not None
            session.submit_command(DomainCommand.SendChat(
                lobby_id=lobby.id, participant_id=session.local_participant_id(),
                text=f"{CHAT_PREFIX}{chat['i']}:{time.monotonic():.6f}"))
            chat["i"] += 1
            chat["left"] -= 1
            chat["next"] += chat["interval"]
            if chat["left"] <= 0:
                emit({"event": "chat_done", "sent": chat["i"],
                      "cpu_s": time.process_time() - chat["cpu0"],
                      "wall_s": time.monotonic() - chat["wall0"]})
                self.chat = None

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


class GuestRole:
    """{"cmd": "join", "url", "session", "name"} (emits "synced" with the join time, then
    "welcomed"), {"cmd": "report"} (the chat latencies seen since the last report),
    {"cmd": "state"}."""

    turn_interval = POLL_INTERVAL

    def __init__(self) -> None:
        self.session: Any = None
        self.latencies: list[float] = []

    def handle(self, cmd: Command) -> None:
        kind = cmd["cmd"]
        if kind == "join":
            t0 = time.perf_counter()
            self.session, lobby_id = P2PLoopBuilder().build_session_guest(
                cmd["url"], cmd["session"], [])
            join_s = time.perf_counter() - t0
            emit({"event": "synced", "join_s": join_s,
                  "lobby_ok": self.session.get_lobby() is not None})
            self.session.submit_command(DomainCommand.JoinLobby(lobby_id=lobby_id,
                                                                guest_name=cmd["name"]))
        elif kind == "report":
            emit({"event": "report", "latencies": self.latencies,
                  "cpu_s": time.process_time()})
            self.latencies = []
        elif kind == "state" and self.session is not None:
            emit(_state(self.session))
        else:
            raise ValueError(f"unknown command {kind!r} (or no session yet)")

    def turn(self) -> None:
        session = self.session
        if session is None:
            return
        session.poll()
        now = time.monotonic()
        for event in session.domain().drain_events():
            text = getattr(event, "text", "")
            if text.startswith(CHAT_PREFIX):
                self.latencies.append(now - float(text.rsplit(":", 1)[1]))
        for notice in session.drain_notices():
            if isinstance(notice, Welcomed):
                emit({"event": "welcomed"})

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
