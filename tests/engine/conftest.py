"""Engine tests run arcade headless; the plugin gives the session fixtures and mock window."""

from __future__ import annotations

import os

os.environ.setdefault("ARCADE_HEADLESS", "1")

import pytest

# Until pyproject registers the plugin (pytest11 entry point), take its fixtures from here:
# pytest only allows ``pytest_plugins`` in the top-level conftest.
from konnekt_arcade.testing import (  # noqa: F401
    memory_sessions,
    mock_window,
    signalling_server,
    webrtc_sessions,
)


@pytest.fixture(scope="session")
def window():  # type: ignore[no-untyped-def]
    """One real arcade window for the whole run (headless: EGL, no display)."""
    import arcade

    win = arcade.Window(1024, 720, "konnekt-arcade tests")
    yield win
    win.close()
