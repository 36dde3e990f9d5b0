"""arcade glue: ``SessionHook`` (session events as pyglet callbacks), the activity registry and
``LobbyView`` (a ready-made lobby screen built with ``arcade.gui``)."""

from __future__ import annotations

from . import _headless  # noqa: F401  (first: makes arcade.gui importable when headless)
from ._callbacks import EVENT_TYPES, SessionCallbacks
from ._command_helpers import LobbyCommands
from ._embedded import embedded_signalling_url
from ._follow import SpriteFollower, follow
from ._friendly import friendly_error
from ._hook import SessionHook
from ._lobby_view import LobbyView
from ._registry import Activity, ActivityContext, ActivityRegistry
from ._theme import LobbyTheme

__all__ = [
    "EVENT_TYPES",
    "Activity",
    "ActivityContext",
    "ActivityRegistry",
    "LobbyCommands",
    "LobbyTheme",
    "LobbyView",
    "SessionCallbacks",
    "SessionHook",
    "SpriteFollower",
    "embedded_signalling_url",
    "follow",
    "friendly_error",
]
