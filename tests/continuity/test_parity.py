"""Tests mean the same in memory and over the wire: the same departures (host quits, host
crashes, guest quits; two and three players) on the in-memory transport and on real aiortc
peers in separate processes end in the same lobby (issue 23).

The outcome compared: how many survivors are host (one), their stages (all synced), whether
every survivor was told the signalling server is gone, whether they all moved to a new one
(the host ran the lobby's built-in server: ``embedded_signalling``, signalling moves with the
host), and who is left in the new host's lobby and whether connected — a host that quit has
left (its hand-over carries its ``LeaveLobby``), a crashed host or a guest that quit is kept,
offline, for its grace period.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, SessionLoop
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import memory_builder, wait_until

from .conftest import Proc, Procs, converge, lobby

pytestmark = [pytest.mark.timeout(240)]

SCENARIOS = [(what, n) for n in (2, 3) for what in (
    "host quits", "host crashes", "host crashes with its server", "guest quits",
    "host crashes, its built-in server moves")]
URL = "ws://memory.invalid/"
NAMES = ["host", "g1", "g2"]


def expected(what: str, players: int) -> dict[str, Any]:
    members = {name: True for name in NAMES[:players]}
    if what == "host quits":
        del members["host"]
    elif what.startswith("host crashes"):
        members["host"] = False
    else:
        members[NAMES[players - 1]] = False
    return {"hosts": 1, "stages": ["synced"], "members": members,
            "signalling lost": what.startswith("host crashes with") or moves(what),
            "moved": moves(what)}


def moves(what: str) -> bool:
    return what.endswith("moves")


def outcome(states: list[dict[str, Any]], names: dict[str, str],
            signalling_lost: bool, old_url: str) -> dict[str, Any]:
    host = next(s for s in states if s["is_host"])
    port = host["signalling_url"].rsplit(":", 1)[-1]
    return {"hosts": sum(bool(s["is_host"]) for s in states),
            "stages": sorted({s["stage"] for s in states}),
            "members": {names[pid]: up for pid, up in host["participants"].items()},
            "signalling lost": signalling_lost,
            "moved": host["signalling_url"].rstrip("/") != old_url.rstrip("/")
            and all(s["signalling_url"].rsplit(":", 1)[-1] == port for s in states)}


def lost_signalling(notices: list[Any]) -> bool:
    return any(getattr(n, "kind", None) == "SignallingLost" for n in notices)


def settled(result: dict[str, Any], what: str, players: int) -> bool:
    return result == expected(what, players)


# --- in memory ----------------------------------------------------------------------------

def memory_state(session: SessionLoop) -> dict[str, Any]:
    lobby_ = session.get_lobby()
    return {"is_host": session.is_host(), "stage": str(session.stage),
            "hash": session.state_hash(), "signalling_url": session.signalling_url,
            "participants": {str(p.id): p.connected for p in lobby_.participants}
            if lobby_ else {}}


def run_in_memory(what: str, players: int) -> dict[str, Any]:
    builder = memory_builder()
    network = builder.network  # type: ignore[attr-defined]
    if moves(what):  # the host runs the lobby's server; any survivor may run the next
        builder = builder.embedded_signalling(server=network.signalling_server)
    host, sid = builder.build_session_host(None if moves(what) else URL, [], "Parity", "host")
    old_url = host.signalling_url
    guests: list[SessionLoop] = []
    for name in NAMES[1:players]:
        guest = builder.start_session_guest(host.invite, sid, [])
        guests.append(guest)
        wait_until(lambda g=guest: g.stage is ConnectionStage.SYNCED, 10, host, *guests)
        guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(),
                                                     guest_name=name))
        wait_until(lambda g=guest: g.local_participant_id() is not None, 10, host, *guests)
    everyone = [host, *guests]
    wait_until(lambda: len({s.state_hash() for s in everyone}) == 1, 10, *everyone)
    names = {str(s.local_participant_id()): name for s, name in zip(everyone, NAMES,
                                                                    strict=False)}
    if what == "host quits":
        host.close()
        survivors = guests
    elif what.startswith("host crashes"):
        network.crash(host.local_peer_id(), signalling=what != "host crashes")
        survivors = guests
    else:
        guests[-1].close()
        survivors = [host, *guests[:-1]]
    result: dict[str, Any] = {}
    notices: dict[int, list[Any]] = {i: [] for i in range(len(survivors))}

    def done() -> bool:
        nonlocal result
        for i, s in enumerate(survivors):
            notices[i].extend(s.drain_notices())
        states = [memory_state(s) for s in survivors]
        if len({s["hash"] for s in states}) != 1 or not any(s["is_host"] for s in states):
            return False
        result = outcome(states, names, all(lost_signalling(n) for n in notices.values()),
                         old_url)
        return settled(result, what, players)

    with contextlib.suppress(AssertionError):  # compared by the caller: the last outcome
        wait_until(done, 20, *survivors, what=f"{what} to settle")
    for s in everyone:
        s.close()
    return result


# --- over the wire --------------------------------------------------------------------------

def run_over_webrtc(what: str, players: int, url: str, procs: Procs) -> dict[str, Any]:
    host, *guests = procs.new(players)
    if what.endswith("its server"):
        url = host.request("signalling", cmd="signalling")["url"]
    if moves(what):
        ids = embedded_lobby(host, guests, NAMES[1:players])
    else:
        _, ids = lobby(url, host, guests, NAMES[1:players])
    first = host.state()
    names = {str(first["participant"]): "host", **{v: k for k, v in ids.items()}}
    old_url = str(first["signalling_url"])
    survivors: list[Proc]
    if what == "host quits":
        host.ask_exit()
        survivors = guests
    elif what.startswith("host crashes"):
        host.kill()
        survivors = guests
    else:
        guests[-1].ask_exit()
        survivors = [host, *guests[:-1]]
    deadline = time.monotonic() + 30
    while True:
        states = converge(survivors)
        lost = all(any(e.get("type") == "TransportNotice" and e.get("kind") == "SignallingLost"
                       for e in p.seen()) for p in survivors)
        result = (outcome(states, names, lost, old_url) if any(s["is_host"] for s in states)
                  else {})
        if settled(result, what, players) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def embedded_lobby(host: Proc, guests: list[Proc], names: list[str]) -> dict[str, str]:
    """``lobby`` with the host running the lobby's built-in server (``url=None``)."""
    host.command(cmd="host", url=None, embedded=True, lobby="Faults", name="Hana")
    session = str(host.wait_for(lambda e: e["event"] == "ready")["session"])
    invite, ids = str(host.state()["invite"]), {}
    for guest, name in zip(guests, names, strict=True):
        guest.command(cmd="guest", url=invite, session=session, embedded=True)
        guest.wait_for(lambda e: e["event"] == "ready")
        guest.command(cmd="join", name=name)
        ids[name] = str(guest.notice("Welcomed")["participant_id"])
    return ids


@pytest.mark.parametrize(("what", "players"), SCENARIOS)
def test_in_memory_ends_as_it_should(what: str, players: int) -> None:
    assert run_in_memory(what, players) == expected(what, players)


@pytest.mark.network
@pytest.mark.parametrize(("what", "players"), SCENARIOS)
def test_webrtc_ends_as_in_memory(what: str, players: int, signalling: SignallingServer,
                                  procs: Procs) -> None:
    assert run_over_webrtc(what, players, signalling.url, procs) == run_in_memory(what, players)
