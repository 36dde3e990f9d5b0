"""Written the way a game developer would test their own lobby logic: only the pytest plugin's
fixtures (``memory_sessions``, ``mock_window``) and the public API — no GPU, no display."""

from __future__ import annotations

import arcade

from konnekt_arcade import SessionHook


class ScoreBoardView(arcade.View):
    """A game's view: keeps a scoreboard of finished runs and a list of who is here."""

    def __init__(self, hook: SessionHook) -> None:
        super().__init__()
        self.hook = hook
        self.players: list[str] = []
        self.results: dict[str, int] = {}
        hook.push_handlers(self)

    def on_lobby_synced(self, lobby) -> None:  # type: ignore[no-untyped-def]
        self.players = [p.name for p in lobby.participants]

    def on_guest_joined(self, participant) -> None:  # type: ignore[no-untyped-def]
        self.players.append(participant.name)

    def on_result_submitted(self, result) -> None:  # type: ignore[no-untyped-def]
        lobby = self.hook.lobby
        self.results[lobby.participant(result.participant_id).name] = result.score

    def on_update(self, delta_time: float) -> None:
        self.hook.on_update(delta_time)


def test_my_scoreboard_counts_results(memory_sessions, mock_window) -> None:  # type: ignore[no-untyped-def]
    host = SessionHook(memory_sessions.host)
    guest = SessionHook(memory_sessions.guest).attach(mock_window)
    view = ScoreBoardView(host)
    mock_window.show_view(view)

    host.queue_activity("quiz", "Quiz")
    mock_window.run_until(lambda: guest.lobby.activity_queue, what="activity queued")
    host.start_next_run()
    mock_window.run_until(lambda: guest.lobby.current_run, what="run started")
    guest.submit_result(score=7)
    host.submit_result(score=3)

    mock_window.run_until(lambda: len(view.results) == 2, what="both results")
    assert view.results == {"Guest 1": 7, "Host": 3}
    assert mock_window.shown_views == [view]
    assert "Guest 1" in view.players
