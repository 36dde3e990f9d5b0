"""Shared pieces of the directory tests: a fake clock, lobby payloads, an owner socket."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from websockets.sync.client import ClientConnection, connect

from konnekt_arcade.net.directory import owner_socket_url


class Clock:
    """Injected time for expiry and rate limits (pure layer only)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def lobby(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "session_id": str(uuid.uuid4()), "signalling_url": "ws://127.0.0.1:1",
        "name": "My Lobby", "host_name": "Alice", "players": 1, "max_players": 4,
        "has_password": False, "game": "demo", "version": "1.0", "public": True}
    data.update(changes)
    return data


class Owner:
    """A host's ``/_directory`` websocket, driven by hand."""

    def __init__(self, url: str) -> None:
        self._stack = contextlib.ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(
            connect(owner_socket_url(url), open_timeout=10))

    def send(self, msg: dict[str, Any] | str | bytes) -> dict[str, Any]:
        self.ws.send(msg if isinstance(msg, str | bytes) else json.dumps(msg))
        reply = json.loads(self.ws.recv(timeout=10))
        assert isinstance(reply, dict)
        return reply

    def register(self, **changes: Any) -> dict[str, Any]:
        reply = self.send({"op": "register", "lobby": lobby(**changes)})
        assert reply["ok"], reply
        return reply

    def close(self) -> None:
        self._stack.close()


def every(seconds: float, check: Callable[[], bool]) -> Callable[[], bool]:
    """``check`` run at most once per ``seconds`` (False in between): a condition for
    ``wait_until`` that asks the directory without tripping its rate limit."""
    last = [float("-inf")]

    def condition() -> bool:
        if time.monotonic() - last[0] < seconds:
            return False
        last[0] = time.monotonic()
        return check()

    return condition
