"""``LobbyView``: a ready-made lobby screen (an ``arcade.View`` built with ``arcade.gui``).

    window.show_view(LobbyView(registry=activities))      # start screen: name, Host / Join
    window.show_view(LobbyView(session))                  # the lobby of a running session

The start screen lists the lobbies on the local network (LAN discovery, see docs/lan.md) with a
Join button each, and hosting with the built-in server advertises the new lobby there
(``advertise_lan=False`` / ``browse_lan=False`` turn either off). Join takes an invite
(``ws://host:port/<session id>``, what *Copy* copies) or a bare session id; a lobby with a
password asks for it, and a wrong one lets the player try again.

Connection work happens through the non-blocking ``start_session_*`` builders and the view's
``SessionHook``, polled from ``on_update``: no frame ever waits for the network. When a run
starts, the activity's View from the registry is shown (the hook keeps polling while it is),
and this view comes back after ``RunEnded``.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar
from uuid import UUID

import arcade
from arcade.gui import UIManager

from ..domain import MAX_NAME_LENGTH, DomainEvent
from ..session import (
    ConnectionStage,
    IceServer,
    P2PError,
    P2PLoopBuilder,
    WrongPassword,
)
from ._directory_ui import Browser
from ._embedded import embedded_signalling_url
from ._friendly import friendly_error, friendly_failure
from ._hook import SessionHook
from ._joining import JoinFlow
from ._lan_list import LanList
from ._registry import Activity, ActivityRegistry
from ._screens import ConnectingScreen, LobbyScreen, Screen, StartScreen
from ._screens._lobby import RESERVED_HEIGHT
from ._theme import DEFAULT_THEME, LobbyTheme

logger = logging.getLogger("konnekt_arcade.engine")

#: Name used when the player leaves the name field empty.
DEFAULT_PLAYER_NAME = "Player"


def lan_game_id(title: str) -> str:
    """A LAN game id from a title: "Konnekt Party!" -> "Konnekt-Party"."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-")[:64] or "konnekt-arcade"


