"""Tests mean the same in memory and over the wire: the same departures (host quits, host
crashes, guest quits; two and three players) on the in-memory transport and on real aiortc
peers in separate processes end in the same lobby (issue 23).

The outcome compared: how many survivors are host (one), their stages (all synced), whether
every survivor was told the signalling server is gone, and who is left in the new host's lobby
and whether connected — a host that quit has left (its
hand-over carries its ``LeaveLobby``), a crashed host or a guest that quit is kept, offline,
for its grace period.
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
    "host quits", "host crashes", "host crashes with its server", "guest quits")]
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
            "signalling lost": what == "host crashes with its server"}


def outcome(states: list[dict[str, Any]], names: dict[str, str],
            signalling_lost: bool) -> dict[str, Any]:
    host = next(s for s in states if s["is_host"])
    return {"hosts": sum(bool(s["is_host"]) for s in states),
            "stages": sorted({s["stage"] for s in states}),
            "members": {names[pid]: up for pid, up in host["participants"].items()},
            "signalling lost": signalling_lost}


def lost_signalling(notices: list[Any]) -> bool:
    return any(getattr(n, "kind", None) == "SignallingLost" for n in notices)


def settled(result: dict[str, Any], what: str, players: int) -> bool:
    return result == expected(what, players)


# --- in memory ----------------------------------------------------------------------------

def memory_state(session: SessionLoop) -> dict[str, Any]:
    lobby_ = session.get_lobby()
    return {"is_host": session.is_host(), "stage": str(session.stage),
            "hash": session.state_hash(),
            "participants": {str(p.id): p.connected for p in lobby_.participants}
            if lobby_ else {}}


def run_in_memory(what: str, players: int) -> dict[str, Any]:
    builder = memory_builder()
    host, sid = builder.build_session_host(URL, [], "Parity", "host")
    guests: list[SessionLoop] = []
    for name in NAMES[1:players]:
        guest = builder.start_session_guest(URL, sid, [])
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
        builder.network.crash(host.local_peer_id(),  # type: ignore[attr-defined]
                              signalling=what.endswith("its server"))
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
        result = outcome(states, names, all(lost_signalling(n) for n in notices.values()))
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
    _, ids = lobby(url, host, guests, NAMES[1:players])
    names = {str(host.state()["participant"]): "host", **{v: k for k, v in ids.items()}}
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
        result = outcome(states, names, lost) if any(s["is_host"] for s in states) else {}
        if settled(result, what, players) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


@pytest.mark.parametrize(("what", "players"), SCENARIOS)
def test_in_memory_ends_as_it_should(what: str, players: int) -> None:
    assert run_in_memory(what, players) == expected(what, players)


@pytest.mark.network
@pytest.mark.parametrize(("what", "players"), SCENARIOS)
def test_webrtc_ends_as_in_memory(what: str, players: int, signalling: SignallingServer,
                                  procs: Procs) -> None:
    assert run_over_webrtc(what, players, signalling.url, procs) == run_in_memory(what, players)
