"""``LobbyView``: a ready-made lobby screen (an ``arcade.gui.UIView``).

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

``UIView`` gives the UI manager (``view.ui``) and the clear + draw (a game draws around it in
``on_draw_before_ui`` / ``on_draw_after_ui``). Session events change widgets in place; a screen
is rebuilt only when its widgets change (``Screen.update``) or the window is resized.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar
from uuid import UUID

import arcade
from arcade.gui import UIInputText, UIView

from ..domain import MAX_NAME_LENGTH, ActivityRun, LeaveReason, LobbyDomainEvent, RunStatus
from ..session import (
    ConnectionStage,
    IceServer,
    P2PError,
    P2PLoopBuilder,
    SessionLoop,
    WrongPassword,
)
from ._clipboard import copy_text, paste_text
from ._continuity import after_stage
from ._embedded import embedded_signalling_url
from ._friendly import friendly_error, friendly_failure, friendly_reconnecting
from ._hook import SessionHook
from ._hosting import start_hosting
from ._joining import JoinActions, JoinFlow
from ._lan_list import LanList, lan_game_id
from ._registry import Activity, ActivityRegistry
from ._screens import ConnectingScreen, LobbyScreen, Screen, StartScreen
from ._screens._lobby import RESERVED_HEIGHT
from ._theme import DEFAULT_THEME, LobbyTheme

logger = logging.getLogger("konnekt_arcade.engine")

#: Name used when the player leaves the name field empty.
DEFAULT_PLAYER_NAME = "Player"


class LobbyView(JoinActions, UIView):
    """The lobby screen; see the module docstring.

    Args:
        session: a running ``SessionLoop`` to show, or None for the start screen.
        registry: the game's activities (what the host can queue, which View a run shows).
        theme: colours and fonts.
        builder: the ``P2PLoopBuilder`` used by Host / Join (tests pass an in-memory one).
        ice_servers: STUN/TURN servers (default: konnekt-session-p2p's public STUN list).
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

    def __init__(self, session: SessionLoop | None = None, *,
                 registry: ActivityRegistry | None = None, theme: LobbyTheme | None = None,
                 builder: P2PLoopBuilder | None = None,
                 ice_servers: list[IceServer] | None = None, signalling_url: str = "",
                 player_name: str = "", title: str = "Multiplayer lobby",
                 advertise_lan: bool = True, browse_lan: bool = True,
                 game: str | None = None) -> None:
        # unannotated in arcade; untyped_calls_exclude misses super() calls (mypy issue 16653)
        super().__init__()  # type: ignore[no-untyped-call]
        self.theme = theme or DEFAULT_THEME
        self.background_color = self.theme.color("background")
        self.registry = registry if registry is not None else ActivityRegistry()
        self.builder = builder or P2PLoopBuilder()
        if not self.builder.embeds_signalling:  # signalling moves with the host (issue 23)
            self.builder = self.builder.embedded_signalling(lan=advertise_lan)
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
        self._activity_run: UUID | None = None
        #: The reason of the reconnection under way ("" when live): the honest words if it fails.
        self._lost_because = ""
        self._told_problem = False
        self._join_sent = False
        self._dirty = False
        #: Joining someone else's lobby (Join field, LAN list, password, directory).
        self.joining = JoinFlow(self, start=self._use_session, fail=self._fail_on_start,
                                end=self._end_session, game=game)
        self.hook = SessionHook()
        self.hook.push_handlers(self)
        if session is None:
            self.show_screen(StartScreen)
        else:
            self._use_session(session, session.role)

    # --- arcade.View --------------------------------------------------------------------------

    def on_show_view(self) -> None:
        super().on_show_view()  # type: ignore[no-untyped-call]  # unannotated in arcade
        self.rebuild()  # the window may have changed size while another view showed

    def on_update(self, delta_time: float) -> None:
        self.hook.on_update(delta_time)
        lan_changed, join_changed = self.lan_list.update(), self.joining.update()
        self._dirty = self._dirty or lan_changed or join_changed
        session = self.hook.session
        if session is not None and session.stage is ConnectionStage.SYNCED:
            if session.local_participant_id() is None and not self._join_sent:
                self._join_sent = True  # a guest asks to join once the lobby has synced
                self._try(lambda: self.hook.join(self.player_name))
            elif (session.local_participant_id() is not None
                  and isinstance(self.screen, ConnectingScreen)):
                self.show_screen(LobbyScreen)
        if session is not None and not self._told_problem and (
                problem := session.announce_problem()):
            self._told_problem = True  # e.g. a LAN announce that could not work: say why
            self._say(problem)
        if self._dirty:
            self._dirty = False
            if not self.screen.update():
                self.rebuild()

    def on_resize(self, width: int, height: int) -> None:
        self.rebuild()

    def on_mouse_scroll(self, x: int, y: int, scroll_x: float, scroll_y: float) -> None:
        if isinstance(self.screen, LobbyScreen) and scroll_y:
            self.scroll_participants(-1 if scroll_y > 0 else 1)

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        active = self.screen.active_field()
        ctrl = modifiers & (arcade.key.MOD_CTRL | arcade.key.MOD_COMMAND)
        field = self.screen.widgets.get(active) if active is not None else None
        if isinstance(field, UIInputText) and symbol == arcade.key.V and ctrl:
            field.text += paste_text(self.window, LobbyView.clipboard).strip()

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
        """Build the current screen again from the current state (keeps the field being typed
        in). For what changes the widgets themselves; new text alone is set in place."""
        active = self.screen.active_field()
        self.show_screen(type(self.screen))
        field = self.screen.widgets.get(active) if active is not None else None
        if isinstance(field, UIInputText):
            field.activate()

    # --- start screen actions -----------------------------------------------------------------

    @property
    def signalling_url(self) -> str:
        return (self.form["signalling_url"].strip() or self.default_url
                or embedded_signalling_url())

    def host_lobby(self) -> None:
        """Host with the name, password and server from the form (advertised on the LAN
        unless ``advertise_lan`` is off or the server is not a websocket one)."""
        try:
            # No URL: a built-in server of this session's own, which moves with the host.
            url = self.form["signalling_url"].strip() or self.default_url or None
            session = start_hosting(self.builder, url, self.ice_servers, self.player_name,
                                    self.form["password"],
                                    self.game if self.advertise_lan else None)
        except (ValueError, P2PError, OSError) as exc:
            self._fail_on_start(exc)
            return
        self._use_session(session, "host")

    def _fail_on_start(self, exc: BaseException) -> None:
        logger.info("could not start: %s", exc)
        self.message = friendly_error(exc, self.form["signalling_url"])
        self.show_screen(StartScreen)

    def _use_session(self, session: SessionLoop, role: str) -> None:
        self.hook.session = session
        self.role, self.message, self.copied, self._join_sent = role, "", False, False
        self._lost_because, self._told_problem = "", False
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
        session, self.hook.session, self.role = self.hook.session, None, None
        if session is not None:
            session.close()

    # --- lobby screen actions -----------------------------------------------------------------

    def _say(self, message: str) -> None:
        """Show ``message`` to the player (at the next frame's update)."""
        self.message, self._dirty = message, True

    def _try(self, action: Callable[[], object]) -> None:
        session = self.hook.session
        if session is not None and session.stage is ConnectionStage.RECONNECTING:
            self._say(friendly_reconnecting(1))  # the buttons are disabled; Enter is not
            return
        try:
            action()
        except P2PError as exc:
            self._say(friendly_error(exc))

    def copy_session_id(self) -> None:
        """Copy the full invite (a session id alone does not say where the host is)."""
        if self.hook.session is not None:
            LobbyView.clipboard = copy_text(self.window, self.invite_text())
            self.copied, self._dirty = True, True

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
        self.form["chat"], self._dirty = "", True

    def scroll_participants(self, rows: int) -> None:
        """Move the participant list by ``rows`` (the screen clamps it to what exists)."""
        self.participant_offset = max(0, self.participant_offset + rows)
        self._dirty = True

    def kick(self, participant_id: UUID) -> None:
        self._try(lambda: self.hook.kick(participant_id))

    def make_host(self, participant_id: UUID) -> None:
        self._try(lambda: self.hook.make_host(participant_id))

    def queue_activity(self, activity: Activity) -> None:
        self._try(lambda: self.registry.queue(self.hook, activity.activity_type))

    def start_next(self) -> None:
        self._try(lambda: self.registry.start_next(self.hook))  # the entry's time limit

    def cancel_run(self) -> None:
        self._try(self.hook.cancel_run)

    def leave(self) -> None:
        if self.hook.session is not None and self.hook.local_participant is not None:
            self._try(self.hook.leave)
        self.back_to_start("You left the lobby.")

    # --- hook callbacks -----------------------------------------------------------------------

    def on_connection_stage(self, stage: ConnectionStage, error: P2PError | None) -> None:
        if stage is ConnectionStage.FAILED and isinstance(error, WrongPassword):
            self.joining.password_refused(error)
            return
        verdict = after_stage(  # engine/_continuity.py: lost or ended, the player sees it
            stage, error, lost_because=self._lost_because,
            was_live=isinstance(self.screen, LobbyScreen) or self.activity_view is not None,
            signalling_url=self.signalling_url_shown)
        if verdict.to_front and self.window.current_view is not self:
            self.window.show_view(self)  # in front of the game's view (kept, to go back to)
        if verdict.to_start:
            self.back_to_start(verdict.message or "")
            return
        if verdict.message is not None:
            self.message = verdict.message
        self._dirty = True

    def on_reconnecting(self, attempt: int, delay: float, reason: str) -> None:
        self._lost_because = reason
        self._say(friendly_reconnecting(attempt))

    def on_reconnected(self, attempts: int, seconds: float) -> None:
        self._lost_because = ""
        self._say("Reconnected.")
        lobby, view = self.hook.lobby, self.activity_view
        run = lobby.current_run if lobby is not None else None
        if view is not None and run is not None and run.id == self._activity_run:
            self.window.show_view(view)  # the round goes on: back to the game

    def on_signalling_lost(self, reason: str) -> None:
        self._say("Lost the signalling server: the game goes on, but nobody new can join.")

    def on_signalling_restored(self) -> None:
        self._say("Signalling server back: friends can join again.")

    @property
    def signalling_url_shown(self) -> str:
        return session.signalling_url if (session := self.hook.session) is not None else ""

    def on_lobby_event(self, event: LobbyDomainEvent) -> None:
        self._dirty = True

    def on_guest_left(self, participant_id: UUID, reason: LeaveReason) -> None:
        session = self.hook.session
        if session is not None and participant_id == session.local_participant_id():
            self.back_to_start("The host removed you from the lobby."
                               if reason is LeaveReason.KICKED else "You left the lobby.")

    def on_became_host(self) -> None:
        self._say("You are the host now.")

    def on_command_failed(self, command_type: str, reason: str, request_id: int | None) -> None:
        self._say(friendly_failure(command_type, reason))

    def on_error(self, error: Exception) -> None:
        session = self.hook.session
        if session is not None and session.stage is not ConnectionStage.FAILED:
            self._say(friendly_error(error, self.signalling_url_shown))  # a failure: told above

    def on_run_started(self, run: ActivityRun) -> None:
        view = self.registry.build_view(run, self.hook, self)
        if view is None:
            self._say(f"{run.activity.name} started, but this game doesn't have it.")
            return
        self.activity_view, self._activity_run = view, run.id
        self.hook.attach(view)  # keep polling the session while the activity plays
        self.window.show_view(view)

    def on_run_ended(self, run_id: UUID, status: RunStatus, reason: str) -> None:
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

