"""Signalling moves with the host, real processes (issue 23): the host runs the lobby's
built-in server in its own process (``embedded_signalling``, ``build_session_host(None)``)
and is SIGKILLed or quits; the survivors' new host starts its own server, everyone moves
there, and a newcomer process joins by the new invite, links to every survivor and chats —
the line arrives exactly once.

Each test prints the hand-over (kill or quit -> every survivor registered on the new host's
server); the bounds are deadlines against a hang on a busy machine.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import Proc, Procs

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

STEP = 45.0
NAMES = ["Gus", "Gia"]


def party(procs: Procs, guests: int) -> tuple[Proc, list[Proc], str, str]:
    """Host (running the lobby's server) + guests, all joined; (host, guests, session id,
    the host's signalling URL)."""
    host, *joined = procs.new(1 + guests)
    host.command(cmd="host", url=None, embedded=True, lobby="Moving", name="Hana")
    session = str(host.wait_for(lambda e: e["event"] == "ready")["session"])
    first = host.state()
    for guest, name in zip(joined, NAMES, strict=False):
        join(guest, first["invite"], session, name)
    return host, joined, session, str(first["signalling_url"])


def join(guest: Proc, invite: str, session: str, name: str) -> None:
    guest.command(cmd="guest", url=invite, session=session, embedded=True)
    guest.wait_for(lambda e: e["event"] == "ready")
    guest.command(cmd="join", name=name)
    guest.notice("Welcomed")


def port(url: str) -> str:
    return url.rsplit(":", 1)[-1]


def moved(survivors: list[Proc], old_url: str, since: float) -> tuple[list[dict[str, Any]],
                                                                     float]:
    """Wait until one survivor hosts a synced lobby on a new server and every survivor is
    registered there; their states and the seconds it took."""
    deadline = time.monotonic() + STEP
    while True:
        states = [p.state() for p in survivors]
        hosts = [s for s in states if s["is_host"]]
        if (len(hosts) == 1 and all(s["stage"] == "synced" for s in states)
                and hosts[0]["signalling_url"] != old_url
                and all(port(s["signalling_url"]) == port(hosts[0]["signalling_url"])
                        for s in states)):
            return states, time.monotonic() - since
        assert time.monotonic() < deadline, f"the survivors did not move: {states}"
        time.sleep(0.1)


def newcomer_chats(procs: Procs, survivors: list[Proc], new_host: dict[str, Any],
                   session: str) -> None:
    (newcomer,) = procs.new(1)
    join(newcomer, str(new_host["invite"]), session, "Nia")
    everyone = [*survivors, newcomer]
    survivor_peers = {p.state()["peer"] for p in survivors}
    deadline = time.monotonic() + STEP
    while not survivor_peers <= set(newcomer.request("pairs", cmd="pairs")["pairs"]):
        assert time.monotonic() < deadline, "the newcomer did not link to every survivor"
        time.sleep(0.2)
    newcomer.command(cmd="chat", text="hello-", count=1)
    deadline = time.monotonic() + STEP
    while True:
        chats = [p.state()["chat"] for p in everyone]
        if all("hello-0" in c for c in chats):
            break
        assert time.monotonic() < deadline, f"the newcomer's line did not arrive: {chats}"
        time.sleep(0.2)
    time.sleep(0.5)  # a duplicate would come right behind
    assert [p.state()["chat"].count("hello-0") for p in everyone] == [1] * len(everyone)


@pytest.mark.parametrize("guests", [1, 2])
def test_host_killed_signalling_moves(procs: Procs, guests: int) -> None:
    host, survivors, session, old_url = party(procs, guests)
    peers = [p.state()["peer"] for p in survivors]
    host.kill()
    states, took = moved(survivors, old_url, time.monotonic())
    print(f"SIGKILL, {guests + 1} players: every survivor on the new host's server after "
          f"{took:.2f} s")
    assert [s["peer"] for s in states] == peers  # same peer ids: the links were kept
    if guests == 2:
        for p in survivors:
            stats = p.request("stats", cmd="stats")["stats"]
            assert stats.get("transport:links_replaced", 0) == 0, stats
    newcomer_chats(procs, survivors, next(s for s in states if s["is_host"]), session)


@pytest.mark.parametrize("guests", [1, 2])
def test_host_quits_signalling_moves(procs: Procs, guests: int) -> None:
    host, survivors, session, old_url = party(procs, guests)
    quit_at = time.monotonic()
    host.ask_exit()  # session.close(): hands over, then its server lingers a moment
    states, took = moved(survivors, old_url, quit_at)
    print(f"quit, {guests + 1} players: every survivor on the new host's server after "
          f"{took:.2f} s")
    newcomer_chats(procs, survivors, next(s for s in states if s["is_host"]), session)
