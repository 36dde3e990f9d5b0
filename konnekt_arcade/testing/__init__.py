"""``konnekt_arcade.testing``: helpers and a pytest plugin for games' own headless tests.

The helpers import without pytest (``pip install konnekt-arcade``); the pytest plugin comes with
``pip install "konnekt-arcade[testing]"`` (which brings pytest):

- ``SessionGroup`` — a host and guests that joined it, over any builder (``memory_builder()``:
  the in-memory transport, no threads or sockets); ``.guest`` is the first guest;
- ``wait_until(condition, timeout, *sessions_or_hooks)`` — poll sessions, or update
  ``SessionHook``s so their callbacks fire, until a condition holds;
- ``MockWindow`` — records ``show_view``, drives ``on_update``; with a real (hidden, headless)
  arcade context behind ``ctx`` so game views can build SpriteLists and textures;
- ``Players`` / ``Player`` — N players, each with its own window and ``LobbyView``, driven
  frame by frame (``players.run_until(...)``);
- ``click``, ``type_text``, ``press_key``, ``run_views_until`` — input for ``arcade.gui``.

Fixtures (the plugin, registered through the ``pytest11`` entry point when pytest runs in an
environment where the library is installed): ``signalling_server``, ``memory_sessions``,
``webrtc_sessions``, ``mock_window``, ``players`` (and ``konnekt_environment``, which they all
use: the environment defaults below). See docs/testing.md.

The plugin changes nothing in a test run that does not ask for it. Its environment defaults —
``KONNEKT_STRICT=1`` (the sync engine re-raises its internal errors instead of counting them),
``KONNEKT_ARCADE_LAN=off`` (a test suite must not announce lobbies on the real network) and, on
Linux without a display, ``ARCADE_HEADLESS=1`` — apply to a run that opts in (``konnekt_arcade =
true`` in the pytest ini options, ``-p konnekt_arcade.testing``, or ``pytest_plugins =
["konnekt_arcade.testing"]`` in the top conftest) and, from then on, to a run that uses one of
the plugin's fixtures. A variable that is set already is left alone.
"""

from __future__ import annotations

from typing import Any

from ._mock_window import MockWindow
from ._players import Player, Players
from ._sessions import SessionGroup, memory_builder, wait_until
from ._ui import click, press_key, run_views_until, type_text

#: The plugin's fixtures: importable from here (``from konnekt_arcade.testing import
#: mock_window`` in a conftest), loaded on first use because they need pytest.
_FIXTURES = ("konnekt_environment", "memory_sessions", "mock_window", "players",
             "signalling_server", "webrtc_sessions")


def __getattr__(name: str) -> Any:
    if name in _FIXTURES:
        from . import _plugin

        return getattr(_plugin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # Everything defined here plus the lazy fixtures (pluggy finds hooks through dir()).
    return sorted({*globals(), *__all__})


def pytest_addhooks(pluginmanager: Any) -> None:
    """Loaded as a plugin itself (``-p konnekt_arcade.testing``, ``pytest_plugins``): bring
    the fixtures even where entry points are not loaded (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``).

    Registered under the entry point's name, so the entry point, loaded after ``-p``, sees
    the plugin is there and does not register the same module twice (pluggy refuses that).
    """
    from . import _plugin

    if pluginmanager.is_registered(_plugin):
        return
    taken = pluginmanager.get_plugin(_plugin.ENTRY_POINT) is not None
    pluginmanager.register(_plugin, f"{__name__}._plugin" if taken else _plugin.ENTRY_POINT)


__all__ = [
    "MockWindow",
    "Player",
    "Players",
    "SessionGroup",
    "click",
    "konnekt_environment",
    "memory_builder",
    "memory_sessions",
    "mock_window",
    "players",
    "press_key",
    "run_views_until",
    "signalling_server",
    "type_text",
    "wait_until",
    "webrtc_sessions",
]
