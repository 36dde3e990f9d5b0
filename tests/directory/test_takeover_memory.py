"""The listing follows the host, with the sessions on the in-memory transport (fast and
deterministic) and the real directory of an in-process ``konnekt-signal``: the member that
becomes host takes the same join code over after a crash, a quit or a delegation; a former
host stops heartbeating; a kick rotates the member key so the kicked cannot take the listing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, LobbyDirectory, SessionLoop
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.net.directory import HEARTBEAT_INTERVAL
from konnekt_arcade.session._publish import parse_listing
from konnekt_arcade.testing import memory_builder, wait_until

from ._helpers import Owner, every, lobby

URL = "ws://memory.invalid/"
GAME = "takeover-memory"


class Party:
    """A published lobby on the in-memory network: host Hana and guests, all built with
    ``publish()`` (one builder, as a game has)."""

    def __init__(self, server: SignallingServer, guests: list[str]) -> None:
        self.plain = memory_builder()
        builder = self.plain.publish(game=GAME, directory_url=server.url)
        self.guests: dict[str, SessionLoop] = {}
        self.host, sid = builder.build_session_host(URL, [], "Migrating", "Hana")
        self.session_id = str(sid)
        for name in guests:
            guest = self.guests[name] = builder.start_session_guest(URL, sid, [])
            self.wait(lambda g=guest: g.stage is ConnectionStage.SYNCED, "guest synced")
            guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(),
                                                         guest_name=name))
            self.wait(lambda g=guest: g.local_participant_id() is not None, "welcomed")
        self.wait(lambda: self.host.join_code() is not None, "published")
        self.code = self.host.join_code()
        self.wait(lambda: all(listing(g) and listing(g)[0] == self.code
                              for g in self.guests.values()), "members hold the listing")

    @property
    def sessions(self) -> list[SessionLoop]:
        return [self.host, *self.guests.values()]

    def wait(self, condition: Any, what: str, timeout: float = 15.0) -> None:
        wait_until(condition, timeout, *self.sessions, what=what)

    def close(self) -> None:
        for session in reversed(self.sessions):
            session.close()


def listing(session: SessionLoop) -> tuple[str, str] | None:
    """The (code, member key) this peer holds in its replicated roster."""
    sync = session.p2p().sync
    return parse_listing(sync.roster.listing) if sync is not None else None


def listed(server: SignallingServer) -> list[tuple[str, str]]:
    return [(x.code, x.host_name) for x in LobbyDirectory(server.url).list(game=GAME)]


@pytest.fixture
def server() -> Iterator[SignallingServer]:
    with SignallingServer("127.0.0.1", 0) as srv:
        yield srv


@pytest.mark.parametrize("how", ["crash", "quit", "delegate"])
def test_same_code_lists_the_new_host(server: SignallingServer, how: str) -> None:
    party = Party(server, ["Gus"])
    gus, code = party.guests["Gus"], party.code
    assert listed(server) == [(code, "Hana")]
    start = time.monotonic()
    if how == "crash":
        party.plain.network.crash(party.host.local_peer_id(),  # type: ignore[attr-defined]
                                  signalling=False)
    elif how == "quit":
        party.host.close()
    else:
        lobby_ = party.host.get_lobby()
        assert lobby_ is not None
        party.host.submit_command(DomainCommand.DelegateHost(
            lobby_id=lobby_.id, current_host_id=party.host.local_participant_id(),
            new_host_id=gus.local_participant_id()))
    alive = [gus] if how != "delegate" else [gus, party.host]
    names = {id(gus): "Gus", id(party.host): "Hana"}

    def settled() -> bool:
        """One host, holding the same code, and the directory names it. (After a delegation
        the role may move on again; the listing must follow whoever holds it.)"""
        hosts = [s for s in alive if s.is_host()]
        return (len(hosts) == 1 and hosts[0].join_code() == code
                and listed(server) == [(code, names[id(hosts[0])])])

    wait_until(every(0.2, settled), HEARTBEAT_INTERVAL, *alive,
               what="the same code lists the new host")
    print(f"{how}: listing moved in {time.monotonic() - start:.2f} s")
    assert server.directory is not None and server.directory.stats["taken_over"] >= 1
    if how != "delegate":
        assert gus.is_host() and server.directory.stats["taken_over"] == 1
    else:  # the peer that lost the role stops heartbeating: it shows no code
        former = next(s for s in alive if not s.is_host())
        assert former.join_code() is None
        assert server.directory.stats["takeover_refused"] == 0
    party.close()


def test_kick_rotates_the_key_so_the_kicked_cannot_take_the_listing(
        server: SignallingServer) -> None:
    party = Party(server, ["Gus", "Kim"])
    kim = party.guests["Kim"]
    seen = listing(kim)
    assert seen is not None
    lobby_ = party.host.get_lobby()
    assert lobby_ is not None
    party.host.submit_command(DomainCommand.KickGuest(
        lobby_id=lobby_.id, host_id=party.host.local_participant_id(),
        guest_id=kim.local_participant_id()))
    gus = party.guests["Gus"]
    wait_until(lambda: listing(party.host) not in (None, seen)
               and listing(gus) == listing(party.host), 10, party.host, gus,
               what="a new key shared with the members left")
    assert server.directory is not None and server.directory.stats["rotated"] == 1
    # Kim kept the old key: the directory refuses it.
    outsider = Owner(server.url)
    try:
        reply = outsider.send({"op": "takeover", "code": seen[0], "key": seen[1],
                               "lobby": lobby(session_id=party.session_id, host_name="Kim")})
    finally:
        outsider.close()
    assert not reply["ok"] and reply["status"] == 403
    assert server.directory.stats["takeover_refused"] == 1
    assert listed(server) == [(party.code, "Hana")]
    party.close()
