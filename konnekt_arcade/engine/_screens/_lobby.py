"""The lobby screen: invite + Copy, join code, participants, ready / spectate, chat,
host controls, and after a round its results and the leaderboard (``_results.py``).

A chat line or a player's new ready flag changes a few labels' text (``update``); the tree is
built again only when its widgets change: a player joins or leaves, the list scrolls, host
controls come or go, the session stops or starts being live (``_shape``).

While the session is not live (RECONNECTING) the screen says so and every button that needs
the lobby — ready, spectate, Send, the host's — is disabled: a lobby that looks alive but
answers nothing is worse than one that says it is away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from arcade.gui import UIBoxLayout, UIFlatButton, UIInteractiveWidget, UILabel

from ...domain import Lobby, Participant
from ...session import ConnectionStage, SessionLoop
from ._base import Screen, set_text
from ._results import HEIGHT as RESULTS_HEIGHT
from ._results import ResultsPanel

#: Chat lines shown (the lobby keeps more; see ``CHAT_HISTORY``).
CHAT_LINES = 10
#: Height of one participant row, and the room the rest of the lobby screen needs.
ROW_HEIGHT = 34
RESERVED_HEIGHT = 400
#: Font size of a published lobby's join code: ~40 px tall capitals, readable from a few
#: metres on a laptop screen when players call it out across a room.
JOIN_CODE_SIZE = 44
#: Buttons that need a live session (besides every host control): disabled while it is not.
LIVE_ONLY = ("ready", "spectate", "send", "start", "cancel")
#: Prefixes of the per-player and per-activity host buttons.
HOST_ONLY_PREFIXES = ("kick:", "make_host:", "queue:")


def visible_rows(window_height: int, reserved: int = RESERVED_HEIGHT) -> int:
    """How many participant rows fit: the list scrolls instead of pushing controls off-screen.

    ``reserved`` is the height the rest of the screen needs (``LobbyView.reserved_height``:
    a game that draws its own strip under the lobby raises it)."""
    return max(3, (window_height - reserved) // ROW_HEIGHT)


def _limit(duration_ms: int | None) -> str:
    """`` (30 s)`` / `` (2 min)`` for a round's time limit, nothing for none."""
    if duration_ms is None:
        return ""
    seconds = duration_ms / 1000
    return f" ({seconds / 60:g} min)" if seconds >= 120 else f" ({seconds:g} s)"


def describe(participant: Participant, me: Any) -> str:
    """``Alice (you) · host · ready · spectating · offline``."""
    parts = [participant.name + (" (you)" if participant.id == me else "")]
    if participant.is_host:
        parts.append("host")
    parts.append("playing" if participant.is_active else "spectating")
    parts.append("ready" if participant.ready else "not ready")
    if not participant.connected:
        parts.append("offline")
    return " · ".join(parts)


@dataclass(frozen=True)
class _Seen:
    """What the lobby screen shows, read once per build or update."""

    lobby: Lobby
    session: SessionLoop
    me: UUID | None
    mine: Participant | None
    is_host: bool
    #: The session is SYNCED: commands reach the lobby.
    live: bool
    code: str | None
    offset: int
    shown: tuple[Participant, ...]
    below: int


