"""The signalling server restarts under a running lobby (issue 8): every client reconnects to it
by itself, the P2P links carry on untouched, and a new guest can join afterwards."""

from __future__ import annotations

import pytest

from konnekt_arcade.net import SignallingServer

from .conftest import Proc, Procs, converge, converge_on, lobby

pytestmark = [pytest.mark.network, pytest.mark.timeout(300)]


def transport_notices(p: Proc, kind: str) -> list[dict[str, object]]:
    return [e for e in p.seen() if e.get("type") == "TransportNotice" and e["kind"] == kind]


def wait_transport_notice(p: Proc, kind: str, after: int = 0, timeout: float = 60) -> None:
    p.wait_for(lambda e: e.get("type") == "TransportNotice" and e.get("kind") == kind,
               timeout=timeout, after=after)


def test_signalling_restart_keeps_links_and_lets_a_new_guest_join(procs: Procs) -> None:
    server = SignallingServer(port=0).start()
    port = server.port
    host, ann, ben, cid = procs.new(4)
    members = [host, ann, ben]
    try:
        session, ids = lobby(server.url, host, [ann, ben], ["Ann", "Ben"])
    finally:
        server.stop()
    for p in members:
        wait_transport_notice(p, "SignallingLost")
    ann.command(cmd="chat", text="while-down-", count=3)
    converge(members)
    marks = [p.mark() for p in members]

    server = SignallingServer(port=port).start()
    try:
        for p, mark in zip(members, marks, strict=True):
            wait_transport_notice(p, "SignallingRestored", after=mark, timeout=60)
        ben.command(cmd="chat", text="restored-", count=3)
        cid.command(cmd="guest", url=server.url, session=session)
        cid.wait_for(lambda e: e["event"] == "ready", timeout=60)
        cid.command(cmd="join", name="Cid")
        cid_id = str(cid.notice("Welcomed", timeout=60)["participant_id"])
        cid.command(cmd="chat", text="newcomer-", count=2)
        states = converge_on([*members, cid], lambda s: {"while-down-2", "restored-2",
                                                         "newcomer-1"} <= set(s["chat"]),
                             timeout=60)
    finally:
        server.stop()
    chat = states[0]["chat"]
    for text in ("while-down-2", "restored-2", "newcomer-1"):
        assert text in chat, chat
    assert states[0]["participants"] == {str(states[0]["participant"]): True, ids["Ann"]: True,
                                         ids["Ben"]: True, cid_id: True}
    # The old links carried on throughout: nobody was disconnected, reconnected as a guest,
    # or elected; each member re-registered exactly once.
    for p in members:
        trouble = [e for e in p.seen() if e.get("type") in (
            "ParticipantDisconnected", "Reconnecting", "HostLost", "HostChanged")]
        assert not trouble, trouble
        assert len(transport_notices(p, "SignallingRestored")) == 1
    assert all(bool(s["is_host"]) == (i == 0) for i, s in enumerate(states))
