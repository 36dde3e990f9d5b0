"""A host whose own network drops (issue 8): its guests elect a successor; when the network
comes back, the old host finds the lobby again by itself and carries on as a guest of the
successor. Real sessions in their own processes and network namespaces; the drop is an
iptables rule that blocks everything in and out of the host's namespace."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from . import _netns
from .conftest import Procs, converge_on

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]


@pytest.fixture
def lan() -> Iterator[_netns.Lan]:
    yield from _netns.lan_or_skip(3, tag="drop")


@pytest.mark.parametrize("outage", [
    pytest.param(8.0, id="links-survive"),
    # Longer than ICE consent freshness (~30 s): every link of the host fails, so the host
    # must re-register with the signalling server for its peers to offer new ones.
    pytest.param(40.0, id="links-fail", marks=pytest.mark.slow),
])
def test_host_that_loses_its_network_rejoins_the_migrated_lobby(
        lan: _netns.Lan, procs: Procs, outage: float) -> None:
    url = lan.start_signalling()
    host, ann, ben = procs.new_in([lan.exec_prefix(i) for i in range(3)])
    everyone = [host, ann, ben]
    # A grace period longer than the outage, so the old host still has its place to come back
    # to (after the grace it would be removed, as any participant).
    grace = outage + 60
    host.command(cmd="host", url=url, lobby="Drop", name="Hana", grace=grace)
    session = str(host.wait_for(lambda e: e["event"] == "ready", timeout=60)["session"])
    ids = {}
    for g, name in ((ann, "Ann"), (ben, "Ben")):
        g.command(cmd="guest", url=url, session=session, grace=grace)
        g.wait_for(lambda e: e["event"] == "ready", timeout=60)
        g.command(cmd="join", name=name)
        ids[name] = str(g.notice("Welcomed", timeout=60)["participant_id"])
    hana = str(host.state()["participant"])
    converge_on(everyone, lambda s: len(s["participants"]) == 3)
    marks = [p.mark() for p in everyone]

    lan.cut(0)
    try:
        # The guests notice and elect one of themselves.
        ann.notice("HostChanged", after=marks[1], timeout=60)
        ann.command(cmd="chat", text="during-outage-", count=1)
        converge_on([ann, ben], lambda s: "during-outage-0" in s["chat"], timeout=60)
        time.sleep(max(0.0, outage - 5.0))
    finally:
        lan.heal(0)

    # Back online: the old host gives way to the higher epoch and is a member again.
    states = converge_on(everyone, lambda s: s["participants"].get(hana) is True,
                         timeout=outage + 60)
    assert [bool(s["is_host"]) for s in states].count(True) == 1
    assert not states[0]["is_host"], "the old host must not take the lobby back"
    assert "during-outage-0" in states[0]["chat"]
    assert states[0]["participants"] == {hana: True, ids["Ann"]: True, ids["Ben"]: True}
    host.command(cmd="chat", text="old-host-back-", count=1)
    converge_on(everyone, lambda s: "old-host-back-0" in s["chat"], timeout=60)
