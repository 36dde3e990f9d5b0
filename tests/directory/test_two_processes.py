"""A published host and a guest that knows only the join code, in two processes over real
WebRTC on loopback; the host's directory entry follows the join and leaves on exit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from childproc import ChildProcess
from konnekt_arcade import LobbyDirectory
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import wait_until

from ._helpers import every

pytestmark = [pytest.mark.network, pytest.mark.timeout(120)]


@pytest.fixture
def procs() -> Iterator[tuple[ChildProcess, ChildProcess]]:
    host, guest = ChildProcess("session"), ChildProcess("session")
    try:
        yield host, guest
    finally:
        guest.stop()
        host.stop()


def test_guest_joins_a_published_lobby_by_code_only(
        server: SignallingServer, procs: tuple[ChildProcess, ChildProcess]) -> None:
    host, guest = procs
    host.command(cmd="host", url=server.url, lobby="Friday Night", name="Alice",
                 game="two-proc")
    session = host.wait_for(lambda e: e["event"] == "ready", 30)["session"]
    code = str(host.wait_for(lambda e: e["event"] == "code" and e["code"], 30)["code"])
    directory = LobbyDirectory(server.url)
    [listed] = directory.list(game="two-proc")
    assert (listed.code, listed.name, listed.players) == (code, "Friday Night", 1)

    guest.command(cmd="guest", url=server.url, code=code)  # no session id anywhere
    assert guest.wait_for(lambda e: e["event"] == "ready", 60)["lobby"] == session
    guest.command(cmd="join", name="Bob")
    host.wait_for(lambda e: e["event"] == "players" and e["count"] == 2, 30)
    wait_until(every(0.5, lambda: directory.list(game="two-proc")[0].players == 2), 30,
               what="the directory shows 2 players")

    host.stop()
    # Well inside the 30 s TTL: removed by the host on exit, not by expiry.
    wait_until(every(0.5, lambda: not directory.list(game="two-proc")), 10,
               what="the entry removed when the host exits")
