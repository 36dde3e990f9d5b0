"""Shared helpers for the session tests: a signalling server, in-memory builders, waits."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from konnekt_arcade import P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import memory_builder as testing_memory_builder


def wait_until(condition: Callable[[], object], timeout: float, *sessions: SessionLoop,
               what: str = "condition") -> None:
    """Poll ``sessions`` until ``condition()`` is true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        for session in sessions:
            session.poll()
        if condition():
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.005)


@pytest.fixture
def signalling(signalling_server: SignallingServer) -> SignallingServer:
    """The konnekt_arcade.testing plugin's embedded server, under this suite's short name."""
    return signalling_server


@pytest.fixture
def memory_builder() -> P2PLoopBuilder:
    """A builder whose sessions live on one InMemoryNetwork (no threads, no sockets)."""
    return testing_memory_builder()
