"""The directory's HTML page in a real headless Chromium: it lists the lobbies, a hostile
lobby name stays text, and a screenshot lands in the test's tmp directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from konnekt_arcade.net import SignallingServer

from ._helpers import Owner
from ._tools import require_tool

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]

#: See /work/shared/NETWORK_FACTS.md ("Browser"): the flags that work headless here.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--window-size=1100,520"]


def chromium(binary: str, tmp_path: Path, name: str, *args: str) -> str:
    profile = tmp_path / f"profile-{name}-{os.getpid()}"
    done = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_page_lists_lobbies_in_chromium(server: SignallingServer, tmp_path: Path) -> None:
    binary = require_tool("chromium", "chromium")
    owner = Owner(server.url)
    try:
        codes = [owner.register(name="Friday Night", host_name="Alice", players=2)["code"],
                 owner.register(name="<script>alert(1)</script>", host_name="<i>Mallory</i>",
                                game="evil")["code"],
                 owner.register(name="Hidden", public=False)["code"]]
        page = server.url.replace("ws://", "http://") + "/"
        dom = chromium(binary, tmp_path, "dom", "--dump-dom", page)
        shot = tmp_path / "directory-page.png"
        chromium(binary, tmp_path, "shot", f"--screenshot={shot}", page)
    finally:
        owner.close()
    assert "Friday Night" in dom and "2/4" in dom and codes[0] in dom and codes[1] in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text
    assert "<script" not in dom and "<i>" not in dom  # never parsed as markup
    assert "Hidden" not in dom and codes[2] not in dom  # private lobbies are not listed
    assert shot.stat().st_size > 5000  # a real rendered page, saved in the test's tmp
    print(f"screenshot: {shot}")
