"""The lobby screen: invite + Copy, join code, participants, ready / spectate, chat,
host controls."""

from __future__ import annotations

from typing import Any

from arcade.gui import UIBoxLayout

from ...domain import Lobby, Participant
from ._base import Screen

#: Chat lines shown (the lobby keeps more; see ``CHAT_HISTORY``).
CHAT_LINES = 10
#: Height of one participant row, and the room the rest of the lobby screen needs.
ROW_HEIGHT = 34
RESERVED_HEIGHT = 400
#: Font size of a published lobby's join code: ~40 px tall capitals, readable from a few
#: metres on a laptop screen when players call it out across a room.
JOIN_CODE_SIZE = 44


def visible_rows(window_height: int, reserved: int = RESERVED_HEIGHT) -> int:
    """How many participant rows fit: the list scrolls instead of pushing controls off-screen.

    ``reserved`` is the height the rest of the screen needs (``LobbyView.reserved_height``:
    a game that draws its own strip under the lobby raises it)."""
    return max(3, (window_height - reserved) // ROW_HEIGHT)


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


class LobbyScreen(Screen):
    name = "lobby"

    def build(self) -> None:
        t, view = self.theme, self.view
        lobby: Lobby | None = view.hook.lobby
        session = view.hook.session
        if lobby is None or session is None:
            return
        me = session.local_participant_id()
        mine = lobby.participant(me)
        is_host = view.hook.is_host()
        column = max(300, (self.width - 3 * 24) // 2)

        page = UIBoxLayout(vertical=True, space_between=t.spacing, align="left")
        top = UIBoxLayout(vertical=False, space_between=t.spacing)
        top.add(t.label(lobby.name, size=t.title_size - 6, bold=True))
        top.add(self.button("leave", "Leave", view.leave, width=100, kind="danger"))
        page.add(top)
        share = UIBoxLayout(vertical=False, space_between=t.spacing)
        share.add(t.label(f"Invite: {view.invite_text()}", color=t.muted))
        share.add(self.button("copy", "Copy", view.copy_session_id, width=80))
        page.add(share)
        if view.copied:
            page.add(t.label("Copied — send it to your friends.", color=t.ok))
        code = session.join_code() if hasattr(session, "join_code") else None
        if code:  # big enough to read across a room (published lobbies only)
            row = UIBoxLayout(vertical=False, space_between=t.spacing * 2)
            row.add(t.label("Join code", size=t.font_size + 4, color=t.muted))
            self.code_label = t.label(code, size=JOIN_CODE_SIZE, bold=True, color=t.warning)
            row.add(self.code_label)
            page.add(row)

        columns = UIBoxLayout(vertical=False, space_between=24, align="top")
        columns.add(self._participants(lobby, me, is_host, column))
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
        page.add(self._activities(lobby, is_host))
        if view.message:
            page.add(t.label(view.message, color=t.warning, width=self.width - 80, multiline=True))
        self.root.add(page.with_padding(all=24), anchor_x="left", anchor_y="top")

    def _participants(self, lobby: Lobby, me: Any, is_host: bool, width: int) -> UIBoxLayout:
        t, view = self.theme, self.view
        box = UIBoxLayout(vertical=True, space_between=6, align="left")
        box.add(t.label(f"Players ({len(lobby.participants)}/{lobby.max_participants})",
                        bold=True))
        rows = visible_rows(self.height, view.reserved_height)
        last_offset = max(0, len(lobby.participants) - rows)
        view.participant_offset = offset = min(view.participant_offset, last_offset)
        if offset:
            box.add(self.button("players_up", f"{offset} more above",
                                lambda: view.scroll_participants(-1), width=width - 24))
        for p in lobby.participants[offset:offset + rows]:
            row = UIBoxLayout(vertical=False, space_between=6)
            color = t.text if p.connected else t.muted
            row.add(t.label(describe(p, me), color=color))
            if is_host and p.id != me:
                row.add(self.button(f"kick:{p.name}", "Kick",
                                    lambda pid=p.id: view.kick(pid), width=60, kind="danger"))
                row.add(self.button(f"make_host:{p.name}", "Make host",
                                    lambda pid=p.id: view.make_host(pid), width=100))
            box.add(row)
        below = len(lobby.participants) - offset - rows
        if below > 0:
            box.add(self.button("players_down", f"{below} more below",
                                lambda: view.scroll_participants(1), width=width - 24))
        return box.with_padding(all=12).with_background(color=t.color("panel"))

    def _chat(self, lobby: Lobby, width: int) -> UIBoxLayout:
        t, view = self.theme, self.view
        box = UIBoxLayout(vertical=True, space_between=6, align="left")
        box.add(t.label("Chat", bold=True))
        lines = [f"{m.name}: {m.text}" for m in lobby.chat[-CHAT_LINES:]] or ["(no messages yet)"]
        self.chat_log = t.label("\n".join(lines), width=width - 24, multiline=True,
                                color=t.text if lobby.chat else t.muted)
        box.add(self.chat_log)
        row = UIBoxLayout(vertical=False, space_between=6)
        row.add(self.field("chat", width=width - 24 - 80 - 6))
        row.add(self.button("send", "Send", view.send_chat, width=80))
        box.add(row)
        return box.with_padding(all=12).with_background(color=t.color("panel"))

    def _activities(self, lobby: Lobby, is_host: bool) -> UIBoxLayout:
        t, view = self.theme, self.view
        box = UIBoxLayout(vertical=True, space_between=6, align="left")
        queue = ", ".join(view.registry.display_name(a.activity_type) if a.activity_type
                          in view.registry else a.name for a in lobby.activity_queue)
        box.add(t.label(f"Up next: {queue or 'nothing queued'}", color=t.muted))
        run = lobby.current_run
        if run is not None:
            box.add(t.label(f"Playing now: {run.activity.name} "
                            f"({len(run.results)}/{len(run.required_submitters)} done)",
                            color=t.warning))
        if is_host:
            row = UIBoxLayout(vertical=False, space_between=6)
            for activity in view.registry:
                row.add(self.button(f"queue:{activity.activity_type}",
                                    f"+ {activity.display_name}",
                                    lambda a=activity: view.queue_activity(a), width=150))
            row.add(self.button("start", "Start next", view.start_next, width=120,
                                kind="accent"))
            row.add(self.button("cancel", "Cancel run", view.cancel_run, width=120))
            box.add(row)
        return box
