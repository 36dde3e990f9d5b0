"""Host and three guests in four processes over real WebRTC: join, run an activity, converge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from childproc import ChildProcess, converge, stop_all
from konnekt_arcade.net import SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

@pytest.fixture
def procs() -> Iterator[list[ChildProcess]]:
    started = [ChildProcess("session") for _ in range(4)]
    try:
        yield started
    finally:
        stop_all(started)


def test_host_and_three_guests(signalling: SignallingServer,
                               procs: list[ChildProcess]) -> None:
    host, *guests = procs
    host.command(cmd="host", url=signalling.url, lobby="My Lobby", name="Alice")
    session = str(host.wait_for(lambda e: e["event"] == "ready")["session"])
    names = ["Bob", "Carol", "Dave"]
    for guest, name in zip(guests, names, strict=True):
        guest.command(cmd="guest", url=signalling.url, session=session)
        assert guest.wait_for(lambda e: e["event"] == "ready")["lobby"] == session
        guest.command(cmd="join", name=name)
        guest.wait_for(lambda e: e["event"] == "notice" and e["type"] == "Welcomed")

    # Everyone sees every GuestJoined (late joiners get earlier ones through the snapshot).
    for guest in procs:
        guest.wait_for(lambda e: e.get("type") == "GuestJoined"
                       and e["participant"]["name"] == "Dave")
    assert [e["participant"]["name"] for e in host.domain("GuestJoined")] == names
    states = converge(procs)
    assert all(len(s["participants"]) == 4 for s in states)

    host.command(cmd="queue", activity_type="quiz", name="Round 1")
    host.command(cmd="start")
    for p in procs:
        p.wait_for(lambda e: e.get("type") == "RunStarted")
    for score, p in enumerate(procs, start=1):
        p.command(cmd="submit_result", score=score)
    for p in procs:
        ended = p.wait_for(lambda e: e.get("type") == "RunEnded")
        assert ended["status"] == "Completed"
    states = converge(procs)
    assert len({s["hash"] for s in states}) == 1 and states[0]["run"] is None
    assert not any(p.domain("CommandFailed") for p in procs)
