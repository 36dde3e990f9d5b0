"""Fixtures of the directory tests: konnekt-signal with its directory on a free port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from konnekt_arcade.net import SignallingServer


@pytest.fixture(scope="module")
def window() -> Iterator[Any]:
    """One real arcade window per module (headless: no display needed)."""
    os.environ.setdefault("ARCADE_HEADLESS", "1")
    import arcade

    win = arcade.Window(1280, 800, "konnekt-arcade directory tests")
    yield win
    win.close()


@pytest.fixture
def server() -> Iterator[SignallingServer]:
    with SignallingServer("127.0.0.1", 0) as srv:
        yield srv
