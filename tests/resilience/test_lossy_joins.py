"""Issue 27: a player on a bad network joins. Two machines (namespaces) with 10% of the packets
entering each dropped, default settings: guests join one after another and every join reaches
a synced lobby within 30 s (before: 2 joins in 38 failed with a ConnectionTimeout at 10 s).

20 joins take about 30 s here (one core busy); ``python -m bench --only loss`` runs 20 per loss
rate and gives the distribution (README Performance)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from . import _netns
from .conftest import Procs

pytestmark = [pytest.mark.network, pytest.mark.timeout(900)]

LOSS = 0.1
JOINS = 20
#: Issue 27's bound for one join at 10% loss (the library's own deadlines may run longer
#: while a join makes progress; the test waits past this bound only to say how long it took).
WITHIN = 30.0


@pytest.fixture
def lan() -> Iterator[_netns.Lan]:
    yield from _netns.lan_or_skip(2, tag="lj")


def test_sequential_joins_at_10_percent_loss_all_sync_within_30_s(
        lan: _netns.Lan, procs: Procs) -> None:
    url = lan.start_signalling()
    for i in range(2):
        lan.drop_incoming(i, LOSS)
    host, anchor = procs.new_in([lan.exec_prefix(0)] * 2)
    (guest,) = procs.new_in([lan.exec_prefix(1)])
    # A short grace: a guest that left is removed soon, so every join finds room.
    host.command(cmd="host", url=url, lobby="Lossy", name="Hana", grace=2.0)
    session = str(host.wait_for(lambda e: e["event"] == "ready", timeout=60)["session"])
    anchor.command(cmd="guest", url=url, session=session)  # a lobby usually has someone in it
    anchor.wait_for(lambda e: e["event"] == "ready", timeout=120)
    times: list[float] = []
    stages: list[dict[str, int]] = []
    for _ in range(JOINS):
        mark = guest.command(cmd="guest", url=url, session=session)
        t0 = time.monotonic()
        guest.wait("ready", timeout=3 * WITHIN, after=mark)  # an error event fails here
        times.append(time.monotonic() - t0)
        stats = guest.request("stats", timeout=30, cmd="stats")["stats"]
        stages.append({k: v for k, v in stats.items() if k.startswith("join:")})
    assert min(lan.dropped(i) for i in range(2)) > 0  # the loss was real
    slow = [(round(t, 1), s) for t, s in zip(times, stages, strict=True) if t > WITHIN]
    assert not slow, slow
    assert sorted(times)[len(times) // 2] <= 10.0, times  # median (issue 27: <= 10 s)
