"""Copy and paste for ``LobbyView``: the system clipboard where the platform has one.

Headless windows and some Linux setups have none; ``LobbyView.clipboard`` then keeps what was
copied, so Copy followed by Ctrl+V still works inside the game (and tests can read it).
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("konnekt_arcade.engine")


def copy_text(window: Any, text: str) -> str:
    """Put ``text`` on the system clipboard if there is one; returns ``text``."""
    try:
        window.set_clipboard_text(text)
    except Exception:  # no system clipboard here (headless): pyglet raises its own kinds
        logger.debug("no system clipboard; the text stays in LobbyView.clipboard")
    return text


def paste_text(window: Any, fallback: str) -> str:
    """The system clipboard's text, or ``fallback`` where there is none (or it is empty)."""
    try:
        text = window.get_clipboard_text()
    except Exception:  # as in copy_text
        text = ""
    return str(text or fallback)
