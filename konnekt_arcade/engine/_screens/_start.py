"""The start screen: player name, Host / Join, session id (takes paste), signalling URL."""

from __future__ import annotations

from arcade.gui import UIBoxLayout

from ._base import Screen


class StartScreen(Screen):
    name = "start"

    def build(self) -> None:
        t, view = self.theme, self.view
        width = max(280, min(460, self.width - 80))
        box = UIBoxLayout(vertical=True, space_between=t.spacing, align="left")
        box.add(t.label(view.title, size=t.title_size, bold=True))
        box.add(t.label("Play together: host a lobby, or join one with its session id.",
                        color=t.muted, width=width, multiline=True))
        box.add(t.label("Your name"))
        box.add(self.field("name", width=width))
        box.add(self.button("host", "Host a lobby", view.host_lobby, width=width, kind="accent"))
        box.add(t.label("Session id (paste it here, Ctrl+V)"))
        box.add(self.field("session_id", width=width))
        box.add(self.button("join", "Join", view.join_lobby, width=width))
        box.add(t.label("Signalling server — leave empty for the built-in one", color=t.muted,
                        width=width, multiline=True))
        box.add(self.field("signalling_url", width=width))
        self.message = t.label(view.message, color=t.danger, width=width, multiline=True)
        box.add(self.message)
        panel = box.with_padding(all=24).with_background(color=t.color("panel"))
        self.root.add(panel, anchor_x="center", anchor_y="center")
