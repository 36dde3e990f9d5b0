"""The start screen: your name; Host (with an optional password); the lobbies on your network,
each with Join; Join by invite or session id (takes paste); the signalling server.

Two columns when the window is wide enough, one otherwise (the LAN list then shows fewer rows
so nothing is pushed off-screen). "Browse lobbies" (the internet lobby directory,
``view.browse_lobbies``) sits beside the LAN list's heading.
"""

from __future__ import annotations

from typing import Any

from arcade.gui import UIBoxLayout

from ._base import Screen

#: LAN rows shown side by side with the form, and under it in a narrow window.
LAN_ROWS_WIDE = 6
LAN_ROWS_NARROW = 2
#: Characters of a lobby name shown in a row (names may be 64; the column is not that wide).
NAME_CHARS = 28
#: Below this window width the two columns are stacked.
TWO_COLUMNS_MIN_WIDTH = 900


def describe_lan_lobby(lobby: Any) -> str:
    """``Ann's lobby — Ann · 2/8`` (with a lock when it has a password)."""
    lock = "[locked] " if lobby.has_password else ""
    name, host = _cut(lobby.name, NAME_CHARS), _cut(lobby.host_name, NAME_CHARS // 2)
    return f"{lock}{name} — {host} · {lobby.players}/{lobby.max_players}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class StartScreen(Screen):
    name = "start"

    def build(self) -> None:
        t, view = self.theme, self.view
        wide = self.width >= TWO_COLUMNS_MIN_WIDTH
        width = max(280, min(460, (self.width - 3 * 48) // 2 if wide else self.width - 80))
        form = UIBoxLayout(vertical=True, space_between=t.spacing, align="left")
        form.add(t.label(view.title, size=t.title_size, bold=True))
        if wide:  # a small window keeps its height for the fields
            form.add(t.label("Host a lobby, or join one: from the list, or with the invite "
                             "the host shared.", color=t.muted, width=width, multiline=True))
        form.add(t.label("Your name"))
        form.add(self.field("name", width=width))
        host_row = UIBoxLayout(vertical=False, space_between=t.spacing)
        half = (width - t.spacing) // 2
        host_row.add(self.button("host", "Host a lobby", view.host_lobby, width=half,
                                 kind="accent"))
        host_row.add(self.field("password", width=half))
        form.add(t.label("Password for your lobby (optional)", color=t.muted))
        form.add(host_row)
        form.add(t.label("Invite, join code or session id (Ctrl+V pastes)"))
        join_row = UIBoxLayout(vertical=False, space_between=t.spacing)
        join_row.add(self.field("session_id", width=width - 100 - t.spacing,
                                 on_enter=view.join_lobby))
        join_row.add(self.button("join", "Join", view.join_lobby, width=100))
        form.add(join_row)
        form.add(t.label("Signalling server — leave empty for the built-in one", color=t.muted,
                         width=width, multiline=True))
        form.add(self.field("signalling_url", width=width))
        self.message = t.label(view.message, color=t.danger, width=width, multiline=True)
        form.add(self.message)

        lan = self._lan_list(width, LAN_ROWS_WIDE if wide else LAN_ROWS_NARROW)
        page = UIBoxLayout(vertical=not wide, space_between=24, align="top" if wide else "left")
        page.add(form)
        page.add(lan)
        panel = page.with_padding(all=24).with_background(color=t.color("panel"))
        self.root.add(panel, anchor_x="center", anchor_y="center")

    def _lan_list(self, width: int, rows: int) -> UIBoxLayout:
        t, view = self.theme, self.view
        box = UIBoxLayout(vertical=True, space_between=6, align="left")
        head = UIBoxLayout(vertical=False, space_between=t.spacing)
        if view.lan_list.enabled:
            head.add(t.label("Lobbies on your network", bold=True))
        # the internet lobby directory, beside the LAN list
        head.add(self.button("browse", "Browse lobbies", view.browse_lobbies, width=150))
        box.add(head)
        if not view.lan_list.enabled:
            return box
        lobbies = view.lan_list.lobbies[:rows]
        if not lobbies:
            box.add(t.label("None yet — a friend's lobby shows up here when they press Host.",
                            color=t.muted, width=width, multiline=True))
        for i, lobby in enumerate(lobbies):
            row = UIBoxLayout(vertical=False, space_between=t.spacing)
            if (note := view.lan_list.note(lobby)) is None:
                row.add(self.button(f"lan_join:{i}", "Join",
                                    lambda lobby=lobby: view.join_lan_lobby(lobby), width=80))
            lost = note is not None or lobby.full  # another protocol: no Join, says why
            row.add(t.label(describe_lan_lobby(lobby) + (f" ({note})" if note else ""),
                            color=t.muted if lost else t.text))
            box.add(row)
        hidden = len(view.lan_list.lobbies) - len(lobbies)
        if hidden > 0:
            box.add(t.label(f"…and {hidden} more", color=t.muted))
        return box
