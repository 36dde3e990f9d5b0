"""The partition case stays safe (issue 23): in a two-player lobby, one player's network is cut
for a while. The guest left alone hosts its own copy of the lobby meanwhile (a live lobby, not
a peer stuck reconnecting); when the network returns the two copies merge by the heal rule
(the stronger claim wins, the other side takes its lobby and rejoins with its token): one
host, both players connected, nothing split. Real processes in network namespaces; the cut is
an iptables rule on one side."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.resilience import _netns

from .conftest import Procs, converge

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

#: Shorter than ICE consent (~30 s), so the links themselves survive the cut.
OUTAGE = 8.0
HANG = 60.0


@pytest.fixture
def lan() -> Iterator[_netns.Lan]:
    yield from _netns.lan_or_skip(2, tag="heal")


@pytest.mark.parametrize("embedded", [False, True], ids=["one server", "servers move"])
@pytest.mark.parametrize("cut", [1, 0], ids=["guest cut off", "host cut off"])
def test_a_cut_two_player_lobby_merges_when_the_link_returns(lan: _netns.Lan, procs: Procs,
                                                             cut: int, embedded: bool) -> None:
    """``servers move``: the host runs the lobby's server (``embedded_signalling``, as the
    demo does), so the cut-off guest, hosting its copy, starts its own and moves there; its
    old socket on the host's server is dropped only later, and the PeerLeft for it must not
    close the healed link (it did, 1 run in 4: the two copies never met again)."""
    host, guest = procs.new_in([lan.exec_prefix(i) for i in range(2)])
    grace = OUTAGE + 60  # both keep the other's place until the network is back
    url = None if embedded else lan.start_signalling()
    host.command(cmd="host", url=url, lobby="Heal", name="Hana", grace=grace,
                 embedded=embedded, lan=embedded)
    session = str(host.wait_for(lambda e: e["event"] == "ready", timeout=HANG)["session"])
    if embedded:
        url = str(host.state()["invite"])
    guest.command(cmd="guest", url=url, session=session, grace=grace, embedded=embedded,
                  lan=embedded)
    guest.wait_for(lambda e: e["event"] == "ready", timeout=HANG)
    guest.command(cmd="join", name="Gus")
    guest.notice("Welcomed", timeout=HANG)
    converge([host, guest])
    mark = guest.mark()

    lan.cut(cut)
    try:
        # The guest is alone: it hosts its own copy of the lobby, live (not reconnecting).
        guest.notice("HostChanged", after=mark, is_local=True, timeout=HANG)
        state = guest.state()
        assert state["is_host"] and state["stage"] == "synced", state
        assert host.state()["is_host"]  # two copies for now, each side alone
        time.sleep(max(0.0, OUTAGE - 5.0))  # the outage itself (what is being tested)
        state = guest.state()
        assert state["is_host"] and state["stage"] == "synced", state
    finally:
        lan.heal(cut)

    deadline = time.monotonic() + HANG
    while True:
        states = converge([host, guest])
        merged = (sum(bool(s["is_host"]) for s in states) == 1
                  and len(states[0]["participants"]) == 2
                  and all(states[0]["participants"].values()))
        if merged:
            break
        assert time.monotonic() < deadline, f"still split: {states}"
        time.sleep(0.3)
    assert all(s["stage"] == "synced" for s in states)
    guest.command(cmd="chat", text="one-lobby-", count=1)
    host.command(cmd="chat", text="one-lobby-", count=1)
    deadline = time.monotonic() + HANG
    while True:
        states = converge([host, guest])
        if states[0]["chat"].count("one-lobby-0") == 2:
            break
        assert time.monotonic() < deadline, states[0]["chat"]
        time.sleep(0.3)
