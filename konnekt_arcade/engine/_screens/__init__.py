"""The screens of ``LobbyView``: start, connecting, password, lobby, browse."""

from ._base import Screen
from ._browse import BrowseScreen
from ._connecting import ConnectingScreen
from ._lobby import LobbyScreen
from ._password import PasswordScreen
from ._start import StartScreen

__all__ = ["BrowseScreen", "ConnectingScreen", "LobbyScreen", "PasswordScreen", "Screen",
           "StartScreen"]
