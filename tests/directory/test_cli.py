"""``konnekt-signal``'s directory flags, on the real command line."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

from konnekt_arcade import LobbyDirectory

from ._helpers import Owner
from ._tools import REPO, konnekt_signal

pytestmark = [pytest.mark.network, pytest.mark.timeout(120)]


def test_directory_only_with_public_url() -> None:
    with konnekt_signal("--directory-only", "--public-url", "wss://play.test/") as url:
        with pytest.raises(Exception, match="404"):
            connect(url + "/some-room", open_timeout=10)
        owner = Owner(url)
        try:
            code = owner.register()["code"]
        finally:
            owner.close()
        assert LobbyDirectory(url).resolve(code).signalling_url == "wss://play.test"


def test_no_directory_serves_only_signalling() -> None:
    with konnekt_signal("--no-directory") as url:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url.replace("ws://", "http://") + "/lobbies", timeout=10)
        assert info.value.code == 426  # websockets' "upgrade required": no directory here
        with connect(url + "/room", open_timeout=10) as ws:
            assert "IdAssigned" in str(ws.recv(timeout=10))


@pytest.mark.parametrize("args", [["--public-url", "http://x"],
                                  ["--no-directory", "--redis", "redis://x"]])
def test_bad_flag_combinations_exit_with_a_message(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "konnekt_arcade.net.cli", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert done.returncode == 2 and "error:" in done.stderr


def test_unreachable_redis_fails_at_start_with_what_to_check() -> None:
    from ._tools import free_port

    done = subprocess.run([sys.executable, "-m", "konnekt_arcade.net.cli", "--port", "0",
                           "--redis", f"redis://127.0.0.1:{free_port()}/0"],
                          capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert done.returncode == 1
    assert "Cannot use Redis" in done.stderr and "Check:" in done.stderr
