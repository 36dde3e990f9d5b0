"""``SessionHook``: poll a session from the game's update tick, get pyglet event callbacks.

    hook = SessionHook(session)
    hook.attach(window)               # or call hook.on_update(dt) from your own on_update

    @hook.event
    def on_guest_joined(participant):
        print(participant.name, "joined")

Every ``on_update`` polls the session once (``SessionLoop.poll`` handles at most ``batch_size``
network events, so a frame never stalls), then drains the session's queues and dispatches, in
order: connection-stage and replication notices, lobby (domain) events, game data, messages
(``on_message``, ``on_request``, ``on_reply``), then the shared world's entities
(``on_entity_spawned``, ``on_entity_changed(entity, fields)``, ``on_entity_despawned``,
``on_world_event``: from ``session.world().drain_events()``, drained only while a handler
for one of them is connected). Each callback's signature is in
``SessionCallbacks`` (``_callbacks.py``; ``EVENT_TYPES`` lists them). Callbacks run
on the thread that calls ``on_update`` — arcade's main thread — so they may touch OpenGL. A
handler that sets ``hook.session`` (``LobbyView`` clears it when a session ends) stops that
update: the old session's remaining events are not dispatched.

Errors: an exception out of ``poll()`` (there should be none; the session layer turns network
trouble into a FAILED stage) and a failed connection are dispatched as ``on_error(exception)``;
with no ``on_error`` handler they are logged. Exceptions raised *by your handlers* propagate —
they are bugs in the game, not network input.
"
An activity's view gets its callbacks just by declaring them: ``hook.attach(view)`` (the
``LobbyView`` does it for every activity it shows) connects the view's ``on_game_data``,
``on_message``, ... while the view is shown and disconnects them when it is hidden, so a hidden
view hears nothing and nobody pushes or removes handlers by hand. ``connect(obj)`` and
``disconnect(obj)`` do the same for any other object.
"""

from __future__ import annotations

import functools
import inspect
import logging
import types
import weakref
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pyglet.event import EventDispatcher

from ..domain import ChatMessage, DomainEvent, Lobby, Participant
from ..sync import HostChanged, HostLost, LobbySynced, Welcomed
from ._callbacks import EVENT_TYPES
from ._command_helpers import LobbyCommands

if TYPE_CHECKING:
    from ..domain import LobbyDomainEvent
    from ..domain._events import CommandFailed  # ``DomainEvent.CommandFailed``
    from ..session import SessionLoop
    from ..session._types import SessionNotice

logger = logging.getLogger("konnekt_arcade.engine")

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


_ENTITY_CALLBACKS = ("on_entity_spawned", "on_entity_changed", "on_entity_despawned",
                     "on_world_event")


@functools.cache
def _message_callbacks() -> dict[type, str]:
    """The callback of each kind ``drain_messages()`` hands out (the session module is
    imported on first use, as in ``_notice``)."""
    from ..session import Message, Reply, Request

    return {Message: "on_message", Request: "on_request", Reply: "on_reply"}


