"""Demo view tests run arcade headless in one shared window."""

from __future__ import annotations

import os

os.environ.setdefault("ARCADE_HEADLESS", "1")

import pytest


@pytest.fixture(scope="module")
def window():  # type: ignore[no-untyped-def]
    import arcade

    win = arcade.Window(1280, 800, "demo tests")
    yield win
    win.close()
