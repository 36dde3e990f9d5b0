"""``MockWindow``: an arcade-like window for games' headless tests, one per player if need be.

It records ``show_view`` calls, pushes the shown view's handlers like ``arcade.Window`` does, and
``advance()`` dispatches ``on_update`` to the shown view and every hook attached to it; ``draw()``
dispatches ``on_draw``. Game logic and ``SessionHook``s need nothing else.

Real game views need OpenGL: ``arcade.SpriteList()`` asks the current window for its ``ctx``,
textures go to its atlas, ``arcade.gui`` draws through it. For those, ``ctx`` (and whatever else
arcade asks its window for — ``default_camera``, ``get_framebuffer_size``, ...) comes from one
hidden arcade window, made on first use and shared by every ``MockWindow`` of the process: one
OpenGL context, so several players' windows in one test never juggle contexts. On Linux without a
display that needs ``ARCADE_HEADLESS=1`` before arcade is imported (the pytest plugin sets it in
a run that opts in).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pyglet.event import EventDispatcher

if TYPE_CHECKING:
    import arcade

#: Step used by ``advance`` / ``run_until`` (arcade's default update rate).
DEFAULT_DT = 1 / 60
#: Real time slept between frames in ``run_until``, so network threads (WebRTC) get a turn.
FRAME_SLEEP = 0.002

_EVENTS = ("on_update", "on_draw", "on_resize", "on_key_press", "on_key_release", "on_text",
           "on_text_motion", "on_text_motion_select", "on_mouse_press", "on_mouse_release",
           "on_mouse_motion", "on_mouse_drag", "on_mouse_scroll", "on_mouse_enter",
           "on_mouse_leave")

_gl_window: arcade.Window | None = None


@contextmanager
def _gl_kept() -> Iterator[None]:
    """Put back the OpenGL context that was current (pyglet's, and arcade's active one for its
    geometry helpers): a test run may have real windows too, and they must not find the
    hidden window's context current after a ``MockWindow`` used it."""
    if _gl_window is None and "arcade" not in sys.modules:
        yield
        return
    import pyglet.gl
    from arcade.gl import Context

    before, active = pyglet.gl.current_context, Context.active
    try:
        yield
    finally:
        if before is not None and pyglet.gl.current_context is not before:
            before.set_current()
        Context.active = active


def gl_window() -> arcade.Window:
    """The hidden arcade window whose OpenGL context every ``MockWindow`` uses (made once),
    with its context made current (``MockWindow.current()`` puts the previous one back)."""
    global _gl_window
    import arcade
    import arcade.window_commands as window_commands
    from arcade.gl import Context

    if _gl_window is not None and getattr(_gl_window, "_context", True) is None:
        _gl_window = None  # that window was closed since
    if _gl_window is None:
        # A real window open already (a game's own test fixture)? Use its context: vertex
        # arrays made in one OpenGL context fail in another (GL_INVALID_OPERATION, 0x1282),
        # and pyglet and arcade make some while whichever context is current.
        import pyglet

        _gl_window = next((w for w in pyglet.app.windows if isinstance(w, arcade.Window)
                           and getattr(w, "_context", None) is not None), None)
    if _gl_window is None:
        previous = window_commands._window
        try:
            with _gl_kept():
                _gl_window = arcade.Window(64, 64, "konnekt_arcade.testing", visible=False)
        except Exception as exc:  # pyglet's NoSuchDisplayException and friends
            raise RuntimeError(
                f"MockWindow needs OpenGL for this ({exc}). Check: without a display, set "
                "ARCADE_HEADLESS=1 before arcade is imported (the konnekt_arcade pytest "
                "plugin does in a run that opts in: `konnekt_arcade = true` in the pytest "
                "ini options).") from exc
        finally:
            window_commands._window = previous  # arcade.Window() made itself current
    _gl_window.switch_to()
    Context.activate(_gl_window.ctx)
    return _gl_window


class MockWindow(EventDispatcher):
    """Stands in for ``arcade.Window`` in tests (see the module docstring)."""

    def __init__(self, width: int = 1280, height: int = 720) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.shown_views: list[Any] = []
        self.frames = 0
        self.time = 0.0
        self.closed = False
        self.background_color: Any = (0, 0, 0, 255)
        self._current_view: Any = None

    def __getattr__(self, name: str) -> Any:
        # Only reached for what this class lacks: the rest of arcade.Window's surface, from
        # the shared hidden window. Private names and event handlers stay missing: pyglet
        # probes the dispatcher for both, and the hidden window's handlers are not ours.
        if name.startswith(("_", "on_")):
            raise AttributeError(name)
        return getattr(gl_window(), name)

    @property
    def ctx(self) -> Any:
        """The shared hidden window's ``ArcadeContext`` (made current): SpriteLists, textures
        and ``arcade.gui`` work as on a real window."""
        return gl_window().ctx

    @property
    def current_view(self) -> Any:
        return self._current_view

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def center(self) -> tuple[float, float]:
        return self.width / 2, self.height / 2

    @property
    def rect(self) -> Any:
        from arcade.types import LBWH

        return LBWH(0, 0, self.width, self.height)

    def get_size(self) -> tuple[int, int]:
        return self.width, self.height

    def get_framebuffer_size(self) -> tuple[int, int]:
        return self.width, self.height

    def get_pixel_ratio(self) -> float:
        return 1.0

    @contextmanager
    def current(self) -> Iterator[MockWindow]:
        """Make this arcade's current window (``arcade.get_window()``) inside the block:
        code that asks arcade for *the* window (``arcade.View()``, ``SpriteList()``) gets
        this one. ``Players`` does it around each player's frame."""
        import arcade.window_commands as window_commands

        previous = window_commands._window
        window_commands._window = self  # type: ignore[assignment]  # a stand-in Window
        try:
            with _gl_kept():
                yield self
        finally:
            window_commands._window = previous

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

    def draw(self) -> None:
        """Draw one frame (``on_draw`` of the shown view) into the shared hidden window."""
        with self.current():
            gl_window()
            self.dispatch_event("on_draw")

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
