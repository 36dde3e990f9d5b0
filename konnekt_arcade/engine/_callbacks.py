"""Every callback a ``SessionHook`` dispatches, with its typed signature: the one table.

``SessionCallbacks`` is a ``Protocol``: a game's editor and type checker know each callback's
arguments (``on_game_data(self, data: GameData)``), ``help(SessionCallbacks)`` lists them, and
``EVENT_TYPES`` (the names pyglet registers, with their signatures as text) is read off it.
Adding a callback is adding one method here (and dispatching it from the hook).

A listener declares only the methods it wants; it need not inherit from this class (a class
that did would have every callback, doing nothing).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from ..domain import (
        ActivityConfig,
        ActivityResult,
        ActivityRun,
        ChatMessage,
        DelegationReason,
        LeaveReason,
        Lobby,
        LobbyDomainEvent,
        Participant,
        RunStatus,
    )
    from ..session import ConnectionStage, GameData, Message, P2PError, Reply, Request
    from ..world import Emitted, Entity


class SessionCallbacks(Protocol):
    """The callbacks of ``SessionHook``, in the order an update dispatches their kinds:
    connection and replication notices, lobby (domain) events, game data, messages, the
    shared world's entities."""

    # --- connection and replication -----------------------------------------------------------

    def on_connection_stage(self, stage: ConnectionStage, error: P2PError | None) -> None:
        """The connection stage changed (``error`` is set when it is FAILED)."""

    def on_lobby_synced(self, lobby: Lobby) -> None:
        """A lobby snapshot arrived (the first one, or after a resync)."""

    def on_welcomed(self, participant_id: UUID, rejoined: bool) -> None:
        """The host accepted our join (``rejoined``: under our old participant id)."""

    def on_became_host(self) -> None:
        """This peer is now the host (delegated or migrated)."""

    def on_host_lost(self) -> None:
        """The host stopped answering; an election is under way."""

    def on_reconnecting(self, attempt: int, delay: float, reason: str) -> None:
        """We lost the lobby and rejoin by ourselves; attempt ``attempt`` in ``delay`` s."""

    def on_reconnected(self, attempts: int, seconds: float) -> None:
        """The lobby is back after a reconnection."""

    def on_signalling_lost(self, reason: str) -> None:
        """The signalling server went away: peers stay connected; nobody new can join yet."""

    def on_signalling_restored(self) -> None:
        """New players can join again."""

    def on_transport_notice(self, kind: str, message: str) -> None:
        """Anything else the transport reported (e.g. a peer that failed to connect)."""

    # --- lobby events ---------------------------------------------------------------------------

    def on_guest_joined(self, participant: Participant) -> None:
        """A guest joined the lobby."""

    def on_guest_left(self, participant_id: UUID, reason: LeaveReason) -> None:
        """A guest left (or was kicked, or timed out)."""

    def on_participant_disconnected(self, participant_id: UUID) -> None:
        """A participant lost its connection; its place is kept for the grace period."""

    def on_participant_reconnected(self, participant_id: UUID) -> None:
        """A disconnected participant is back."""

    def on_host_delegated(self, from_id: UUID, to_id: UUID, reason: DelegationReason) -> None:
        """The host role moved from ``from_id`` to ``to_id``."""

    def on_activity_queued(self, activity: ActivityConfig) -> None:
        """An activity was added to the queue."""

    def on_run_started(self, run: ActivityRun) -> None:
        """A run of the next activity started."""

    def on_result_submitted(self, result: ActivityResult) -> None:
        """A result of the current run was submitted."""

    def on_run_ended(self, run_id: UUID, status: RunStatus, reason: str) -> None:
        """The current run ended (completed or cancelled)."""

    def on_chat(self, message: ChatMessage) -> None:
        """A chat message (with the sender's name)."""

    def on_command_failed(self, command_type: str, reason: str, request_id: int | None) -> None:
        """The host refused one of our lobby commands."""

    def on_lobby_event(self, event: LobbyDomainEvent) -> None:
        """Every domain event (a ``DomainEvent`` member), after its specific callback."""

    # --- beside the lobby -----------------------------------------------------------------------

    def on_game_data(self, data: GameData) -> None:
        """Game data: ``.participant_id``, ``.data`` (bytes), ``.reliable``."""

    def on_message(self, message: Message) -> None:
        """A message from ``message.sender`` (``send_to_host`` / ``send_to``)."""

    def on_request(self, request: Request) -> None:
        """(Host) a request to answer with ``session.reply(request, payload)``."""

    def on_reply(self, reply: Reply) -> None:
        """The end of one of our ``request_host`` calls: answered, timed out or closed."""

    # --- the shared world (session.world()) -----------------------------------------------------

    def on_entity_spawned(self, entity: Entity) -> None:
        """An entity appeared in the world (ours, a peer's, or one a baseline brought)."""

    def on_entity_changed(self, entity: Entity, fields: tuple[str, ...]) -> None:
        """A peer changed ``entity``'s ``fields`` (once per frame however many ticks did)."""

    def on_entity_despawned(self, entity: Entity) -> None:
        """``entity`` left the world (it keeps its ``id`` and last values)."""

    def on_world_event(self, event: Emitted) -> None:
        """A one-shot ``world.emit``: ``.name``, ``.data``, ``.sender``, ``.from_host``."""

    def on_error(self, error: Exception) -> None:
        """A session error (a failed connection); logged when nobody listens."""


def _signature(name: str) -> str:
    method = getattr(SessionCallbacks, name)
    params = list(inspect.signature(method).parameters.values())[1:]  # without self
    text = ", ".join(f"{p.name}: {p.annotation}" for p in params)
    doc = (method.__doc__ or "").strip().splitlines()[0]
    return f"({text})  — {doc}"


#: Every callback a ``SessionHook`` dispatches: name -> ``"(arguments)  — what it means"``.
EVENT_TYPES: dict[str, str] = {
    name: _signature(name) for name in vars(SessionCallbacks)
    if name.startswith("on_") and callable(getattr(SessionCallbacks, name))
}