class LobbyScreen(Screen):
    name = "lobby"

    def _seen(self) -> _Seen | None:
        view = self.view
        lobby, session = view.hook.lobby, view.hook.session
        if lobby is None or session is None:
            return None
        me = session.local_participant_id()
        rows = visible_rows(self.height, view.reserved_height
                            + (RESULTS_HEIGHT if lobby.finished_runs else 0))
        count = len(lobby.participants)
        view.participant_offset = offset = min(view.participant_offset, max(0, count - rows))
        shown = lobby.participants[offset:offset + rows]
        return _Seen(lobby, session, me, lobby.participant(me), view.hook.is_host(),
                     session.stage is ConnectionStage.SYNCED, session.join_code(), offset,
                     shown, count - offset - len(shown))

    def _shape(self, seen: _Seen | None) -> tuple[Any, ...]:
        """Everything that decides which widgets exist (not their text)."""
        if seen is None:
            return ()
        mine, view = seen.mine, self.view
        return (view.copied, bool(seen.code), seen.is_host, seen.live, bool(view.message),
                seen.lobby.current_run is not None, mine is not None and mine.ready,
                mine is not None and not mine.is_active, seen.offset, seen.below > 0,
                bool(seen.lobby.finished_runs),
                tuple((p.id, p.name) for p in seen.shown))

    def build(self) -> None:
        seen = self._seen()
        self.shape = self._shape(seen)
        if seen is None:
            return
        t, view, lobby, mine = self.theme, self.view, seen.lobby, seen.mine
        column = max(300, (self.width - 3 * 24) // 2)

        page = UIBoxLayout(vertical=True, space_between=t.spacing, align="left")
        top = UIBoxLayout(vertical=False, space_between=t.spacing)
        self.title_label = top.add(t.label(lobby.name, size=t.title_size - 6, bold=True))
        top.add(self.button("leave", "Leave", view.leave, width=100, kind="danger"))
        if not seen.live:
            top.add(t.label("Reconnecting…", size=t.font_size + 4, bold=True, color=t.warning))
        page.add(top)
        share = UIBoxLayout(vertical=False, space_between=t.spacing)
        self.invite_label = share.add(t.label(f"Invite: {view.invite_text()}", color=t.muted))
        share.add(self.button("copy", "Copy", view.copy_session_id, width=80))
        page.add(share)
        if view.copied:
            page.add(t.label("Copied — send it to your friends.", color=t.ok))
        if seen.code:  # big enough to read across a room (published lobbies only)
            row = UIBoxLayout(vertical=False, space_between=t.spacing * 2)
            row.add(t.label("Join code", size=t.font_size + 4, color=t.muted))
            self.code_label = row.add(t.label(seen.code, size=JOIN_CODE_SIZE, bold=True,
                                              color=t.warning))
            page.add(row)

        columns = UIBoxLayout(vertical=False, space_between=24, align="top")
        columns.add(self._participants(seen, column))
        columns.add(self._chat(lobby, column))
        page.add(columns)

        mine_row = UIBoxLayout(vertical=False, space_between=t.spacing)
        ready = mine is not None and mine.ready
        mine_row.add(self.button("ready", "Not ready" if ready else "Ready", view.toggle_ready,
                                 width=130, kind="normal" if ready else "accent"))
        spectating = mine is not None and not mine.is_active
        mine_row.add(self.button("spectate", "Play" if spectating else "Spectate",
                                 view.toggle_spectating, width=130))
        page.add(mine_row)
        page.add(self._activities(lobby, seen.is_host))
        self.results: ResultsPanel | None = None
        if lobby.finished_runs:  # after the first round: who won it, who leads
            self.results = ResultsPanel(t, column)
            self.results.update(lobby, seen.me)
            page.add(self.results.layout)
        if view.message:
            self.message_label = page.add(t.label(view.message, color=t.warning,
                                                  width=self.width - 80, multiline=True))
        self.root.add(page.with_padding(all=24), anchor_x="left", anchor_y="top")
        if not seen.live:
            for key, widget in self.widgets.items():
                if isinstance(widget, UIInteractiveWidget) and (
                        key in LIVE_ONLY or key.startswith(HOST_ONLY_PREFIXES)):
                    widget.disabled = True

    def update(self) -> bool:
        seen = self._seen()
        if seen is None or self._shape(seen) != self.shape:
            return False
        t, view, lobby = self.theme, self.view, seen.lobby
        set_text(self.title_label, lobby.name)
        set_text(self.invite_label, f"Invite: {view.invite_text()}")
        if seen.code:
            set_text(self.code_label, seen.code)
        set_text(self.players_label, self._players_heading(lobby))
        for p, label in zip(seen.shown, self.row_labels, strict=True):
            set_text(label, describe(p, seen.me), t.text if p.connected else t.muted)
        down = self.widgets.get("players_down")
        if seen.below > 0 and isinstance(down, UIFlatButton):
            down.text = f"{seen.below} more below"
        set_text(self.chat_log, *self._chat_text(lobby))
        set_text(self.queue_label, self._queue_text(lobby))
        if self.run_label is not None:
            set_text(self.run_label, self._run_text(lobby))
        if self.results is not None:
            self.results.update(lobby, seen.me)
        if view.message:
            set_text(self.message_label, view.message)
        self.sync_fields()
        return True

    # --- the parts ----------------------------------------------------------------------------

    @staticmethod
    def _players_heading(lobby: Lobby) -> str:
        return f"Players ({len(lobby.participants)}/{lobby.max_participants})"

    def _participants(self, seen: _Seen, width: int) -> UIBoxLayout:
        t, view, panel = self.theme, self.view, self.theme.color("panel")
        box = UIBoxLayout(vertical=True, space_between=6, align="left")
        self.players_label = box.add(t.label(self._players_heading(seen.lobby), bold=True))
        if seen.offset:
            box.add(self.button("players_up", f"{seen.offset} more above",
                                lambda: view.scroll_participants(-1), width=width - 24))
        self.row_labels: list[UILabel] = []
        for p in seen.shown:
            row = UIBoxLayout(vertical=False, space_between=6)
            # A background of the panel's colour: a new text redraws this label alone.
            label = t.label(describe(p, seen.me), color=t.text if p.connected else t.muted)
            self.row_labels.append(row.add(label.with_background(color=panel)))
            if seen.is_host and p.id != seen.me:
                row.add(self.button(f"kick:{p.name}", "Kick",
                                    lambda pid=p.id: view.kick(pid), width=60, kind="danger"))
                row.add(self.button(f"make_host:{p.name}", "Make host",
                                    lambda pid=p.id: view.make_host(pid), width=100))
            box.add(row)
        if seen.below > 0:
            box.add(self.button("players_down", f"{seen.below} more below",
                                lambda: view.scroll_participants(1), width=width - 24))
        return box.with_padding(all=12).with_background(color=panel)

    def _chat_text(self, lobby: Lobby) -> tuple[str, Any]:
        lines = [f"{m.name}: {m.text}" for m in lobby.chat[-CHAT_LINES:]]
        t = self.theme
        return ("\n".join(lines), t.text) if lines else ("(no messages yet)", t.muted)

    def _chat(self, lobby: Lobby, width: int) -> UIBoxLayout:
        t, view, panel = self.theme, self.view, self.theme.color("panel")
        box = UIBoxLayout(vertical=True, space_between=6, align="left")
        box.add(t.label("Chat", bold=True))
        text, color = self._chat_text(lobby)
        self.chat_log = t.label(text, width=width - 24, multiline=True, color=color)
        box.add(self.chat_log.with_background(color=panel))
        row = UIBoxLayout(vertical=False, space_between=6)
        row.add(self.field("chat", width=width - 24 - 80 - 6, on_enter=view.send_chat))
        row.add(self.button("send", "Send", view.send_chat, width=80))
        box.add(row)
        return box.with_padding(all=12).with_background(color=panel)

    def _queue_text(self, lobby: Lobby) -> str:
        """``Up next: Dice Duel (30 s), Space Race``: each round with its time limit."""
        registry = self.view.registry
        queue = ", ".join((registry.display_name(a.activity_type) if a.activity_type
                           in registry else a.name) + _limit(a.duration_ms)
                          for a in lobby.activity_queue)
        return f"Up next: {queue or 'nothing queued'}"

    @staticmethod
    def _run_text(lobby: Lobby) -> str:
        run = lobby.current_run
        if run is None:
            return ""
        return (f"Playing now: {run.activity.name} "
                f"({len(run.results)}/{len(run.required_submitters)} done)")

    def _activities(self, lobby: Lobby, is_host: bool) -> UIBoxLayout:
        t, view = self.theme, self.view
        box = UIBoxLayout(vertical=True, space_between=6, align="left")
        self.queue_label = box.add(t.label(self._queue_text(lobby), color=t.muted))
        self.run_label: UILabel | None = None
        if lobby.current_run is not None:
            self.run_label = box.add(t.label(self._run_text(lobby), color=t.warning))
        if is_host:
            row = UIBoxLayout(vertical=False, space_between=6)
            for activity in view.registry:
                row.add(self.button(f"queue:{activity.activity_type}",
                                    f"+ {activity.display_name}",
                                    lambda a=activity: view.queue_activity(a), width=150))
            row.add(self.button("start", "Start next", view.start_next, width=120,
                                kind="accent"))
            if lobby.current_run is not None:  # (the shape has the run: a rebuild adds it)
                row.add(self.button("cancel", "Cancel run", view.cancel_run, width=120))
            box.add(row)
        return box
