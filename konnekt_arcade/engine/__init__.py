"""arcade glue: ``SessionHook`` (session events as pyglet callbacks), the activity registry and
``LobbyView`` (a ready-made lobby screen built with ``arcade.gui``)."""

from __future__ import annotations

from ._commands import LobbyCommands
from ._hook import EVENT_TYPES, SessionHook
from ._registry import Activity, ActivityContext, ActivityRegistry

__all__ = [
    "EVENT_TYPES",
    "Activity",
    "ActivityContext",
    "ActivityRegistry",
    "LobbyCommands",
    "SessionHook",
]
