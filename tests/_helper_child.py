"""The child side of ``tests/_helper_process.py``: JSON commands in on stdin, JSON events out
on stdout. Shared by the helper scripts of tests/session and tests/resilience."""

from __future__ import annotations

import json
import queue
import sys
import threading
import traceback
from typing import Any

Command = dict[str, Any]


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
