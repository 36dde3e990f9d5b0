"""The password screen: a lobby (from the LAN list, an invite or a code) wants a password.

Shown before joining a lobby the LAN list marks as locked, and again after the host refused a
password (``WrongPassword``), with the reason, so the player can simply try again.
"""

from __future__ import annotations

from arcade.gui import UIBoxLayout

from ._base import Screen


class PasswordScreen(Screen):
    name = "password"

    def build(self) -> None:
        t, view = self.theme, self.view
        width = max(280, min(460, self.width - 80))
        box = UIBoxLayout(vertical=True, space_between=t.spacing, align="left")
        box.add(t.label("Password needed", size=t.title_size, bold=True))
        box.add(t.label(view.message, color=t.warning, width=width, multiline=True))
        box.add(t.label("Lobby password"))
        password = box.add(self.field("join_password", width=width,
                                      on_enter=view.submit_password))
        box.add(self.button("join_with_password", "Join", view.submit_password, width=width,
                            kind="accent"))
        box.add(self.button("back", "Back", view.back_to_start, width=width))
        panel = box.with_padding(all=24).with_background(color=t.color("panel"))
        self.root.add(panel, anchor_x="center", anchor_y="center")
        password.activate()
