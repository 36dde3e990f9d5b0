"""``_proc.py`` (one SessionLoop per process, JSON lines on stdin/stdout) with a command
timeout long enough for a frozen host plus an election on a busy machine: the in-flight test
asserts that no command fails, so it must not fail on the clock. Host and guest commands take
an optional ``"command_timeout"`` (seconds, default 120)."""

from __future__ import annotations

from typing import Any

from konnekt_arcade import P2PLoopBuilder
from konnekt_arcade.sync import SyncConfig
from tests.resilience import _proc

_base = _proc.builder


def builder(cmd: dict[str, Any]) -> P2PLoopBuilder:
    knobs: dict[str, float] = {"command_timeout": float(cmd.get("command_timeout", 120.0))}
    if "grace" in cmd:
        knobs["grace_period"] = float(cmd["grace"])
    if "heartbeat_timeout" in cmd:
        knobs["heartbeat_timeout"] = float(cmd["heartbeat_timeout"])
    return _base(cmd).sync_config(SyncConfig(**knobs))  # type: ignore[arg-type]


_proc.builder = builder

if __name__ == "__main__":
    _proc.main()
