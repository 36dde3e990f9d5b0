"""``JoinFlow``: how ``LobbyView``'s start screen gets a player into someone else's lobby.

Four ways in: the Join field (an invite, a bare session id or a join code), a Join button of
the LAN list, the password screen (a locked lobby, or a password the host refused), and
"Browse lobbies" / a join code, which the signalling server's directory resolves off the game
thread. The view owns one flow (``view.joining``) and keeps its public methods as one-line
delegates, so games and tests call ``view.join_lobby()`` etc. as before.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..net.directory import normalize_code
from ..net.directory._codes import looks_like_code
from ..session import (
    DirectoryUnavailable,
    IceServer,
    LobbyDirectory,
    LobbyNotFound,
    P2PError,
    P2PLoopBuilder,
    SessionId,
    SessionLoop,
)
from ..session._invite import make_invite, parse_invite
from ._directory_ui import Browser, off_thread
from ._friendly import friendly_error
from ._screens import BrowseScreen, ConnectingScreen, PasswordScreen, Screen
from ._screens._host import ScreenHost

if TYPE_CHECKING:
    from ..lan import LanLobby
    from ..net.directory import ListedLobby


class JoinHost(ScreenHost, Protocol):
    """What the join flow needs from its view beyond what a screen does: the builder and ICE
    servers a join starts with, the screen shown, and the steps a game may override."""

    builder: P2PLoopBuilder
    ice_servers: list[IceServer]
    advertise_lan: bool
    game: str
    screen: Screen

    def show_screen(self, screen_type: type[Screen]) -> None: ...

    def join_target(self, target: str, password: str | None = None) -> None: ...

    def ask_password(self, target: str, message: str) -> None: ...


class JoinFlow:
    """The join steps and the state they keep (the target a password is for, the browse
    list, a join code being resolved).

    ``start(session, role)`` shows a started session, ``fail(exc)`` the start screen with
    the reason and ``end()`` closes the session: the view hands over just these steps. The
    steps a game may override on the view (``join_code``, ``join_target``, ``ask_password``)
    are called through the view, so an override sees every join, whichever way it came in.
    """

    def __init__(self, view: JoinHost, *, start: Callable[[SessionLoop, str], None],
                 fail: Callable[[BaseException], None], end: Callable[[], None],
                 game: str | None) -> None:
        self.view = view
        self._start = start
        self._fail = fail
        self._end = end
        #: The game "Browse lobbies" lists (None: every game on the directory).
        self.game = game
        #: What the password screen joins (an invite or a session id).
        self.pending: str | None = None
        #: The "Browse lobbies" list.
        self.browser = Browser()
        #: The directory's answer for a join code being resolved (a future), or None.
        self._resolving: concurrent.futures.Future[ListedLobby] | None = None
        #: The session's join code as last shown (a change redraws the lobby screen).
        self._shown_code: str | None = None

    def join_lobby(self) -> None:
        """Join what the Join field names: an invite, a session id, or a join code."""
        view = self.view
        text = view.form["session_id"].strip()
        if looks_like_code(text):
            view.join_code(text)
            return
        view.join_target(text)

    def join_lan_lobby(self, lobby: LanLobby) -> None:
        """Join a lobby from the LAN list (asks for its password first if it has one)."""
        if lobby.has_password and not self.view.form["join_password"]:
            self.view.ask_password(lobby.invite, f"{lobby.name} needs a password.")
            return
        self.view.join_target(lobby.invite)

    def join_target(self, target: str, password: str | None = None) -> None:
        """Join an invite or a session id (on the view's signalling server)."""
        view = self.view
        self.pending = target
        password = password if password is not None else view.form["join_password"] or None
        try:
            invite = parse_invite(target)
            url, sid = invite if invite is not None else (view.signalling_url,
                                                          SessionId.parse(target))
            builder = view.builder.password(password) if password else view.builder
            if view.advertise_lan and url.startswith(("ws://", "wss://")):
                builder = builder.advertise_lan(view.game)  # shown on the LAN if it becomes host
            session = builder.start_session_guest(url, sid, view.ice_servers)
        except (ValueError, P2PError, OSError) as exc:
            self._fail(exc)
            return
        self._start(session, "guest")

    def ask_password(self, target: str, message: str) -> None:
        """Show the password screen for ``target`` (an invite or a session id)."""
        self.pending, self.view.message = target, message
        self.view.show_screen(PasswordScreen)

    def password_refused(self, error: P2PError) -> None:
        """The host refused our password: end that attempt, ask again with the reason."""
        target = self.pending
        self._end()
        self.view.form["join_password"] = ""
        self.view.ask_password(target or "", friendly_error(error))

    def submit_password(self) -> None:
        view = self.view
        if self.pending is None:
            view.back_to_start()
            return
        if not view.form["join_password"]:
            view.message = "Type the password the host gave you."
            view.show_screen(PasswordScreen)
            return
        view.join_target(self.pending, view.form["join_password"])

    # --- the directory: browse lobbies, join by code --------------------------------------

    def browse_lobbies(self) -> None:
        """Show the "Browse lobbies" screen (public lobbies of the signalling server's
        directory, refreshed every few seconds) and fetch the list now."""
        view = self.view
        view.message = ""
        self.browser.refresh(view.signalling_url, self.game, time.monotonic())
        view.show_screen(BrowseScreen)

    def join_code(self, code: str) -> None:
        """Join the lobby with this join code: the directory of the signalling URL resolves
        it (off the game thread; the connecting screen shows meanwhile), then the guest
        joins through the lobby's own signalling URL."""
        view = self.view
        normal = normalize_code(code)
        if normal is None:
            self._fail(LobbyNotFound(code.strip() or "(empty)"))
            return
        view.role, view.message = "guest", ""
        self._resolving = off_thread(LobbyDirectory(view.signalling_url).resolve, normal)
        view.show_screen(ConnectingScreen)

    def cancel(self) -> None:
        """Forget a join code being resolved (its answer is dropped when it comes)."""
        self._resolving = None

    def update(self) -> bool:
        """Collect directory answers (a resolved code, a fresh browse list), never waiting;
        True when the current screen should be rebuilt."""
        view = self.view
        dirty = False
        future = self._resolving
        if future is not None and future.done():
            self._resolving = None
            try:
                lobby = future.result()
                url, sid = lobby.signalling_url, lobby.session_id
                if url is None or sid is None:  # resolve() refuses such an answer already
                    raise DirectoryUnavailable(view.signalling_url, "no session id or URL")
            except (ValueError, P2PError, OSError) as exc:
                self._fail(exc)
            else:  # as an invite, so a password prompt can retry it
                view.join_target(make_invite(url, sid))
        if isinstance(view.screen, BrowseScreen) and self.browser.poll(
                view.signalling_url, self.game, time.monotonic()):
            dirty = True
        session = view.hook.session
        code = session.join_code() if session is not None else None
        if code != self._shown_code:
            self._shown_code = code
            dirty = True
        return dirty

    def invite_text(self) -> str:
        """The invite friends join with: ``ws://<this machine on the LAN>:<port>/<id>`` for
        the built-in server, the server's own URL otherwise (also for a server on this machine
        that the LAN cannot reach: see ``session.announce_problem()``)."""
        session = self.view.hook.session
        if session is None:
            return ""
        from ..lan._interfaces import invite_for, is_local_url, lan_address

        invite = session.invite  # follows the lobby's server when it moves with the host
        url, sid = session.signalling_url, str(session.session_id)
        if is_local_url(invite) and self.view.advertise_lan and not session.announce_problem():
            return invite_for(url, sid, lan_address())
        return invite


class JoinActions:
    """``LobbyView``'s joining actions: one-line delegates to ``self.joining`` (a ``JoinFlow``),
    kept as methods so that a game overrides them (the demo's ``join_lobby`` fills in its
    LAN server) and screens call them through ``ScreenHost``."""

    joining: JoinFlow

    def join_lobby(self) -> None:
        """Join what the Join field names: an invite, a session id, or a join code."""
        self.joining.join_lobby()

    def join_lan_lobby(self, lobby: LanLobby) -> None:
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
