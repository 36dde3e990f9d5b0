"""Two protocol versions in one run, over real WebRTC on loopback signalling: each process is
a player's game (``_roles.VersionedSession``), one of them a release behind.

A guest of another version fails at join with ``IncompatibleVersion`` naming both versions
(not a sync timeout); the host refuses it (counted, told, never admitted) and stays healthy
for the guests of its own version; a directory listing carries the host's protocol.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from childproc import ChildProcess, Event, converge, stop_all
from konnekt_arcade.engine._directory_ui import Browser
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.session import LobbyDirectory
from konnekt_arcade.sync import PROTOCOL_VERSION

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

ROLE = "tests.api_version._roles:VersionedSession"
NEW, OLD = PROTOCOL_VERSION, PROTOCOL_VERSION - 1


@pytest.fixture
def procs() -> Iterator[list[ChildProcess]]:
    started: list[ChildProcess] = []
    try:
        yield started
    finally:
        stop_all(started)


def player(procs: list[ChildProcess], version: int, name: str) -> ChildProcess:
    child = ChildProcess(ROLE, str(version), name=name)
    procs.append(child)
    child.wait_for(lambda e: e["event"] == "started")
    return child


def host(child: ChildProcess, url: str) -> str:
    """Host a lobby published in the signalling server's directory (game "versions")."""
    child.command(cmd="host", url=url, lobby="Party", name=child.name, game="versions")
    session = str(child.wait_for(lambda e: e["event"] == "ready")["session"])
    child.wait_for(lambda e: e["event"] == "code" and e["code"])
    return session


def join(child: ChildProcess, url: str, session: str) -> None:
    child.command(cmd="guest", url=url, session=session)
    child.wait_for(lambda e: e["event"] == "ready")
    child.command(cmd="join", name=child.name)
    child.wait_for(lambda e: e["event"] == "notice" and e["type"] == "Welcomed")


def refused(child: ChildProcess, url: str, session: str) -> tuple[Event, float]:
    """Join ``session`` as a guest that must be refused: the failure and how long it took."""
    start = time.monotonic()
    child.command(cmd="guest", url=url, session=session)
    failed = child.wait_for(lambda e: e["event"] == "failed")
    return failed, time.monotonic() - start


def stats(child: ChildProcess) -> dict[str, int]:
    mark = child.command(cmd="stats")
    return child.wait_for(lambda e: e["event"] == "stats", after=mark)["stats"]


def test_older_guest_is_refused_and_the_host_plays_on(signalling_server: SignallingServer,
                                                      procs: list[ChildProcess]) -> None:
    url = signalling_server.url
    alice, bob = player(procs, NEW, "Alice"), player(procs, NEW, "Bob")
    old = player(procs, OLD, "Olga")
    session = host(alice, url)
    join(bob, url, session)

    failed, took = refused(old, url, session)
    assert failed["type"] == "IncompatibleVersion", failed
    assert (failed["lobby_version"], failed["local_version"]) == (NEW, OLD)
    assert f"speaks protocol {NEW}, this game speaks {OLD}" in failed["message"]
    assert "newer" in failed["message"]
    assert took < 30, took  # at the first exchange, not at a join deadline

    # The host: refused once, counted, never admitted, still serving its own guests.
    alice.wait_for(lambda e: e["event"] == "notice" and e["type"] == "IncompatiblePeer"
                   and e["version"] == OLD)
    host_stats = stats(alice)
    assert host_stats["sync:version_refused"] == 1, host_stats
    assert host_stats["sync:dropped:bad_version"] >= 1, host_stats
    alice.command(cmd="chat", text="still here ")
    bob.wait_for(lambda e: e.get("type") == "ChatPosted" and e["text"] == "still here 0")
    states = converge([alice, bob])
    assert all(len(s["participants"]) == 2 for s in states)  # Olga never joined
    assert all(s["stage"] == "synced" for s in states)
    assert not any(p.domain("CommandFailed") for p in (alice, bob))

    # The directory lists the lobby with its protocol; this game could join it.
    listed = LobbyDirectory(url).list(game="versions")
    assert [x.protocol for x in listed] == [NEW]
    assert Browser.note(listed[0]) is None


def test_newer_guest_is_refused_by_an_older_host(signalling_server: SignallingServer,
                                                 procs: list[ChildProcess]) -> None:
    url = signalling_server.url
    old_host, guest = player(procs, OLD, "Olga"), player(procs, NEW, "Nina")
    session = host(old_host, url)

    # Before joining: the directory says this lobby needs an older version.
    listed = LobbyDirectory(url).list(game="versions")
    assert [x.protocol for x in listed] == [OLD]
    assert Browser.note(listed[0]) == "host has an older version"

    failed, took = refused(guest, url, session)
    assert failed["type"] == "IncompatibleVersion", failed
    assert (failed["lobby_version"], failed["local_version"]) == (OLD, NEW)
    assert f"speaks protocol {OLD}, this game speaks {NEW}" in failed["message"]
    assert "older" in failed["message"]
    assert took < 30, took
    old_host.wait_for(lambda e: e["event"] == "notice" and e["type"] == "IncompatiblePeer")
    assert stats(old_host)["sync:version_refused"] == 1
