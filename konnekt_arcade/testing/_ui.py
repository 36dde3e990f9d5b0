"""Simulated input for ``arcade.gui`` widgets on a real (headless) window.

Events go through the window exactly as pyglet would deliver them, so they reach the
``UIManager`` of whichever view is shown: ``click(window, button)`` presses and releases the
left mouse button at the centre of the widget, ``type_text(window, field, "Bob")`` clicks the
field and types into it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pyglet.event import EventDispatcher

#: pyglet's left mouse button (``MOUSE_BUTTON_LEFT``); arcade itself is not imported
#: here, so that loading the plugin never decides arcade's headless mode.
MOUSE_BUTTON_LEFT = 1


def _dispatch(window: Any, event: str, *args: Any) -> None:
    # pyglet windows queue events dispatched outside their own event loop; deliver them now.
    EventDispatcher.dispatch_event(window, event, *args)


def _layout(window: Any) -> None:
    view = getattr(window, "current_view", None)
    ui = getattr(view, "ui", None)
    if ui is not None:
        ui.execute_layout()


def click(window: Any, widget: Any) -> None:
    """Click the centre of ``widget`` (after laying the UI out, as a frame would)."""
    _layout(window)
    x, y = widget.rect.center
    _dispatch(window, "on_mouse_motion", int(x), int(y), 0, 0)
    _dispatch(window, "on_mouse_press", int(x), int(y), MOUSE_BUTTON_LEFT, 0)
    _dispatch(window, "on_mouse_release", int(x), int(y), MOUSE_BUTTON_LEFT, 0)


def type_text(window: Any, field: Any, text: str, *, replace: bool = True) -> None:
    """Click ``field`` and type ``text`` (``replace`` selects all first, like Ctrl+A)."""
    click(window, field)
    if replace:
        field.text = ""
    _dispatch(window, "on_text", text)


#: pyglet's ENTER and RETURN key symbols: a real window follows their key press with the
#: text "\r" (``on_text``), as it does for every key that types something.
_ENTER_KEYS = (65293, 65421)


def press_key(window: Any, symbol: int, modifiers: int = 0) -> None:
    """Press and release a key as a real window delivers it (Enter also types "\r")."""
    _dispatch(window, "on_key_press", symbol, modifiers)
    if symbol in _ENTER_KEYS:
        _dispatch(window, "on_text", "\r")
    _dispatch(window, "on_key_release", symbol, modifiers)


def run_views_until(condition: Callable[[], object], *views: Any, timeout: float = 10.0,
                    what: str = "condition", delta_time: float = 1 / 60) -> None:
    """Run frames (``on_update``) of every view — shown or not — until ``condition()``.

    Several players' views in one test each need their frames for their sessions to move
    on; this drives them all. Raises ``AssertionError`` naming ``what`` after ``timeout``
    seconds (a deadline, never a bare sleep).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        for view in views:
            view.on_update(delta_time)
        time.sleep(0.001)
