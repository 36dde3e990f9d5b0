"""Engine tests run arcade headless; the plugin gives the session fixtures and mock window."""

from __future__ import annotations

import os

os.environ.setdefault("ARCADE_HEADLESS", "1")

pytest_plugins = ["konnekt_arcade.testing"]
