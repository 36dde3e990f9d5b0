"""Shared helpers for the session tests: a signalling server, in-memory builders, waits."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from konnekt_arcade import P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import InMemoryNetwork, SignallingServer


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
    network = InMemoryNetwork()

    def factory(room: str, ice: object, queue_size: int):  # type: ignore[no-untyped-def]
        transport = network.create_transport(room=room, start=False)
        transport.queue_size = queue_size
        return transport

    builder = P2PLoopBuilder().transport_factory(factory)
    builder.network = network  # type: ignore[attr-defined]
    return builder
