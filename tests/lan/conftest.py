"""LAN tests need namespaces (root); in CI as root a missing tool fails instead of skipping."""

from __future__ import annotations

import os

import pytest


def require(reason: str | None) -> None:
    """Skip for ``reason`` — unless this is CI running as root, where the tool must be there."""
    if reason is None:
        return
    if os.environ.get("CI") and os.geteuid() == 0:
        pytest.fail(f"CI must be able to run this test: {reason}")
    pytest.skip(reason)


os.environ.setdefault("ARCADE_HEADLESS", "1")  # the LobbyView tests draw in a headless window


@pytest.fixture(scope="module")
def window():  # type: ignore[no-untyped-def]
    import arcade

    win = arcade.Window(1280, 800, "konnekt-arcade LAN tests")
    yield win
    win.close()
