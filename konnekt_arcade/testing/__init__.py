"""``konnekt_arcade.testing``: a pytest plugin for games' own headless tests.

Registered through the ``pytest11`` entry point (or ``pytest_plugins =
["konnekt_arcade.testing"]`` in a conftest). Fixtures:

- ``signalling_server`` — the embedded Matchbox signalling server on a free loopback port;
- ``memory_sessions`` — a ``SessionGroup``: a host and one joined guest over the in-memory
  transport (``memory_sessions.add_guest("Carol")`` for more);
- ``webrtc_sessions`` — the same over real WebRTC (aiortc on loopback) and ``signalling_server``;
- ``mock_window`` — a ``MockWindow``: no OpenGL, records ``show_view``, ``advance()`` /
  ``run_until()`` drive the shown view's and attached hooks' ``on_update``.

Helpers for arcade.gui on a real headless window: ``click``, ``type_text``, ``press_key``.
On Linux without a display the plugin sets ``ARCADE_HEADLESS=1`` before arcade is imported,
and it turns LAN discovery off (``KONNEKT_ARCADE_LAN=off``) unless the environment says on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ._mock_window import MockWindow
from ._sessions import SessionGroup, memory_builder, wait_until
from ._ui import click, press_key, run_views_until, type_text

__all__ = [
    "MockWindow",
    "SessionGroup",
    "click",
    "memory_builder",
    "memory_sessions",
    "mock_window",
    "press_key",
    "run_views_until",
    "signalling_server",
    "type_text",
    "wait_until",
    "webrtc_sessions",
]


def pytest_configure(config: pytest.Config) -> None:
    """On a Linux machine with no display (CI), run arcade headless unless told otherwise;
    turn on the sync engine's strict mode (an internal error re-raises instead of being
    counted) unless ``KONNEKT_STRICT`` is set already.

    LAN discovery stays off in test processes unless a test asks for it
    (``KONNEKT_ARCADE_LAN=on``): a test suite must not announce lobbies on the real network.
    """
    os.environ.setdefault("KONNEKT_ARCADE_LAN", "off")
    os.environ.setdefault("KONNEKT_STRICT", "1")
    if ("arcade" not in sys.modules and sys.platform.startswith("linux")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("ARCADE_HEADLESS", "1")


@pytest.fixture
def signalling_server() -> Iterator[Any]:
    """The embedded signalling server on a free port; ``.url`` is its ``ws://`` address."""
    from ..net import SignallingServer

    server = SignallingServer(port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def memory_sessions() -> Iterator[SessionGroup]:
    """A host ("Host") and a joined guest ("Guest 1") over the in-memory transport."""
    group = SessionGroup(memory_builder(), "memory://")
    try:
        group.add_guest()
        yield group
    finally:
        group.close()


@pytest.fixture
def webrtc_sessions(signalling_server: Any) -> Iterator[SessionGroup]:
    """A host and a joined guest over real WebRTC on loopback (no STUN needed)."""
    from ..session import P2PLoopBuilder

    group = SessionGroup(P2PLoopBuilder(), signalling_server.url, timeout=20.0)
    try:
        group.add_guest()
        yield group
    finally:
        group.close()


@pytest.fixture
def mock_window() -> Iterator[MockWindow]:
    """A ``MockWindow``, also made arcade's current window so ``arcade.View()`` binds to it."""
    import arcade.window_commands as window_commands

    window = MockWindow()
    previous = getattr(window_commands, "_window", None)
    window_commands._window = window  # type: ignore[assignment]
    try:
        yield window
    finally:
        window.close()
        window_commands._window = previous
