"""Simulated input for ``arcade.gui`` widgets on a real (headless) window.

Events go through the window exactly as pyglet would deliver them, so they reach the
``UIManager`` of whichever view is shown: ``click(window, button)`` presses and releases the
left mouse button at the centre of the widget, ``type_text(window, field, "Bob")`` clicks the
field and types into it.
"""

from __future__ import annotations

from typing import Any

import arcade


def _layout(window: Any) -> None:
    view = getattr(window, "current_view", None)
    ui = getattr(view, "ui", None)
    if ui is not None:
        ui.execute_layout()


def click(window: Any, widget: Any) -> None:
    """Click the centre of ``widget`` (after laying the UI out, as a frame would)."""
    _layout(window)
    x, y = widget.rect.center
    window.dispatch_event("on_mouse_motion", int(x), int(y), 0, 0)
    window.dispatch_event("on_mouse_press", int(x), int(y), arcade.MOUSE_BUTTON_LEFT, 0)
    window.dispatch_event("on_mouse_release", int(x), int(y), arcade.MOUSE_BUTTON_LEFT, 0)


def type_text(window: Any, field: Any, text: str, *, replace: bool = True) -> None:
    """Click ``field`` and type ``text`` (``replace`` selects all first, like Ctrl+A)."""
    click(window, field)
    if replace:
        field.text = ""
    window.dispatch_event("on_text", text)


def press_key(window: Any, symbol: int, modifiers: int = 0) -> None:
    window.dispatch_event("on_key_press", symbol, modifiers)
    window.dispatch_event("on_key_release", symbol, modifiers)
