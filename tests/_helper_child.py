"""The child side of ``tests/_helper_process.py``: JSON commands in on stdin, JSON events out
on stdout. Shared by the helper scripts of tests/session, tests/directory, tests/resilience
and tests/security; ``serve`` is the whole game loop of a helper that drives one loop object
(a SessionLoop, a transport)."""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

Command = dict[str, Any]

#: Pause between two turns of a helper's game loop: often enough that a test never waits on
#: it, rarely enough that several helpers on a busy 2-core machine leave the CPU to the peers.
TURN = 0.005


class Polled(Protocol):
    """What ``serve`` drives: polled every turn, closed at the end."""

    def poll(self) -> object: ...

    def close(self) -> None: ...


L = TypeVar("L", bound=Polled)


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


def read_commands() -> queue.Queue[Command | None]:
    """Commands read from stdin on a daemon thread; ``None`` marks the end of input."""
    commands: queue.Queue[Command | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            commands.put(json.loads(line))
        commands.put(None)

    threading.Thread(target=read, daemon=True).start()
    return commands


def next_command(commands: queue.Queue[Command | None]) -> Command | None:
    """The next waiting command, ``{}`` if none is waiting, ``None`` on exit or end of input."""
    try:
        cmd = commands.get_nowait()
    except queue.Empty:
        return {}
    if cmd is None or cmd.get("cmd") == "exit":
        return None
    return cmd


def emit_error(exc: BaseException) -> None:
    """Report an exception to the test (which fails on it, see ``HelperProcess.errors``).
    Any exception counts: a TypeError or KeyError is as much a bug as a failed assertion."""
    emit({"event": "error", "type": type(exc).__name__, "message": str(exc),
          "traceback": traceback.format_exc()})


def serve(run: Callable[[L | None, Command], L | None],
          report: Callable[[L], None] = lambda _: None) -> None:
    """The helper's game loop, until ``exit`` or the end of input.

    Each command goes to ``run(loop, cmd)``, which returns the loop object to drive from then
    on (``None`` until a command built one). Every turn the loop is polled and ``report(loop)``
    emits what changed. An exception from a command is reported and the loop goes on (the test
    fails on it, see ``HelperProcess.errors``); one from ``poll`` or ``report`` is reported and
    ends the helper. The loop object is closed however the helper ends."""
    commands = read_commands()
    loop: L | None = None
    try:
        while True:
            cmd = next_command(commands)
            if cmd is None:
                break
            if cmd:
                try:
                    loop = run(loop, cmd)
                except Exception as exc:
                    emit_error(exc)
            if loop is not None:
                loop.poll()
                report(loop)
            time.sleep(TURN)
    except Exception as exc:  # poll() or a report raised: the test must hear of it
        emit_error(exc)
        raise
    finally:
        if loop is not None:
            loop.close()
