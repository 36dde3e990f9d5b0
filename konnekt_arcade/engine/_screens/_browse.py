"""The "Browse lobbies" screen: public lobbies of the directory, Join, and join by code.

The list comes from ``LobbyView.browser`` (fetched off the game thread and refreshed every
few seconds); joining resolves the code first (``LobbyView.join_code``).
"""

from __future__ import annotations

from arcade.gui import UIBoxLayout

from .._friendly import friendly_error
from ._base import Screen

#: Lobbies shown at once; the directory answers up to 50, a screen holds about this many.
MAX_ROWS = 8


class BrowseScreen(Screen):
    name = "browse"

    def build(self) -> None:
        t, view = self.theme, self.view
        browser = view.browser
        width = max(420, min(760, self.width - 80))
        box = UIBoxLayout(vertical=True, space_between=t.spacing, align="left")
        box.add(t.label("Browse lobbies", size=t.title_size, bold=True))
        box.add(t.label(f"Open lobbies on {browser.url or view.signalling_url}", color=t.muted,
                        width=width, multiline=True))
        for lobby in browser.lobbies[:MAX_ROWS]:
            row = UIBoxLayout(vertical=False, space_between=t.spacing)
            lock = "  (password)" if lobby.has_password else ""
            row.add(t.label(f"{lobby.name} — {lobby.host_name}{lock}", width=width - 330))
            row.add(t.label(f"{lobby.players}/{lobby.max_players}", width=60,
                            color=t.text if lobby.has_slots else t.muted))
            row.add(t.label(lobby.code, width=110, bold=True, color=t.warning))
            if (note := browser.note(lobby)) is not None:  # another protocol: no Join
                row.add(t.label(note, width=120, color=t.muted, multiline=True))
            elif lobby.has_slots:
                row.add(self.button(f"join:{lobby.code}", "Join",
                                    lambda c=lobby.code: view.join_code(c), width=120,
                                    kind="accent"))
            else:
                row.add(t.label("full", width=120, color=t.muted))
            box.add(row)
        if browser.error is not None:
            box.add(t.label(friendly_error(browser.error), color=t.danger, width=width,
                            multiline=True))
        elif not browser.loaded:
            box.add(t.label("Looking for lobbies…", color=t.muted))
        elif not browser.lobbies:
            box.add(t.label("No open lobbies right now — host one, or ask a friend for their "
                            "code.", color=t.muted, width=width, multiline=True))
        box.add(t.label("Join with a code"))
        code_row = UIBoxLayout(vertical=False, space_between=t.spacing)
        code_row.add(self.field("join_code", width=200))
        code_row.add(self.button("join_with_code", "Join with code",
                                 lambda: view.join_code(view.form.get("join_code", "")),
                                 width=180))
        box.add(code_row)
        if view.message:
            box.add(t.label(view.message, color=t.danger, width=width, multiline=True))
        actions = UIBoxLayout(vertical=False, space_between=t.spacing)
        actions.add(self.button("refresh", "Refresh", view.browse_lobbies, width=140))
        actions.add(self.button("back", "Back", view.back_to_start, width=140))
        box.add(actions)
        panel = box.with_padding(all=24).with_background(color=t.color("panel"))
        self.root.add(panel, anchor_x="center", anchor_y="center")
