"""Make ``arcade.gui`` importable in arcade's headless mode (``ARCADE_HEADLESS=1``).

arcade 3.3's ``arcade.gui.ui_manager`` imports ``pyglet.input`` (whose Linux backend needs an X
display) and ``arcade.experimental.controller_window`` (which needs ``arcade.ControllerManager``,
not exported in headless mode), so ``import arcade.gui`` fails on a CI machine without a
display. Headless windows have no input devices anyway: import ``pyglet.input`` with its
device backends stubbed out (pyglet's documentation-build switch) and supply the missing name.
Does nothing when not headless or when ``arcade.gui`` already imported.
"""

from __future__ import annotations

import importlib
import sys

import arcade
import pyglet


def ensure_gui_importable() -> None:
    if not pyglet.options.headless or "arcade.gui" in sys.modules:
        return
    if "pyglet.input" not in sys.modules:
        had_flag = hasattr(sys, "is_pyglet_doc_run")
        previous = getattr(sys, "is_pyglet_doc_run", None)
        sys.is_pyglet_doc_run = True  # type: ignore[attr-defined]
        try:
            importlib.import_module("pyglet.input")
        finally:
            if had_flag:
                sys.is_pyglet_doc_run = previous  # type: ignore[attr-defined]
            else:
                del sys.is_pyglet_doc_run  # type: ignore[attr-defined]
    if not hasattr(arcade, "ControllerManager"):
        from arcade.controller import ControllerManager

        arcade.ControllerManager = ControllerManager  # type: ignore[attr-defined]


ensure_gui_importable()
