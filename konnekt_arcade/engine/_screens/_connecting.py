"""The connecting screen: the connection stages as progress, a friendly error, Back."""

from __future__ import annotations

from arcade.gui import UIBoxLayout

from ...session import ConnectionStage
from ._base import Screen

#: The stages a player sees, in order, with their words.
STAGES: tuple[tuple[ConnectionStage, str], ...] = (
    (ConnectionStage.SIGNALLING, "Contacting the signalling server"),
    (ConnectionStage.PEER_ID, "Looking for the host"),
    (ConnectionStage.CONNECTED, "Connected — receiving the lobby"),
    (ConnectionStage.SYNCED, "Joining the lobby"),
)


class ConnectingScreen(Screen):
    name = "connecting"

    def build(self) -> None:
        t, view = self.theme, self.view
        width = max(280, min(520, self.width - 80))
        box = UIBoxLayout(vertical=True, space_between=t.spacing, align="left")
        title = "Hosting a lobby…" if view.role == "host" else "Joining a lobby…"
        box.add(t.label(title, size=t.title_size, bold=True))
        session = view.hook.session
        stage = session.stage if session is not None else ConnectionStage.SIGNALLING
        failed = stage is ConnectionStage.FAILED
        order = [s for s, _ in STAGES]
        reached = order.index(stage) if stage in order else -1
        for index, (_, words) in enumerate(STAGES):
            if index < reached or (index == reached and stage is ConnectionStage.SYNCED
                                   and view.role == "host"):
                mark, color = "[x]", t.ok
            elif index == reached and not failed:
                mark, color = "[..]", t.warning
            else:
                mark, color = "[ ]", t.muted
            box.add(t.label(f"{mark}  {words}", color=color))
        if session is not None:
            box.add(t.label(f"Session {session.session_id}", color=t.muted, size=t.font_size - 2))
        if failed:
            box.add(t.label(view.message, color=t.danger, width=width, multiline=True))
        box.add(self.button("back", "Back", view.back_to_start, width=width))
        panel = box.with_padding(all=24).with_background(color=t.color("panel"))
        self.root.add(panel, anchor_x="center", anchor_y="center")
