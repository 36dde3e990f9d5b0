"""Processes running one SessionLoop each (the ``session`` role of childproc), killed and
cleaned up by the test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from childproc import ChildProcess, Event, converge, stop_all
from konnekt_arcade.net import SignallingServer

__all__ = ["Event", "Proc", "Procs", "converge", "converge_on", "lobby"]

class Proc(ChildProcess):
    def __init__(self, prefix: Sequence[str] = ()) -> None:
        super().__init__("session", prefix=prefix)


class Procs:
    def __init__(self) -> None:
        self.all: list[Proc] = []

    def new(self, n: int = 1) -> list[Proc]:
        return self.new_in([()] * n)

    def new_in(self, prefixes: list[Sequence[str]]) -> list[Proc]:
        """One process per command prefix (e.g. ``ip netns exec NS``)."""
        started = [Proc(prefix) for prefix in prefixes]
        self.all.extend(started)
        for p in started:
            p.wait_for(lambda e: e["event"] == "started")
        return started


@pytest.fixture
def procs() -> Iterator[Procs]:
    pool = Procs()
    try:
        yield pool
    finally:
        stop_all(pool.all)


@pytest.fixture
def signalling(signalling_server: SignallingServer) -> SignallingServer:
    """The konnekt_arcade.testing plugin's embedded server, under this suite's short name."""
    return signalling_server


def lobby(url: str, host: Proc, guests: list[Proc], names: list[str],
          grace: float | None = None) -> tuple[str, dict[str, str]]:
    """Host + guests joined; returns the session id and name -> participant id."""
    extra = {"grace": grace} if grace is not None else {}
    host.command(cmd="host", url=url, lobby="Faults", name="Hana", **extra)
    session = str(host.wait_for(lambda e: e["event"] == "ready")["session"])
    ids = {}
    for guest, name in zip(guests, names, strict=True):
        guest.command(cmd="guest", url=url, session=session, **extra)
        guest.wait_for(lambda e: e["event"] == "ready")
        guest.command(cmd="join", name=name)
        ids[name] = str(guest.notice("Welcomed")["participant_id"])
    return session, ids


def converge_on(procs: list[Proc], done: Callable[[Event], bool],
                timeout: float = 60) -> list[Event]:
    """``converge`` until the agreed state also satisfies ``done`` (commands sent to other
    processes may not have reached the host yet when the states first agree)."""
    deadline = time.monotonic() + timeout
    while True:
        states = converge(procs, timeout=max(1.0, deadline - time.monotonic()))
        if done(states[0]):
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"converged, but not to the expected state: {states[0]}")
        time.sleep(0.2)
