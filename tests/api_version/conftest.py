"""Mixed-version tests: the plugin's signalling server, and a headless window for the lists."""

from __future__ import annotations

import os

os.environ.setdefault("ARCADE_HEADLESS", "1")  # the start screen draws in a headless window

import pytest

# Named here too, so these tests need no plugin registration (as tests/engine's conftest).
from konnekt_arcade.testing import signalling_server  # noqa: F401


@pytest.fixture(scope="module")
def window():  # type: ignore[no-untyped-def]
    import arcade

    win = arcade.Window(1280, 800, "konnekt-arcade version tests")
    yield win
    win.close()
