"""Fixtures of the directory tests: konnekt-signal with its directory on a free port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from konnekt_arcade.net import SignallingServer


@pytest.fixture
def server() -> Iterator[SignallingServer]:
    with SignallingServer("127.0.0.1", 0) as srv:
        yield srv
