"""A private X display (Xvfb) and xdotool clicks for tests that drive real game windows.

``Xvfb -displayfd`` picks a free display number itself, so parallel test runs never collide;
the server is killed by pid when the test ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

TOOLS = ("Xvfb", "xdotool", "import")
#: Room for two 1280x800 game windows side by side.
SCREEN = "2600x900x24"


def unavailable() -> str | None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return (f"{', '.join(missing)} missing (scripts/install-system-deps installs xvfb, "
                "xdotool and imagemagick)")
    return None


class Display:
    def __init__(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", SCREEN,
                                      "-nolisten", "tcp"], pass_fds=(write,),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        try:
            with os.fdopen(read) as pipe:
                number = pipe.readline().strip()  # written once the server accepts clients
            if not number:
                raise RuntimeError("Xvfb did not report a display number")
            self.name = f":{number}"
        except BaseException:
            self.close()
            raise

    def env(self) -> dict[str, str]:
        return {"DISPLAY": self.name}

    def _run(self, *args: str) -> str:
        return subprocess.run(args, check=True, capture_output=True, text=True, timeout=20,
                              env=dict(os.environ, DISPLAY=self.name)).stdout

    def new_window(self, title: str, known: set[str], timeout: float = 60) -> str:
        """A window titled ``title`` that is not in ``known`` (pyglet sets no _NET_WM_PID, so
        windows are told apart by the order they appear in)."""
        deadline = time.monotonic() + timeout
        while True:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                                   capture_output=True, text=True, timeout=20,
                                   env=dict(os.environ, DISPLAY=self.name)).stdout.split()
            fresh = [w for w in found if w not in known]
            if fresh:
                return fresh[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no new window {title!r} on {self.name}")
            time.sleep(0.2)

    def move(self, window: str, x: int, y: int) -> None:
        self._run("xdotool", "windowmove", window, str(x), str(y))

    def click(self, window: str, x: int, y: int) -> None:
        """A real pointer click at window coordinates (y down, like X11)."""
        self._run("xdotool", "mousemove", "--window", window, str(x), str(y), "click", "1")

    def type_line(self, text: str) -> None:
        """Type ``text``, then press Enter, as real key presses (XTEST) into the window under
        the pointer (no window manager: focus follows the pointer). Click the field first."""
        self._run("xdotool", "type", "--delay", "40", text)
        self._run("xdotool", "key", "Return")

    def screenshot(self, path: Path) -> Path:
        self._run("import", "-window", "root", str(path))
        return path

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
