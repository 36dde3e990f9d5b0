"""The pytest plugin of ``konnekt_arcade.testing``: fixtures, and environment defaults on request.

Loaded in every pytest run of an environment with the library installed (the ``pytest11`` entry
point), so it must change nothing a run did not ask for: fixtures cost nothing until a test
requests one, and the environment defaults (``ENV_DEFAULTS``) apply only to a run that opts in —
``konnekt_arcade = true`` in the ini options, ``-p konnekt_arcade.testing``, ``pytest_plugins =
["konnekt_arcade.testing"]`` — or, from its first use on, to a run that uses one of the fixtures.
What the plugin set is put back when the run ends.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ._mock_window import MockWindow
from ._players import Players
from ._sessions import SessionGroup, memory_builder

#: The entry point's name (``[project.entry-points.pytest11]``): ``-p no:konnekt_arcade``
#: turns the plugin off.
ENTRY_POINT = "konnekt_arcade"
#: Set where not set already. ``KONNEKT_STRICT``: the sync engine re-raises an internal error
#: instead of counting it, so a bug cannot hide behind a counter. ``KONNEKT_ARCADE_LAN``: a test
#: suite must not announce lobbies on the real network.
ENV_DEFAULTS = {"KONNEKT_STRICT": "1", "KONNEKT_ARCADE_LAN": "off"}
#: The ini option that opts a run in.
INI_OPTION = "konnekt_arcade"

_SET_HERE = pytest.StashKey[list[str]]()


def apply_environment_defaults() -> list[str]:
    """Set ``ENV_DEFAULTS`` where unset and, on Linux without a display and before arcade is
    imported, ``ARCADE_HEADLESS=1`` (arcade reads it at import); return the names it set."""
    wanted = dict(ENV_DEFAULTS)
    if ("arcade" not in sys.modules and sys.platform.startswith("linux")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        wanted["ARCADE_HEADLESS"] = "1"
    missing = [name for name in wanted if name not in os.environ]
    for name in missing:
        os.environ[name] = wanted[name]
    return missing


def restore_environment(names: list[str]) -> None:
    """Unset what ``apply_environment_defaults`` set (a nested in-process run puts back only
    its own)."""
    for name in names:
        os.environ.pop(name, None)


def opted_in(config: pytest.Config) -> bool:
    """True when the run asked for the plugin's environment (see the module docstring)."""
    if config.getini(INI_OPTION):
        return True
    return config.pluginmanager.has_plugin("konnekt_arcade.testing")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_OPTION, type="bool", default=False,
                  help="konnekt_arcade: apply its test defaults (KONNEKT_STRICT=1, "
                       "KONNEKT_ARCADE_LAN=off, ARCADE_HEADLESS=1 without a display)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SET_HERE] = apply_environment_defaults() if opted_in(config) else []


def pytest_unconfigure(config: pytest.Config) -> None:
    restore_environment(config.stash.get(_SET_HERE, []))


@pytest.fixture(scope="session")
def konnekt_environment() -> Iterator[None]:
    """The environment defaults, for a run that uses the fixtures without opting in (every
    other fixture here requests it). ``ARCADE_HEADLESS`` only helps if arcade is not imported
    yet: opt in to be sure."""
    names = apply_environment_defaults()
    try:
        yield
    finally:
        restore_environment(names)


@pytest.fixture
def signalling_server(konnekt_environment: None) -> Iterator[Any]:
    """The embedded signalling server on a free port; ``.url`` is its ``ws://`` address."""
    from ..net import SignallingServer

    server = SignallingServer(port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def memory_sessions(konnekt_environment: None) -> Iterator[SessionGroup]:
    """A host ("Host") and a joined guest ("Guest 1") over the in-memory transport."""
    yield from _host_and_guest(SessionGroup(memory_builder(), "memory://"))


@pytest.fixture
def webrtc_sessions(signalling_server: Any) -> Iterator[SessionGroup]:
    """A host and a joined guest over real WebRTC on loopback (no STUN needed)."""
    from ..session import P2PLoopBuilder

    yield from _host_and_guest(SessionGroup(P2PLoopBuilder(), signalling_server.url,
                                            timeout=20.0))


def _host_and_guest(group: SessionGroup) -> Iterator[SessionGroup]:
    """The two session fixtures' body: one guest joined, everything closed afterwards."""
    try:
        group.add_guest()
        yield group
    finally:
        group.close()


@pytest.fixture
def mock_window(konnekt_environment: None) -> Iterator[MockWindow]:
    """A ``MockWindow``, made arcade's current window so ``arcade.View()`` binds to it."""
    window = MockWindow()
    with window.current():
        try:
            yield window
        finally:
            window.close()


@pytest.fixture
def players(konnekt_environment: None) -> Iterator[Players]:
    """``Players`` over the in-memory transport: ``players.host("Alice")``,
    ``players.join("Bob")``, each with its own window and ``LobbyView``."""
    group = Players()
    try:
        yield group
    finally:
        group.close()
