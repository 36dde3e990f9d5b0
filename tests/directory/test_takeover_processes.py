"""A directory-published lobby keeps its join code when its host goes (issue 23): real
processes with real aiortc peers on loopback, a separate ``konnekt-signal`` whose directory
lives in a real redis-server. After the host is SIGKILLed or quits, the same code lists the
new host within one directory heartbeat of the new host taking the role, and a newcomer who
knows only the code lands in the same lobby; an outsider who knows the code and the session
id cannot take the listing over. Each test prints how long the hand-over took."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from childproc import ChildProcess, stop_all
from konnekt_arcade import LobbyDirectory
from konnekt_arcade.net.directory import HEARTBEAT_INTERVAL, directory_base
from konnekt_arcade.testing import wait_until

from ._helpers import Owner, every, lobby
from ._tools import konnekt_signal, redis_server

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

GAME = "takeover"
#: The sync layer's host-loss timeout the peers run with (s): a crash is noticed after it.
HOST_LOSS = 2.0
#: A generous bound for steps that are not under test (joining, starting processes).
SLOW = 60.0


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """``konnekt-signal`` with its directory in a real redis-server."""
    with redis_server(tmp_path) as redis_url, konnekt_signal("--redis", redis_url) as ws:
        yield ws


@pytest.fixture
def pool() -> Iterator[list[ChildProcess]]:
    procs: list[ChildProcess] = []
    try:
        yield procs
    finally:
        stop_all(procs, check=False)


def spawn(pool: list[ChildProcess]) -> ChildProcess:
    proc = ChildProcess("session")
    pool.append(proc)
    return proc


def published(url: str, pool: list[ChildProcess], guests: list[str]
              ) -> tuple[ChildProcess, dict[str, ChildProcess], str, str]:
    """Hana hosts a published lobby; each guest joins by its code, built with ``publish()``
    too (a game uses one builder for both). Returns host, guests, session id, code."""
    knobs = {"heartbeat_timeout": HOST_LOSS, "game": GAME}
    host = spawn(pool)
    host.command(cmd="host", url=url, lobby="Migrating", name="Hana", **knobs)
    session = str(host.wait_for(lambda e: e["event"] == "ready", SLOW)["session"])
    code = str(host.wait_for(lambda e: e["event"] == "code" and e["code"], SLOW)["code"])
    procs = {}
    for name in guests:
        guest = procs[name] = spawn(pool)
        guest.command(cmd="guest", url=url, code=code, **knobs)
        assert guest.wait_for(lambda e: e["event"] == "ready", SLOW)["lobby"] == session
        guest.command(cmd="join", name=name)
        guest.notice("Welcomed", timeout=SLOW)
    count = 1 + len(guests)
    host.wait_for(lambda e: e["event"] == "players" and e["count"] == count, SLOW)
    directory = LobbyDirectory(url)
    wait_until(every(0.5, lambda: [(x.code, x.players) for x in directory.list(game=GAME)]
                     == [(code, count)]), SLOW, what="the directory lists every player")
    # Every member holds the listing credential once the host's roster update reached it;
    # the roster follows each join, so a moment after the last join is enough. Wait on it.
    for guest in procs.values():
        wait_until(lambda g=guest: g.state()["listing_code"] == code, SLOW,
                   what="the member holds the listing")
    return host, procs, session, code


def new_host(guests: dict[str, ChildProcess], mark: dict[str, int]) -> tuple[str, float]:
    """The guest that became host, and when (its ``HostChanged(is_local=True)``)."""
    deadline = time.monotonic() + SLOW
    while True:
        for name, guest in guests.items():
            for e in guest.seen(mark[name]):
                if e["event"] == "notice" and e["type"] == "HostChanged" and e.get("is_local"):
                    return name, float(e["t"])
        assert time.monotonic() < deadline, "no guest took over as host"
        time.sleep(0.1)


def lists(url: str, code: str, host_name: str) -> bool:
    return [(x.code, x.host_name) for x in LobbyDirectory(url).list(game=GAME)] == [
        (code, host_name)]


def newcomer_joins(url: str, pool: list[ChildProcess], code: str, session: str,
                   host: ChildProcess) -> None:
    """Dan knows only the code: he lands in the same lobby, and its new host welcomes him."""
    mark = host.mark()
    dan = spawn(pool)
    dan.command(cmd="guest", url=url, code=code)
    assert dan.wait_for(lambda e: e["event"] == "ready", SLOW)["lobby"] == session
    dan.command(cmd="join", name="Dan")
    dan.notice("Welcomed", timeout=SLOW)
    host.wait_for(lambda e: e["event"] == "domain" and e["type"] == "GuestJoined"
                  and e["participant"]["name"] == "Dan", SLOW, after=mark)


@pytest.mark.parametrize("how", ["SIGKILL", "close()"])
def test_same_code_lists_the_new_host_and_a_newcomer_joins_by_it(
        url: str, pool: list[ChildProcess], how: str) -> None:
    host, guests, session, code = published(url, pool, ["Bob", "Cat"])
    assert lists(url, code, "Hana")
    marks = {name: g.mark() for name, g in guests.items()}
    gone = time.monotonic()
    if how == "SIGKILL":
        host.kill()
    else:
        host.stop()  # the role closes the session: hand-over, then the entry's removal
    name, became = new_host(guests, marks)
    # One directory heartbeat after the new host took the role, at most.
    wait_until(every(0.25, lambda: lists(url, code, name)), HEARTBEAT_INTERVAL,
               what=f"{code} lists {name}")
    listed = time.monotonic()
    print(f"{how}: new host after {became - gone:.2f} s, listed {listed - became:.2f} s "
          f"later ({listed - gone:.2f} s in all)")
    resolved = LobbyDirectory(url).resolve(code)
    assert (resolved.session_id, resolved.signalling_url) == (session, url)
    page = urllib.request.urlopen(directory_base(url) + "/", timeout=10).read().decode()
    assert name in page and "Hana" not in page
    newcomer_joins(url, pool, code, session, guests[name])


def test_outsider_cannot_take_the_listing_over(url: str, pool: list[ChildProcess]) -> None:
    host, guests, session, code = published(url, pool, ["Bob"])
    before = LobbyDirectory(url).resolve(code)
    mallory = Owner(url)
    try:
        own = mallory.register(game="elsewhere")  # a real member key, of her own lobby
        replies = [mallory.send({"op": "takeover", "code": code, "key": key,
                                 "lobby": lobby(session_id=session, host_name="Mallory",
                                                game=GAME, signalling_url="ws://evil:1")})
                   for key in ("guessed", own["member_key"], own["token"])]
        taken = mallory.send({"op": "register", "code": code, "token": own["token"],
                              "lobby": lobby(session_id=session, game=GAME)})
    finally:
        mallory.close()
    assert [(r["ok"], r["status"]) for r in replies] == [(False, 403)] * 3
    assert taken["ok"] and taken["code"] != code  # another code, never hers
    metrics = urllib.request.urlopen(directory_base(url) + "/metrics", timeout=10).read()
    assert b'konnekt_directory_requests_total{result="takeover_refused"} 3' in metrics
    after = LobbyDirectory(url).resolve(code)
    assert (after.host_name, after.session_id, after.signalling_url) == (
        before.host_name, before.session_id, before.signalling_url) == ("Hana", session, url)
    # The real host still owns it: its heartbeats carry on (a join shows up).
    newcomer_joins(url, pool, code, session, host)
    wait_until(every(0.5, lambda: LobbyDirectory(url).resolve(code).players == 3), 30,
               what="the host's update after the join")
    assert guests["Bob"].state()["listing_code"] == code
