"""The child side: JSON commands in on stdin, JSON events out on stdout, and :func:`serve`, the
game loop every role runs in."""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol

Command = dict[str, Any]

#: Pause between two turns of a child's game loop: often enough that a test never waits on
#: it, rarely enough that several children on a busy 2-core machine leave the CPU to the
#: peers. A role may set its own ``turn_interval`` (the bench polls every millisecond).
TURN = 0.005

_out = threading.Lock()


class Role(Protocol):
    """What :func:`serve` drives. A role is built from the command line's arguments."""

    def handle(self, cmd: Command) -> None:
        """Run one command (never ``exit``: serve ends on it)."""

    def turn(self) -> None:
        """One turn of the game loop: poll what is open, emit what changed."""

    def close(self) -> None:
        """Close whatever the role opened; called however the child ends."""


def emit(obj: dict[str, Any]) -> None:
    """Write one event line (thread-safe: a role may emit from its own threads)."""
    with _out:
        sys.stdout.write(json.dumps(obj, default=str) + "\n")
        sys.stdout.flush()


def emit_error(exc: BaseException) -> None:
    """Report an exception to the parent, which fails on it (see ``ChildProcess.errors``).
    Any exception counts: a TypeError or KeyError is as much a bug as a failed assertion."""
    emit({"event": "error", "type": type(exc).__name__, "message": str(exc),
          "traceback": traceback.format_exc()})


def _read_commands() -> queue.Queue[Command | None]:
    """Commands read from stdin on a daemon thread; ``None`` marks the end of input."""
    commands: queue.Queue[Command | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            try:
                commands.put(json.loads(line))
            except ValueError as exc:
                emit_error(exc)
        commands.put(None)

    threading.Thread(target=read, daemon=True, name="commands").start()
    return commands


def serve(make_role: Callable[..., Role], args: list[str]) -> None:
    """Build the role, emit ``started``, then run its game loop until ``exit`` or the end of
    input (the parent died or closed the pipe).

    Every turn runs at most one waiting command, then ``role.turn()``. An exception from a
    command is reported and the loop goes on (the parent fails on it); one from building the
    role or from ``turn()`` is reported and ends the child. The role is closed however the
    child ends."""
    commands = _read_commands()
    try:
        role = make_role(*args)
    except Exception as exc:
        emit_error(exc)
        raise
    interval = float(getattr(role, "turn_interval", TURN))
    emit({"event": "started"})
    try:
        while True:
            try:
                cmd = commands.get_nowait()
            except queue.Empty:
                cmd = {}
            if cmd is None or cmd.get("cmd") == "exit":
                break
            if cmd:
                try:
                    role.handle(cmd)
                except Exception as exc:
                    emit_error(exc)
            role.turn()
            time.sleep(interval)
    except Exception as exc:  # turn() raised: the parent must hear of it
        emit_error(exc)
        raise
    finally:
        role.close()
