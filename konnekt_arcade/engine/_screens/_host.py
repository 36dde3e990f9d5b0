"""``ScreenHost``: what a screen needs from the view that shows it.

The screens get their view as a ``ScreenHost``, not as a ``LobbyView``: the imports then point
one way (``_lobby_view`` imports the screens, never the reverse), and this protocol is the one
list of what a screen may read or call. ``LobbyView`` satisfies it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:
    import arcade

    from .._directory_ui import Browser
    from .._hook import SessionHook
    from .._lan_list import LanList
    from .._registry import Activity, ActivityRegistry
    from .._theme import LobbyTheme


class ScreenHost(Protocol):
    """The state a screen shows, and the actions its widgets call."""

    # --- what the screens show ------------------------------------------------------------
    theme: LobbyTheme
    #: Text typed into fields, by field key (fields write it as the player types).
    form: dict[str, str]
    #: One line for the player: an error, a hint, "You are the host now."
    message: str
    title: str
    #: "host" or "guest" while there is a session.
    role: str | None
    #: The invite was copied (the lobby screen says so).
    copied: bool
    #: First participant row shown, and the height the lobby screen keeps free of rows.
    participant_offset: int
    reserved_height: int
    hook: SessionHook
    registry: ActivityRegistry
    lan_list: LanList

    @property
    def window(self) -> arcade.Window: ...

    @property
    def browser(self) -> Browser: ...

    @property
    def signalling_url(self) -> str: ...

    def invite_text(self) -> str: ...

    # --- start, password and browse screens -----------------------------------------------
    def host_lobby(self) -> None: ...

    def join_lobby(self) -> None: ...

    def join_lan_lobby(self, lobby: Any) -> None: ...

    def join_code(self, code: str) -> None: ...

    def browse_lobbies(self) -> None: ...

    def submit_password(self) -> None: ...

    def back_to_start(self, message: str = "") -> None: ...

    # --- lobby screen ---------------------------------------------------------------------
    def copy_session_id(self) -> None: ...

    def leave(self) -> None: ...

    def toggle_ready(self) -> None: ...

    def toggle_spectating(self) -> None: ...

    def send_chat(self) -> None: ...

    def scroll_participants(self, rows: int) -> None: ...

    def kick(self, participant_id: UUID) -> None: ...

    def make_host(self, participant_id: UUID) -> None: ...

    def queue_activity(self, activity: Activity) -> None: ...

    def start_next(self) -> None: ...

    def cancel_run(self) -> None: ...
