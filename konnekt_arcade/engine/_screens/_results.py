"""The lobby screen's results panel: the last round's results beside the leaderboard.

After a round ``LobbyView`` comes back to the lobby, and the players want to know who won
it and who leads overall: every peer shows the same two lists, read from the replicated lobby
(``finished_runs[-1]`` and ``leaderboard``), in the same order (ties broken the same way), so
what one player calls out across the room is what the others see.

The texts are plain functions of the lobby (tested without a window); ``ResultsPanel`` puts
them in two labels that the lobby screen changes in place when a new round ends.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from arcade.gui import UIBoxLayout, UILabel

from ...domain import ActivityRun, Lobby, RunStatus
from ._base import set_text

#: Lines of each list shown; the rest is "… and N more". Keeps the panel one fixed height, so
#: the participant rows above know the room it takes (``HEIGHT``).
RESULT_LINES = 5
#: The room the panel takes on the lobby screen, in pixels: its heading, ``RESULT_LINES``
#: lines and the "more" line at 22 px each (the theme's 13 pt font), the 6 px between heading
#: and list, 2 × 12 px padding and the page's 10 px spacing above it.
HEIGHT = (RESULT_LINES + 2) * 22 + 6 + 24 + 10


def _names(lobby: Lobby) -> dict[UUID, str]:
    """Names by participant id; the leaderboard keeps the names of players who left."""
    names = {e.participant_id: e.name for e in lobby.leaderboard}
    names.update((p.id, p.name) for p in lobby.participants)
    return names


def _who(pid: UUID, names: dict[UUID, str], me: UUID | None) -> str:
    return names.get(pid, "someone who left") + (" (you)" if pid == me else "")


def _seconds(ms: int) -> str:
    return f" · {ms / 1000:.1f} s" if ms else ""


def _more(lines: list[str], rest: int) -> list[str]:
    return [*lines, f"… and {rest} more"] if rest > 0 else lines


def last_round_title(run: ActivityRun) -> str:
    """``Last round: Dice Duel — all results in``."""
    if run.status is RunStatus.CANCELLED:
        how = f"cancelled ({run.end_reason})" if run.end_reason else "cancelled"
    else:
        how = run.end_reason or "finished"
    return f"Last round: {run.activity.name} — {how}"


def last_round_lines(lobby: Lobby, me: UUID | None) -> list[str]:
    """The last finished round's results, best first, then who has none. Empty before any
    round ended."""
    if not lobby.finished_runs:
        return []
    run, names = lobby.finished_runs[-1], _names(lobby)
    # Best score, then fastest; a tie by name as on the leaderboard beside it (by id last).
    ranked = sorted(run.results, key=lambda r: (
        -r.score, r.time_taken_ms, names.get(r.participant_id, "").casefold(),
        str(r.participant_id)))
    lines = [f"{i}. {_who(r.participant_id, names, me)} — {r.score}{_seconds(r.time_taken_ms)}"
             for i, r in enumerate(ranked[:RESULT_LINES], 1)]
    missing = [p for p in run.required_submitters if not run.has_submitted(p)]
    room = RESULT_LINES - len(lines)
    lines += [f"{_who(p, names, me)} — no result" for p in missing[:room]]
    return _more(lines, len(ranked) + len(missing) - len(lines)) or ["(no results)"]


def leaderboard_lines(lobby: Lobby, me: UUID | None) -> list[str]:
    """The leaderboard, best first (``sorted_leaderboard``): total score and rounds played."""
    board = lobby.sorted_leaderboard()
    lines = [f"{i}. {e.name}{' (you)' if e.participant_id == me else ''} — {e.score}"
             f" ({e.runs_played} round{'' if e.runs_played == 1 else 's'})"
             for i, e in enumerate(board[:RESULT_LINES], 1)]
    return _more(lines, len(board) - len(lines))


class ResultsPanel:
    """Two panels side by side: the last round, the leaderboard. ``update(lobby, me)`` sets
    their text in place (the lobby screen calls it on every change)."""

    def __init__(self, theme: Any, width: int) -> None:
        self.theme = theme
        panel = theme.color("panel")
        self.layout = UIBoxLayout(vertical=False, space_between=24, align="top")
        self.round_title = theme.label("Last round", bold=True)
        self.round_list = theme.label(" ", width=width - 24, multiline=True)
        self.board_list = theme.label(" ", width=width - 24, multiline=True)
        for title, body in ((self.round_title, self.round_list),
                            (theme.label("Leaderboard", bold=True), self.board_list)):
            box = UIBoxLayout(vertical=True, space_between=6, align="left")
            box.add(title)
            box.add(body.with_background(color=panel))
            self.layout.add(box.with_padding(all=12).with_background(color=panel))

    def update(self, lobby: Lobby, me: UUID | None) -> None:
        if lobby.finished_runs:
            set_text(self.round_title, last_round_title(lobby.finished_runs[-1]))
        set_text(self.round_list, "\n".join(last_round_lines(lobby, me)))
        set_text(self.board_list, "\n".join(leaderboard_lines(lobby, me)))

    @property
    def labels(self) -> tuple[UILabel, UILabel, UILabel]:
        """The title and the two lists (tests read their text)."""
        return self.round_title, self.round_list, self.board_list