class SessionHook(LobbyCommands, EventDispatcher):
    """Turns a ``SessionLoop`` into pyglet events; see the module docstring.

    Args:
        session: a ``SessionLoop`` (from a ``P2PLoopBuilder`` ``start_session_*`` or
            ``build_session_*``), or None to set ``hook.session`` later.

    Both pyglet styles work: ``@hook.event`` functions and ``hook.push_handlers(obj)`` with an
    object that has ``on_...`` methods. ``SessionCallbacks`` types every callback
    (``EVENT_TYPES`` lists them).
    """

    def __init__(self, session: SessionLoop | None = None) -> None:
        super().__init__()
        self._session: SessionLoop | None = None
        self._last_stage: Any = None
        self._targets: list[tuple[Any, dict[str, Any] | None]] = []
        #: The callbacks ``connect`` pushed, per listener, so ``disconnect`` removes just those
        #: (weakly: like pyglet's handlers, a connection keeps no listener alive).
        self._connected: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()
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
        that view is shown, before the view's own ``on_update``, and the view's declared
        callbacks are connected while it is shown: see ``connect``). Returns the hook."""
        if hasattr(target, "push_handlers"):
            target.push_handlers(on_update=self.on_update)
            self._targets.append((target, None))
            return self
        hook = self
        originals = {name: getattr(target, name)
                     for name in ("on_update", "on_show_view", "on_hide_view")}

        def on_update(view: Any, delta_time: float) -> Any:
            hook.on_update(delta_time)
            return originals["on_update"](delta_time)

        def on_show_view(view: Any) -> Any:
            result = originals["on_show_view"]()
            hook.connect(view)  # after the view's own: one that pushes by hand is not doubled
            return result

        def on_hide_view(view: Any) -> Any:
            hook.disconnect(view)
            return originals["on_hide_view"]()

        # Bound methods, as pyglet's push/remove_handlers(view) expect them.
        for function in (on_update, on_show_view, on_hide_view):
            setattr(target, function.__name__, types.MethodType(function, target))
        self._targets.append((target, originals))
        window = getattr(target, "window", None)
        if window is not None and getattr(window, "current_view", None) is target:
            self.connect(target)  # already shown
        return self

    def detach(self) -> None:
        """Undo every ``attach`` (detach from a view after it is hidden, so the window removes
        the same handlers it pushed); a view's connected callbacks are disconnected."""
        for target, originals in reversed(self._targets):
            if originals is None:
                target.remove_handlers(on_update=self.on_update)
                continue
            self.disconnect(target)
            for name, original in originals.items():
                setattr(target, name, original)
        self._targets.clear()

    def connect(self, listener: object) -> list[str]:
        """Push every callback ``listener`` declares (a method named as in
        ``SessionCallbacks``), once: calling it again, or for a callback already pushed by
        hand, adds nothing. Returns the names connected now. Undo with ``disconnect``."""
        if listener in self._connected:
            return []
        handlers = {name: method for name in EVENT_TYPES
                    if callable(method := getattr(listener, name, None))
                    and not self._has_handler(name, method)}
        self._connected[listener] = list(handlers)
        if handlers:
            self.push_handlers(**handlers)
        return list(handlers)

    def disconnect(self, listener: object) -> None:
        """Remove what ``connect(listener)`` pushed (nothing if it pushed nothing)."""
        names = self._connected.pop(listener, None)
        if names:
            self.remove_handlers(**{name: getattr(listener, name) for name in names})

    def _has_handler(self, name: str, method: Any) -> bool:
        """Whether ``method`` is on the handler stack for ``name`` (pyglet keeps bound
        methods as ``WeakMethod``, which compare equal for the same object and function)."""
        key = weakref.WeakMethod(method) if inspect.ismethod(method) else method
        return any(frame.get(name) == key for frame in self._event_stack)

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
        for item in session.drain_messages():
            self.dispatch_event(_message_callbacks()[type(item)], item)
        if self._listens(_ENTITY_CALLBACKS):
            self._world_events(session)

    def _world_events(self, session: SessionLoop) -> None:
        """The world's spawns, changes and despawns as ``on_entity_*`` (drained only while
        someone listens to one of them: a game that drains the world itself keeps its
        events)."""
        from ..world import Changed, Despawned, Spawned

        world = getattr(session, "world", None)  # (a test's stand-in session may have none)
        for event in world().drain_events() if world is not None else ():
            if isinstance(event, Changed):
                self.dispatch_event("on_entity_changed", event.entity, event.fields)
            elif isinstance(event, Spawned):
                self.dispatch_event("on_entity_spawned", event.entity)
            elif isinstance(event, Despawned):
                self.dispatch_event("on_entity_despawned", event.entity)
            else:
                self.dispatch_event("on_world_event", event)
            if session is not self._session:
                return

    def _listens(self, names: tuple[str, ...]) -> bool:
        """Whether a handler for any of ``names`` is pushed (or set on the hook itself)."""
        return any(name in frame for frame in self._event_stack for name in names) or \
            any(callable(getattr(self, name, None)) for name in names)

    # --- translation --------------------------------------------------------------------------

    def _error(self, exc: BaseException) -> None:
        if self.dispatch_event("on_error", exc) is False:  # False: nobody listens
            logger.error("unhandled session error: %s", exc)

    def _notice(self, session: SessionLoop, notice: SessionNotice) -> None:
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

    def _domain_event(self, session: SessionLoop,
                      event: LobbyDomainEvent | CommandFailed) -> None:
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
