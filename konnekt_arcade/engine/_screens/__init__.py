"""The three screens of ``LobbyView``: start, connecting, lobby."""

from ._base import Screen
from ._connecting import ConnectingScreen
from ._lobby import LobbyScreen
from ._start import StartScreen

__all__ = ["ConnectingScreen", "LobbyScreen", "Screen", "StartScreen"]
