"""``MockWindow``: an arcade-like window with no OpenGL, for games' headless tests.

It records ``show_view`` calls, pushes the shown view's handlers like ``arcade.Window`` does, and
``advance()`` dispatches ``on_update`` to the shown view and to every hook attached to it. Views
that draw or build an ``arcade.gui.UIManager`` need a real window (``ARCADE_HEADLESS=1``); game
logic views and ``SessionHook``s do not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pyglet.event import EventDispatcher

#: Step used by ``advance`` / ``run_until`` (arcade's default update rate).
DEFAULT_DT = 1 / 60
#: Real time slept between frames in ``run_until``, so network threads (WebRTC) get a turn.
FRAME_SLEEP = 0.002

_EVENTS = ("on_update", "on_draw", "on_resize", "on_key_press", "on_key_release", "on_text",
           "on_mouse_press", "on_mouse_release", "on_mouse_motion")


class MockWindow(EventDispatcher):
    """Stands in for ``arcade.Window`` in tests (see the module docstring)."""

    def __init__(self, width: int = 1280, height: int = 720) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.shown_views: list[Any] = []
        self.frames = 0
        self.time = 0.0
        self.closed = False
        self._current_view: Any = None

    @property
    def current_view(self) -> Any:
        return self._current_view

    def get_size(self) -> tuple[int, int]:
        return self.width, self.height

    def show_view(self, view: Any) -> None:
        """Hide the current view, show ``view`` (like arcade: push its handlers)."""
        if getattr(view, "window", None) is None:
            view.window = self
        if self._current_view is not None:
            self._current_view.on_hide_view()
            self.remove_handlers(self._current_view)
        self._current_view = view
        self.shown_views.append(view)
        handlers = {name: getattr(view, name) for name in self.event_types if hasattr(view, name)}
        if handlers:
            self.push_handlers(**handlers)
        if hasattr(view, "on_show_view"):
            view.on_show_view()

    def hide_view(self) -> None:
        if self._current_view is not None:
            self._current_view.on_hide_view()
            self.remove_handlers(self._current_view)
            self._current_view = None

    def advance(self, frames: int = 1, dt: float = DEFAULT_DT) -> None:
        """Run ``frames`` update ticks of ``dt`` seconds each."""
        for _ in range(frames):
            self.frames += 1
            self.time += dt
            self.dispatch_event("on_update", dt)

    def run_until(self, condition: Callable[[], object], timeout: float = 10.0,
                  dt: float = DEFAULT_DT, what: str = "condition") -> None:
        """Advance frames until ``condition()`` is true.

        Raises:
            AssertionError: still false after ``timeout`` seconds of real time.
        """
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            self.advance(1, dt)
            time.sleep(FRAME_SLEEP)

    def close(self) -> None:
        self.closed = True
        self.hide_view()

    # Methods arcade.View code commonly calls on its window; harmless here.
    def set_mouse_visible(self, visible: bool = True) -> None:
        pass

    def clear(self, *args: Any, **kwargs: Any) -> None:
        pass


for _name in _EVENTS:
    MockWindow.register_event_type(_name)
del _name