class LobbyView(arcade.View):
    """The lobby screen; see the module docstring.

    Args:
        session: a running ``SessionLoop`` to show, or None for the start screen.
        registry: the game's activities (what the host can queue, which View a run shows).
        theme: colours and fonts.
        builder: the ``P2PLoopBuilder`` used by Host / Join (tests pass an in-memory one).
        ice_servers: STUN/TURN servers (default: the seed's public STUN list).
        signalling_url: used when the URL field is empty; empty means the built-in server.
        player_name: prefills the name field.
        title: the start screen's heading.
        advertise_lan: a hosted lobby is announced on the local network (default on; with the
            built-in server, that server then listens on every interface).
        browse_lan: the start screen lists the lobbies on the local network (default on).
        game: your game's id: the LAN list shows only lobbies of this game (default: from
            ``title``), and so does "Browse lobbies" (``P2PLoopBuilder.publish(game=...)``;
            None there lists every game on the directory).
    """

    #: Copy/paste fallback where the platform has no clipboard (headless, some Linux setups).
    clipboard: ClassVar[str] = ""

    def __init__(self, session: Any = None, *, registry: ActivityRegistry | None = None,
                 theme: LobbyTheme | None = None, builder: P2PLoopBuilder | None = None,
                 ice_servers: list[IceServer] | None = None, signalling_url: str = "",
                 player_name: str = "", title: str = "Multiplayer lobby",
                 advertise_lan: bool = True, browse_lan: bool = True,
                 game: str | None = None) -> None:
        super().__init__()
        self.theme = theme or DEFAULT_THEME
        self.background_color = self.theme.color("background")
        self.registry = registry if registry is not None else ActivityRegistry()
        self.builder = builder or P2PLoopBuilder()
        self.ice_servers = (IceServer.default_stun_servers() if ice_servers is None
                            else ice_servers)
        self.default_url = signalling_url
        self.title = title
        self.advertise_lan = advertise_lan
        self.game = game or lan_game_id(title)
        #: Lobbies on the local network, as the start screen shows them.
        self.lan_list = LanList(self.game, browse_lan)
        self.form: dict[str, str] = {"name": player_name, "session_id": "",
                                     "signalling_url": "", "chat": "", "password": "",
                                     "join_password": "", "join_code": ""}
        self.message = ""
        self.copied = False
        #: First participant row shown; the list scrolls when the lobby outgrows the window.
        self.participant_offset = 0
        #: Window height kept free of participant rows for the rest of the lobby screen;
        #: a game that draws its own panels under the lobby (see demo_game) raises it.
        self.reserved_height = RESERVED_HEIGHT
        self.role: str | None = None
        self.activity_view: arcade.View | None = None
        self._join_sent = False
        self._dirty = False
        #: Joining someone else's lobby (Join field, LAN list, password, directory).
        self.joining = JoinFlow(self, start=self._use_session, fail=self._fail_on_start,
                                game=game)
        self.ui = UIManager()
        self.hook = SessionHook()
        self.hook.push_handlers(self)
        self.screen: Screen
        if session is None:
            self.show_screen(StartScreen)
        else:
            self._use_session(session, session.role)

    # --- arcade.View --------------------------------------------------------------------------

    def on_show_view(self) -> None:
        self.ui.enable()
        self.rebuild()

    def on_hide_view(self) -> None:
        self.ui.disable()

    def on_draw(self) -> None:
        self.clear()
        self.ui.draw()

    def on_update(self, delta_time: float) -> None:
        self.hook.on_update(delta_time)
        if self.lan_list.update():
            self._dirty = True
        if self.joining.update():
            self._dirty = True
        session = self.hook.session
        if session is not None and session.stage is ConnectionStage.SYNCED:
            if session.local_participant_id() is None and not self._join_sent:
                self._join_sent = True  # a guest asks to join once the lobby has synced
                self._try(lambda: self.hook.join(self.player_name))
            elif (session.local_participant_id() is not None
                  and isinstance(self.screen, ConnectingScreen)):
                self.show_screen(LobbyScreen)
        if self._dirty:
            self.rebuild()

    def on_resize(self, width: int, height: int) -> None:
        self.rebuild()

    def on_mouse_scroll(self, x: int, y: int, scroll_x: float, scroll_y: float) -> None:
        if isinstance(self.screen, LobbyScreen) and scroll_y:
            self.scroll_participants(-1 if scroll_y > 0 else 1)

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        active = self.screen.active_field()
        if active is None:
            return
        if symbol == arcade.key.V and modifiers & (arcade.key.MOD_CTRL | arcade.key.MOD_COMMAND):
            field = self.screen.widgets[active]
            field.text = field.text + self._paste().strip()  # type: ignore[attr-defined]
        elif symbol in (arcade.key.ENTER, arcade.key.RETURN) and active == "chat":
            self.send_chat()

    # --- screens ------------------------------------------------------------------------------

    @property
    def player_name(self) -> str:
        return self.form["name"].strip()[:MAX_NAME_LENGTH] or DEFAULT_PLAYER_NAME

    def show_screen(self, screen_type: type[Screen]) -> None:
        self.screen = screen_type(self)
        self.ui.clear()
        self.ui.add(self.screen.root)
        self._dirty = False
        self.lan_list.running(screen_type is StartScreen)

    def rebuild(self) -> None:
        """Rebuild the current screen from the current state (keeps the field being typed in)."""
        active = self.screen.active_field()
        self.show_screen(type(self.screen))
        if active is not None and active in self.screen.widgets:
            self.screen.widgets[active].activate()  # type: ignore[attr-defined]

    # --- start screen actions -----------------------------------------------------------------

    @property
    def signalling_url(self) -> str:
        return (self.form["signalling_url"].strip() or self.default_url
                or embedded_signalling_url())

    def host_lobby(self) -> None:
        """Host with the name, password and server from the form (advertised on the LAN
        unless ``advertise_lan`` is off or the server is not a websocket one)."""
        name = self.player_name
        try:
            url = (self.form["signalling_url"].strip() or self.default_url
                   or embedded_signalling_url(lan=self.advertise_lan))
            builder = self.builder
            if self.form["password"]:
                builder = builder.password(self.form["password"])
            if self.advertise_lan and url.startswith(("ws://", "wss://")):
                builder = builder.advertise_lan(self.game)
            session, _ = builder.start_session_host(
                url, self.ice_servers, f"{name}'s lobby"[:MAX_NAME_LENGTH], name)
        except (ValueError, P2PError, OSError) as exc:
            self._fail_on_start(exc)
            return
        self._use_session(session, "host")

    # The join flow lives in ``self.joining`` (engine/_joining.py); these delegates are the
    # view's public face of it, and what a game overrides.

    def join_lobby(self) -> None:
        """Join what the Join field names: an invite, a session id, or a join code."""
        self.joining.join_lobby()

    def join_lan_lobby(self, lobby: Any) -> None:
        """Join a lobby from the LAN list (asks for its password first if it has one)."""
        self.joining.join_lan_lobby(lobby)

    def join_target(self, target: str, password: str | None = None) -> None:
        """Join an invite or a session id (on this view's signalling server)."""
        self.joining.join_target(target, password)

    def ask_password(self, target: str, message: str) -> None:
        """Show the password screen for ``target`` (an invite or a session id)."""
        self.joining.ask_password(target, message)

    def submit_password(self) -> None:
        self.joining.submit_password()

    def browse_lobbies(self) -> None:
        """Show the "Browse lobbies" screen (the directory's public lobbies)."""
        self.joining.browse_lobbies()

    def join_code(self, code: str) -> None:
        """Join the lobby with this join code (resolved by the signalling URL's directory)."""
        self.joining.join_code(code)

    def invite_text(self) -> str:
        """The invite friends join with (what *Copy* copies)."""
        return self.joining.invite_text()

    @property
    def browser(self) -> Browser:
        """The "Browse lobbies" list."""
        return self.joining.browser

    def _fail_on_start(self, exc: BaseException) -> None:
        logger.info("could not start: %s", exc)
        self.message = friendly_error(exc, self.form["signalling_url"])
        self.show_screen(StartScreen)

    def _use_session(self, session: Any, role: str) -> None:
        self.hook.session = session
        self.role, self.message, self.copied, self._join_sent = role, "", False, False
        ready = (session.stage is ConnectionStage.SYNCED
                 and session.local_participant_id() is not None)
        self.show_screen(LobbyScreen if ready else ConnectingScreen)

    def back_to_start(self, message: str = "") -> None:
        """Close the session (if any) and show the start screen."""
        self._end_session()
        self.message = message
        self.show_screen(StartScreen)

    def _end_session(self) -> None:
        self._close_activity()
        self.joining.cancel()
        session, self.hook.session = self.hook.session, None
        if session is not None:
            session.close()
        self.role = None

    # --- lobby screen actions -----------------------------------------------------------------

    def _try(self, action: Any) -> None:
        try:
            action()
        except P2PError as exc:
            self.message = friendly_error(exc)
            self._dirty = True

    def copy_session_id(self) -> None:
        """Copy the full invite (a session id alone does not say where the host is)."""
        session = self.hook.session
        if session is None:
            return
        text = self.invite_text()
        LobbyView.clipboard = text
        try:
            self.window.set_clipboard_text(text)
        except Exception:  # no system clipboard here (headless); the fallback has it
            logger.debug("no system clipboard; kept the session id in LobbyView.clipboard")
        self.copied = True
        self._dirty = True

    def _paste(self) -> str:
        try:
            text = self.window.get_clipboard_text()
        except Exception:
            text = ""
        return text or LobbyView.clipboard

    def toggle_ready(self) -> None:
        me = self.hook.local_participant
        self._try(lambda: self.hook.set_ready(not (me is not None and me.ready)))

    def toggle_spectating(self) -> None:
        self._try(self.hook.toggle_spectating)

    def send_chat(self) -> None:
        text = self.form.get("chat", "").strip()
        if not text:
            return
        self._try(lambda: self.hook.chat(text))
        self.form["chat"] = ""
        self._dirty = True

    def scroll_participants(self, rows: int) -> None:
        """Move the participant list by ``rows`` (the screen clamps it to what exists)."""
        self.participant_offset = max(0, self.participant_offset + rows)
        self._dirty = True

    def kick(self, participant_id: UUID) -> None:
        self._try(lambda: self.hook.kick(participant_id))

    def make_host(self, participant_id: UUID) -> None:
        self._try(lambda: self.hook.make_host(participant_id))

    def queue_activity(self, activity: Activity) -> None:
        self._try(lambda: self.hook.queue_activity(activity.activity_type,
                                                   activity.display_name, activity.config))

    def start_next(self) -> None:
        self._try(self.hook.start_next_run)

    def cancel_run(self) -> None:
        self._try(self.hook.cancel_run)

    def leave(self) -> None:
        if self.hook.session is not None and self.hook.local_participant is not None:
            self._try(self.hook.leave)
        self.back_to_start("You left the lobby.")

    # --- hook callbacks -----------------------------------------------------------------------

    def on_connection_stage(self, stage: ConnectionStage, error: P2PError | None) -> None:
        if stage is ConnectionStage.FAILED and isinstance(error, WrongPassword):
            target = self.joining.pending
            self._end_session()
            self.form["join_password"] = ""
            self.ask_password(target or "", friendly_error(error))
            return
        if stage is ConnectionStage.FAILED:
            self.message = friendly_error(error, self.signalling_url_shown)
        self._dirty = True

    def on_reconnecting(self, attempt: int, delay: float, reason: str) -> None:
        self.message = ("Connection lost — reconnecting" if attempt == 1
                        else f"Still reconnecting (attempt {attempt})") + "…"
        self._dirty = True

    def on_reconnected(self, attempts: int, seconds: float) -> None:
        self.message = "Reconnected."
        self._dirty = True

    def on_signalling_lost(self, reason: str) -> None:
        self.message = "Lost the signalling server: the game goes on, but nobody new can join."
        self._dirty = True

    def on_signalling_restored(self) -> None:
        self.message = "Signalling server back: friends can join again."
        self._dirty = True

    @property
    def signalling_url_shown(self) -> str:
        session = self.hook.session
        return session.signalling_url if session is not None else ""

    def on_lobby_event(self, event: Any) -> None:
        self._dirty = True

    def on_guest_left(self, participant_id: UUID, reason: Any) -> None:
        session = self.hook.session
        if session is not None and participant_id == session.local_participant_id():
            self.back_to_start("The host removed you from the lobby."
                               if reason == "kicked" else "You left the lobby.")

    def on_became_host(self) -> None:
        self.message = "You are the host now."
        self._dirty = True

    def on_command_failed(self, command_type: str, reason: str, request_id: Any) -> None:
        self.message = friendly_failure(command_type, reason)
        self._dirty = True

    def on_error(self, error: Exception) -> None:
        self.message = friendly_error(error, self.signalling_url_shown)
        self._dirty = True

    def on_run_started(self, run: Any) -> None:
        view = self.registry.build_view(run, self.hook, self)
        if view is None:
            self.message = f"{run.activity.name} started, but this game doesn't have it."
            return
        self.activity_view = view
        self.hook.attach(view)  # keep polling the session while the activity plays
        self.window.show_view(view)

    def on_run_ended(self, run_id: UUID, status: Any, reason: str) -> None:
        if self.activity_view is not None:
            self.window.show_view(self)
            self._close_activity()
        self._dirty = True

    def _close_activity(self) -> None:
        if self.activity_view is not None:
            self.hook.detach()
            self.activity_view = None

    def close(self) -> None:
        """Close the session and the LAN list (the game calls this when it quits)."""
        self.lan_list.close()
        if self.hook.session is not None:
            self.hook.session.close()


_ = DomainEvent
