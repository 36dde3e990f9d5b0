"""Shared helpers for the session tests: a signalling server, in-memory builders, waits."""

from __future__ import annotations

import pytest

from konnekt_arcade import P2PLoopBuilder
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import memory_builder as testing_memory_builder
from konnekt_arcade.testing import wait_until

__all__ = ["wait_until"]  # the session tests import it from here


@pytest.fixture
def signalling(signalling_server: SignallingServer) -> SignallingServer:
    """The konnekt_arcade.testing plugin's embedded server, under this suite's short name."""
    return signalling_server


@pytest.fixture
def memory_builder() -> P2PLoopBuilder:
    """A builder whose sessions live on one InMemoryNetwork (no threads, no sockets)."""
    return testing_memory_builder()
