"""Fixtures of the network tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from konnekt_arcade.net import SignallingServer


@pytest.fixture
def server() -> Iterator[SignallingServer]:
    """The real signalling server on a free loopback port, for one test."""
    with SignallingServer("127.0.0.1", 0) as srv:
        yield srv
