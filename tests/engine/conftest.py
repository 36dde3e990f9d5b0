"""Engine tests run arcade headless; the plugin gives the session fixtures and mock window."""

from __future__ import annotations

import os

os.environ.setdefault("ARCADE_HEADLESS", "1")

pytest_plugins = ["konnekt_arcade.testing"]


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def window():  # type: ignore[no-untyped-def]
    """One real arcade window for the whole run (headless: EGL, no display)."""
    import arcade

    win = arcade.Window(1024, 720, "konnekt-arcade tests")
    yield win
    win.close()
