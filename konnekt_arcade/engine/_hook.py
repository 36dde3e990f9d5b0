"""``SessionHook``: poll a session from the game's update tick, get pyglet event callbacks.

    hook = SessionHook(session)
    hook.attach(window)               # or call hook.on_update(dt) from your own on_update

    @hook.event
    def on_guest_joined(participant):
        print(participant.name, "joined")

Every ``on_update`` polls the session once (``SessionLoop.poll`` handles at most ``batch_size``
network events, so a frame never stalls), then drains the session's queues and dispatches, in
order: connection-stage and replication notices, lobby (domain) events, game data. Callbacks run
on the thread that calls ``on_update`` — arcade's main thread — so they may touch OpenGL. A
handler that sets ``hook.session`` (``LobbyView`` clears it when a session ends) stops that
update: the old session's remaining events are not dispatched.

Errors: an exception out of ``poll()`` (there should be none; the session layer turns network
trouble into a FAILED stage) and a failed connection are dispatched as ``on_error(exception)``;
with no ``on_error`` handler they are logged. Exceptions raised *by your handlers* propagate —
they are bugs in the game, not network input.
"""

from __future__ import annotations

import logging
import types
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pyglet.event import EventDispatcher

from ..domain import ChatMessage, DomainEvent, Lobby, Participant
from ..sync import HostChanged, HostLost, LobbySynced, Welcomed
from ._command_helpers import LobbyCommands

if TYPE_CHECKING:
    from ..session import SessionLoop

logger = logging.getLogger("konnekt_arcade.engine")

#: Every callback a ``SessionHook`` dispatches, with its arguments.
EVENT_TYPES: dict[str, str] = {
    "on_connection_stage": "(stage: ConnectionStage, error: P2PError | None)",
    "on_lobby_synced": "(lobby: Lobby)  — a snapshot arrived (first=True on the initial one)",
    "on_welcomed": "(participant_id: UUID, rejoined: bool)  — the host accepted our join",
    "on_guest_joined": "(participant: Participant)",
    "on_guest_left": "(participant_id: UUID, reason: LeaveReason)",
    "on_participant_disconnected": "(participant_id: UUID)",
    "on_participant_reconnected": "(participant_id: UUID)",
    "on_host_delegated": "(from_id: UUID, to_id: UUID, reason: DelegationReason)",
    "on_became_host": "()  — this peer is now the host (delegated or migrated)",
    "on_host_lost": "()  — the host stopped answering; an election is under way",
    "on_reconnecting": "(attempt: int, delay: float, reason: str)  — we lost the lobby; "
                       "rejoining by ourselves",
    "on_reconnected": "(attempts: int, seconds: float)  — the lobby is back",
    "on_signalling_lost": "(reason: str)  — peers stay connected; new players can't join yet",
    "on_signalling_restored": "()  — new players can join again",
    "on_transport_notice": "(kind: str, message: str)  — anything else the transport reported",
    "on_activity_queued": "(activity: ActivityConfig)",
    "on_run_started": "(run: ActivityRun)",
    "on_result_submitted": "(result: ActivityResult)",
    "on_run_ended": "(run_id: UUID, status: RunStatus, reason: str)",
    "on_chat": "(message: ChatMessage)",
    "on_command_failed": "(command_type: str, reason: str, request_id: int | None)",
    "on_game_data": "(data: GameData)  — .participant_id, .peer_id, .data (bytes), "
                    ".reliable",
    "on_lobby_event": "(event)  — every domain event, after its specific callback",
    "on_error": "(error: Exception)",
}

_SIMPLE: dict[type, tuple[str, tuple[str, ...]]] = {
    DomainEvent.GuestJoined: ("on_guest_joined", ("participant",)),
    DomainEvent.GuestLeft: ("on_guest_left", ("participant_id", "reason")),
    DomainEvent.ParticipantDisconnected: ("on_participant_disconnected", ("participant_id",)),
    DomainEvent.ParticipantReconnected: ("on_participant_reconnected", ("participant_id",)),
    DomainEvent.HostDelegated: ("on_host_delegated", ("from_id", "to_id", "reason")),
    DomainEvent.ActivityQueued: ("on_activity_queued", ("activity",)),
    DomainEvent.RunStarted: ("on_run_started", ("run",)),
    DomainEvent.ResultSubmitted: ("on_result_submitted", ("result",)),
    DomainEvent.RunEnded: ("on_run_ended", ("run_id", "status", "reason")),
    DomainEvent.CommandFailed: ("on_command_failed", ("command_type", "reason", "request_id")),
}


