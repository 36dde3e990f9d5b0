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
        # pyglet's flag is no attribute ``sys`` declares: set it through the namespace.
        flags = vars(sys)
        had_flag = "is_pyglet_doc_run" in flags
        previous = flags.get("is_pyglet_doc_run")
        flags["is_pyglet_doc_run"] = True
        try:
            importlib.import_module("pyglet.input")
        finally:
            if had_flag:
                flags["is_pyglet_doc_run"] = previous
            else:
                del flags["is_pyglet_doc_run"]
    if not hasattr(arcade, "ControllerManager"):
        from arcade.controller import ControllerManager

        # arcade declares the class but leaves the name unset when headless: set it
        # through the module's namespace (an assignment to a class name does not type-check).
        vars(arcade)["ControllerManager"] = ControllerManager


ensure_gui_importable()
