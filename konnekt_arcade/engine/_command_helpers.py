"""``LobbyCommands``: one-line helpers that build and submit the usual lobby commands.

A game (and ``LobbyView``) could build every ``DomainCommand`` by hand; these helpers fill in the
lobby id and the local participant id, so ``hook.set_ready(True)`` is all a button needs. Each
returns the request id of ``SessionLoop.submit_command`` (a rejection comes back later as
``on_command_failed``) and raises ``SendFailed`` when there is no session to send on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from ..domain import DomainCommand, Lobby, Scoring

if TYPE_CHECKING:
    from ..session import SessionLoop


class LobbyCommands:
    """Mixed into ``SessionHook``; needs a ``session`` attribute (a ``SessionLoop`` or None)."""

    session: SessionLoop | None

    # --- helpers ------------------------------------------------------------------------------

    def _require(self) -> tuple[SessionLoop, Lobby, UUID]:
        from ..session import SendFailed

        session = self.session
        if session is None:
            raise SendFailed("no session: host or join one first")
        lobby = session.get_lobby()
        me = session.local_participant_id()
        if lobby is None or me is None:
            raise SendFailed(f"not in a lobby yet (stage {session.stage})")
        return session, lobby, me

    # --- everyone -----------------------------------------------------------------------------

    def join(self, name: str) -> int:
        """Ask the host to join its lobby as ``name`` (a guest does this once it is synced)."""
        from ..session import SendFailed

        session = self.session
        lobby = session.get_lobby() if session is not None else None
        if session is None or lobby is None:
            raise SendFailed("cannot join: the lobby has not synced yet")
        return session.submit_command(DomainCommand.JoinLobby(lobby_id=lobby.id, guest_name=name))

    def set_ready(self, ready: bool) -> int:
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.SetReady(lobby_id=lobby.id,
                                                             participant_id=me, ready=ready))

    def toggle_spectating(self) -> int:
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.ToggleParticipationMode(lobby_id=lobby.id,
                                                                            participant_id=me))

    def chat(self, text: str) -> int:
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.SendChat(lobby_id=lobby.id,
                                                             participant_id=me, text=text))

    def leave(self) -> int:
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.LeaveLobby(lobby_id=lobby.id,
                                                               participant_id=me))

    def submit_result(self, score: int = 0, data: dict[str, Any] | None = None,
                      time_taken_ms: int = 0) -> int:
        """Submit our result for the current run."""
        from ..session import SendFailed

        session, lobby, me = self._require()
        if lobby.current_run is None:
            raise SendFailed("no run in progress")
        return session.submit_command(DomainCommand.SubmitResult(
            lobby_id=lobby.id, run_id=lobby.current_run.id, participant_id=me, score=score,
            data=data or {}, time_taken_ms=time_taken_ms))

    # --- host only (the host checks; a guest gets on_command_failed) --------------------------

    def submit_result_for(self, participant_id: UUID, score: int = 0,
                          data: dict[str, Any] | None = None, time_taken_ms: int = 0) -> int:
        """Host: submit ``participant_id``'s result for the current host-scored run (the
        host's game code decides the score; see ``Scoring.HOST``)."""
        from ..session import SendFailed

        session, lobby, me = self._require()
        if lobby.current_run is None:
            raise SendFailed("no run in progress")
        return session.submit_command(DomainCommand.SubmitResultFor(
            lobby_id=lobby.id, host_id=me, run_id=lobby.current_run.id,
            participant_id=participant_id, score=score, data=data or {},
            time_taken_ms=time_taken_ms))

    def kick(self, participant_id: UUID) -> int:
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.KickGuest(lobby_id=lobby.id, host_id=me,
                                                              guest_id=participant_id))

    def make_host(self, participant_id: UUID) -> int:
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.DelegateHost(
            lobby_id=lobby.id, current_host_id=me, new_host_id=participant_id))

    def queue_activity(self, activity_type: str, name: str,
                       config: dict[str, Any] | None = None, *,
                       scoring: Scoring = Scoring.SELF, duration_ms: int | None = None) -> int:
        """Queue an activity (``ActivityRegistry.queue`` fills these from a registry entry)."""
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.QueueActivity(
            lobby_id=lobby.id, host_id=me, activity_type=activity_type, name=name,
            config=config or {}, scoring=scoring, duration_ms=duration_ms))

    def start_next_run(self, duration_ms: int | None = None,
                       config_overrides: dict[str, Any] | None = None) -> int:
        """Start the next queued activity; ``duration_ms`` and ``config_overrides`` change
        this round only (None: the queued activity's own time limit and config)."""
        session, lobby, me = self._require()
        return session.submit_command(DomainCommand.StartNextRun(
            lobby_id=lobby.id, host_id=me, duration_ms=duration_ms,
            config_overrides=config_overrides or {}))

    def cancel_run(self, reason: str = "cancelled by host") -> int:
        from ..session import SendFailed

        session, lobby, me = self._require()
        if lobby.current_run is None:
            raise SendFailed("no run in progress")
        return session.submit_command(DomainCommand.CancelRun(
            lobby_id=lobby.id, host_id=me, run_id=lobby.current_run.id, reason=reason))
