"""The results screen after each round: the round's scores and the running leaderboard.

It keeps the session polled (through the lobby view's hook) while it is shown, and goes back to
the lobby after a few seconds or a click. ``final=True`` makes it the end-of-match podium.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import arcade

from . import style

#: Seconds the results stay up before the lobby comes back (a click skips).
RESULTS_SECONDS = 6.0
MEDALS = (style.GOLD, (210, 214, 230), (222, 142, 84))


def describe(kind: str, data: dict[str, Any], time_ms: int) -> str:
    """A short line about how a player did."""
    if kind == "echo":
        typed = str(data.get("typed", ""))[:28]
        return f'"{typed}" in {time_ms / 1000:.1f}s'
    if kind == "targets":
        return f"{data.get('hits', 0)} hits, {data.get('misses', 0)} misses, " \
               f"{time_ms / 1000:.1f}s"
    if kind == "coins":
        return f"{data.get('coins', 0)} coins"
    if kind == "ball":
        goals = data.get("goals", 0)
        return f"{goals} goal{'s' if goals != 1 else ''}"
    return f"{time_ms / 1000:.1f}s"


class ResultsView(arcade.View):
    def __init__(self, lobby_view: Any, run_id: UUID | None, *, round_number: int = 0,
                 final: bool = False, seconds: float = RESULTS_SECONDS) -> None:
        super().__init__()
        self.lobby_view = lobby_view
        self.run_id = run_id
        self.round_number = round_number
        self.final = final
        self.remaining = seconds
        self.clock = 0.0
        self.background_color = style.BACKGROUND
        self.trophy = arcade.load_texture(":resources:images/items/star.png")

    # --- data ---------------------------------------------------------------------------------

    def run(self) -> Any:
        lobby = self.lobby_view.hook.lobby
        if lobby is None:
            return None
        for run in reversed(lobby.finished_runs):
            if run.id == self.run_id:
                return run
        return lobby.finished_runs[-1] if lobby.finished_runs and self.final else None

    def colour_of(self, pid: UUID) -> tuple[int, int, int]:
        lobby = self.lobby_view.hook.lobby
        for index, p in enumerate(lobby.participants if lobby else ()):
            if p.id == pid:
                return style.player_colour(index)
        return style.MUTED  # type: ignore[return-value]

    def name_of(self, pid: UUID) -> str:
        lobby = self.lobby_view.hook.lobby
        p = lobby.participant(pid) if lobby is not None else None
        if p is not None:
            return p.name
        for entry in lobby.leaderboard if lobby else ():
            if entry.participant_id == pid:
                return entry.name
        return "(left)"

    # --- arcade.View --------------------------------------------------------------------------

    def on_update(self, delta_time: float) -> None:
        self.clock += delta_time
        self.lobby_view.hook.on_update(delta_time)
        if not self.final:
            self.remaining -= delta_time
            if self.remaining <= 0:
                self.close()

    def on_mouse_press(self, x: int, y: int, button: int, modifiers: int) -> None:
        self.close()

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        if symbol in (arcade.key.ENTER, arcade.key.SPACE, arcade.key.ESCAPE):
            self.close()

    def close(self) -> None:
        if self.window.current_view is self:
            self.window.show_view(self.lobby_view)

    def on_draw(self) -> None:
        self.clear()
        w, h = self.window.width, self.window.height
        style.backdrop(w, h, self.clock)
        run = self.run()
        if self.final:
            title, subtitle = "Final standings", "Thanks for playing!"
        elif run is not None:
            title = f"Round {self.round_number} · {run.activity.name}"
            subtitle = ("results" if run.status == "Completed"
                        else f"cancelled — {run.end_reason or ''}")
        else:
            title, subtitle = "Results", ""
        style.header(w, h, title, subtitle)
        gap = 24
        col = (w - 3 * gap) / 2
        top = h - 100
        if not self.final and run is not None:
            self.draw_round(run, gap, top, col)
            self.draw_board(2 * gap + col, top, col)
        else:
            self.draw_podium(w, top)
            self.draw_board(w / 2 - col / 2, top - 250, col)
        hint = ("Click or press Enter to go back to the lobby" if self.final else
                f"Back to the lobby in {max(0, self.remaining):.0f} s · click to continue")
        style.text(hint, w / 2, 24, size=14, colour=style.MUTED, anchor_x="center")

    def draw_round(self, run: Any, left: float, top: float, width: float) -> None:
        results = sorted(run.results, key=lambda r: (-r.score, r.time_taken_ms))
        height = 70 + 64 * max(1, len(results))
        style.panel(left, top - height, width, height, style.PANEL)
        style.text("THIS ROUND", left + 20, top - 38, size=15, heading=True, colour=style.ACCENT)
        kind = run.activity.activity_type
        for i, r in enumerate(results):
            y = top - 86 - 64 * i
            medal = MEDALS[i] if i < len(MEDALS) else style.PANEL_LIGHT
            arcade.draw_circle_filled(left + 36, y + 8, 16, medal)
            style.text(str(i + 1), left + 36, y + 8, size=14, heading=True,
                       colour=style.BACKGROUND, anchor_x="center", anchor_y="center")
            style.text(self.name_of(r.participant_id), left + 66, y + 8, size=18,
                       colour=self.colour_of(r.participant_id), bold=True)
            style.text(describe(kind, r.data, r.time_taken_ms), left + 66, y - 14, size=12,
                       colour=style.MUTED)
            style.text(f"+{r.score}", left + width - 20, y, size=22, heading=True,
                       colour=style.GOLD, anchor_x="right")
        if not results:
            style.text("Nobody finished this one.", left + 20, top - 90, size=16,
                       colour=style.MUTED)

    def draw_board(self, left: float, top: float, width: float) -> None:
        lobby = self.lobby_view.hook.lobby
        board = lobby.sorted_leaderboard() if lobby is not None else []
        height = 70 + 52 * max(1, len(board))
        style.panel(left, top - height, width, height, style.PANEL)
        style.text("LEADERBOARD", left + 20, top - 38, size=15, heading=True,
                   colour=style.ACCENT)
        best = max([e.score for e in board] + [1])
        for i, entry in enumerate(board):
            y = top - 84 - 52 * i
            colour = self.colour_of(entry.participant_id)
            style.text(f"{i + 1}. {entry.name}", left + 20, y + 6, size=16, colour=colour)
            style.text(str(entry.score), left + width - 20, y + 6, size=18, heading=True,
                       anchor_x="right")
            style.bar(left + 20, y - 12, width - 40, 8, entry.score / best, colour)

    def draw_podium(self, w: int, top: float) -> None:
        lobby = self.lobby_view.hook.lobby
        board = lobby.sorted_leaderboard() if lobby is not None else []
        cx = w / 2
        places = [(0, cx), (1, cx - 220), (2, cx + 220)]
        base = top - 230
        for rank_index, x in places:
            if rank_index >= len(board):
                continue
            entry = board[rank_index]
            colour = self.colour_of(entry.participant_id)
            rank = rank_index + 1
            podium_h = {1: 150, 2: 110, 3: 80}[rank]
            style.panel(x - 90, base, 180, podium_h, style.PANEL_LIGHT, MEDALS[rank - 1])
            number_y = base + 45 if rank == 1 else base + podium_h / 2
            style.text(str(rank), x, number_y, size=36, heading=True,
                       colour=MEDALS[rank - 1], anchor_x="center", anchor_y="center")
            style.text(entry.name, x, base + podium_h + 38, size=20, colour=colour,
                       anchor_x="center", bold=True)
            style.text(f"{entry.score} pts", x, base + podium_h + 12, size=15,
                       colour=style.TEXT, anchor_x="center")
            if rank == 1:
                bob = 6 * abs(((self.clock * 2) % 2) - 1)
                arcade.draw_texture_rect(self.trophy,
                                         arcade.XYWH(x, base + 108 + bob, 60, 60))