class SessionHook(LobbyCommands, EventDispatcher):
    """Turns a ``SessionLoop`` into pyglet events; see the module docstring.

    Args:
        session: a ``SessionLoop`` (from a ``P2PLoopBuilder`` ``start_session_*`` or
            ``build_session_*``), or None to set ``hook.session`` later.

    Both pyglet styles work: ``@hook.event`` functions and ``hook.push_handlers(obj)`` with an
    object that has ``on_...`` methods. ``EVENT_TYPES`` lists every callback.
    """

    def __init__(self, session: SessionLoop | None = None) -> None:
        super().__init__()
        self._session: SessionLoop | None = None
        self._last_stage: Any = None
        self._targets: list[tuple[Any, Any]] = []
        self.session = session

    # --- the session --------------------------------------------------------------------------

    @property
    def session(self) -> SessionLoop | None:
        """The ``SessionLoop`` being polled (None until the game sets one)."""
        return self._session

    @session.setter
    def session(self, session: SessionLoop | None) -> None:
        self._session = session
        self._last_stage = None

    @property
    def lobby(self) -> Lobby | None:
        return self._session.get_lobby() if self._session is not None else None

    @property
    def local_participant(self) -> Participant | None:
        session = self._session
        lobby = session.get_lobby() if session is not None else None
        if session is None or lobby is None:
            return None
        return lobby.participant(session.local_participant_id())

    def is_host(self) -> bool:
        return self._session is not None and self._session.is_host()

    # --- driving ------------------------------------------------------------------------------

    def attach(self, target: Any) -> SessionHook:
        """Poll on every update of ``target``: an ``arcade.Window`` (or anything with
        ``push_handlers`` and an ``on_update`` event, like the testing ``MockWindow``) or an
        ``arcade.View`` (attach it *before* ``window.show_view(view)``; the hook then runs while
        that view is shown, before the view's own ``on_update``). Returns the hook."""
        if hasattr(target, "push_handlers"):
            target.push_handlers(on_update=self.on_update)
            self._targets.append((target, None))
        else:
            original = target.on_update
            hook = self

            def on_update(view: Any, delta_time: float) -> Any:
                hook.on_update(delta_time)
                return original(delta_time)

            # A bound method, as pyglet's push/remove_handlers(view) expect one.
            target.on_update = types.MethodType(on_update, target)
            self._targets.append((target, original))
        return self

    def detach(self) -> None:
        """Undo every ``attach`` (detach from a view after it is hidden, so the window removes
        the same handlers it pushed)."""
        for target, original in reversed(self._targets):
            if original is None:
                target.remove_handlers(on_update=self.on_update)
            else:
                target.on_update = original
        self._targets.clear()

    def on_update(self, delta_time: float = 0.0) -> None:
        """Poll the session once and dispatch what came out. Never blocks, never raises
        because of the network (see ``on_error``)."""
        session = self._session
        if session is None:
            return
        if self._last_stage is None and session.stage == "signalling":
            # A fresh non-blocking start: report where it begins before it moves on.
            self._last_stage = session.stage
            self.dispatch_event("on_connection_stage", session.stage, session.error)
        try:
            session.poll()
        except Exception as exc:  # the session should never raise; a game must not crash
            logger.exception("session.poll() raised")
            self._error(exc)
        if session is not self._session:  # a handler replaced the session
            return
        for notice in session.drain_notices():
            self._notice(session, notice)
            if session is not self._session:  # a handler left it (say, for the start screen)
                return
        if session.stage != self._last_stage:  # the first update, or close() (no notice)
            self._last_stage = session.stage
            self.dispatch_event("on_connection_stage", session.stage, session.error)
        for event in session.domain().drain_events():
            self._domain_event(session, event)
            if session is not self._session:
                return
        for data in session.drain_game_data():
            self.dispatch_event("on_game_data", data)

    # --- translation --------------------------------------------------------------------------

    def _error(self, exc: BaseException) -> None:
        if self.dispatch_event("on_error", exc) is False:  # False: nobody listens
            logger.error("unhandled session error: %s", exc)

    def _notice(self, session: SessionLoop, notice: Any) -> None:
        from ..session import (
            ConnectionStage,
            Reconnected,
            Reconnecting,
            StageChanged,
            TransportNotice,
        )

        if isinstance(notice, StageChanged):
            self._last_stage = notice.stage
            self.dispatch_event("on_connection_stage", notice.stage, notice.error)
            if notice.stage is ConnectionStage.FAILED and notice.error is not None:
                self._error(notice.error)
        elif isinstance(notice, LobbySynced):
            lobby = session.get_lobby()
            if lobby is not None:
                self.dispatch_event("on_lobby_synced", lobby)
        elif isinstance(notice, Welcomed):
            self.dispatch_event("on_welcomed", notice.participant_id, notice.rejoined)
        elif isinstance(notice, HostChanged):
            if notice.is_local:
                self.dispatch_event("on_became_host")
        elif isinstance(notice, HostLost):
            self.dispatch_event("on_host_lost")
        elif isinstance(notice, Reconnecting):
            self.dispatch_event("on_reconnecting", notice.attempt, notice.delay, notice.reason)
        elif isinstance(notice, Reconnected):
            self.dispatch_event("on_reconnected", notice.attempts, notice.seconds)
        elif isinstance(notice, TransportNotice):
            if notice.kind == "SignallingLost":
                self.dispatch_event("on_signalling_lost", notice.message)
            elif notice.kind == "SignallingRestored":
                self.dispatch_event("on_signalling_restored")
            else:
                self.dispatch_event("on_transport_notice", notice.kind, notice.message)

    def _domain_event(self, session: SessionLoop, event: Any) -> None:
        simple = _SIMPLE.get(type(event))
        if simple is not None:
            name, fields = simple
            self.dispatch_event(name, *(getattr(event, f) for f in fields))
        elif isinstance(event, DomainEvent.ChatPosted):
            self.dispatch_event("on_chat", ChatMessage(
                participant_id=event.participant_id, name=self._name(session, event.participant_id),
                text=event.text, at=event.at))
        if not isinstance(event, DomainEvent.CommandFailed):
            self.dispatch_event("on_lobby_event", event)

    @staticmethod
    def _name(session: SessionLoop, participant_id: UUID) -> str:
        lobby = session.get_lobby()
        participant = lobby.participant(participant_id) if lobby is not None else None
        return participant.name if participant is not None else "?"

    def __repr__(self) -> str:
        return f"<SessionHook {self._session!r}>"


for _name in EVENT_TYPES:
    SessionHook.register_event_type(_name)
del _name
