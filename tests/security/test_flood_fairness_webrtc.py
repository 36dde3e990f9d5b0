"""A flooding peer cannot crowd out honest ones (real WebRTC, three processes).

The flooder (childproc's ``transport`` role) joins the lobby and then sends chat commands to
every peer as fast as its links take them, for ``FLOOD_SECONDS``. Meanwhile an honest guest in
another process (childproc's ``session`` role) chats once a second and toggles ready once a
second. The host and a second honest guest run here, polled once per frame.

Every honest line and toggle arrives on the host and on the other guest, in order; nobody takes
the live host for lost; every host ``poll()`` handles at most ``batch_size`` events; and what
was dropped on the way in is counted against the flooder only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from childproc import ChildProcess, stop_all
from konnekt_arcade import P2PLoopBuilder
from konnekt_arcade.domain import DomainEvent
from konnekt_arcade.sync import HostChanged, HostLost
from konnekt_arcade.testing import SessionGroup

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(240)]

FLOOD_SECONDS = 20.0
#: The honest guest's pace: one submission every half second, alternating a chat line and a
#: ready toggle, so one line and one toggle a second (within every rate limit).
INTERVAL = 0.5
SUBMISSIONS = int(FLOOD_SECONDS / INTERVAL)
#: Events a session handles per poll(). Small, so the flood always outruns what a frame takes
#: (the host handles at most BATCH / FRAME events a second): the incoming queue is under
#: pressure on any machine, which is the situation this test is about.
BATCH = 4
FRAME = 1 / 60


class Frames:
    """Polls the in-process sessions once per frame and keeps what they report."""

    def __init__(self, group: SessionGroup, procs: list[ChildProcess]) -> None:
        self.group, self.procs = group, procs
        self.polled: list[int] = []  # events handled by each host poll()
        self.slowest = 0.0  # longest host poll(), for the failure message only
        self.events: dict[int, list[object]] = {id(s): [] for s in group.all}
        self.notices: dict[int, list[object]] = {id(s): [] for s in group.all}

    def frame(self) -> None:
        start = time.monotonic()
        self.polled.append(self.group.host.poll())
        self.slowest = max(self.slowest, time.monotonic() - start)
        for guest in self.group.guests:
            guest.poll()
        for s in self.group.all:
            self.events[id(s)].extend(s.domain().drain_events())
            self.notices[id(s)].extend(s.drain_notices())
        for p in self.procs:
            p.raise_errors()
        time.sleep(max(0.0, FRAME - (time.monotonic() - start)))

    def until(self, condition: Callable[[], object], timeout: float,
              what: str | Callable[[], str]) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                said = what if isinstance(what, str) else what()
                raise AssertionError(f"timed out waiting for {said}")
            self.frame()


def _event(proc: ChildProcess, name: str) -> Callable[[], object]:
    return lambda: any(e.get("event") == name for e in list(proc.events))


def _first(proc: ChildProcess, name: str) -> dict[str, object]:
    return next(e for e in list(proc.events) if e.get("event") == name)


@pytest.fixture
def procs() -> Iterator[tuple[ChildProcess, ChildProcess]]:
    started: list[ChildProcess] = []
    try:
        started = [ChildProcess("session", name="honest"),
                   ChildProcess("transport", name="flooder")]
        for p in started:
            p.wait_for(lambda e: e["event"] == "started", timeout=60)
        yield started[0], started[1]
    finally:
        stop_all(started)


def test_a_flooder_drops_only_its_own_messages(signalling_server,
                                               procs: tuple[ChildProcess, ChildProcess]
                                               ) -> None:
    honest, flooder = procs
    group = SessionGroup(P2PLoopBuilder().batch_size(BATCH), signalling_server.url, timeout=60)
    try:
        other = group.add_guest("Other")
        host = group.host
        frames = Frames(group, [honest, flooder])
        honest.command(cmd="guest", url=signalling_server.url, session=str(group.session_id))
        frames.until(_event(honest, "ready"), 60, "the honest guest to start")
        honest.command(cmd="join", name="Honest")
        frames.until(lambda: len(host.get_lobby().participants) == 3 and group.converged(), 60,
                     "the honest guest to join")
        honest_id = next(p.id for p in host.get_lobby().participants if p.name == "Honest")
        host_peer = host.local_peer_id()

        flooder.command(cmd="flood", url=signalling_server.url, room=group.session_id.room,
                        host_peer=host_peer, peers=3, seconds=FLOOD_SECONDS, name="Mallory")
        frames.until(_event(flooder, "flooding"), 90, "the flooder to join and start")
        flooder_peer = str(_first(flooder, "flooding")["peer"])
        frames.polled.clear()
        honest.command(cmd="paced", text="h", count=SUBMISSIONS, interval=INTERVAL)

        lines = [f"h{i}-0" for i in range(0, SUBMISSIONS, 2)]
        toggles = [i % 4 == 1 for i in range(1, SUBMISSIONS, 2)]

        def honest_lines(session: object) -> list[str]:
            return [e.text for e in frames.events[id(session)]
                    if isinstance(e, DomainEvent.ChatPosted) and e.participant_id == honest_id]

        def honest_toggles(session: object) -> list[bool]:
            return [e.ready for e in frames.events[id(session)]
                    if isinstance(e, DomainEvent.ReadyChanged)
                    and e.participant_id == honest_id]

        # Until the flood is over and all honest submissions arrived everywhere (the paced
        # submissions take SUBMISSIONS * INTERVAL; the deadline leaves a busy machine room).
        frames.until(lambda: _event(flooder, "flood_done")() and all(
            len(honest_lines(s)) >= len(lines) and len(honest_toggles(s)) >= len(toggles)
            for s in (host, other)), FLOOD_SECONDS + 120, lambda: (
            f"the flood to end and every honest submission to arrive: lines {lines}, "
            f"toggles {toggles}; host has {honest_lines(host)}, {honest_toggles(host)}; "
            f"other has {honest_lines(other)}, {honest_toggles(other)}; "
            f"host stats {host.stats}"))
        done = _first(flooder, "flood_done")

        for s in (host, other):
            assert honest_lines(s) == lines
            assert honest_toggles(s) == toggles
        # Nobody took the live host for lost.
        assert host.is_host() and not other.is_host()
        for s in group.all:
            lost = [n for n in frames.notices[id(s)] if isinstance(n, HostLost | HostChanged)]
            assert not lost, lost
        assert not [e for e in honest.events if e.get("event") == "notice"
                    and e["type"] in ("HostLost", "HostChanged", "Reconnecting")]
        assert other.p2p().sync.host_peer == host_peer
        # poll() handled at most its batch in every frame.
        assert frames.polled and max(frames.polled) <= BATCH, (max(frames.polled),
                                                               frames.slowest)
        # It was a flood: far more than the honest guest sent, and more than the host's
        # budget for one peer over the time it lasted.
        stats = host.stats
        sync = host.p2p().sync
        budget = sync.config.message_burst + sync.config.message_rate * float(done["seconds"])
        assert int(done["sent"]) > budget, (done, budget)
        # ... and more than the host's poll() took: its lane overflowed (or its budget ran out)
        # and those drops are counted against it.
        assert stats[f"transport:dropped_incoming_from:{flooder_peer}"] > 0, (done, stats)
        # Only the flooder lost messages on their way in, at the host and at the other guest.
        for s in (host, other):
            by_peer = {k for k, v in s.stats.items()
                       if k.startswith(("transport:dropped_incoming_from:",
                                        "dropped:game_data_from:")) and v}
            assert by_peer <= {f"transport:dropped_incoming_from:{flooder_peer}"}, by_peer
        frames.until(group.converged, 60, "the honest peers to converge")
    finally:
        group.close()
