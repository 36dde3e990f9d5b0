"""The screens of ``LobbyView``: start, connecting, password, lobby."""

from ._base import Screen
from ._connecting import ConnectingScreen
from ._lobby import LobbyScreen
from ._password import PasswordScreen
from ._start import StartScreen

__all__ = ["ConnectingScreen", "LobbyScreen", "PasswordScreen", "Screen", "StartScreen"]
