"""``--state-file``: the window's state as JSON, so a test driving real windows (Xvfb) can see
what a player sees: the screen, the players, the LAN list, and where the buttons are."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

#: Rewritten at most this often (and only when something changed): a test polls it.
WRITE_INTERVAL = 0.25


class StateFile:
    def __init__(self, path: str) -> None:
        self.path = Path(path) if path else None
        self._last = ""
        self._written = float("-inf")

    def write(self, view: Any, *, now_please: bool = False) -> None:
        """Write the state (at most every ``WRITE_INTERVAL`` unless ``now_please``: a moment
        the lobby view's frames will not report, such as a game view coming in front)."""
        now = time.monotonic()
        if self.path is None or (now - self._written < WRITE_INTERVAL and not now_please):
            return
        self._written = now
        text = json.dumps(snapshot(view), sort_keys=True)
        if text != self._last:
            self._last = text
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(text)
            os.replace(tmp, self.path)  # readers never see half a file


def snapshot(view: Any) -> dict[str, Any]:
    lobby = view.hook.lobby
    window = view.window
    view.ui.execute_layout()
    buttons = {key: [int(w.rect.center[0]), int(window.height - w.rect.center[1])]
               for key, w in view.screen.widgets.items()}  # X11 coordinates (y down)
    return {
        "screen": view.screen.name,
        #: The view in front: the lobby, or a game's (what the player sees).
        "front": type(window.current_view).__name__,
        "role": view.role,
        "players": [p.name for p in lobby.participants] if lobby is not None else [],
        "host": host.name if lobby is not None and (host := lobby.host) is not None else None,
        "chat": [f"{line.name}: {line.text}" for line in lobby.chat] if lobby is not None else [],
        "queue": [a.name for a in lobby.activity_queue] if lobby is not None else [],
        "lan": [{"name": x.name, "host": x.host_name, "players": x.players, "invite": x.invite}
                for x in view.lan_list.lobbies],
        "invite": view.invite_text(),
        "message": view.message,
        "widgets": buttons,
    }
