"""Issue 8, scenario 4: a lobby over a lossy network. Four real sessions (host + 3 guests), each
in its own process inside its own network namespace, on a private bridge with the signalling
server; iptables drops 10% of the packets entering every peer. 200 chat lines and ready toggles
from all four: every one is applied exactly once and every peer ends with the same state."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from . import _netns
from .conftest import Proc, Procs, converge_on

pytestmark = [pytest.mark.network, pytest.mark.timeout(600)]

LOSS = 0.1
PEERS = 4
EVENTS_PER_PEER = 50  # 4 x 50 = 200; half chat lines, half ready toggles
#: Submissions are paced: at most one chat line a second per player, as a person types (the
#: host rate-limits guests' chat), so the test measures loss, not the spam filter.
INTERVAL = 0.5
#: What a player would accept for a join at 10% loss (issue 27). The sessions run with the
#: library's defaults (connection and sync deadlines 10 s, read as "no progress for that
#: long" with a fresh link after a stall; SCTP timers tuned in net/_sctp.py; command timeout
#: 10 s; heartbeat timeout 2.5 s): before issue 27 this test needed 120 s deadlines and a 60 s
#: command timeout, and still failed about one run in four with one core busy.
JOIN_WITHIN = 60.0


@pytest.fixture
def lan() -> Iterator[_netns.Lan]:
    yield from _netns.lan_or_skip(PEERS)


def domain(p: Proc, kind: str) -> list[dict[str, object]]:
    return p.domain(kind)  # every domain event the process applied, in order


def test_lobby_converges_and_loses_nothing_at_10_percent_loss(
        lan: _netns.Lan, procs: Procs) -> None:
    url = lan.start_signalling()
    for i in range(PEERS):
        lan.drop_incoming(i, LOSS)
    host, *guests = procs.new_in([lan.exec_prefix(i) for i in range(PEERS)])
    everyone = [host, *guests]
    try:
        host.command(cmd="host", url=url, lobby="Lossy", name="Hana")
        session = str(host.wait_for(lambda e: e["event"] == "ready", timeout=60)["session"])
        for g in guests:  # join in parallel: each handshake may take many seconds
            g.command(cmd="guest", url=url, session=session)
        started = time.monotonic()
        for g, name in zip(guests, ["Ann", "Ben", "Cid"], strict=True):
            g.wait_for(lambda e: e["event"] == "ready",
                       timeout=max(1.0, started + JOIN_WITHIN - time.monotonic()))
            g.command(cmd="join", name=name)
        for g in guests:
            g.notice("Welcomed", timeout=30)
        converge_on(everyone, lambda s: len(s["participants"]) == PEERS, timeout=60)

        for i, p in enumerate(everyone):
            p.command(cmd="paced", text=f"p{i}-", count=EVENTS_PER_PEER, interval=INTERVAL)
        chats = {f"p{i}-{k}-0" for i in range(PEERS) for k in range(0, EVENTS_PER_PEER, 2)}
        toggles = EVENTS_PER_PEER // 2

        def host_has_all(_: object) -> bool:
            ready = Counter(str(r["participant_id"]) for r in domain(host, "ReadyChanged"))
            return ({str(c["text"]) for c in domain(host, "ChatPosted")} >= chats
                    and len(ready) == PEERS and min(ready.values()) >= toggles)

        host.wait_for(host_has_all, timeout=EVENTS_PER_PEER * INTERVAL + 90)
        states = converge_on(everyone, lambda s: True, timeout=90)
        dropped = [lan.dropped(i) for i in range(PEERS)]
    finally:
        diagnostics = {p.proc.pid: [e for e in p.events if e.get("type") in (
            "CommandFailed", "HostLost", "HostChanged", "Reconnecting", "TransportNotice")][-6:]
            for p in everyone}
    # The loss was real: every peer's filter dropped packets.
    assert min(dropped) > 0, dropped
    # Converged: one hash, one sequence, the original host still the host.
    assert len({(s["hash"], s["sequence"]) for s in states}) == 1
    assert [bool(s["is_host"]) for s in states] == [True, False, False, False], diagnostics
    # ... and no peer ever took the live host for lost (heartbeats outlive retransmit stalls).
    assert not any(e.get("type") == "HostLost" for p in everyone for e in p.events), diagnostics
    # Nothing lost, nothing doubled: the host applied every line and every toggle exactly once.
    assert not any(domain(p, "CommandFailed") for p in everyone), diagnostics
    posted = Counter(str(c["text"]) for c in domain(host, "ChatPosted"))
    assert set(posted) == chats and set(posted.values()) == {1}, posted.most_common(3)
    ready = Counter(str(r["participant_id"]) for r in domain(host, "ReadyChanged"))
    assert sorted(ready.values()) == [toggles] * PEERS, ready
    # Every guest applied the same lines exactly once (one by one, or in a snapshot when it
    # fell behind: then at least its later lines match).
    for g in guests:
        seen = Counter(str(c["text"]) for c in domain(g, "ChatPosted"))
        assert set(seen.values()) <= {1}, seen.most_common(3)
        snapshots = [e for e in g.events if e.get("type") == "LobbySynced"]
        if len(snapshots) == 1:  # only the one it joined with
            assert set(seen) == chats, sorted(chats - set(seen))[:5]
        else:
            assert set(seen) <= chats
